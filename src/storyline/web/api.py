"""The JSON API under ``/api``: the same story records the portal shows, as the export contract.

Every handler is one store call plus :mod:`storyline.export`; responses carry an ETag and
answer ``304 Not Modified`` to a matching ``If-None-Match``. Ids of stories merged away answer
``301`` to the current id, like the portal. The pydantic models below only describe the
responses for ``/openapi.json``; bodies are encoded with msgspec straight from the export dicts
(validating our own output through pydantic on every request would cost half the throughput).

Example::

    GET /api/stories?limit=2            → {"stories": [{id, concept, headline, …}], "next": "s2"}
    GET /api/stories?after=s2&limit=2   → the next page
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from storyline.errors import StoreError
from storyline.export import (
    article_export,
    claim_export,
    comment_export,
    discussion_export,
    floor_stance,
    iso,
    stance_index,
    story_export,
    summary_export,
)
from storyline.records import Story
from storyline.search import search_query
from storyline.store.base import Store
from storyline.web.feeds_view import router as feeds_router
from storyline.web.responses import etag_response, inline_if_local
from storyline.web.routes import story_scoped

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])
_encode = msgspec.json.Encoder().encode
MAX_AGE = 30


# ---- response schemas (documentation only) -------------------------------------------------
class StatsOut(BaseModel):
    reads: int | None = None
    comments: int | None = None


class QuoteOut(BaseModel):
    author: str
    posted_at: str | None = None
    text: str
    floor: int | None = None


class CommentOut(BaseModel):
    floor: int
    author: str
    posted_at: str | None = None
    text: str
    quotes: list[QuoteOut] = []
    parent_floor: int | None = None
    likes: int | None = None
    stance: str | None = None  # agree / disagree / other toward the article's headline claim
    stance_evidence: str | None = None


class ArticleOut(BaseModel):
    id: str
    outlet: str
    title: str
    url: str
    published_at: str | None = None
    script: str
    stats: StatsOut
    comments: list[CommentOut] | None = None


class MemberOut(BaseModel):
    article_id: str
    outlet: str
    script: str
    position: int
    similarity: float


class ParagraphOut(BaseModel):
    text: str
    members: list[MemberOut]
    id: str


class ClaimOut(BaseModel):
    subject: str
    measure: str
    value: float
    unit: str
    qualifier: str
    speaker: str
    text: str
    article_id: str
    contradicts: list[str]
    id: str = ""
    paragraph: int = -1
    floor: int | None = None
    agrees_with: list[str] = []
    refuted_by: list[str] = []
    referent: str = ""
    referent_key: str = ""
    denominator: str = ""
    kind: str = ""
    modality: str = ""
    subject_basis: str = ""
    contradictions: list[dict[str, Any]] = []
    differs_from: list[str] = []


class EntityOut(BaseModel):
    name: str
    aliases: list[str]


class StorySummaryOut(BaseModel):
    id: str
    concept: str
    headline: str
    keywords: list[str]
    articles: int
    hotness: float
    first_seen: str | None = None
    last_updated: str | None = None


class StoryPage(BaseModel):
    stories: list[StorySummaryOut]
    next: str | None = None


class StoryOut(BaseModel):
    id: str
    concept: str
    headline: str
    keywords: list[str]
    entities: list[EntityOut]
    articles: list[ArticleOut]
    paragraphs: list[ParagraphOut]
    claims: list[ClaimOut]
    timeline: list[dict[str, Any]] = []
    discussion: dict[str, Any] = {}
    hotness: float = 0.0
    aliases: list[str] = []


class ArticlesOut(BaseModel):
    story_id: str
    articles: list[ArticleOut]


class ThreadOut(BaseModel):
    article_id: str
    outlet: str
    title: str
    comments: list[CommentOut]


class ThreadsOut(BaseModel):
    story_id: str
    discussion: dict[str, Any]
    threads: list[ThreadOut]


class ClaimsOut(BaseModel):
    story_id: str
    claims: list[ClaimOut]


class HitOut(BaseModel):
    kind: str
    id: str
    story_id: str | None = None
    title: str
    snippet: str
    published_at: str | None = None
    outlet: str = ""


class SearchOut(BaseModel):
    query: str
    total: int = 0  # matches in all (hits is one page of them)
    hits: list[HitOut]


class EndpointOut(BaseModel):
    method: str
    path: str
    summary: str


class ApiIndexOut(BaseModel):
    name: str
    version: str
    openapi: str
    docs: str
    endpoints: list[EndpointOut]
    feeds: list[str]


# ---- helpers --------------------------------------------------------------------------------
def _store(request: Request) -> Store:
    return request.app.state.store


def _json(request: Request, data: Any) -> Response:
    return etag_response(request, _encode(data), "application/json", max_age=MAX_AGE)


def _story_or_redirect(request: Request, story_id: str, suffix: str = "") -> Story | Response:
    """The story, a 301 to its current id when ``story_id`` was merged away, or 404."""
    store = _store(request)
    current = store.resolve_story_id(story_id)
    if current is None:
        raise HTTPException(status_code=404, detail=f"no story {story_id!r}")
    if current != story_id:
        url = request.url.replace(path=f"/api/stories/{quote(current, safe='')}{suffix}")
        return RedirectResponse(str(url), status_code=301)
    story = store.story(current)
    if story is None:
        raise HTTPException(status_code=404, detail=f"no story {story_id!r}")
    return story


# ---- routes ---------------------------------------------------------------------------------
@router.get(
    "", response_model=ApiIndexOut, summary="This index: the API's endpoints and where they are described"
)
def api_index(request: Request) -> Response:
    """What a person or a client finds at ``/api``: the JSON endpoints and feeds, the schema, the docs.

    Built from the app's own OpenAPI schema, so it lists exactly the routes that exist.
    """
    spec = request.app.openapi()
    endpoints = [
        {"method": method.upper(), "path": path, "summary": op.get("summary", "")}
        for path, ops in spec.get("paths", {}).items()
        if path.startswith("/api/")
        for method, op in ops.items()
    ]
    # The feeds are not in the schema (XML, outside the API); their router says where they are.
    feeds = [r.path for r in feeds_router.routes if getattr(r, "path", "").startswith("/feeds/")]
    info = spec.get("info", {})
    return _json(
        request,
        {
            "name": info.get("title", "storyline"),
            "version": info.get("version", ""),
            "openapi": request.app.openapi_url,
            "docs": "/docs",
            "endpoints": endpoints,
            "feeds": feeds,
        },
    )


@router.get("/stories", response_model=StoryPage, summary="Hot stories, hottest first")
@inline_if_local
def list_stories(
    request: Request,
    after: str | None = Query(None, description="cursor: the `next` value of the previous page"),
    limit: int = Query(20, ge=1, le=100),
) -> Response:
    try:
        page = _store(request).story_summaries(limit=limit + 1, after=after or None)
    except StoreError as exc:  # an unknown cursor is the client's mistake, not a server fault
        raise HTTPException(
            status_code=400, detail=f"unknown cursor {after!r}; start without 'after'"
        ) from exc
    more = len(page) > limit
    page = page[:limit]
    return _json(
        request,
        {"stories": [summary_export(s) for s in page], "next": page[-1].id if more and page else None},
    )


@router.get("/stories/{story_id}", response_model=StoryOut, summary="One story (export contract)")
@story_scoped()
@inline_if_local
def get_story(request: Request, story_id: str) -> Response:
    story = _story_or_redirect(request, story_id)
    if isinstance(story, Response):
        return story
    return _json(request, story_export(_store(request), story))


@router.get("/stories/{story_id}/articles", response_model=ArticlesOut, summary="A story's articles")
@story_scoped()
@inline_if_local
def get_articles(request: Request, story_id: str) -> Response:
    story = _story_or_redirect(request, story_id, "/articles")
    if isinstance(story, Response):
        return story
    arts = _store(request).articles(story.article_ids)
    return _json(
        request, {"story_id": story.id, "articles": [article_export(a, with_comments=False) for a in arts]}
    )


@router.get("/stories/{story_id}/thread", response_model=ThreadsOut, summary="Reader threads")
@story_scoped()
@inline_if_local
def get_thread(request: Request, story_id: str) -> Response:
    story = _story_or_redirect(request, story_id, "/thread")
    if isinstance(story, Response):
        return story
    arts = [a for a in _store(request).articles(story.article_ids) if a.comments]
    stance_of = stance_index(story.discussion)
    threads = [
        {
            "article_id": a.id,
            "outlet": a.outlet,
            "title": a.title,
            "comments": [comment_export(c, floor_stance(stance_of.get(a.id), c.floor)) for c in a.comments],
        }
        for a in arts
    ]
    return _json(
        request, {"story_id": story.id, "discussion": discussion_export(story.discussion), "threads": threads}
    )


@router.get("/stories/{story_id}/claims", response_model=ClaimsOut, summary="The claims ledger")
@story_scoped()
@inline_if_local
def get_claims(request: Request, story_id: str) -> Response:
    story = _story_or_redirect(request, story_id, "/claims")
    if isinstance(story, Response):
        return story
    return _json(request, {"story_id": story.id, "claims": [claim_export(c) for c in story.claims]})


@router.get("/search", response_model=SearchOut, summary="Full-text search in either script")
def search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=200),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=10_000),
) -> Response:
    store = _store(request)
    query = search_query(q)
    hits = store.search(query, limit=limit, offset=offset)
    return _json(
        request,
        {
            "query": q,
            "total": store.search_count(query) if hits or offset else 0,
            "hits": [
                {
                    "kind": h.kind,
                    "id": h.id,
                    "story_id": h.story_id,
                    "title": h.title,
                    "snippet": h.snippet,
                    "published_at": iso(h.published_at),
                    "outlet": h.outlet,
                }
                for h in hits
            ],
        },
    )
