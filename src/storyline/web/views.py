"""The portal's HTML pages: hot list, story page, search, API docs, feeds out.

Server-rendered with Jinja2 (autoescape on), no JavaScript. Each page is rendered as stored and
then, when the reader chose 繁 or 简 (``?script=hant|hans``, remembered in a cookie), converted
as a whole by :func:`storyline.web.i18n.to_script`. Internal links carry the choice; external
links are only ever http(s) and percent-encoded (:func:`safe_href`), so the conversion never
touches a URL. Reader threads are written by :mod:`storyline.web.thread_html` and the other loops
of a story page by :mod:`storyline.web.story_html` (speed: they are most of an uncached page), and
every rendered page is kept by :mod:`storyline.web.cache` until a write changes what it shows.

Example::

    GET /story/s123?script=hant   → the whole page in traditional script, cookie script=hant
    GET /story/<merged id>        → 301 to /story/<current id>
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from storyline.errors import StoreError
from storyline.records import Article, Claim, Story
from storyline.search import search_query
from storyline.settings import Settings
from storyline.store.base import Store
from storyline.store.query import MAX_QUERY_CHARS, SORTS
from storyline.stories.timeline import first_evidence
from storyline.web.feeds_out import hot_atom, hot_rss, story_atom
from storyline.web.i18n import lang_value, normalize_choice, source, to_script
from storyline.web.labels import qualifier_label, timeframe_label, unit_label, zone_label
from storyline.web.responses import etag_response, inline_if_local
from storyline.web.story_html import claims_html, events_html, fallback_html, groups_html, sources_html
from storyline.web.svg import timeline_svg
from storyline.web.thread_html import (
    VIEWS,
    local_minute,
    page_of_floor,
    paginate,
    split_bar,
    thread_html,
    thread_page_html,
)
from storyline.web.thread_html import anchor as _anchor
from storyline.web.thread_html import floor_anchor as _floor_anchor

__all__ = ["router", "safe_href", "safe_snippet"]

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
COOKIE = "script"
HOT_PAGE = 30
SEARCH_PAGE = 20

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    # The templates ship with the code (a deploy restarts the server): no stat() per render.
    auto_reload=False,
)
# Source text marked with its script, so the 繁/简 switch leaves it alone when it already is in
# the reader's script (web.i18n); ``lang`` values written so they name the script shown.
_env.filters["src"] = source
_env.filters["langv"] = lang_value

# Characters kept as they are when percent-encoding an external link: RFC 3986 reserved and
# unreserved ones, minus the quote characters (an attribute can never be broken out of).
_URL_SAFE = ":/?#[]@!$&()*+,;=%~-._"


# An absolute http(s) URL made only of characters quote() keeps (so it needs no encoding) and
# without brackets (urlsplit validates bracketed IPv6 hosts): what urlsplit + quote would return
# it unchanged, for a fifth of their cost. The host is whatever precedes the first / ? or #.
_PLAIN_HTTP = re.compile(
    r"https?://[A-Za-z0-9_.~:@!$&()*+,;=%-][A-Za-z0-9_.~:/?#@!$&()*+,;=%-]*", re.ASCII | re.IGNORECASE
)


def safe_href(url: str | None) -> str | None:
    """``url`` percent-encoded to ASCII when it is an absolute http(s) URL, else ``None``.

    ``javascript:``, ``data:``, relative and malformed URLs give ``None`` and are shown as
    text. ``urllib.parse`` does the splitting; the scheme test is the whole policy.

    >>> safe_href("https://例子.cn/新闻?id=1")
    'https://%E4%BE%8B%E5%AD%90.cn/%E6%96%B0%E9%97%BB?id=1'
    >>> safe_href("javascript:alert(1)") is None
    True
    """
    if not url:
        return None
    url = url.strip()
    if _PLAIN_HTTP.fullmatch(url):
        return url
    return _split_and_quote(url)


def _split_and_quote(url: str) -> str | None:
    """:func:`safe_href` the long way (and its reference: tests compare the two)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


_MARK = re.compile(r"(</?mark>)")


