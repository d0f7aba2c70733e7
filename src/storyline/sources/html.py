"""Saved or fetched HTML pages as Articles: main text by trafilatura, metadata kept to the minute.

trafilatura finds the body well, but its date (htmldate) is a day without a time, it keeps a
portal's link lists and "related" blocks, and it flattens the reader thread. So the title and
publication time come from :mod:`storyline.sources.html_meta` (meta tags, the byline under the
title, scripts, htmldate last), the comments from :mod:`storyline.sources.html_thread`, and the
body is trafilatura's cleaned of what Chinese portals append to an article:

* the text after an end-of-article marker (``责任编辑``, ``网友评论仅供其表达个人看法``,
  ``相关推荐``, ``热点新闻``…) is dropped once some body has been read;
* runs of three or more short list items (navigation, link lists) are dropped;
* when trafilatura keeps far less than the page's densest block of sentences holds (a short
  official notice beside a metadata table, a page trafilatura misreads), that block is the body.

Encoding: the charset the server declared (``raw.encoding``) or the page's own
``<meta charset>``/``http-equiv`` label is passed to
:func:`~storyline.sources.decode.decode_tolerant`, which also honours a BOM and falls back to
charset-normalizer (GBK read as GB18030, Big5 as Big5-HKSCS); a page with a few undecodable bytes
is read with U+FFFD in their place and a warning saying how many, never refused.

Example::

    >>> page = b"<html><head><title>T</title></head><body><article><p>Body text.</p></article></body></html>"
    >>> parse(RawInput("page.html", page))[0].paragraphs
    ('Body text.',)
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from storyline.errors import InputError, ParseError
from storyline.records import Article, RawInput, Stats
from storyline.sources.dates import find_dates
from storyline.sources.decode import decode_tolerant
from storyline.sources.html_meta import PageMeta, page_meta
from storyline.sources.html_thread import extract_thread

__all__ = ["PageMeta", "clean_body", "decode_html", "page_meta", "parse", "parse_html", "sniff_charset"]

log = logging.getLogger(__name__)

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)

# trafilatura's defaults drop pages under 250 characters of text (short news briefs, our test
# pages) and run a SIGALRM timeout that breaks in worker threads; both are switched off here.
# Its own date search is off too: html_meta reads the date (with its time) itself.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
_CONFIG.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:2])


# trafilatura 2.3 works on a copy of a tree it is given (bare_extraction: "if tree is
# filecontent: tree = copy(tree)"); older versions prune the caller's tree in place, and the
# densest-block fallback then needs the page parsed again (a fifth of the pages, ~1.5 ms each).
_TRAFILATURA_KEEPS_TREE = _version(getattr(trafilatura, "__version__", "0")) >= (2, 3)

# Paragraphs that end an article on Chinese news pages: editor credits, comment-section notices,
# "related"/"recommended" headings, disclaimers, share bars.
_END_MARK = re.compile(
    r"^[\s【\[(（]*(?:责任编辑|责编[：:|]|网友评论仅供|热门推荐|相关推荐|相关阅读|相关新闻|相关文章|推荐阅读|延伸阅读"
    r"|猜你喜欢|为您推荐|为你推荐|小编最近文章|作者最近文章|更多猛料|热点新闻|点击排行|免责声明|版权声明|特别声明"
    r"|声明：|分享到[：:]?$|返回搜狐|查看更多|进入专题|点击进入专题|本文仅代表作者|版权所有|Copyright|©"
    r"|責任編輯|責編[：:|]|網友評論|熱門推薦|相關推薦|相關閱讀|相關新聞|相關文章|推薦閱讀|延伸閱讀|猜你喜歡"
    r"|為您推薦|熱點新聞|點擊排行|免責聲明|版權聲明|特別聲明|聲明：|本文僅代表作者|版權所有)"
)
# Lines that are never article text: no word at all ("-", "|"), a bare link, a bare timestamp.
_NO_WORD = re.compile(r"^[^\w]*$")
_BARE_URL = re.compile(r"^(?:https?://|www\.)\S+$")
_BARE_TIME = re.compile(
    r"^(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?$"
)
# A byline line: a date with a source/author label and no sentence punctuation.
_BYLINE_WORD = re.compile(
    r"来源|作者|记者|编辑|发布|时间|日期|字号|阅读|來源|記者|編輯|發布|發佈|時間|字號|閱讀"
)
_BYLINE_MAX = 80
_CRUMB = re.compile(
    r"^(?:首页|首頁|当前位置|當前位置|您的位置|您所在的位置)|\s(?:>|>>|›|»|/)\s|\S(?:>|>>|›|»)\S"
)
_CRUMB_MAX = 60
# A body must have this much text before an end marker counts (a marker-like first line is text).
_END_AFTER = 40
_LIST_RUN = 3
_LIST_ITEM_MAX = 42
# Sentence punctuation: what separates prose from navigation in the densest-block fallback
# (not the colon: "来源：", "电话：" are how footers and bylines are written).
_SENTENCE = re.compile(r"[，。！？；]|[,.!?;](?=\s)")
_BLOCKS = {"p", "div", "td", "li", "section", "article", "span", "font", "blockquote", "dd", "pre", "center"}
_SKIP = {"script", "style", "noscript", "template", "textarea", "select", "option", "a", "button"}
# A site footer's text: copyright, licence numbers, hotlines.
_FOOTER = re.compile(r"版权所有|Copyright|©|ICP[备证]|举报电话|All Rights Reserved", re.IGNORECASE)
# trafilatura's body is replaced by the densest block when it holds less than this share of it.
_TINY_SHARE = 0.3
# Only a body shorter than this is compared with the densest block.
_FALLBACK_BELOW = 400
# How far down trafilatura's lines the article's heading is looked for.
_HEAD_WINDOW = 8
_YEAR = re.compile(r"(?:19|20)\d{2}")
_TINY_MIN_BLOCK = 80


def sniff_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (``<meta charset>`` or ``http-equiv``)."""
    m = _CHARSET_RE.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def decode_html(raw: RawInput, errors: list[InputError] | None = None) -> str:
    """The page's text: declared HTTP charset first, then its ``<meta>`` label, BOM, detection.

    Undecodable bytes become U+FFFD; how many is reported in ``errors`` (or logged).
    """
    declared = raw.encoding or sniff_charset(raw.data)
    decoded = decode_tolerant(raw.data, raw.name, declared)
    warning = decoded.warning(raw.name)
    if warning is not None:
        _report(warning, errors)
    return decoded.text


