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
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from storyline.errors import StoreError
from storyline.settings import Settings
from storyline.store.base import Store
from storyline.store.pages import open_page_store
from storyline.web import docs_view, feeds_view, hot_view, search_view, status_view, story_view, thread_view
from storyline.web.api import router as api_router
from storyline.web.cache import ResponseCache, build_tag
from storyline.web.i18n import normalize_choice
from storyline.web.render import COOKIE, render_error
from storyline.web.responses import SecurityHeaders
from storyline.web.routes import StoryRoutes

__all__ = ["ROUTERS", "create_app", "page_store_path_ok", "story_of_path"]

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
HERE = Path(__file__).parent


def _code_tag() -> str:
    """:func:`build_tag` over this package's code, templates and static files and the version."""
    from storyline import __version__

    files = sorted(p for p in HERE.rglob("*") if p.is_file() and p.suffix in {".py", ".html", ".css", ".js"})
    return build_tag(__version__.encode(), *(f.read_bytes() for f in files))


# The portal's routers, in the order they are matched (the JSON API first: /api/… paths).
ROUTERS = (
    api_router,
    hot_view.router,
    story_view.router,
    thread_view.router,
    search_view.router,
    docs_view.router,
    feeds_view.router,
    status_view.router,
)
# The routes whose response is a function of one story (and the articles it lists) alone, as
# each route marks itself (web.routes.story_scoped) and matched as the router matches it.
_STORY_ROUTES = StoryRoutes(route for router in ROUTERS for route in router.routes)


def page_store_path_ok(path: str) -> bool:
    """Whether the response for ``path`` may be kept in the (host-free) page store.

    >>> page_store_path_ok("/story/s1"), page_store_path_ok("/feeds/story/s1.atom")
    (True, False)
    """
    return _STORY_ROUTES.host_free(path)


def story_of_path(path: str) -> str | None:
    """The story id a story-scoped path is about, else ``None``.

    >>> story_of_path("/story/s1"), story_of_path("/api/stories/s1/thread"), story_of_path("/api/stories")
    ('s1', 's1', None)
    """
    return _STORY_ROUTES.story_of(path)


def _query_keys(app: FastAPI) -> frozenset[str]:
    """Every query parameter a route of ``app`` declares, plus the pages' ``script`` choice.

    The portal's own pages are not in the OpenAPI schema (``include_in_schema=False``), so the
    routes' dependants are read too; the schema alone would drop ``page``/``view`` of a thread page
    or a search filter from the cache key, and every page of a thread would share one entry.
    """
    keys = {"script"}
    for ops in app.openapi().get("paths", {}).values():
        for op in ops.values():
            keys.update(p["name"] for p in op.get("parameters", ()) if p.get("in") == "query")
    for route in [*app.routes, *(r for router in ROUTERS for r in router.routes)]:
        dependant = getattr(route, "dependant", None)
        for param in getattr(dependant, "query_params", ()) or ():
            keys.add(getattr(param, "alias", None) or param.name)
    return frozenset(keys)


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
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        # Browsers ask for /favicon.ico whatever the page links; answer with the same icon.
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

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
        query_keys=_query_keys(app),
    )
    app.add_middleware(SecurityHeaders)
    # Outermost: compresses what the cache did not (errors, uncached paths, a cache switched
    # off); the cache sends its kept pages gzipped itself, compressed once per entry.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)

    _error_pages(app)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


_HEADINGS = {
    400: ("请求有误", "这个地址的参数无法读取。"),
    404: ("找不到这个页面", "这个地址上没有页面。"),
    405: ("不支持的请求", "这个地址只能用浏览器打开（GET）。"),
    422: ("请求有误", "这个地址的参数无法读取。"),
    503: ("暂时无法读取", "报道库暂时无法读取，请稍后再试。"),
    500: ("出错了", "这个页面出了错；其他页面不受影响。"),
}


def _error_page(request: Request, status: int, detail: object) -> Response:
    """The portal's HTML error page for a reader; JSON ``{"detail": …}`` under ``/api`` only."""
    if _is_api(request):
        return JSONResponse({"detail": detail}, status_code=status)
    heading, message = _HEADINGS.get(status, _HEADINGS[400 if status < 500 else 500])
    return render_error(request, status, heading, message)


def _error_pages(app: FastAPI) -> None:
    """Unknown routes, bad queries and faults answer with the portal's page, JSON only under /api."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response = _error_page(request, exc.status_code, exc.detail)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_query(request: Request, exc: RequestValidationError) -> Response:
        return _error_page(request, 422, jsonable_encoder(exc.errors()))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        log.error("store error on %s: %s", request.url.path, exc)
        return _error_page(request, 503, "the store could not be read; try again shortly")

    @app.exception_handler(Exception)
    async def fault(request: Request, exc: Exception) -> Response:
        # Starlette logs the traceback and re-raises after this answer; the reader gets a page.
        return _error_page(request, 500, "internal error; the fault is logged")
