"""Plain-text page dumps (a page copy-pasted into a .txt file) read into an :class:`Article`.

A dump is a title line, a few meta lines (outlet, ``44192 阅读``, ``48 评论``, ``最新回复:…``,
``关键词:``/``概念:``), body paragraphs, optionally a reader thread of numbered floors (read by
:mod:`storyline.sources.threads`), and site chrome all around: navigation and share links,
``|``-separated link rows, app badges, copyright and disclaimer footers. Chrome is recognised by
its shape, not by site, so a dump from a site never seen before reads the same way.

Outlet: a meta line naming one (``RFI华语``), else the brand the footer's disclaimer or copyright
names, else the file stem. A second brand becomes ``site``.

Example::

    >>> from storyline.records import RawInput
    >>> text = "标题一\\n48 评论\\n示例社\\n\\n第一段正文,足够长的一句话。\\n\\n版权所有 (C) 2025 Example Ltd."
    >>> [a] = parse(RawInput("x.txt", text.encode()))
    >>> a.title, a.outlet, a.site, a.stats.comments, a.paragraphs
    ('标题一', '示例社', 'Example Ltd', 48, ('第一段正文,足够长的一句话。',))
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import datetime
from pathlib import PurePath

from storyline.errors import InputError, ParseError
from storyline.records import Article, RawInput, Stats
from storyline.sources.dates import find_dates, zone_from_label
from storyline.sources.decode import decode_bytes
from storyline.sources.threads import parse_thread, thread_start

__all__ = ["parse", "parse_text"]

log = logging.getLogger(__name__)

# Navigation, share and app-badge lines: short fixed phrases pages print around the article.
_CHROME_WORDS = {
    "分享此頁", "分享此页", "分享", "分享到", "返回", "返回列表", "返回首页", "返回首頁", "返回顶部", "返回頂部",
    "熱門新聞", "热门新闻", "热门", "熱門", "相关新闻", "相關新聞", "推荐阅读", "推薦閱讀", "上一篇", "下一篇",
    "打印", "列印", "收藏", "点赞", "點讚", "举报", "舉報", "评论", "評論", "更多", "更多评论", "查看更多",
    "今日头条", "今日頭條", "toutiao", "打开app", "打開app", "下载app", "下載app", "app内打开", "app內打開",
    "打开app阅读", "网易新闻", "網易新聞", "腾讯新闻", "騰訊新聞", "新浪新闻", "新浪新聞", "搜狐新闻",
    "首页", "首頁", "登录", "登錄", "登入", "注册", "註冊", "字体", "字體", "大", "中", "小",
}  # fmt: skip
_CHROME_TAIL_RE = re.compile(r"(?:\s+(?:返回列表|返回|熱門新聞|热门新闻|分享此頁|分享此页|分享))+\s*$")
_FOOTER_RE = re.compile(
    r"^\s*(?:版權所有|版权所有|copyright\b|©|\(c\)\s*\d{4}|免責聲明|免责声明|不得轉載|不得转载|本站声明|本站聲明)"
    r"|all rights reserved",
    re.IGNORECASE,
)
_COPYRIGHT_HOLDER_RE = re.compile(
    r"(?:\(C\)|©|Copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*([^\n,.;。]{2,60})", re.IGNORECASE
)
_BRAND_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*[A-Za-z0-9]|[A-Za-z]{2,}")
_COUNT_RE = re.compile(
    r"^([\d,]+)\s*(?:次|条|條|个|個)?\s*(阅读|閱讀|浏览|瀏覽|点击|點擊|views?|reads?|评论|評論|回复|回覆|comments?|replies|赞|讚|likes?|转发|轉發|分享|shares?|reposts?)$",
    re.I,
)
_COUNT_FIELD = {
    "阅读": "reads", "閱讀": "reads", "浏览": "reads", "瀏覽": "reads", "点击": "reads", "點擊": "reads",
    "view": "reads", "views": "reads", "read": "reads", "reads": "reads",
    "评论": "comments", "評論": "comments", "回复": "comments", "回覆": "comments", "comment": "comments",
    "comments": "comments", "replies": "comments", "赞": "likes", "讚": "likes", "like": "likes", "likes": "likes",
    "转发": "reposts", "轉發": "reposts", "分享": "reposts", "share": "reposts", "shares": "reposts",
    "repost": "reposts", "reposts": "reposts",
}  # fmt: skip
_LABEL_RE = re.compile(r"^(?P<label>[^:：\s]{1,8})\s*[:：]\s*(?P<value>.*)$")
_KEYWORD_LABELS = {
    "关键词",
    "關鍵詞",
    "关键字",
    "關鍵字",
    "标签",
    "標籤",
    "概念",
    "tags",
    "keywords",
    "分类",
    "分類",
    "栏目",
    "欄目",
}
_PUBLISHED_LABELS = {"发布时间", "發佈時間", "發布時間", "发表时间", "發表時間", "发表于", "發表於", "发布于", "發佈於",
                     "时间", "時間", "日期", "published", "date", "发布日期", "發佈日期"}  # fmt: skip
_DATE_LABELS = {"最新回复", "最新回覆", "最后回复", "最後回覆", "更新", "更新时间", "更新時間", "updated"}
_AUTHOR_LABELS = {"作者", "记者", "記者", "编辑", "編輯", "责任编辑", "責任編輯", "by", "author"}
_SOURCE_LABELS = {"来源", "來源", "出处", "出處", "source", "媒体", "媒體"}
_SEPARATOR_CHARS_RE = re.compile(r"[|｜>›»/]")
_DIGITS_ONLY_RE = re.compile(r"[\d\s/:.\-]+")  # "2025/01/22" is a date, not a breadcrumb
_INLINE_SOURCE_RE = re.compile(r"(?:来源|來源|出处|出處)\s*[:：]\s*([^\s|｜]{1,30})")
_SENTENCE_END = '。!?！？.;；…"”」』'
_MAX_META_LEN = 24


def _is_chrome(line: str, *, words: bool = True) -> bool:
    """Navigation, share, app-badge and link-row lines (``论坛守则 | 关于我们 | …``).

    ``words=False`` checks only the shape (link rows, breadcrumbs): inside a thread a reader may
    well reply with just "大" or "收藏".
    """
    s = line.strip()
    if not s:
        return False
    if words and s.casefold() in _CHROME_WORDS:
        return True
    if not _SEPARATOR_CHARS_RE.search(s):
        return False
    for seps in ("|｜", ">›»/"):  # link rows, then breadcrumbs (首页 > 新闻 > 国际)
        if any(ch in s for ch in seps):
            parts = [p.strip() for p in re.split(f"[{re.escape(seps)}]", s)]
            words = [p for p in parts if p]
            if len(words) >= 2 and all(len(p) <= 12 for p in words) and not _DIGITS_ONLY_RE.fullmatch(s):
                return True
    return False


def _is_footer(line: str) -> bool:
    return bool(_FOOTER_RE.search(line))


def _clean_title(line: str) -> tuple[str, datetime | None]:
    """A title with trailing chrome (``… @ 2025-01-26T 返回 熱門新聞``) → (title, date)."""
    title = _CHROME_TAIL_RE.sub("", line.strip())
    when = None
    at = title.rfind(" @ ")
    if at > 0:
        dates = find_dates(title[at + 3 :])
        if dates:
            when = dates[0][1]
            title = title[:at]
    else:
        dates = find_dates(title)
        if dates and title.endswith(dates[-1][0]) and len(title) > len(dates[-1][0]) + 4:
            when = dates[-1][1]
            title = title[: -len(dates[-1][0])]
    return title.strip(" \t-|—·@"), when


def _footer_brands(lines: list[str]) -> list[str]:
    """Brands a footer names: the token its disclaimer repeats (``88iv``…), then the copyright holder."""
    brands: list[str] = []
    tokens: Counter[str] = Counter()
    for line in lines:
        for tok in _BRAND_TOKEN_RE.findall(line):
            if not tok.isdigit() and tok.casefold() not in {"c", "ltd", "limited", "inc", "co", "copyright"}:
                tokens[tok] += 1
    repeated = [tok for tok, n in tokens.most_common() if n >= 2]
    brands.extend(repeated[:1])
    for line in lines:
        m = _COPYRIGHT_HOLDER_RE.search(line)
        if m:
            holder = m.group(1).strip(" .。")
            if holder and not holder.isdigit() and holder not in brands:
                brands.append(holder)
    return brands


def _looks_like_name(line: str) -> bool:
    """A short line with no sentence punctuation: an outlet or site name in the meta block."""
    s = line.strip()
    return (
        0 < len(s) <= _MAX_META_LEN and not any(ch in s for ch in _SENTENCE_END + ",，、") and not s.isdigit()
    )


def parse(raw: RawInput, errors: list[InputError] | None = None) -> list[Article]:
    """Read one text dump into a one-article list; raises :class:`ParseError` naming the file.

    ``errors`` is accepted for the common reader signature: a dump is one article, so a dump that
    cannot be read raises instead of being partly kept.
    """
    text, encoding = decode_bytes(raw.data, raw.name, raw.encoding or None)
    log.debug("%s: decoded as %s", raw.name, encoding)
    return [parse_text(text, name=raw.name, raw_sha256=raw.sha256)]


def parse_text(text: str, *, name: str, raw_sha256: str = "", default_tz: str = "Asia/Shanghai") -> Article:
    """Read a decoded text dump called ``name`` into an :class:`Article`."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line.replace("\u3000", " ").replace("\ufeff", "") for line in lines]

    start = thread_start(lines)
    page, thread_lines = (lines[:start], lines[start:]) if start is not None else (lines, [])

    # The footer: from the first footer line after the title on, everything is site furniture.
    first = next(
        (i for i, line in enumerate(page) if line.strip() and not _is_chrome(line) and not _is_footer(line)),
        0,
    )
    footer_at = next((i for i in range(first, len(page)) if _is_footer(page[i])), len(page))
    footer = [line for line in page[footer_at:] if line.strip()]
    footer += [line for line in page[:first] if _is_footer(line)]
    content = [line.strip() for line in page[:footer_at] if not _is_footer(line)]
    # A thread is followed by a footer too; drop it from the last floor.
    tail_at = next((i for i, line in enumerate(thread_lines) if _is_footer(line)), len(thread_lines))
    footer += [line for line in thread_lines[tail_at:] if line.strip()]
    thread_lines = [line for line in thread_lines[:tail_at] if not _is_chrome(line, words=False)]

    real = [(i, line) for i, line in enumerate(content) if line and not _is_chrome(line)]
    if not real:
        raise ParseError(name, "no title found: the dump holds only site chrome or blank lines")
    title_index, title_line = real[0]
    title, published = _clean_title(title_line)
    if not title:
        raise ParseError(
            name, f"line {title_index + 1}: the title line holds no title once chrome is removed"
        )

    stats: dict[str, int] = {}
    outlets: list[str] = []
    author = ""
    thread_tz: str | None = None
    body: list[str] = []
    in_meta = True
    for _, line in real[1:]:
        if in_meta:
            said = _meta(line, default_tz)
            for kind, value in said:
                if kind in {"reads", "comments", "likes", "reposts"} and isinstance(value, int):
                    stats.setdefault(kind, value)
                elif kind == "published" and isinstance(value, datetime):
                    published = published or value
                elif kind == "date":
                    thread_tz = thread_tz or zone_from_label(line)
                elif kind == "author" and isinstance(value, str):
                    author = author or value
                elif kind == "outlet" and isinstance(value, str):
                    outlets.append(value)
            if said:
                continue
            if _looks_like_name(line) and not body:
                outlets.append(line)
                continue
            in_meta = False
        if _LABEL_RE.match(line) and _LABEL_RE.match(line)["label"].casefold() in _KEYWORD_LABELS:
            continue  # page metadata lines can also follow the first paragraph
        body.append(line)
    if not body:
        raise ParseError(name, "no body paragraphs found after the title and meta lines")

    brands = _footer_brands(footer)
    outlet = outlets[0] if outlets else (brands[0] if brands else PurePath(name).stem)
    others = [b for b in [*outlets[1:], *brands] if b != outlet]
    site = others[0] if others else ""
    comments = (
        parse_thread(thread_lines, name=name, default_tz=thread_tz or default_tz) if thread_lines else ()
    )
    return Article(
        url="",
        outlet=outlet,
        site=site,
        title=title,
        paragraphs=tuple(body),
        published_at=published,
        author=author,
        stats=Stats(**stats),
        comments=comments,
        source_name=name,
        raw_sha256=raw_sha256,
    )


