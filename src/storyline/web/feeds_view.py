"""The feeds out: the hot list as RSS and Atom, and each story as Atom (:mod:`storyline.web.feeds_out`)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from storyline.web.feeds_out import hot_atom, hot_rss, story_atom
from storyline.web.render import store
from storyline.web.responses import etag_response, inline_if_local
from storyline.web.routes import story_scoped

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/feeds/hot.rss")
@inline_if_local
def feed_hot_rss(request: Request) -> Response:
    body = hot_rss(store(request).stories(limit=50), base=_base(request))
    return etag_response(request, body, "application/rss+xml; charset=utf-8", max_age=300)


@router.get("/feeds/hot.atom")
@inline_if_local
def feed_hot_atom(request: Request) -> Response:
    body = hot_atom(store(request).stories(limit=50), base=_base(request))
    return etag_response(request, body, "application/atom+xml; charset=utf-8", max_age=300)


@router.get("/feeds/story/{story_id}.atom")
@story_scoped(host_free=False)  # absolute links: the request's host is in the feed
@inline_if_local
def feed_story_atom(request: Request, story_id: str) -> Response:
    s = store(request)
    current = s.resolve_story_id(story_id)
    story = s.story(current) if current else None
    if story is None or current is None:
        return Response("no such story", status_code=404, media_type="text/plain")
    if current != story_id:
        return RedirectResponse(f"/feeds/story/{quote(current, safe='')}.atom", status_code=301)
    body = story_atom(story, s.articles(story.article_ids), base=_base(request))
    return etag_response(request, body, "application/atom+xml; charset=utf-8", max_age=300)