def _report(err: InputError, errors: list[InputError] | None) -> None:
    if errors is None:
        log.warning("%s", err)
    else:
        errors.append(err)


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


def clean_body(paragraphs: list[str]) -> list[str]:
    """trafilatura's lines without what follows the article's end and without link lists.

    >>> lead = "市政府周三宣布，将在未来四年内投入三百亿元扩建东港码头，预计新增两万个就业岗位。"
    >>> clean_body([lead, "- 首页", "- 国际", "- 科技", "责任编辑：张三", "相关推荐"]) == [lead]
    True
    """
    kept: list[str] = []
    size = 0
    for p in paragraphs:
        if _END_MARK.match(p.removeprefix("- ")):
            if size >= _END_AFTER:
                break
            continue  # a disclaimer or credit above the body is not body either
        kept.append(p)
        size += len(p)
    kept = [p for p in kept if not (_NO_WORD.match(p) or _BARE_URL.match(p) or _BARE_TIME.match(p))]
    out: list[str] = []
    i = 0
    while i < len(kept):
        j = i
        while j < len(kept) and kept[j].startswith("- ") and len(kept[j]) <= _LIST_ITEM_MAX:
            j += 1
        if j - i >= _LIST_RUN:
            i = j  # a run of short list items: navigation or a link list
            continue
        item = kept[i].removeprefix("- ").strip()
        if item:
            out.append(item)
        i += 1
    return out


def _own_text(el: lxml.html.HtmlElement) -> str:
    """The text of ``el`` outside links and nested blocks (what it says itself)."""
    parts = [el.text or ""]
    for child in el:
        if not isinstance(child.tag, str):
            parts.append(child.tail or "")
            continue
        if child.tag not in _BLOCKS and child.tag not in _SKIP:
            parts.append(_own_text(child))
        elif child.tag == "br":
            parts.append("\n")
        parts.append(child.tail or "")
    return "".join(parts)


def _densest_block(tree: lxml.html.HtmlElement) -> list[str]:
    """The paragraphs under the element that holds the most sentence text.

    The fallback for pages trafilatura misreads. Each block with sentence punctuation adds its
    own text's length to its parent, half to the grandparent and a quarter above that (the
    readability scheme), so an article split into one <section> per paragraph still adds up;
    link text never counts, so link lists and navigation do not compete.
    """
    body = tree.find("body")
    if body is None:
        return []
    score: dict[lxml.html.HtmlElement, float] = {}
    for el in body.iter(*_BLOCKS):
        own = _own_text(el)
        size = len("".join(own.split()))
        if size < 10 or not _SENTENCE.search(own) or _FOOTER.search(own):
            continue
        weight = 1.0
        node = el.getparent()
        for _ in range(3):
            if node is None:
                break
            score[node] = score.get(node, 0.0) + size * weight
            weight /= 2
            node = node.getparent()
    if not score:
        return []
    best = max(score, key=score.__getitem__)
    lines: list[str] = []
    for el in best.iter(*_BLOCKS):
        for line in _own_text(el).split("\n"):
            line = " ".join(line.split())
            if line:
                lines.append(line)
    return lines


