"""The FastAPI application: portal pages, JSON API, feeds and static files over one store.

The web reads the store only; every page and endpoint is one or two store calls and a render,
and :class:`storyline.web.cache.ResponseCache` keeps the result until the store's version changes
(for the pages of one story: until that story's version changes, see :func:`story_of_path`).
``create_app`` takes the store and settings it is handed (no globals, no environment reads),
so tests, the CLI (``storyline serve``) and the benchmark build the same app.

Example::

    >>> from storyline.store import open_store
    >>> from storyline.settings import Settings
    >>> app = create_app(open_store("/tmp/s.db"), Settings(db="/tmp/s.db"))   # doctest: +SKIP
    >>> # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from storyline.errors import StoreError
from storyline.settings import Settings
from storyline.store.base import Store
from storyline.web.api import router as api_router
from storyline.web.cache import ResponseCache, build_tag
from storyline.web.i18n import normalize_choice
from storyline.web.pages import open_page_store
from storyline.web.responses import SecurityHeaders
from storyline.web.status_view import router as status_router
from storyline.web.views import COOKIE
from storyline.web.views import router as views_router

__all__ = ["create_app", "story_of_path"]

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
HERE = Path(__file__).parent


def _code_tag() -> str:
    """:func:`build_tag` over this package's code, templates and static files and the version."""
    from storyline import __version__

    files = sorted(p for p in HERE.rglob("*") if p.is_file() and p.suffix in {".py", ".html", ".css", ".js"})
    return build_tag(__version__.encode(), *(f.read_bytes() for f in files))


# The routes whose response is a function of one story (and the articles it lists) alone; the
# id is matched as the routes match it (no "/"; the feed's greedy before ".atom").
_STORY_PATH = re.compile(
    r"/story/(?P<page>[^/]+)"
    r"|/api/stories/(?P<api>[^/]+)(?:/articles|/thread|/claims)?"
    r"|/feeds/story/(?P<feed>[^/]+)\.atom"
)


# Story-scoped responses that do not depend on the request's host (feeds carry absolute links):
# these may be kept in the page store, which is shared by every host name the portal answers to.
_PAGE_STORE_PATH = re.compile(r"/story/[^/]+|/api/stories/[^/]+(?:/articles|/thread|/claims)?")


def page_store_path_ok(path: str) -> bool:
    """Whether the response for ``path`` may be kept in the (host-free) page store.

    >>> page_store_path_ok("/story/s1"), page_store_path_ok("/feeds/story/s1.atom")
    (True, False)
    """
    return _PAGE_STORE_PATH.fullmatch(path) is not None


def story_of_path(path: str) -> str | None:
    """The story id a story-scoped path is about, else ``None``.

    >>> story_of_path("/story/s1"), story_of_path("/api/stories/s1/thread"), story_of_path("/api/stories")
    ('s1', 's1', None)
    """
    m = _STORY_PATH.fullmatch(path)
    return (m["page"] or m["api"] or m["feed"]) if m else None


def _story_version(store: Store) -> Callable[[str], str | None]:
    def path_version(path: str) -> str | None:
        story_id = story_of_path(path)
        return store.story_version(story_id) if story_id else None

    return path_version


def create_app(
    store: Store,
    settings: Settings,
    *,
    cache_entries: int = 1024,
    cache_bytes: int = 128 << 20,
    inline: bool | None = None,
) -> FastAPI:
    """A FastAPI app serving ``store``: portal at ``/``, JSON at ``/api``, feeds at ``/feeds``.

    FastAPI's own ``/docs`` (Swagger UI) is switched off: it loads scripts from a CDN and runs
    inline script, which the Content-Security-Policy forbids; ``/docs`` is instead a plain page
    listing the endpoints of ``/openapi.json``.

    ``cache_entries`` / ``cache_bytes`` bound the response cache (``cache_entries=0`` turns it
    off); it is also off when the store cannot tell its version (``Store.version()`` is None).
    ``inline``: run page handlers on the event loop (see :func:`responses.inline_if_local`);
    by default when the store says its reads are local (``Store.inline_reads``: SQLite).
    """
    app = FastAPI(
        title="storyline",
        version="0.1.0",
        description="Every outlet's report of a news story, and its readers' discussion.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.store = store
    app.state.settings = settings
    app.state.inline = store.inline_reads if inline is None else inline
    app.include_router(api_router)
    app.include_router(views_router)
    app.include_router(status_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Added first, so it sits inside SecurityHeaders: cached responses get those headers too.
    build = _code_tag()
    pages = open_page_store(settings, build=build) if cache_entries > 0 else None
    app.state.pages = pages
    app.add_middleware(
        ResponseCache,
        version=store.version,
        path_version=_story_version(store),
        max_entries=cache_entries,
        max_bytes=cache_bytes,
        build=build,
        cookie_name=COOKIE,
        normalize_cookie=normalize_choice,
        pages=pages,
        persist=page_store_path_ok,
    )
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.error("store error on %s: %s", request.url.path, exc)
        return JSONResponse({"detail": "the store could not be read; try again shortly"}, status_code=503)

    return app
