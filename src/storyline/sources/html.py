"""Saved or fetched HTML pages as Articles: main text by trafilatura, metadata kept to the second.

trafilatura finds the body, title, author and site name well, but its date (htmldate) is a day
without a time, and it flattens the reader thread. So this module reads the time-bearing meta
tags itself (``article:published_time``, JSON-LD ``datePublished``, ``<time datetime>``…) and
hands the page's tree to :mod:`storyline.sources.html_thread` for the comments.

Encoding: the charset the server declared (``raw.encoding``) or the page's own
``<meta charset>``/``http-equiv`` label is passed to :func:`~storyline.sources.decode.decode_bytes`,
which also honours a BOM and falls back to charset-normalizer (GBK read as GB18030, Big5 as
Big5-HKSCS), so a GBK or Big5 page reaches the store as the characters its author typed.

Example::

    >>> page = b"<html><head><title>T</title></head><body><article><p>Body text.</p></article></body></html>"
    >>> parse(RawInput("page.html", page))[0].paragraphs
    ('Body text.',)
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from storyline.dates import parse_date
from storyline.errors import InputError, ParseError
from storyline.records import Article, RawInput, Stats
from storyline.sources.decode import decode_bytes
from storyline.sources.html_thread import extract_thread

__all__ = ["PageMeta", "decode_html", "page_meta", "parse", "parse_html", "sniff_charset"]

log = logging.getLogger(__name__)

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)

# trafilatura's defaults drop pages under 250 characters of text (short news briefs, our test
# pages) and run a SIGALRM timeout that breaks in worker threads; both are switched off here.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
_CONFIG.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")

# Meta tags that carry a full timestamp, best first (Open Graph/article, Dublin Core, news sites).
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publishtime",
    "dc.date.issued",
    "dc.date",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "article:modified_time",
)


class PageMeta:
    """What the page's own markup says about it (meta tags, JSON-LD, canonical link)."""

    __slots__ = ("author", "canonical", "description", "published_at", "site_name", "title")

    def __init__(self) -> None:
        self.title = ""
        self.site_name = ""
        self.author = ""
        self.canonical = ""
        self.description = ""
        self.published_at: datetime | None = None


def sniff_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (``<meta charset>`` or ``http-equiv``)."""
    m = _CHARSET_RE.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def decode_html(raw: RawInput) -> str:
    """The page's text: declared HTTP charset first, then its ``<meta>`` label, BOM, detection."""
    declared = raw.encoding or sniff_charset(raw.data)
    text, _ = decode_bytes(raw.data, raw.name, declared)
    return text


def _tree(text: str, name: str) -> lxml.html.HtmlElement:
    # lxml refuses str input that still carries an XML encoding declaration (XHTML pages).
    text = _XML_DECL_RE.sub("", text, count=1)
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(name, f"not readable as HTML ({exc})") from None
    if tree is None:
        raise ParseError(name, "not readable as HTML (empty document)")
    return tree


def _when(text: str | None) -> datetime | None:
    if not text or len(text) > 200:
        return None
    return parse_date(text)


