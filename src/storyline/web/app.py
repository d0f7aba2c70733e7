"""The FastAPI application: portal pages, JSON API, feeds and static files over one store.

The web reads the store only; every page and endpoint is one or two store calls and a render.
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
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from storyline.errors import StoreError
from storyline.settings import Settings
from storyline.store.base import Store
from storyline.web.api import router as api_router
from storyline.web.responses import SecurityHeaders
from storyline.web.views import router as views_router

__all__ = ["create_app"]

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def create_app(store: Store, settings: Settings, *, hot_ttl: float = 2.0) -> FastAPI:
    """A FastAPI app serving ``store``: portal at ``/``, JSON at ``/api``, feeds at ``/feeds``.

    FastAPI's own ``/docs`` (Swagger UI) is switched off: it loads scripts from a CDN and runs
    inline script, which the Content-Security-Policy forbids; ``/docs`` is instead a plain page
    listing the endpoints of ``/openapi.json``. ``hot_ttl``: seconds the portal's hot list may be
    served from memory (0 turns the micro-cache off; the JSON API is never cached in-process).
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
    app.state.hot_ttl = hot_ttl
    app.state.hot_cache = {}
    app.include_router(api_router)
    app.include_router(views_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.error("store error on %s: %s", request.url.path, exc)
        return JSONResponse({"detail": "the store could not be read; try again shortly"}, status_code=503)

    return app
