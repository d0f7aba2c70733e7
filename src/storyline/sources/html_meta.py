"""What a page says about itself: its title without the site's name, and when it was published.

Publication time, in order of trust:

1. the markup meant for machines: ``<meta>`` tags (``article:published_time``, ``og:time``,
   ``pubdate``…), JSON-LD ``datePublished``, ``<time datetime>``;
2. the date printed in the byline: the first date in the text right after the article's title
   (``2019-09-09 19:32``, ``2019年09月09日 20:52``, ``发布时间：…``, a table cell), or failing that
   the first date after a ``发布时间/发布日期/时间：`` label anywhere in the page, never the dates
   of comment lists, sidebars or footers, which come later;
3. a publication time the page's scripts carry (``publish_time: '…'``, WeChat's ``var ct``);
4. htmldate's extensive search (adbar/htmldate, trafilatura's sibling) as the last resort.

The byline is what the reader sees, so when it gives a time of day within a day and a half of
the meta tag's, its minute wins: on Chinese portals ``article:published_time`` is often the time
the CMS indexed or last touched the page (sina shows ``04:04`` under a meta ``06:52``). A meta tag
far from the byline wins over it (the byline scan may have caught the wrong date). A value that
gives a day without a time stays a day (``day_only``), so no one is shown an invented ``00:00``.

Title: the longest of ``og:title``, ``<h1>``…``<h3>``, the page's heading-like text nodes and
``twitter:title`` that is contained in ``<title>`` (so a malformed ``og:title`` cut at an unescaped
quote loses to the whole ``<h1>``, and an ``<h1>`` holding the site's logo text loses to the
real heading); failing that, ``<title>`` with its trailing site chain removed
(``…__商贸_产业资讯_新浪网``, ``…|游民星空``, ``… - 山西省人民政府门户网站``).

Example::

    >>> import lxml.html
    >>> tree = lxml.html.document_fromstring(
    ...     "<html><head><title>港口扩建计划公布_晨星新闻网</title></head>"
    ...     "<body><h1>港口扩建计划公布</h1><div>2025-01-22 13:40 来源：晨星</div><p>正文。</p></body></html>")
    >>> meta = page_meta(tree)
    >>> meta.title, meta.published_at.isoformat(), meta.day_only
    ('港口扩建计划公布', '2025-01-22T13:40:00+08:00', False)
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta

import lxml.html

from storyline.sources.dates import find_timed_dates, parse_timed_date

__all__ = ["PageMeta", "clean_title", "page_meta", "script_date", "site_from_title"]

log = logging.getLogger(__name__)

# Meta tags that carry the publication time, best first (Open Graph/article, Dublin Core, the
# Chinese portals' own names).
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "og:release_date",
    "article:published",
    "datepublished",
    "og:time",
    "apub:time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publishtime",
    "publish_time",
    "pubtime",
    "firstpublishedtime",
    "weibo: article:create_at",
    "dc.date.issued",
    "dc.date",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "article:modified_time",
)
_TITLE_META = ("og:title", "twitter:title", "articletitle", "title")

# Trailing pieces of a <title> that name the site or section: "_新浪财经_新浪网", "|游民星空",
# " - 山西省人民政府门户网站", "--人民网", "——观察者网". A hyphen between digits ("1-10月") is text.
_TITLE_SEP = re.compile(r"\s*(?:_{1,2}|\||｜|——|--|—|–|－|\s-\s|(?<!\d)-(?!\d))\s*")
_SITE_PIECE_MAX = 16
_SITE_WORDS = re.compile(
    r"(?:网|网站|官网|门户|频道|新闻|资讯|日报|晚报|时报|商报|周刊|公报|杂志|电视台|在线|首页|客户端|平台|中心"
    r"|網|網站|官網|門戶|頻道|新聞|資訊|日報|晚報|時報|商報|雜誌|電視台|電視臺|首頁|客戶端"
    r"|\.(?:com|cn|net|org)"
    r"|News|Online|Paper|Times|Daily|Post)$",
    re.IGNORECASE,
)

# A label that introduces the publication date in a byline.
_LABELLED = re.compile(
    r"(?:发布|发表|刊发|发稿|發布|發佈|發表|刊發|發稿|更新)(?:时间|時間|日期|于|於)"
    r"|(?<![\u4e00-\u9fff])(?:时间|時間|日期)\s*[:：]"
)
# Byline shapes find_dates does not read on its own: "2019 09/07 19:02" (a year, then month/day,
# in separate elements) and "18-03-08 23:16" (two-digit year, only after a date label).
_SPACED = re.compile(r"(?<!\d)((?:19|20)\d{2})\s+(\d{1,2})/(\d{1,2})\s+(\d{1,2}:\d{2})")
_SHORT_YEAR = re.compile(r"(?<=[:：])\s*(\d{2})-(\d{1,2})-(\d{1,2})\s*(\d{1,2}:\d{2})")
_CRUMB = re.compile(r"首页|首頁|当前位置|當前位置|您的位置|>|›|»")
_YEAR = re.compile(r"(?:19|20)\d{2}")
# How much text after the title is the byline zone (characters), and how much before it.
_AFTER_TITLE = 400
_BEFORE_TITLE = 160
# A text piece this long with sentence punctuation is body prose, not a byline.
_PROSE = 40
_PROSE_GAP = "\u2029"
_SENTENCE_MARK = re.compile(r"[，。！？；,.!?;]")
# The meta and byline times are the same publication when this close.
_SAME_EVENT = timedelta(hours=36)

_SCRIPT_DATE = re.compile(
    r"""["']?(?:publish_?time|pub_?time|publish_?date|pub_?date|date_?published)["']?\s*[:=]\s*["']"""
    r"""([0-9][0-9 :/T+.\-]{7,30})["']""",
    re.IGNORECASE,
)
_SCRIPT_UNIX = re.compile(r"""\bvar\s+(?:ct|publish_time|create_time)\s*=\s*["']?(\d{10})["']?""")
_SKIP = {"script", "style", "noscript", "template", "textarea", "select", "option"}
_HEADINGS = ("h1", "h2", "h3")


