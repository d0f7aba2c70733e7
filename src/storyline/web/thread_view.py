"""A reader thread on its own pages (by time, best first, or as conversations), and a floor's
stable link. ``templates/thread.html`` writes the page, ``_floors.html`` its floors.

Example::

    GET /story/s1/thread/a1?view=talk&page=2   → the second page of a1's conversations
    GET /story/s1/thread/a1/floor/120          → 302 to the arrival-order page holding floor 120
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from storyline.records import Article, Story
from storyline.store.base import Store
from storyline.stories.discussion import best_floors
from storyline.web.floors import floor_rows, split_bar, talk_rows
from storyline.web.links import thread_url
from storyline.web.render import reader_tz, render, store
from storyline.web.responses import inline_if_local
from storyline.web.routes import story_scoped
from storyline.web.thread_pages import VIEWS, page_of_floor, paginate

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _thread_or_none(store: Store, story: Story, article_id: str) -> Article | None:
    if article_id not in story.article_ids:
        return None
    arts = store.articles([article_id])
    return arts[0] if arts and arts[0].comments else None


@router.get("/story/{story_id}/thread/{article_id}")
@story_scoped()
@inline_if_local
def thread_page(
    request: Request,
    story_id: str,
    article_id: str,
    page: int = Query(1, ge=1, le=100_000),
    view: str = Query("time", max_length=8),
) -> Response:
    """One page of one reader thread: by time, best first or as conversations (folded replies)."""
    s = store(request)
    current = s.resolve_story_id(story_id)
    story = s.story(current) if current else None
    if current is None or story is None:
        return render(request, "not_found.html", status_code=404, what=story_id)
    if current != story_id:
        target = thread_url(current, article_id)
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(target, status_code=301)
    a = _thread_or_none(s, story, article_id)
    if a is None:
        return render(request, "not_found.html", status_code=404, what=f"{story_id} / {article_id}")
    view = view if view in VIEWS else "time"
    pages = paginate(a.comments, view, best_floors(a.comments) if view == "best" else None)
    n = min(page, len(pages))
    shown = pages[n - 1]
    here = {c.floor for c in shown}
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
    # This thread's row of export.stance_index (its last summary's, as there), not every thread's.
    stances = next(
        ({s.floor: s for s in t.stances} for t in reversed(story.discussion.threads) if t.article_id == a.id),
        {},
    )
    tz = reader_tz(request)
    return render(
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
        first=shown[0].floor if shown else None,
        count=len(shown),
        summary=summary,
        bar=split_bar(summary.agree, summary.disagree, summary.other) if summary else None,
        top_href={
            side: href(getattr(summary, f"top_{side}"))
            for side in ("agree", "disagree")
            if summary and getattr(summary, f"top_{side}") is not None
        },
        floors=talk_rows(shown, href, tz, stances)
        if view == "talk"
        else floor_rows(shown, lambda c: f"floor-{c.floor}", href, tz, stances),
    )


@router.get("/story/{story_id}/thread/{article_id}/floor/{floor}")
@story_scoped(host_free=False)
def floor_link(request: Request, story_id: str, article_id: str, floor: int) -> Response:
    """A floor's stable link: to the (arrival-order) page that holds it, at ``#floor-N``."""
    s = store(request)
    current = s.resolve_story_id(story_id)
    story = s.story(current) if current else None
    a = _thread_or_none(s, story, article_id) if story is not None else None
    if a is None or story is None:
        return render(request, "not_found.html", status_code=404, what=f"{story_id} / {article_id}")
    pof = page_of_floor(paginate(a.comments, "time"))
    if floor not in pof:
        return render(request, "not_found.html", status_code=404, what=f"{article_id} {floor}楼")
    return RedirectResponse(f"{thread_url(story.id, a.id)}?page={pof[floor]}#floor-{floor}", status_code=302)
