"""Asking one URL: a conditional GET through :func:`storyline.sources.fetch.fetch`, as an :class:`Answer`.

The follower's fetches go through ``fetch`` (robots.txt, per-host rate limit, address guard,
size cap) with retries off: backing off is the schedule's job, across rounds. What ``fetch``
does not hand back — the status and ``Retry-After`` of a refused answer — is read from the
responses by an httpx event hook on the client passed to it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from storyline.errors import StorylineError
from storyline.settings import Settings
from storyline.sources.fetch import FetchResult, fetch
from storyline.store.base import FetchState

__all__ = ["Answer", "Asker"]


@dataclass(frozen=True, slots=True)
class Answer:
    """What asking ``state.url`` gave: a result, or an error with the HTTP status and Retry-After."""

    state: FetchState
    result: FetchResult | None = None
    error: StorylineError | None = None
    status: int = 0
    retry_after: float | None = None
    at: float = 0.0


class Asker:
    """Asks URLs for one follower; thread-safe (one host per worker thread at a time).

    settings: fetch politeness (its ``fetch_retries`` is used as given: the follower sets 0).
    clock: when an answer arrived (the follower's clock).
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        # fetch()'s session cache: robots.txt parsers and last request time per host; a URL's
        # entry lives only during its ask (validators come from the store, bodies are not kept).
        self._cache: dict[Any, Any] = {}
        self._seen: dict[str, tuple[int, float | None]] = {}
        self._seen_lock = threading.Lock()
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.fetch_timeout),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            event_hooks={"response": [self._on_response]},
        )

    def close(self) -> None:
        self._client.close()

    def _on_response(self, response: httpx.Response) -> None:
        retry = None
        value = response.headers.get("retry-after", "")
        if value.isdigit():
            retry = float(value)
        elif value:
            try:
                retry = max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                retry = None
        with self._seen_lock:
            self._seen[str(response.request.url)] = (response.status_code, retry)

    def ask(self, state: FetchState) -> Answer:
        """GET ``state.url`` with the validators the store kept (a 304 is ``result.not_modified``)."""
        url = state.url
        if state.etag or state.last_modified:
            # fetch() sends If-None-Match/If-Modified-Since for what its cache holds: the validators
            # the store kept (the body is not needed: a 304 means "what you stored").
            self._cache[url] = FetchResult(url, url, 200, "", b"", state.etag, state.last_modified)
        try:
            result = fetch(url, self.settings, cache=self._cache, client=self._client)
            return Answer(state, result=result, status=result.status, at=self.clock())
        except StorylineError as exc:
            with self._seen_lock:
                status, retry = self._seen.pop(url, (0, None))
            return Answer(state, error=exc, status=status, retry_after=retry, at=self.clock())
        finally:
            self._cache.pop(url, None)  # bodies are not kept in memory between asks
            with self._seen_lock:
                self._seen.pop(url, None)