class PageMeta:
    """What the page's own markup says about it (meta tags, JSON-LD, canonical link, byline)."""

    __slots__ = (
        "author", "canonical", "day_only", "description", "heading", "published_at", "published_from",
        "site_name", "title", "title_node",
    )  # fmt: skip

    def __init__(self) -> None:
        self.title = ""
        self.site_name = ""
        self.author = ""
        self.canonical = ""
        self.description = ""
        self.published_at: datetime | None = None
        self.day_only = False
        self.published_from = ""  # "meta", "byline", "script", "htmldate": where the time came from
        self.title_node: _Anchor | None = None
        self.heading = ""  # the text of the element that heads the article, as printed


def _norm(text: str) -> str:
    return " ".join(text.split())


def _when(text: str | None) -> tuple[datetime | None, bool]:
    if not text or len(text) > 200:
        return None, False
    at, timed = parse_timed_date(text)
    # CMS placeholders for "no time": the day's first or last second.
    if at is not None and timed and (at.hour, at.minute, at.second) in {(0, 0, 0), (23, 59, 59)}:
        timed = False
    return at, timed


def _split_title(title: str, site_names: tuple[str, ...]) -> tuple[str, list[str]]:
    """(the title without its site chain, the pieces of that chain)."""
    title = _norm(title)
    names = {n.strip().lower() for n in site_names if n and n.strip()}
    pieces = _TITLE_SEP.split(title)
    seps = _TITLE_SEP.findall(title)
    if len(pieces) < 2:
        return title, []

    def site_like(piece: str) -> bool:
        p = piece.strip()
        return (
            not p
            or p.lower() in names
            or (
                len(p) <= _SITE_PIECE_MAX
                and (
                    bool(_SITE_WORDS.search(p))
                    or (len(p) <= 6 and not p.isascii())
                    or (p.isascii() and " " not in p)
                )
            )
        )

    end = len(pieces)
    while end > 1 and site_like(pieces[end - 1]) and sum(map(len, pieces[: end - 1])) >= 2:
        end -= 1
    start = 0
    if end == len(pieces) and end > 1 and pieces[0].strip().lower() in names:
        start = 1  # "新浪网_标题": the site's name first
    out = pieces[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + pieces[i]
    return out.strip(), [p.strip() for p in pieces[:start] + pieces[end:] if p.strip()]


def clean_title(title: str, site_names: tuple[str, ...] = ()) -> str:
    """``title`` without the site/section chain at its end (or the site's name at its start).

    >>> clean_title("商户一夜暴富后如何经营__商贸_产业资讯_新浪网")
    '商户一夜暴富后如何经营'
    >>> clean_title("应该马上就要收到律师函了！|游民星空")
    '应该马上就要收到律师函了！'
    >>> clean_title("1-10月德清县固定资产投资结构趋稳趋优")
    '1-10月德清县固定资产投资结构趋稳趋优'
    """
    return _split_title(title, site_names)[0]


def site_from_title(title: str) -> str:
    """The outlet a ``<title>``'s site chain names: its last piece in Chinese, else its last piece.

    >>> site_from_title("共享充电宝涨价告别1元时代_10%公司_澎湃新闻-The Paper")
    '澎湃新闻'
    """
    chain = _split_title(title, ())[1]
    cjk = [p for p in chain if re.search(r"[\u4e00-\u9fff]", p) and _SITE_WORDS.search(p)]
    return (cjk or chain or [""])[-1]


def _meta_tags(tree: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.iterfind(".//meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        content = (node.get("content") or "").strip()
        if key and content and key not in found:
            found[key] = content
    return found


def _jsonld(tree: lxml.html.HtmlElement) -> tuple[str, str]:
    """(datePublished, author name) from the page's JSON-LD blocks."""
    published = author_name = ""
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
            if not published and isinstance(item.get("datePublished"), str):
                published = item["datePublished"]
            author = item.get("author")
            if not author_name and isinstance(author, dict) and isinstance(author.get("name"), str):
                author_name = author["name"].strip()
            elif not author_name and isinstance(author, str):
                author_name = author.strip()
    return published, author_name


class _Anchor:
    """Where a candidate title sits: an element's text (or whole heading), or the tail after an
    element (``<!-- 标题 -->标题文字``, text after an ``<img>``)."""

    __slots__ = ("node", "tail")

    def __init__(self, node: lxml.html.HtmlElement, tail: bool = False) -> None:
        self.node = node
        self.tail = tail


def _heading_candidates(tree: lxml.html.HtmlElement) -> list[tuple[str, _Anchor]]:
    """Texts that may head the article, in reading order: h1-h3 whole, any other short text."""
    out: list[tuple[str, _Anchor]] = []
    body = tree.find("body")
    if body is None:
        return out
    # tag, text and tail read once each: every read of them builds a new string (lxml).
    for node in body.iter():
        tag = node.tag
        if isinstance(tag, str) and tag not in _SKIP:
            if tag in _HEADINGS:
                out.append((_norm(node.text_content()), _Anchor(node)))
            else:
                text = node.text
                if text and 4 <= len(text.strip()) <= 120:
                    out.append((_norm(text), _Anchor(node)))
        if node is not body:
            tail = node.tail
            if tail and 4 <= len(tail.strip()) <= 120:
                out.append((_norm(tail), _Anchor(node, tail=True)))
    return out


def _heading_above_label(headings: list[tuple[str, _Anchor]]):
    """The text right above the first labelled byline date ("发布时间：…"), the article's heading
    on pages whose <title> names only the section."""
    last: tuple[str, lxml.html.HtmlElement] | None = None
    for t, n in headings:
        if _LABELLED.search(t) and _first_date(t)[0] is not None:
            return last
        if 8 <= len(t) <= 80 and not _CRUMB.search(t):
            last = (t, n)
    return None


def _choose_title(
    tree: lxml.html.HtmlElement, found: dict[str, str], site_names: tuple[str, ...]
) -> tuple[str, _Anchor | None]:
    node = tree.find(".//title")
    page_title = _norm(node.text_content()) if node is not None else ""
    metas = [_norm(found[k]) for k in _TITLE_META if found.get(k)]
    headings = _heading_candidates(tree)
    if page_title:
        cleaned = clean_title(page_title, site_names)
        # Texts within the <title> that overlap its article part (a piece of the site chain,
        # "中国地理学会", is never the article's title); the longest wins.
        contained = [(t, n) for t, n in headings if len(t) >= 4 and t in page_title]
        contained += [(t, None) for t in metas if len(t) >= 4 and t in page_title]
        contained = [
            (t, n) for t, n in contained if (t in cleaned or cleaned in t) and len(t) >= min(len(cleaned), 8)
        ]
        if contained:
            best = max(len(t) for t, _ in contained)
            title = next(t for t, _ in contained if len(t) == best)
            node = next((n for t, n in contained if t == title and n is not None), None)
            # A heading is the title as written; only the whole <title> carries a site chain.
            title = cleaned if title == page_title else title
            return title, node if node is not None else _node_with(headings, title)
        if len(cleaned) < 8:
            # <title> names only a section ("新闻动态--中国地理学会官网"): the page's main heading
            # is the first h1-h3, else the heading text right above the byline.
            above = _heading_above_label(headings)
            if above is not None:
                return above
            for t, n in headings:
                if n.node.tag == "h1" and not n.tail and len(t) > max(3, len(cleaned)):
                    return t, n
        return cleaned, _node_with(headings, cleaned)
    for t in metas:
        return clean_title(t, site_names), _node_with(headings, t)
    for t, n in headings:
        if n.node.tag in _HEADINGS and not n.tail and t:
            return t, n
    return "", None


def _node_with(headings: list[tuple[str, _Anchor]], title: str) -> _Anchor | None:
    if not title:
        return None
    for t, n in headings:
        if t == title:
            return n
    for t, n in headings:
        if t and (title in t or t in title) and len(t) >= len(title) // 2:
            return n
    return None


def _texts_after(anchor: _Anchor, limit: int) -> str:
    """The visible text that follows the anchor in reading order, up to ``limit`` characters.

    It stops at the second paragraph of prose: a byline sits above the body (at most a lead or
    a photo caption comes first), and what follows the body is comments and sidebars.
    """
    node = anchor.node
    out: list[str] = []
    size = 0
    prose = 0
    started = False
    for el in node.getroottree().getroot().iter():
        if el is node:
            started = True  # its own text (or tail) is the title; what follows is the byline
            if not anchor.tail and el.tail and el.tail.strip():
                out.append(el.tail.strip())
                size += len(out[-1])
            continue
        if not started or _inside(el, node):
            continue
        if not isinstance(el.tag, str) or el.tag in _SKIP:  # a comment's or script's tail is text
            if el.tail and el.tail.strip():
                out.append(el.tail.strip())
                size += len(out[-1])
            continue
        for piece in (el.text, el.tail):
            if piece and piece.strip():
                text = piece.strip()
                size += len(text)
                if len(text) >= _PROSE and _SENTENCE_MARK.search(text):
                    prose += 1
                    text = _PROSE_GAP  # a date inside the body's sentences is not the byline's
                out.append(text)
        if size >= limit or prose >= 2:
            break
    return " ".join(out)[:limit]


def _texts_before(anchor: _Anchor, limit: int) -> str:
    node = anchor.node
    out: list[str] = []
    for el in node.getroottree().getroot().iter():
        if el is node:
            if anchor.tail and isinstance(el.tag, str) and el.tag not in _SKIP:
                out.extend(x.strip() for x in [el.text or ""] if x.strip())
            break
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            continue
        for piece in (el.text, el.tail):
            if piece and piece.strip():
                out.append(piece.strip())
    return " ".join(out)[-limit:]


def _inside(el: lxml.html.HtmlElement, ancestor: lxml.html.HtmlElement) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.getparent()
    return False


def _first_date(text: str, *, labelled_only: bool = False) -> tuple[datetime | None, bool]:
    text = _SPACED.sub(lambda m: f"{m[1]}-{m[2]}-{m[3]} {m[4]}", text)
    text = _SHORT_YEAR.sub(lambda m: f" 20{m[1]}-{m[2]}-{m[3]} {m[4]}", text)
    if labelled_only:
        m = _LABELLED.search(text)
        if not m:
            return None, False
        text = text[m.start() : m.start() + 80]
    for span, at, timed in find_timed_dates(text):
        # Only a date that names its year: a saved page's "昨天"/"3小时前" counted from today,
        # or a year-less "09月07日" given this year, would be a confident wrong date.
        if _YEAR.search(span):
            return at, timed
    return None, False


def _byline_date(tree: lxml.html.HtmlElement, title_node) -> tuple[datetime | None, bool]:
    if title_node is not None:
        at, timed = _first_date(_texts_after(title_node, _AFTER_TITLE))
        if at is not None:
            return at, timed
        at, timed = _first_date(_texts_before(title_node, _BEFORE_TITLE))
        if at is not None:
            return at, timed
    body = tree.find("body")
    if body is None:
        return None, False
    # No title to anchor on: the first labelled date of the page ("发布日期：2019-03-06").
    texts = []
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            continue
        for piece in (el.text, el.tail):
            if piece and piece.strip():
                texts.append(piece.strip())
    joined = " ".join(texts)
    for m in _LABELLED.finditer(joined):
        at, timed = _first_date(joined[m.start() : m.start() + 80], labelled_only=True)
        if at is not None:
            return at, timed
    return None, False


def script_date(html: str) -> tuple[datetime | None, bool]:
    """A publication time assigned in the page's scripts (``publish_time: '2019-09-08 11:42:03'``).

    >>> script_date('<script>var ct = "1581517074";</script>')[0].isoformat()
    '2020-02-12T14:17:54+00:00'
    """
    m = _SCRIPT_UNIX.search(html)
    if m:
        return _when(m.group(1))
    for m in _SCRIPT_DATE.finditer(html):
        at, timed = _when(m.group(1))
        if at is not None:
            return at, timed
    return None, False


def _htmldate(html: str) -> tuple[datetime | None, bool]:
    try:
        from htmldate import find_date

        found = find_date(html, extensive_search=True, original_date=True, outputformat="%Y-%m-%d %H:%M:%S")
    except Exception as exc:  # htmldate wraps lxml and dateparser; any failure is "no date"
        log.info("htmldate failed (%s)", exc)
        return None, False
    return _when(found) if found else (None, False)


def page_meta(tree: lxml.html.HtmlElement, html: str = "", *, site_names: tuple[str, ...] = ()) -> PageMeta:
    """Title, site name, author, canonical URL and publication time of a parsed page.

    ``html`` is the page's text (for the script and htmldate signals, skipped when empty).
    """
    meta = PageMeta()
    found = _meta_tags(tree)
    meta.site_name = found.get("og:site_name", "") or found.get("application-name", "")
    meta.author = found.get("author", "") or found.get("article:author", "")
    if meta.author.startswith(("http://", "https://")):
        meta.author = ""
    meta.description = found.get("description", "") or found.get("og:description", "")
    meta.canonical = found.get("og:url", "")
    for link in tree.iterfind(".//link[@rel]"):
        if link.get("rel", "").lower() == "canonical" and link.get("href"):
            meta.canonical = link.get("href", "").strip()
            break
    names = (*site_names, meta.site_name)
    meta.title, meta.title_node = _choose_title(tree, found, names)
    if meta.title_node is not None:
        anchor = meta.title_node
        meta.heading = _norm(anchor.node.tail or "") if anchor.tail else _norm(anchor.node.text_content())
    if not meta.site_name:
        node = tree.find(".//title")
        meta.site_name = site_from_title(node.text_content()) if node is not None else ""

    marked: tuple[datetime | None, bool] = (None, False)
    for key in _DATE_META:
        marked = _when(found.get(key))
        if marked[0] is not None:
            break
    published, author = _jsonld(tree)
    if not meta.author:
        meta.author = author
    if marked[0] is None and published:
        marked = _when(published)
    if marked[0] is None:
        for node in tree.iterfind(".//time[@datetime]"):
            marked = _when(node.get("datetime"))
            if marked[0] is not None:
                break
    byline = _byline_date(tree, meta.title_node)
    at, timed, source = _reconcile(marked, byline)
    if at is None and html:
        at, timed = script_date(html)
        source = "script" if at is not None else ""
        if at is None:
            at, timed = _htmldate(html)
            source = "htmldate" if at is not None else ""
    meta.published_at, meta.day_only, meta.published_from = at, at is not None and not timed, source
    return meta


def _reconcile(
    marked: tuple[datetime | None, bool], byline: tuple[datetime | None, bool]
) -> tuple[datetime | None, bool, str]:
    (m_at, m_timed), (b_at, b_timed) = marked, byline
    if b_at is None:
        return m_at, m_timed, "meta" if m_at is not None else ""
    if m_at is None:
        return b_at, b_timed, "byline"
    if abs(m_at - b_at) > _SAME_EVENT:
        return m_at, m_timed, "meta"
    if b_timed and m_timed and m_at != b_at and (b_at - m_at).total_seconds() % 3600 == 0:
        # The same wall-clock minute a whole number of hours apart: the byline printed the time
        # in a zone it did not name (read here as Beijing time); the tag's offset is right.
        return m_at, True, "meta"
    if b_timed:
        return b_at, True, "byline"
    if m_timed and m_at.astimezone(b_at.tzinfo).date() == b_at.date():
        return m_at, True, "meta"
    return b_at, False, "byline"
