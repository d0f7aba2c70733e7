"""Asking one URL: a conditional GET through :func:`storyline.sources.fetch.fetch`, as an :class:`Answer`.

The follower's fetches go through ``fetch`` (robots.txt, per-host rate limit, address guard,
size cap) with retries off: backing off is the schedule's job, across rounds. What ``fetch``
does not hand back — the status and ``Retry-After`` of a refused answer — is read from the
responses by an httpx event hook on the client passed to it.

The per-host rate is kept for every follower of the store, not per process: ``fetch`` waits
between two requests to a host by the "last request" time it keeps in its session ``cache``
(documented in :mod:`storyline.sources.fetch`); the cache an :class:`Asker` hands it answers
that question from the store instead (:class:`HostGate`, ``Store.take_host_turn``): it waits
until the store gives this follower the host's turn, taken at the moment of sending. Every
request goes through it: pages, robots.txt, each redirect.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from storyline.errors import StoreError, StorylineError
from storyline.settings import Settings
from storyline.sources.fetch import FetchResult, fetch
from storyline.store.base import FetchState

__all__ = ["Answer", "Asker", "HostGate"]

log = logging.getLogger(__name__)
# The key fetch() keeps a host's last request time under (see sources.fetch._wait_for_host).
_LAST_REQUEST = "last-request"


class HostGate(dict):  # type: ignore[type-arg]
    """``fetch``'s session cache, with each host's turn to be asked taken in the store.

    take: ``(host, gap) -> seconds to wait`` (``Store.take_host_turn``: 0.0 = the turn is
    taken, send now). gap: seconds between two requests to one host (``1 / fetch_rate_per_host``).

    ``fetch`` reads ``cache.get(("last-request", host))`` (monotonic seconds) and sleeps until
    ``last + gap``. The gate waits here instead, until the store gives this process the host's
    turn, and answers with a time ``fetch`` does not wait for: the turn is taken at the moment of
    sending, so however late one follower sends, the next request to that host, from whichever
    follower, comes at least ``gap`` after. A store that cannot take turns (it keeps no fetch
    state, or fails) leaves the spacing to this process alone, as before, and says so once.
    """

    def __init__(self, take: Callable[[str, float], float], gap: float) -> None:
        super().__init__()
        self.take = take
        self.gap = gap
        self.shared = True
        self.waits = 0  # turns that had to wait (for another follower's request, or this one's)

    def _is_gate(self, key: Any) -> bool:
        return self.shared and isinstance(key, tuple) and len(key) == 2 and key[0] == _LAST_REQUEST

    def get(self, key: Any, default: Any = None) -> Any:
        if not self._is_gate(key):
            return super().get(key, default)
        host = str(key[1])
        waited = False
        while True:
            try:
                wait = self.take(host, self.gap)
            except (StoreError, NotImplementedError) as exc:
                log.warning("per-host rate kept by this follower alone: the store cannot share it (%s)", exc)
                self.shared = False
                return super().get(key, default)
            if wait <= 0:
                self.waits += waited
                return time.monotonic() - 2 * self.gap  # fetch's wait: none, the turn is ours
            waited = True
            time.sleep(min(wait, 2 * self.gap))  # then ask again: another follower may be first

    def __setitem__(self, key: Any, value: Any) -> None:
        if self._is_gate(key):
            return  # the store holds it (a fallback after a failure starts from the first wait)
        super().__setitem__(key, value)


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
    take_turn: shares the per-host rate with other followers (:class:`HostGate`); ``None``: this
    process alone keeps it.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        *,
        take_turn: Callable[[str, float], float] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        # fetch()'s session cache: robots.txt parsers and last request time per host; a URL's
        # entry lives only during its ask (validators come from the store, bodies are not kept).
        # With ``take_turn`` each host's turns are taken in the store (HostGate).
        rate = settings.fetch_rate_per_host
        self._cache: dict[Any, Any] = HostGate(take_turn, 1.0 / rate) if take_turn and rate > 0 else {}
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
