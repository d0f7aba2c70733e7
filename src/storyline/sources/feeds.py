"""RSS and Atom feeds as Articles, read with feedparser from bytes.

Each feed item becomes one Article: title, link, publication time (read from the item's own
date string so its UTC offset survives — feedparser's ``*_parsed`` fields are UTC struct_times),
author, and paragraphs from ``content:encoded``/``content`` or else the summary. The outlet is the
feed's title, else the domain of its link.

The bytes are decoded with :func:`~storyline.sources.decode.decode_bytes` first (the XML
declaration's label or ``raw.encoding`` as the declared charset, GBK read as GB18030, Big5 as
Big5-HKSCS) and handed to feedparser as UTF-8, so feeds follow the same encoding rules as pages.

Errors: an item without title, link or text is skipped and reported in ``errors``; a feed that
yields no item at all raises :class:`~storyline.errors.ParseError` with feedparser's reason.

Example::

    >>> rss = b'<rss version="2.0"><channel><title>T</title><item><title>A</title>'
    >>> rss += b'<link>https://e.org/a</link><description>Body.</description></item></channel></rss>'
    >>> [a.title for a in parse(RawInput("t.xml", rss))]
    ['A']
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
from lxml import etree

from storyline.errors import InputError, ParseError
from storyline.records import Article, RawInput
from storyline.sources.dates import parse_date
from storyline.sources.decode import decode_bytes

__all__ = ["FeedItem", "html_paragraphs", "parse", "parse_items"]

log = logging.getLogger(__name__)

_XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_BLOCKS = {
    "p",
    "div",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "pre",
    "section",
    "article",
}
_TITLE_CHARS = 80


class FeedItem:
    """One item of a feed as listed: what a fetcher needs to go and read its page."""

    __slots__ = ("article", "link")

    def __init__(self, link: str, article: Article) -> None:
        self.link = link
        self.article = article


def html_paragraphs(fragment: str) -> list[str]:
    """Paragraph texts of an HTML fragment (a feed item's content), plain text as one paragraph."""
    if "<" not in fragment:
        return [" ".join(line.split()) for line in fragment.splitlines() if line.strip()]
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return [" ".join(fragment.split())] if fragment.strip() else []
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
            el.text = "\n" + (el.text or "")
    text = root.text_content()
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _decode(raw: RawInput) -> bytes:
    m = _XML_ENCODING_RE.match(raw.data[:512])
    declared = raw.encoding or (m.group(1).decode("ascii") if m else None)
    text, _ = decode_bytes(raw.data, raw.name, declared)
    # feedparser re-reads the XML declaration's label; after decoding, the truth is UTF-8. Without
    # a declaration feedparser adds one on a line of its own, shifting every reported line by one.
    decl = '<?xml version="1.0" encoding="utf-8"?>'
    text, found = _XML_DECL_RE.subn(decl, text.lstrip("\ufeff"), count=1)
    if not found:
        text = decl + text
    return text.encode("utf-8")


def _line_of(text: str, *needles: str) -> int | None:
    for needle in needles:
        if needle:
            at = text.find(needle)
            if at >= 0:
                return text.count("\n", 0, at) + 1
    return None


def _when(entry: Any) -> datetime | None:
    for key in ("published", "pubDate", "dc_date", "created", "updated", "issued"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip() and len(value) <= 200:
            at = parse_date(value)
            if at is not None:
                return at
    return None


def _content(entry: Any) -> str:
    for part in entry.get("content") or ():
        value = part.get("value") if isinstance(part, dict) else None
        if isinstance(value, str) and value.strip():
            return value
    summary = entry.get("summary")
    return summary if isinstance(summary, str) else ""


def parse(raw: RawInput, errors: list[InputError] | None = None) -> list[Article]:
    """Every readable item of an RSS/Atom feed as an Article (bad items go to ``errors``)."""
    return [item.article for item in parse_items(raw, errors)]


def parse_items(raw: RawInput, errors: list[InputError] | None = None) -> list[FeedItem]:
    """Like :func:`parse`, keeping each item's absolute link beside its Article."""
    data = _decode(raw)
    try:
        parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser's own parser errors; none may escape raw
        raise ParseError(
            raw.name, f"not readable as an RSS/Atom feed ({type(exc).__name__}: {exc})"
        ) from None
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            reason = parsed.get("bozo_exception")
            line = getattr(reason, "getLineNumber", lambda: None)() if reason is not None else None
            raise ParseError(raw.name, f"not a readable RSS/Atom feed ({reason}); no items kept", line=line)
        if not (parsed.get("feed") or {}).get("title") and parsed.get("version", "") == "":
            raise ParseError(raw.name, "no RSS/Atom feed found (no <rss>, <feed> or <rdf:RDF> with items)")
        return []
    if parsed.get("bozo"):
        log.info(
            "%s: feed is not well-formed (%s); kept %d items",
            raw.name,
            parsed.get("bozo_exception"),
            len(entries),
        )
    feed = parsed.get("feed") or {}
    base = raw.name if raw.name.startswith(("http://", "https://")) else ""
    feed_link = feed.get("link") if isinstance(feed.get("link"), str) else ""
    base = urljoin(base, feed_link) if feed_link else base
    feed_title = " ".join(str(feed.get("title") or "").split())
    host = urlsplit(base).hostname or ""
    outlet = feed_title or host.removeprefix("www.")
    text = data.decode("utf-8", "replace")
    items: list[FeedItem] = []
    for number, entry in enumerate(entries, start=1):
        title = " ".join(str(entry.get("title") or "").split())
        link = str(entry.get("link") or "").strip()
        link = urljoin(base, link) if base and link else link
        if link and not link.startswith(("http://", "https://")):
            link = link if not base else urljoin(base, link)
        paragraphs = html_paragraphs(_content(entry))
        if not (title or paragraphs):
            err = ParseError(
                raw.name,
                f"feed item {number}: no title and no text; skipped, {len(entries) - 1} other items kept",
                line=_line_of(text, link),
            )
            if errors is None:
                log.warning("%s", err)
            else:
                errors.append(err)
            continue
        if not title:
            first = paragraphs[0]
            title = first if len(first) <= _TITLE_CHARS else first[:_TITLE_CHARS] + "…"
        item_host = urlsplit(link).hostname or host
        article = Article(
            url=link if link.startswith(("http://", "https://")) else "",
            outlet=outlet or item_host.removeprefix("www."),
            site=item_host,
            title=title,
            paragraphs=tuple(paragraphs),
            published_at=_when(entry),
            author=" ".join(str(entry.get("author") or "").split()),
            source_name=raw.name,
            raw_sha256=raw.sha256,
        )
        items.append(FeedItem(link, article))
    if not items:
        reason = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise ParseError(raw.name, f"none of its {len(entries)} feed items has a title or text{reason}")
    return items