def _meta(line: str, default_tz: str) -> list[tuple[str, object]]:
    """What a meta line says, as ``(kind, value)`` pairs; an empty list when it is not one."""
    s = line.strip()
    tz = zone_from_label(s) or default_tz
    source = _INLINE_SOURCE_RE.search(s)
    if source and len(s) <= 60:  # "2025-01-22 13:40 来源:新华社"
        found: list[tuple[str, object]] = [("outlet", source.group(1))]
        dates = find_dates(s[: source.start()], default_tz=tz)
        return [*found, ("published", dates[0][1])] if dates else found
    m = _COUNT_RE.match(s)
    if m:
        unit = m.group(2).casefold()
        kind = _COUNT_FIELD.get(unit, _COUNT_FIELD.get(m.group(2), ""))
        return [(kind, int(m.group(1).replace(",", "")))]
    m = _LABEL_RE.match(s)
    if m:
        label, value = m["label"].casefold(), m["value"].strip()
        if label in _KEYWORD_LABELS:
            return [("keywords", value)]
        if label in _PUBLISHED_LABELS:
            dates = find_dates(value, default_tz=tz)
            return [("published", dates[0][1] if dates else None)]
        if label in _DATE_LABELS:
            return [("date", value)]
        if label in _AUTHOR_LABELS:
            return [("author", value)]
        if label in _SOURCE_LABELS:
            return [("outlet", value)]
    dates = find_dates(s, default_tz=tz)
    if dates and len(dates[0][0]) >= 0.6 * len(s):  # a line that is a date: the publication time
        return [("published", dates[0][1])]
    return []