def safe_snippet(snippet: str) -> Markup:
    """A search snippet safe to insert as HTML: only balanced ``<mark>`` tags survive.

    The store promises HTML-escaped text with ``<mark>`` around matches. Rather than trust
    that, the snippet is split on the two literal mark tags, every other piece is unescaped
    and escaped again (so correctly escaped text comes out identical, and any stray tag —
    ``<script>``, ``<img onerror=…>`` — comes out as visible text), and the marks are
    re-inserted balanced.

    >>> safe_snippet("a &lt;b&gt; <mark>星际</mark> <i>x</i>")
    Markup('a &lt;b&gt; <mark>星际</mark> &lt;i&gt;x&lt;/i&gt;')
    """
    out: list[str] = []
    open_ = False
    for piece in _MARK.split(snippet or ""):
        if piece == "<mark>":
            if not open_:
                out.append(piece)
                open_ = True
        elif piece == "</mark>":
            if open_:
                out.append(piece)
                open_ = False
        elif piece:
            out.append(html.escape(html.unescape(piece), quote=False))
    if open_:
        out.append("</mark>")
    return Markup("".join(out))


def _fmt_value(value: float, unit: str) -> str:
    """5e11, "USD" → "5000亿 USD": 万/亿/万亿 because that is how these readers count."""
    v = abs(value)
    # each band keeps the mantissa in [1, 10000), where 4 significant digits never need an exponent
    unit = unit_label(unit)  # jobs → 就业岗位; currency codes stay
    for scale, word in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
        if v >= scale:
            return f"{value / scale:.4g}{word} {unit}".strip()
    return f"{value:.4g} {unit}".strip()


# ---- rendering --------------------------------------------------------------------------------
def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> Store:
    return request.app.state.store


def _choice(request: Request) -> tuple[str, bool]:
    """(script choice, whether it came from the URL and must be remembered in the cookie)."""
    q = request.query_params.get("script")
    if q is not None:
        return normalize_choice(q), True
    return normalize_choice(request.cookies.get(COOKIE)), False


def _tz(request: Request) -> ZoneInfo:
    try:
        return ZoneInfo(_settings(request).default_timezone)
    except Exception:  # an unknown zone name in settings must not take the portal down
        return ZoneInfo("UTC")


def _zone_label(tz: ZoneInfo) -> str:
    offset = datetime.now(tz).strftime("%z")
    return zone_label(tz.key, f"{offset[:3]}:{offset[3:]}" if offset else "")


