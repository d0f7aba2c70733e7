"""Story pages rendered ahead of readers into the page store (``storyline prerender``).

Every page goes through the whole app, response cache included, exactly as a reader's request
would, so it is kept under the key and version a reader's request looks up
(:class:`storyline.store.pages.PageStore`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storyline.errors import StorylineError
from storyline.settings import Settings
from storyline.store.base import hottest_first
from storyline.store.pages import PageStore
from storyline.web.app import create_app

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from storyline.store.base import Store

__all__ = ["PrerenderReport", "asgi_get", "prerender", "prerender_store"]


@dataclass(frozen=True, slots=True)
class PrerenderReport:
    """What :func:`prerender` did: pages rendered and kept, pages still fresh, pages it could not."""

    rendered: int
    fresh: int
    failed: tuple[tuple[str, int], ...]  # (path, status)
    seconds: float


async def asgi_get(app: ASGIApp, path: str) -> int:
    """One GET of ``path`` (a query after ``?`` allowed) through the whole app, in process; the
    status (the body goes nowhere). The benchmarks time cold renders through it too."""
    path, _, query = path.partition("?")
    status = 500
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"prerender.invalid")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


def prerender_store(store: Store, settings: Settings, *, limit: int | None = None) -> PrerenderReport:
    """:func:`prerender` the ``limit`` hottest stories of ``store`` (all by default).

    Raises :class:`~storyline.errors.StorylineError` when ``settings`` give no page store.
    """
    app = create_app(store, settings, cache_entries=16)
    pages: PageStore | None = app.state.pages
    if pages is None:
        raise StorylineError(
            f"no page store for {settings.db}: it is kept beside a SQLite store, or where "
            "the STORYLINE_PAGE_STORE variable says; for PostgreSQL only where it says"
        )

    try:
        summaries = hottest_first(store.story_summaries, limit=limit, batch=500)
        return prerender(app, pages, (s.id for s in summaries))
    finally:
        pages.close()


def prerender(app: ASGIApp, pages: PageStore, story_ids: Iterable[str]) -> PrerenderReport:
    """Render each story's page (default script, no cookie) into ``pages`` unless still fresh.

    ``app`` must be :func:`storyline.web.app.create_app`'s app over ``pages``: the pages go
    through its response cache exactly as a reader's request would, so they are kept under the
    key and version a reader's request looks up. Run after an ingest to spare the first readers
    of every changed story the render; a page still fresh costs a lookup and its expansion.
    """
    from urllib.parse import quote

    started = time.perf_counter()
    writes, hits = pages.writes, pages.hits
    failed: list[tuple[str, int]] = []

    async def run() -> None:
        for story_id in story_ids:
            path = f"/story/{quote(story_id, safe='')}"
            status = await asgi_get(app, path)
            if status != 200:
                failed.append((path, status))

    asyncio.run(run())
    return PrerenderReport(
        rendered=pages.writes - writes,
        fresh=pages.hits - hits,
        failed=tuple(failed),
        seconds=time.perf_counter() - started,
    )
