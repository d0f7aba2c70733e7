"""The hot list (``/``): story summaries, hottest first, thirty a page."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from storyline.errors import StoreError
from storyline.web.render import render, store
from storyline.web.responses import inline_if_local

__all__ = ["HOT_PAGE", "router"]

router = APIRouter(include_in_schema=False)
HOT_PAGE = 30


@router.get("/")
@inline_if_local
def hot(request: Request, after: str | None = Query(None)) -> Response:
    """The hot list from story summaries (a few hundred bytes each, outlets counted at write time).

    Rendered pages are kept by :class:`storyline.web.cache.ResponseCache` until the next ingest.
    """
    s = store(request)
    try:
        page = s.story_summaries(limit=HOT_PAGE + 1, after=after or None)
    except StoreError:  # a stale "more" link (its story merged away or gone): start over
        page = s.story_summaries(limit=HOT_PAGE + 1)
    more = len(page) > HOT_PAGE
    page = page[:HOT_PAGE]
    return render(request, "hot.html", items=page, next_after=page[-1].id if more and page else None)