def _render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> Response:
    choice, from_query = _choice(request)
    tz = _tz(request)

    def url(path: str, **params: Any) -> str:
        frag = params.pop("_fragment", "")
        params = {k: v for k, v in params.items() if v not in (None, "")}
        if choice != "orig":
            params["script"] = choice
        q = urlencode(params)
        return path + ("?" + q if q else "") + ("#" + frag if frag else "")

    def switch(to: str) -> str:
        params = dict(request.query_params)
        params["script"] = to
        return request.url.path + "?" + urlencode(params)

    def dt(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return at.astimezone(tz).strftime(fmt) if at is not None else ""

    lang = {"hant": "zh-Hant", "hans": "zh-Hans"}.get(choice, "zh")
    page = _env.get_template(template).render(
        url=url,
        switch=switch,
        dt=dt,
        script=choice,
        lang=lang,
        safe_href=safe_href,
        anchor=_anchor,
        zone=_zone_label(tz),
        **ctx,
    )
    page = to_script(page, choice)
    resp = etag_response(
        request,
        page.encode("utf-8"),
        "text/html; charset=utf-8",
        max_age=0,
        vary="Cookie",
        status_code=status_code,
    )
    if from_query:
        resp.set_cookie(COOKIE, choice, max_age=365 * 86400, samesite="lax", httponly=True)
    return resp


def render_error(request: Request, status: int, heading: str, message: str) -> Response:
    """The portal's error page (``error.html``) with ``status``; never kept by any cache."""
    resp = _render(request, "error.html", status_code=status, heading=heading, message=message)
    resp.headers["cache-control"] = "no-store"
    return resp


# ---- hot list -----------------------------------------------------------------------------------
@router.get("/")
@inline_if_local
def hot(request: Request, after: str | None = Query(None)) -> Response:
    """The hot list from story summaries (a few hundred bytes each, outlets counted at write time).

    Rendered pages are kept by :class:`storyline.web.cache.ResponseCache` until the next ingest.
    """
    store = _store(request)
    try:
        page = store.story_summaries(limit=HOT_PAGE + 1, after=after or None)
    except StoreError:  # a stale "more" link (its story merged away or gone): start over
        page = store.story_summaries(limit=HOT_PAGE + 1)
    more = len(page) > HOT_PAGE
    page = page[:HOT_PAGE]
    return _render(request, "hot.html", items=page, next_after=page[-1].id if more and page else None)


# ---- story page -----------------------------------------------------------------------------------
@dataclass
class _Group:
    anchor: str
    text: str
    outlet: str
    others: list[str]
    versions: list[tuple[Any, Article | None]]
    script: str = ""


@dataclass
class _Thread:
    article: Article
    primary: bool
    html: Markup
    url: str = ""  # its own pages
    summary: Any = None  # records.ThreadSummary, when the story holds one
    bar: Markup | str = ""


#: A story page shows at most this many floors in all; a thread of up to FULL_THREAD floors is
#: shown whole while they fit, a bigger one by its best BEST_ON_STORY floors and links to its pages.
STORY_FLOORS = 100
FULL_THREAD = 50
BEST_ON_STORY = 10


def thread_url(story_id: str, article_id: str) -> str:
    return f"/story/{quote(story_id, safe='')}/thread/{quote(article_id, safe='')}"


def _side_top(threads: list[_Thread], side: str) -> tuple[_Thread, int] | None:
    """The story's most-quoted floor on ``side`` (then most replied): (its thread, floor)."""
    from storyline.stories.discussion import reply_counts

    best: tuple[tuple[int, int], _Thread, int] | None = None
    for t in threads:
        floor = getattr(t.summary, f"top_{side}", None) if t.summary else None
        if floor is None:
            continue
        quoted, replied = reply_counts(t.article.comments)
        key = (quoted[floor], replied[floor])
        if best is None or key > best[0]:
            best = (key, t, floor)
    return (best[1], best[2]) if best else None


def _claim_rows(
    claims: Iterable[Claim],
    by_id: dict[str, Article],
    passage: dict[tuple[str, int], str],
    primary: str | None,
    floor_link: Any = None,
) -> list[dict[str, Any]]:
    """The ledger table: one row per set of agreeing claims (a restated figure is ONE row with
    every source that printed it), contradictions and refutations as links between rows.

    The grouping is :func:`storyline.stories.ledger.ledger_rows`, a pure function over the
    Claim records the story already holds (no store or stage state), so the page and the stage
    can never disagree about what "the same claim" means.
    """
    from storyline.stories.ledger import ledger_rows

    claims = list(claims)
    by_claim = {c.id: c for c in claims if c.id}
    # The disputes first: that is what a reader of this table is looking for; hypotheticals,
    # guesses and questions last, apart from the figures asserted as facts. Rows are numbered in
    # the order shown, so the # column counts 1, 2, 3 down the page.
    rows_in = sorted(
        ledger_rows(claims),
        key=lambda r: (
            not r.contradicted,
            not r.refuted,
            all(c.modality for c in r.claims),
            -len(r.claims),
        ),
    )
    row_of: dict[str, int] = {}
    for n, row in enumerate(rows_in, 1):
        for c in row.claims:
            row_of[c.id] = n

    def where(c: Claim) -> tuple[str, str]:
        art = by_id.get(c.article_id)
        outlet = art.outlet if art else ""
        if c.floor is not None:
            href = (
                floor_link(c.article_id, c.floor)
                if floor_link
                else "#" + _floor_anchor(primary, c.article_id, c.floor)
            )
            return href, f"{outlet} {c.floor}楼"
        if c.paragraph >= 0:
            href = "#" + passage.get((c.article_id, c.paragraph), "art-" + _anchor(c.article_id))
            return href, f"{outlet} 第{c.paragraph + 1}段"
        return "#art-" + _anchor(c.article_id), outlet or "?"

    def links(ids: Iterable[str], own: int) -> list[tuple[int, str]]:
        targets = sorted({row_of[i] for i in ids if i in row_of and row_of[i] != own})
        return [(t, f"claim-row-{t}") for t in targets]

    out = []
    for n, row in enumerate(rows_in, 1):
        sources = []
        for c in row.claims:
            href, label = where(c)
            art = by_id.get(c.article_id)
            sources.append(
                {
                    "c": c,
                    "href": href,
                    "where": label.strip() or "?",
                    "value": _fmt_value(c.value, c.unit),
                    "lang": art.script if art else "",
                }
            )
        qualifiers = sorted({qualifier_label(c.qualifier) for c in row.claims if c.qualifier})
        timeframes = sorted({timeframe_label(c.timeframe) for c in row.claims if c.timeframe})
        out.append(
            {
                "n": n,
                "anchor": f"claim-row-{n}",
                "row": row,
                "value": _fmt_value(row.value, row.unit),
                "qualifier": " / ".join(qualifiers),
                "timeframe": " / ".join(timeframes),
                "speakers": list(row.speakers),
                "sources": sources,
                # outlet names may hold spaces (The Meridian Post): taken from the articles, not the label
                "outlets": sorted(
                    {
                        by_id[c.article_id].outlet
                        for c in row.claims
                        if c.article_id in by_id and by_id[c.article_id].outlet
                    }
                ),
                "contradicts": links((i for c in row.claims for i in c.contradicts), n),
                "why": _contradiction_reasons(row.claims, row_of, n),
                "differs": [
                    t
                    for t in links((i for c in row.claims for i in c.differs_from), n)
                    if t not in links((i for c in row.claims for i in c.contradicts), n)
                ],
                "apart": " / ".join(
                    sorted({MODALITY_LABELS.get(c.modality, c.modality) for c in row.claims if c.modality})
                ),
                "refuted": [
                    {"c": by_claim[i], "href": where(by_claim[i])[0], "where": where(by_claim[i])[1]}
                    for i in dict.fromkeys(i for c in row.claims for i in c.refuted_by)
                    if i in by_claim
                ],
            }
        )
    return out


# How the page names what the ledger matched (Chinese UI; the export keeps the field names).
MODALITY_LABELS = {"hypothetical": "假设", "possible": "推测", "question": "疑问", "denied": "被否认"}
CLAIM_KIND_LABELS = {"level": "数额", "change": "变化量", "part": "部分", "rate": "比率"}
_REASON_FIELDS = (
    ("subject", "对象"),
    ("referent", "所指"),
    ("denominator", "分母"),
    ("timeframe", "时间"),
    ("kind", "类型"),
)


_TIMEFRAME_RE = re.compile(r"^(?:per (?P<per>\w+)|(?P<n>\d+) (?P<u>\w+?)s?|in (?P<y>\d{4})|(?P<e>earlier))$")
_TIME_UNITS_ZH = {"year": "年", "month": "个月", "week": "周", "day": "天"}


def _reason_value_zh(key: str, value: str) -> str:
    """A matched field as the Chinese page shows it ("" for none)."""
    from storyline.analyze.referents import REFERENT_LABELS_ZH, denominator_zh

    if value in {"", "-"}:
        return ""
    if key == "kind":
        return CLAIM_KIND_LABELS.get(value, value)
    if key == "referent":
        return REFERENT_LABELS_ZH.get(value, value)
    if key == "denominator":
        return denominator_zh(value)
    if key == "timeframe":
        frame, _, note = value.partition(" (")
        m = _TIMEFRAME_RE.match(frame)
        if m and m["per"]:
            frame = "每" + _TIME_UNITS_ZH.get(m["per"], m["per"])
        elif m and m["n"]:
            frame = m["n"] + _TIME_UNITS_ZH.get(m["u"], m["u"])
        elif m and m["y"]:
            frame = m["y"] + "年"
        elif m and m["e"]:
            frame = "此前"
        return frame + ("（一方未说明）" if note else "")
    return value


def _contradiction_reasons(
    claims: Iterable[Claim], row_of: dict[str, int], own: int
) -> list[tuple[int, str]]:
    """(other row, "对象 软银 · 所指 cash · …") for each contradiction of the row, once per row."""
    from storyline.export import contradiction_export

    out: dict[int, str] = {}
    for c in claims:
        for other, reason in c.contradiction_reasons:
            target = row_of.get(other)
            if target is None or target == own or target in out:
                continue
            matched = contradiction_export(other, reason)["matched"]
            parts = []
            for key, label in _REASON_FIELDS:
                value = _reason_value_zh(key, matched.get(key, ""))
                parts.append(f"{label} {value or '—'}")
            out[target] = "相同：" + " · ".join(parts)
    return sorted(out.items())


KIND_LABELS = {
    "first_report": "首发",
    "outlet_joined": "跟进",
    "article": "报道",
    "claim": "说法",
    "discussion_burst": "讨论高峰",
    "undated_report": "报道（未注明时间，按最早评论）",
}


def _page_links(url: str, n_pages: int) -> str:
    """Links to a thread's pages: all up to 20, else the first ten and the last."""
    if n_pages <= 20:
        return " ".join(f'<a href="{url}?page={n}">{n}</a>' for n in range(1, n_pages + 1))
    first = " ".join(f'<a href="{url}?page={n}">{n}</a>' for n in range(1, 11))
    return f'{first} … <a href="{url}?page={n_pages}">{n_pages}</a>'


def _threads_on_page(
    story: Story, threads_src: list[Article], primary: str | None, tz: ZoneInfo
) -> tuple[list[_Thread], Any]:
    """The story page's threads, and ``floor_link(article_id, floor)`` → the href of any floor.

    A thread of up to FULL_THREAD floors is shown whole while the page's STORY_FLOORS last; a
    bigger one by its BEST_ON_STORY best floors (each side's most-quoted floor among them, since
    the split line links it) and links to its pages. A floor not on the page links to the
    arrival-order thread page that holds it.
    """
    from storyline.export import stance_index
    from storyline.stories.discussion import best_floors

    d = story.discussion
    stance_of = stance_index(d)
    summary_of = {t.article_id: t for t in d.threads}
    budget = STORY_FLOORS
    threads: list[_Thread] = []
    link_of: dict[str, Any] = {}
    for a in threads_src:
        url = thread_url(story.id, a.id)
        pof = page_of_floor(paginate(a.comments, "time"))
        summary = summary_of.get(a.id)

        def elsewhere(f: int, url: str = url, pof: dict[int, int] = pof) -> str:
            return f"{url}?page={pof[f]}#floor-{f}"

        if len(a.comments) <= min(FULL_THREAD, budget):
            shown = None
            budget -= len(a.comments)
        else:
            ranked = best_floors(a.comments)
            rank = {c.floor: i for i, c in enumerate(ranked)}
            tops = (
                {f for f in (summary.top_agree, summary.top_disagree) if f is not None} if summary else set()
            )
            k = max(0, min(BEST_ON_STORY, budget))
            shown = [c for c in ranked if c.floor in tops][:k]
            shown += [c for c in ranked if c.floor not in tops][: k - len(shown)]
            shown.sort(key=lambda c: rank[c.floor])
            budget -= len(shown)
        n_pages = max(pof.values(), default=1)
        lead = f"精华 {len(shown)} 楼，" if shown is not None else ""
        more = Markup(
            f'  <p class="thread-more">{lead}全部 {len(a.comments)} 楼共 {n_pages} 页：'
            f"{_page_links(url, n_pages)}"
            f' · <a href="{url}?view=best">精华在前</a> · <a href="{url}?view=talk">按对话</a></p>\n'
        )
        on_page = {c.floor for c in (a.comments if shown is None else shown)}

        def link(
            f: int, aid: str = a.id, on_page: set[int] = on_page, pof: dict[int, int] = pof, el=elsewhere
        ) -> str:
            if f in on_page or f not in pof:  # (a floor the thread lacks keeps its in-page anchor)
                return "#" + _floor_anchor(primary, aid, f)
            return el(f)

        link_of[a.id] = link
        html_ = thread_html(
            a, primary, tz, stances=stance_of.get(a.id), shown=shown, elsewhere=elsewhere, more=more
        )
        bar = split_bar(summary.agree, summary.disagree, summary.other) if summary else ""
        threads.append(_Thread(a, a.id == primary, html_, url=url, summary=summary, bar=bar))

    def floor_link(article_id: str, f: int) -> str:
        link = link_of.get(article_id)
        return link(f) if link else "#" + _floor_anchor(primary, article_id, f)

    return threads, floor_link


def _split_context(summaries: Sequence[Any], threads: list[_Thread], floor_link: Any) -> dict[str, Any]:
    """The discussion's one line on how readers split, its bar, and each side's most-quoted floor
    as (href, floor, outlet, name the outlet?)."""
    from storyline.stories.discussion import split_line

    top = {}
    for side in ("agree", "disagree"):
        found = _side_top(threads, side)
        if found:
            t, f = found
            top[side] = (floor_link(t.article.id, f), f, t.article.outlet, len(threads) > 1)
    return {
        "line": split_line(summaries) if summaries else "",
        "bar": split_bar(
            sum(t.agree for t in summaries),
            sum(t.disagree for t in summaries),
            sum(t.other for t in summaries),
        ),
        "top": top,
    }


def _story_context(store: Store, story: Story, tz: ZoneInfo) -> dict[str, Any]:
    arts = store.articles(story.article_ids)
    by_id = {a.id: a for a in arts}
    threads_src = sorted((a for a in arts if a.comments), key=lambda a: -len(a.comments))
    primary = threads_src[0].id if threads_src else None

    passage: dict[tuple[str, int], str] = {}
    groups: list[_Group] = []
    fallback: list[tuple[Article, list[tuple[str, str]]]] = []
    if story.paragraphs:
        for g in story.paragraphs:
            anchor = "g-" + _anchor(g.id)
            rep = next((m for m in g.members if m.text == g.text), g.members[0] if g.members else None)
            rep_outlet = rep.outlet if rep else ""
            others: list[str] = []
            for m in g.members:
                if m is not rep and m.outlet != rep_outlet and m.outlet not in others:
                    others.append(m.outlet)
            for m in g.members:
                passage.setdefault((m.article_id, m.position), anchor)
            groups.append(
                _Group(
                    anchor,
                    g.text,
                    rep_outlet,
                    others,
                    [(m, by_id.get(m.article_id)) for m in g.members],
                    rep.script if rep else "",
                )
            )
    else:
        display = {an.article_id: an.display_paragraphs for an in store.analyses(story.article_ids)}
        for a in arts:
            paras = display.get(a.id) or a.paragraphs
            items = []
            for i, p in enumerate(paras):
                anchor = f"p-{_anchor(a.id)}-{i}"
                passage[(a.id, i)] = anchor
                items.append((anchor, p))
            fallback.append((a, items))

    # Threads are written by thread_html.py, not the template: they are most of a page's floors.
    d = story.discussion
    threads, floor_link = _threads_on_page(story, threads_src, primary, tz)
    split = _split_context(d.threads, threads, floor_link)
    svg = timeline_svg(
        [(a.outlet, a.published_at) for a in arts],
        story.timeline,
        d.activity,
        title=f"{story.concept} 时间线",
        tz=tz,
        tz_label=_zone_label(tz),
    )

    # Undated reports sit at their earliest evidence (first dated comment), or last when none.
    def when(a: Article) -> tuple[bool, datetime]:
        at = a.published_at or first_evidence(a)
        return (at is None, at or datetime.max.replace(tzinfo=UTC))

    articles = sorted(arts, key=lambda a: (*when(a), a.id))
    claims = _claim_rows(story.claims, by_id, passage, primary, floor_link)
    timeline = sorted(story.timeline, key=lambda e: e.at)

    def dt(at: datetime) -> str:
        return local_minute(at, tz)

    brief = _brief_context(story, claims, by_id, primary, floor_link)
    headline_script = next((a.script for a in arts if a.title.strip() and a.title in story.headline), "")

    # The loops of the page are written by story_html.py (speed); every text there is escaped.
    return {
        "story": story,
        "articles": articles,
        "outlets": len({a.outlet for a in arts}),
        "body_html": Markup(groups_html(groups) if groups else fallback_html(fallback)),
        "claims": claims,
        "claims_html": Markup(claims_html(claims)),
        "timeline": timeline,
        "events_html": Markup(events_html(timeline, KIND_LABELS, dt)),
        "sources_html": Markup(sources_html(articles, dt, safe_href)),
        "svg": Markup(svg),  # built by svg.py, which escapes every label itself
        "threads": threads,
        "discussion": d,
        "split": split,
        "floor_href": lambda f: floor_link(primary or "", f),
        "brief": brief,
        "headline_script": headline_script,
    }


def _brief_context(
    story: Story,
    rows: Sequence[dict[str, Any]],
    by_id: dict[str, Article],
    primary: str | None,
    floor_link: Callable[[str, int], str],
) -> dict[str, Any]:
    """The story brief (stories.brief, stored with the story) resolved into what the page links."""
    row_of: dict[str, dict[str, Any]] = {}
    source_of: dict[str, dict[str, Any]] = {}
    for r in rows:
        for src in r["sources"]:
            row_of[src["c"].id] = r
            source_of[src["c"].id] = src
    claims = {c.id: c for c in story.claims if c.id}

    def side(cid: str) -> dict[str, Any] | None:
        c = claims.get(cid)
        if c is None:
            return None
        art = by_id.get(c.article_id)
        r = row_of.get(cid)
        return {
            "speaker": c.speaker or (art.outlet if art else ""),
            "outlet": art.outlet if art else "",
            "text": c.text,
            "qualifier": qualifier_label(c.qualifier),
            "value": source_of[cid]["value"] if cid in source_of else "",
            "subject": c.subject,
            "href": "#" + r["anchor"] if r else "#claims",
            "lang": art.script if art else "",
        }

    disputes = []
    for a, b in story.brief.disputes:
        left, right = side(a), side(b)
        if left and right:
            disputes.append((left, right))
    agreed = []
    for cid in story.brief.agreed:
        r = row_of.get(cid)
        if r is None:
            continue
        agreed.append(
            {
                "subject": r["row"].subject,
                "value": r["value"],
                "n": len(r["outlets"]),
                "outlets": r["outlets"],
                "href": "#" + r["anchor"],
            }
        )
    d = story.discussion
    top = d.most_quoted[0] if d.most_quoted else None
    return {
        "sentences": [
            {"text": s.text, "href": "#g-" + _anchor(s.group_id), "outlets": s.outlets, "lang": s.script}
            for s in story.brief.sentences
        ],
        "disputes": disputes,
        "agreed": agreed,
        "comments": d.comments,
        "top_floor": (top[0], top[1], floor_link(primary or "", top[0])) if top else None,
    }


@router.get("/story/{story_id}")
@inline_if_local
def story_page(request: Request, story_id: str) -> Response:
    store = _store(request)
    current = store.resolve_story_id(story_id)
    story = store.story(current) if current else None
    if current is None or story is None:
        return _render(request, "not_found.html", status_code=404, what=story_id)
    if current != story_id:
        target = f"/story/{quote(current, safe='')}"
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(target, status_code=301)
    return _render(request, "story.html", **_story_context(store, story, _tz(request)))


# ---- a thread on its own pages ----------------------------------------------------------------
def _thread_or_none(store: Store, story: Story, article_id: str) -> Article | None:
    if article_id not in story.article_ids:
        return None
    arts = store.articles([article_id])
    return arts[0] if arts and arts[0].comments else None


@router.get("/story/{story_id}/thread/{article_id}")
@inline_if_local
def thread_page(
    request: Request,
    story_id: str,
    article_id: str,
    page: int = Query(1, ge=1, le=100_000),
    view: str = Query("time", max_length=8),
) -> Response:
    """One page of one reader thread: by time, best first or as conversations (folded replies)."""
    from storyline.export import stance_index
    from storyline.stories.discussion import best_floors

    store = _store(request)
    current = store.resolve_story_id(story_id)
    story = store.story(current) if current else None
    if current is None or story is None:
        return _render(request, "not_found.html", status_code=404, what=story_id)
    if current != story_id:
        target = thread_url(current, article_id)
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(target, status_code=301)
    a = _thread_or_none(store, story, article_id)
    if a is None:
        return _render(request, "not_found.html", status_code=404, what=f"{story_id} / {article_id}")
    view = view if view in VIEWS else "time"
    pages = paginate(a.comments, view, best_floors(a.comments) if view == "best" else None)
    n = min(page, len(pages))
    here = {c.floor for c in pages[n - 1]}
    pof = page_of_floor(pages)
    base = thread_url(story.id, a.id)
    view_q = "" if view == "time" else f"view={view}&"

    def page_href(k: int) -> str:
        return f"{base}?{view_q}page={k}"

    def href(f: int) -> str | None:
        if f in here:
            return f"#floor-{f}"
        return f"{page_href(pof[f])}#floor-{f}" if f in pof else None

    summary = next((t for t in story.discussion.threads if t.article_id == a.id), None)
    stances = stance_index(story.discussion).get(a.id, {})
    return _render(
        request,
        "thread.html",
        story=story,
        article=a,
        view=view,
        views=VIEWS,
        base=base,
        page=n,
        pages=len(pages),
        page_href=page_href,
        first=pages[n - 1][0].floor if pages[n - 1] else None,
        count=len(pages[n - 1]),
        summary=summary,
        bar=split_bar(summary.agree, summary.disagree, summary.other) if summary else "",
        top_href={
            side: href(getattr(summary, f"top_{side}"))
            for side in ("agree", "disagree")
            if summary and getattr(summary, f"top_{side}") is not None
        },
        floors_html=thread_page_html(a, pages[n - 1], view, href, _tz(request), stances),
    )


@router.get("/story/{story_id}/thread/{article_id}/floor/{floor}")
def floor_link(request: Request, story_id: str, article_id: str, floor: int) -> Response:
    """A floor's stable link: to the (arrival-order) page that holds it, at ``#floor-N``."""
    store = _store(request)
    current = store.resolve_story_id(story_id)
    story = store.story(current) if current else None
    a = _thread_or_none(store, story, article_id) if story is not None else None
    if a is None or story is None:
        return _render(request, "not_found.html", status_code=404, what=f"{story_id} / {article_id}")
    pof = page_of_floor(paginate(a.comments, "time"))
    if floor not in pof:
        return _render(request, "not_found.html", status_code=404, what=f"{article_id} {floor}楼")
    return RedirectResponse(f"{thread_url(story.id, a.id)}?page={pof[floor]}#floor-{floor}", status_code=302)


# ---- search -----------------------------------------------------------------------------------
@router.get("/search")
def search_page(
    request: Request,
    q: str = "",
    offset: str = "0",
    outlet: str = "",
    lang: str = "",
    since: str = "",
    until: str = "",
    sort: str = "newest",
) -> Response:
    # ``lang`` filters by the article's script (``script`` is the reader's 繁/简 choice).
    # Parameters are read as text and checked here, not by FastAPI's validation: a reader who
    # pastes a long query or edits the URL gets this page with a sentence, never raw JSON.
    q = q.strip()
    problems: list[str] = []
    if len(q) > MAX_QUERY_CHARS:
        problems.append(f"搜索词太长（{len(q)} 个字符，最多 {MAX_QUERY_CHARS} 个），请缩短后再试。")
    try:
        start = int(offset or 0)
    except ValueError:
        start = 0
    start = min(max(start, 0), 10_000)
    bounds: dict[str, datetime | None] = {}
    for name, raw in (("since", since), ("until", until)):
        bounds[name] = None
        if raw.strip():
            try:
                day = date.fromisoformat(raw.strip()[:10])
            except ValueError:
                problems.append(f"日期“{raw[:20]}”看不懂，请用 2025-01-22 这样的写法。")
                continue
            at = datetime.combine(day, time.max if name == "until" else time.min)
            bounds[name] = at.replace(tzinfo=_tz(request))
    if sort not in SORTS:
        sort = "newest"
    store = _store(request)
    hits, total, query = [], 0, None
    if q and not problems:
        query = search_query(
            q, outlet=outlet, script=lang, since=bounds["since"], until=bounds["until"], sort=sort
        )
        problems.extend(query.notes)
        hits = store.search(query, limit=SEARCH_PAGE + 1, offset=start)
        total = store.search_count(query) if hits or start else 0
    more = len(hits) > SEARCH_PAGE
    rows = [{"h": h, "snippet": safe_snippet(h.snippet)} for h in hits[:SEARCH_PAGE]]
    expanded = []
    if query is not None:
        for c in query.positive:
            if len(c.options) > 1:
                expanded.append((c.options[0].text, [u.text for u in c.options[1:6]]))
    filters = {"outlet": outlet, "lang": lang, "since": since, "until": until, "sort": sort}
    return _render(
        request,
        "search.html",
        status_code=400 if problems and not rows and q else 200,
        q=q[:MAX_QUERY_CHARS],
        rows=rows,
        total=total,
        offset=start,
        problems=problems,
        expanded=expanded,
        filters=filters,
        langs=[("", "全部"), ("zh-Hans", "简体"), ("zh-Hant", "繁体"), ("en", "英文")],
        next_offset=start + SEARCH_PAGE if more else None,
        prev_offset=max(start - SEARCH_PAGE, 0) if start else None,
    )


# ---- API docs (no Swagger: see app.create_app) ----------------------------------------------
@router.get("/docs")
def docs(request: Request) -> Response:
    spec = request.app.openapi()
    endpoints = [
        {"method": m.upper(), "path": p, "summary": op.get("summary", ""), "params": op.get("parameters", [])}
        for p, ops in spec.get("paths", {}).items()
        for m, op in ops.items()
    ]
    return _render(request, "docs.html", endpoints=endpoints, title=spec.get("info", {}).get("title", ""))


# ---- feeds out -----------------------------------------------------------------------------------
def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/feeds/hot.rss")
@inline_if_local
def feed_hot_rss(request: Request) -> Response:
    body = hot_rss(_store(request).stories(limit=50), base=_base(request))
    return etag_response(request, body, "application/rss+xml; charset=utf-8", max_age=300)


@router.get("/feeds/hot.atom")
@inline_if_local
def feed_hot_atom(request: Request) -> Response:
    body = hot_atom(_store(request).stories(limit=50), base=_base(request))
    return etag_response(request, body, "application/atom+xml; charset=utf-8", max_age=300)


@router.get("/feeds/story/{story_id}.atom")
@inline_if_local
def feed_story_atom(request: Request, story_id: str) -> Response:
    store = _store(request)
    current = store.resolve_story_id(story_id)
    story = store.story(current) if current else None
    if story is None or current is None:
        return Response("no such story", status_code=404, media_type="text/plain")
    if current != story_id:
        return RedirectResponse(f"/feeds/story/{quote(current, safe='')}.atom", status_code=301)
    body = story_atom(story, store.articles(story.article_ids), base=_base(request))
    return etag_response(request, body, "application/atom+xml; charset=utf-8", max_age=300)
