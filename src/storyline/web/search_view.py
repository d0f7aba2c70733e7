"""``/search``: full-text search in either script, with filters, twenty hits a page.

Parameters are read as text and checked here, not by FastAPI's validation: a reader who pastes
a long query or edits the URL gets this page with a sentence, never raw JSON.
"""

from __future__ import annotations

from datetime import date, datetime, time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storyline.search import search_query
from storyline.store.query import MAX_QUERY_CHARS, SORTS
from storyline.web.links import safe_snippet
from storyline.web.render import reader_tz, render, store

__all__ = ["SEARCH_PAGE", "router"]

router = APIRouter(include_in_schema=False)
SEARCH_PAGE = 20


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
            bounds[name] = at.replace(tzinfo=reader_tz(request))
    if sort not in SORTS:
        sort = "newest"
    s = store(request)
    hits, total, query = [], 0, None
    if q and not problems:
        query = search_query(
            q, outlet=outlet, script=lang, since=bounds["since"], until=bounds["until"], sort=sort
        )
        problems.extend(query.notes)
        hits = s.search(query, limit=SEARCH_PAGE + 1, offset=start)
        total = s.search_count(query) if hits or start else 0
    more = len(hits) > SEARCH_PAGE
    rows = [{"h": h, "snippet": safe_snippet(h.snippet)} for h in hits[:SEARCH_PAGE]]
    expanded = []
    if query is not None:
        for c in query.positive:
            if len(c.options) > 1:
                expanded.append((c.options[0].text, [u.text for u in c.options[1:6]]))
    filters = {"outlet": outlet, "lang": lang, "since": since, "until": until, "sort": sort}
    return render(
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