def _after_heading(paragraphs: list[str], headings: set[str]) -> list[str]:
    """The body below the article's heading and byline.

    trafilatura keeps the <h1> (and at times a breadcrumb above it, the byline below it) as the
    first lines; when the heading is among the first lines, it and what precedes it go, and so
    do short byline lines right below it ("2019-09-26 12:11 来源：证券时报网 作者：…").
    """
    for i, p in enumerate(paragraphs[:_HEAD_WINDOW]):
        if p in headings:
            paragraphs = paragraphs[i + 1 :]
            break
    while paragraphs and (_is_byline(paragraphs[0]) or _is_crumb(paragraphs[0])):
        paragraphs = paragraphs[1:]
    return paragraphs


def _is_crumb(line: str) -> bool:
    """A breadcrumb line ("首页 > 港聞", "您所在的位置：首页 >> 新闻")."""
    return len(line) <= _CRUMB_MAX and bool(_CRUMB.search(line)) and not _SENTENCE.search(line)


def _is_byline(line: str) -> bool:
    if len(line) > _BYLINE_MAX or _SENTENCE.search(line) or not _BYLINE_WORD.search(line):
        return False
    return any(_YEAR.search(span) for span, _ in find_dates(line))


def parse(raw: RawInput, errors: list[InputError] | None = None) -> list[Article]:
    """One HTML page → one Article (main text, metadata, reader thread)."""
    return [parse_html(decode_html(raw, errors), raw.name, raw.sha256, errors)]


def _url_for(raw_name: str, canonical: str) -> str:
    base = raw_name if raw_name.startswith(("http://", "https://")) else ""
    if canonical:
        absolute = urljoin(base, canonical) if base else canonical
        if absolute.startswith(("http://", "https://")):
            return absolute
    return base


def parse_html(text: str, name: str, sha256: str = "", errors: list[InputError] | None = None) -> Article:
    """The Article of an already-decoded page; ``name`` is the file or URL it came from."""
    tree = _tree(text, name)
    # One Python proxy per element for the whole parse: metadata, thread and fallback each walk
    # the tree, and lxml makes (and looks up the class of) a proxy for every element a walk
    # meets unless one is alive already (~2% of a page's parse on the GNE pages).
    elements = list(tree.iter())
    url = _url_for(name, "")
    meta = page_meta(tree, text, site_names=(urlsplit(url).hostname or "",) if url else ())
    comments = extract_thread(tree, name, errors)
    try:
        # The tree, not the text: one parse serves metadata, thread and body (trafilatura
        # before 2.3 cleans the tree in place, so it goes last).
        doc = trafilatura.bare_extraction(
            tree,
            url=name if name.startswith(("http://", "https://")) else None,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            config=_CONFIG,
        )
    except Exception as exc:  # trafilatura wraps lxml; any failure of it is a page it cannot read
        log.info("%s: trafilatura failed (%s); falling back to the densest block", name, exc)
        doc = None
    body = (getattr(doc, "text", None) or "") if doc is not None else ""
    paragraphs = clean_body([" ".join(p.split()) for p in body.splitlines() if p.strip()])
    size = sum(map(len, paragraphs))
    if size < _FALLBACK_BELOW:
        # trafilatura keeps a notice's metadata table and drops its text, or picks a disclaimer
        # over the article: the page's densest block of sentences is the honest body then.
        block = _densest_block(tree if _TRAFILATURA_KEEPS_TREE else _tree(text, name))
        block_size = sum(map(len, block))
        if block_size >= _TINY_MIN_BLOCK and size < _TINY_SHARE * block_size:
            paragraphs = clean_body(block)
    said = {c.text for c in comments if c.text}
    title = meta.title
    paragraphs = _after_heading(paragraphs, {title, meta.heading} - {""})
    paragraphs = [p for p in paragraphs if p not in said]
    if not paragraphs and not comments and not title:
        raise ParseError(name, "no article text, title or reader comments found in this HTML page")
    if not paragraphs:
        _report(
            ParseError(
                name,
                "no article text found (the page may draw its body with JavaScript); "
                "kept its title and metadata only",
            ),
            errors,
        )
    del elements
    url = _url_for(name, meta.canonical)
    host = urlsplit(url).hostname or ""
    outlet = meta.site_name or (host.removeprefix("www.") if host else "")
    return Article(
        url=url,
        outlet=outlet,
        site=host,
        title=title,
        paragraphs=tuple(paragraphs),
        published_at=meta.published_at,
        published_day_only=meta.day_only,
        author=meta.author,
        stats=Stats(comments=len(comments) if comments else None),
        comments=comments,
        source_name=name,
        raw_sha256=sha256,
    )
