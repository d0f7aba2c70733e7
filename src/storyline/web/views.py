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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
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
from storyline.settings import Settings
from storyline.store.base import Store
from storyline.web.feeds_out import hot_atom, hot_rss, story_atom
from storyline.web.i18n import normalize_choice, to_script
from storyline.web.responses import etag_response, inline_if_local
from storyline.web.story_html import claims_html, events_html, fallback_html, groups_html, sources_html
from storyline.web.svg import timeline_svg
from storyline.web.thread_html import anchor as _anchor
from storyline.web.thread_html import floor_anchor as _floor_anchor
from storyline.web.thread_html import local_minute, thread_html

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
        url=url, switch=switch, dt=dt, script=choice, lang=lang, safe_href=safe_href, anchor=_anchor, **ctx
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


@dataclass
class _Thread:
    article: Article
    primary: bool
    html: Markup


def _claim_rows(
    claims: Iterable[Claim],
    by_id: dict[str, Article],
    passage: dict[tuple[str, int], str],
    primary: str | None,
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
            return "#" + _floor_anchor(primary, c.article_id, c.floor), f"{outlet} {c.floor}楼"
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
            sources.append(
                {"c": c, "href": href, "where": label.strip() or "?", "value": _fmt_value(c.value, c.unit)}
            )
        qualifiers = sorted({c.qualifier for c in row.claims if c.qualifier})
        timeframes = sorted({c.timeframe for c in row.claims if c.timeframe})
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
                "outlets": sorted({s["where"].split(" ")[0] for s in sources if s["where"] != "?"}),
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
    from storyline.web.export import contradiction_export

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
                _Group(anchor, g.text, rep_outlet, others, [(m, by_id.get(m.article_id)) for m in g.members])
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
    threads = [_Thread(a, a.id == primary, thread_html(a, primary, tz)) for a in threads_src]
    d = story.discussion
    svg = timeline_svg(
        [(a.outlet, a.published_at) for a in arts],
        story.timeline,
        d.activity,
        title=f"{story.concept} 时间线",
    )
    articles = sorted(arts, key=lambda a: (a.published_at is None, a.published_at or datetime.min))
    claims = _claim_rows(story.claims, by_id, passage, primary)
    timeline = sorted(story.timeline, key=lambda e: e.at)

    def dt(at: datetime) -> str:
        return local_minute(at, tz)

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
        "floor_href": lambda f: "#" + _floor_anchor(primary, primary or "", f),
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


# ---- search -----------------------------------------------------------------------------------
@router.get("/search")
def search_page(
    request: Request, q: str = Query("", max_length=200), offset: int = Query(0, ge=0, le=10_000)
) -> Response:
    q = q.strip()
    hits = _store(request).search(q, limit=SEARCH_PAGE + 1, offset=offset) if q else []
    more = len(hits) > SEARCH_PAGE
    rows = [{"h": h, "snippet": safe_snippet(h.snippet)} for h in hits[:SEARCH_PAGE]]
    return _render(
        request,
        "search.html",
        q=q,
        rows=rows,
        offset=offset,
        next_offset=offset + SEARCH_PAGE if more else None,
        prev_offset=max(offset - SEARCH_PAGE, 0) if offset else None,
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