def _jsonld(tree: lxml.html.HtmlElement, meta: PageMeta) -> None:
    for node in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(node.text or "")
        except (json.JSONDecodeError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
                continue
            if not isinstance(item, dict):
                continue
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
            if meta.published_at is None and isinstance(item.get("datePublished"), str):
                meta.published_at = _when(item["datePublished"])
            author = item.get("author")
            if not meta.author and isinstance(author, dict) and isinstance(author.get("name"), str):
                meta.author = author["name"].strip()
            elif not meta.author and isinstance(author, str):
                meta.author = author.strip()


def page_meta(tree: lxml.html.HtmlElement) -> PageMeta:
    """Title, site name, author, canonical URL and publication time from the page's markup."""
    meta = PageMeta()
    found: dict[str, str] = {}
    for node in tree.iterfind(".//meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        content = (node.get("content") or "").strip()
        if key and content and key not in found:
            found[key] = content
    meta.title = found.get("og:title", "")
    meta.site_name = found.get("og:site_name", "") or found.get("application-name", "")
    meta.author = found.get("author", "") or found.get("article:author", "")
    if meta.author.startswith(("http://", "https://")):
        meta.author = ""
    meta.description = found.get("description", "") or found.get("og:description", "")
    meta.canonical = found.get("og:url", "")
    for key in _DATE_META:
        meta.published_at = _when(found.get(key))
        if meta.published_at is not None:
            break
    for link in tree.iterfind(".//link[@rel]"):
        if link.get("rel", "").lower() == "canonical" and link.get("href"):
            meta.canonical = link.get("href", "").strip()
            break
    _jsonld(tree, meta)
    if meta.published_at is None:
        for node in tree.iterfind(".//time[@datetime]"):
            meta.published_at = _when(node.get("datetime"))
            if meta.published_at is not None:
                break
    if not meta.title:
        node = tree.find(".//title")
        meta.title = (node.text_content() if node is not None else "").strip()
    return meta


def _url_for(raw_name: str, canonical: str) -> str:
    base = raw_name if raw_name.startswith(("http://", "https://")) else ""
    if canonical:
        absolute = urljoin(base, canonical) if base else canonical
        if absolute.startswith(("http://", "https://")):
            return absolute
    return base


def parse(raw: RawInput, errors: list[InputError] | None = None) -> list[Article]:
    """One HTML page → one Article (main text, metadata, reader thread)."""
    return [parse_html(decode_html(raw), raw.name, raw.sha256, errors)]


def parse_html(text: str, name: str, sha256: str = "", errors: list[InputError] | None = None) -> Article:
    """The Article of an already-decoded page; ``name`` is the file or URL it came from."""
    tree = _tree(text, name)
    meta = page_meta(tree)
    comments = extract_thread(tree, name, errors)
    try:
        doc = trafilatura.bare_extraction(
            text,
            url=name if name.startswith(("http://", "https://")) else None,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            fast=True,
            config=_CONFIG,
        )
    except Exception as exc:  # trafilatura wraps lxml; any failure of it is a page it cannot read
        log.info("%s: trafilatura failed (%s); falling back to <p> text", name, exc)
        doc = None
    body = (getattr(doc, "text", None) or "") if doc is not None else ""
    paragraphs = [p.strip() for p in body.splitlines() if p.strip()]
    if not paragraphs:
        # trafilatura returns nothing for pages that are mostly thread or very short; the
        # page's own <p> elements are the honest remainder.
        paragraphs = [
            " ".join(p.text_content().split()) for p in tree.iterfind(".//p") if p.text_content().strip()
        ]
    said = {c.text for c in comments if c.text}
    title = meta.title or (getattr(doc, "title", None) or "" if doc is not None else "")
    # trafilatura keeps the <h1> as the first line of the body; it is the title, not a paragraph.
    if paragraphs and title and paragraphs[0] == " ".join(title.split()):
        paragraphs = paragraphs[1:]
    paragraphs = [p for p in paragraphs if p not in said]
    if not paragraphs and not comments and not title:
        raise ParseError(name, "no article text, title or reader comments found in this HTML page")
    url = _url_for(name, meta.canonical)
    host = urlsplit(url).hostname or ""
    doc_site = (getattr(doc, "sitename", None) or "") if doc is not None else ""
    doc_author = (getattr(doc, "author", None) or "") if doc is not None else ""
    published = meta.published_at
    if published is None and doc is not None and getattr(doc, "date", None):
        published = _when(doc.date)
    outlet = meta.site_name or doc_site or (host.removeprefix("www.") if host else "")
    return Article(
        url=url,
        outlet=outlet,
        site=host,
        title=" ".join(title.split()),
        paragraphs=tuple(paragraphs),
        published_at=published,
        author=meta.author or doc_author,
        stats=Stats(comments=len(comments) if comments else None),
        comments=comments,
        source_name=name,
        raw_sha256=sha256,
    )
