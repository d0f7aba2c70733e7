"""A response cache in front of the whole app, invalidated by the store's version.

A page about one story (its page, feed and API) is keyed by that story's own version instead
(``path_version``: :meth:`~storyline.store.base.Store.story_version`), which moves only when a
write changes that story or the articles it lists; so an ingest touching story A leaves the
cached pages of every other story in place. Lists, search and the hot feeds depend on every
story and keep the store-wide version.

Every page and JSON body is a pure function of (store contents, request key, code), where the
key is method-independent: host, path, canonical query and the reader's 繁/简 cookie. The
canonical query (:func:`canonical_query`) keeps only the parameters some route reads, last
value wins as in Starlette, in sorted order; the app is handed that same query, so a response
can never depend on what the key left out, and ``?junk=N`` neither fills the caches nor evicts. So a
rendered response can be kept until the store changes: the store's :meth:`version` token (one
tiny query, bumped inside every ``write_input`` transaction) is read on each request and an
entry made under another version is never served. Entries live in an LRU bounded by count and
bytes; ETags are derived from (code, version, key), so they agree across workers and restarts
and a revalidation from a browser is a 304 straight from memory.

Pure ASGI, outside FastAPI: a hit costs a dict lookup and one ``send`` instead of routing,
dependency resolution and a threadpool hop (the portal's handlers are sync functions).

Only GET responses with status 200 or 301 are kept (404s for made-up ids would only churn the
LRU; errors must be retried). ``/static`` is left to StaticFiles, which has its own ETags.
Concurrent misses on one key render once: the others wait for that response.

Store-wide pages under a writer (stale-while-revalidate): a follower writing every second moves
the store-wide version every second, and the hot list, search and the lists would otherwise be
rendered again by the first request after every write — under load, most of the time. So an
entry kept under the store-wide version is, once its version has moved, *stale* rather than gone:

* the first request after a quiet spell (the entry was not itself a re-render of the last
  ``stale_seconds``) renders it again and waits for that, so a single write is seen at once;
* requests arriving while that render runs get the stale entry instead of waiting for it;
* when the entry was re-rendered less than ``stale_seconds`` ago (writes keep coming), the
  stale entry is served and one re-render is scheduled for ``stale_seconds`` after the last.

Each such page is thus rendered at most once per ``stale_seconds`` however often the store is
written, readers never wait for it under write load, and no reader sees it older than
``stale_seconds`` plus one render after a write. Story-scoped entries are not kept stale: their
version moves only when a write changes that story, and then the reader gets the change.

A budget on those re-renders (``refresh_budget``, a fraction of one CPU): with many hot searches
under a writer, one re-render per page per ``stale_seconds`` adds up (200 queries kept hot at
4 ms each would take most of a core from the readers). The re-renders' own CPU time is counted;
once it runs past the budget (after a burst of one second's worth), a due re-render waits until
there is budget again, but never past ``stale_seconds`` after it was due. A re-render still
over budget at that point is not run: the stale entry is dropped instead, and the next reader
of that page renders it as on any miss. So the background re-renders never take more than the
budget, and no page is served older than twice ``stale_seconds`` after a write.

Example::

    app.add_middleware(ResponseCache, version=store.version, max_entries=512)
    GET /story/s1            → miss, rendered, kept under version "3f2a….41"
    GET /story/s1            → hit (no handler runs)
    store.write_input(...)   → version "3f2a….42": the next GET renders again
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline.errors import StoreError
from storyline.store.pages import PageStore
from storyline.web.responses import CACHE_ETAGS

__all__ = ["REFRESH_BUDGET", "STALE_SECONDS", "ResponseCache", "build_tag", "canonical_query"]

log = logging.getLogger(__name__)

# Headers a 304 repeats (RFC 9110 §15.4.5: those the 200 would have carried that describe caching).
_KEEP_ON_304 = {b"etag", b"cache-control", b"vary", b"expires", b"content-location", b"set-cookie"}
Key = tuple[str, str, str, str]
# A store-wide page (hot list, search, lists) is rendered at most this often under a writer; the
# issue's bar is a new item on the hot list and in search within 5 s of the round that saw it.
# Measured (follow_freshness.py, load ~6.5): 1.0 s gives p95 3.0 s from the round, 0.5 s 2.3 s,
# but 0.5 s doubles the re-renders: 20 searches kept hot cost the server twice the CPU a request.
STALE_SECONDS = 1.0
# The share of one CPU the scheduled re-renders of stale pages may take (see the module doc):
# 20 searches kept hot under a follower's writes cost ~0.1 of a core (portal_load.py --profile),
# so the cap is not reached in normal service; it bounds what hundreds of hot queries could take.
REFRESH_BUDGET = 0.25


@dataclass(slots=True)
class _Entry:
    version: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes | None  # only 200s have one
    gz: bytes | None = None  # the body gzipped, made on the first request that accepts it
    # When this entry replaced a stale one (time.monotonic()); None for a first render. While it
    # is younger than stale_seconds, a newer version serves it stale and re-renders later.
    renewed: float | None = None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gz or b"") + sum(len(k) + len(v) for k, v in self.headers) + 200

    def gzipped(self) -> bytes | None:
        """The gzip body, compressed once per entry (not per request: ~2 ms for a story page)."""
        if (
            self.gz is None
            and self.status == 200
            and len(self.body) >= _GZIP_MIN
            and _compressible(self.headers)
        ):
            self.gz = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self.gz


_GZIP_MIN = 1024  # smaller bodies gain less than the header costs
_COMPRESSIBLE = (
    b"text/",
    b"application/json",
    b"application/xml",
    b"application/atom+xml",
    b"application/rss+xml",
    b"image/svg+xml",
    b"application/javascript",
)


def _compressible(headers: list[tuple[bytes, bytes]]) -> bool:
    ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    return ctype.startswith(_COMPRESSIBLE) and not any(k.lower() == b"content-encoding" for k, _ in headers)


def _accepts_gzip(headers: list[tuple[bytes, bytes]]) -> bool:
    for k, v in headers:
        if k == b"accept-encoding":
            for part in v.lower().split(b","):
                name, _, q = part.strip().partition(b";")
                if name.strip() in (b"gzip", b"*") and q.replace(b" ", b"") not in (
                    b"q=0",
                    b"q=0.0",
                    b"q=0.00",
                ):
                    return True
    return False


def _with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with Accept-Encoding in Vary (kept responses differ by it now)."""
    out, seen = [], False
    for k, v in headers:
        if k.lower() == b"vary":
            seen = True
            if b"accept-encoding" not in v.lower():
                v = v + b", Accept-Encoding"
        out.append((k, v))
    if not seen:
        out.append((b"vary", b"Accept-Encoding"))
    return out


def build_tag(*parts: bytes) -> str:
    """A short hash of the code and templates, so ETags change when a deploy changes the pages."""
    h = hashlib.blake2b(digest_size=8)
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def canonical_query(query_string: bytes, keys: frozenset[str] | None) -> bytes:
    """The query reduced to the parameters in ``keys`` (all when None): last value of each, sorted.

    >>> canonical_query(b"junk=1&q=a&offset=2&q=b", frozenset({"q", "offset"}))
    b'offset=2&q=b'
    """
    if keys is None or not query_string:
        return query_string
    # latin-1 both ways: every byte (percent-escaped UTF-8 or raw) comes back as it was.
    last = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1"))
    kept = sorted((k, v) for k, v in last.items() if k in keys)
    return urlencode(kept, encoding="latin-1").encode("latin-1")


def _script_cookie(headers: list[tuple[bytes, bytes]], cookie_name: str) -> str:
    """The raw value of the script cookie ('' when absent); only it changes what a page says."""
    for k, v in headers:
        if k == b"cookie" and cookie_name.encode() in v:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(v.decode("latin-1"))
            except Exception:  # a malformed Cookie header is the client's problem: key it as no cookie
                return ""
            morsel = jar.get(cookie_name)
            return morsel.value.strip().lower() if morsel is not None else ""
    return ""


def _if_none_match(headers: list[tuple[bytes, bytes]]) -> bytes:
    for k, v in headers:
        if k == b"if-none-match":
            return v
    return b""


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == b"*":
        return True
    # a weak comparison is what RFC 9110 asks for If-None-Match
    return any(t.strip().removeprefix(b"W/") == etag for t in if_none_match.split(b","))


def _cpu_of(coro) -> float:
    """Run ``coro`` on an event loop of this thread's own; the thread CPU seconds it took."""
    started = time.thread_time()
    asyncio.run(coro)
    return time.thread_time() - started


class ResponseCache:
    """Pure ASGI middleware keeping rendered responses until the store's version changes.

    version: the store's :meth:`~storyline.store.base.Store.version` (``None`` = do not cache).
    path_version: a narrower version for a path whose response depends on part of the store
    only (one story's pages), or ``None`` to use ``version``.
    max_entries / max_bytes: LRU bounds (keys are client-chosen, so both are needed).
    max_entry_bytes: bigger bodies are served but not kept.
    build: :func:`build_tag` of the code; part of every ETag.
    cookie_name: the one cookie that changes a page (the 繁/简 choice); others are ignored.
    max_renders: misses rendered at once (more only add GIL contention for CPU-bound pages).
    normalize_cookie: maps the cookie's raw value to what the pages act on, so junk values
    share the entry of the default.
    pages: a :class:`~storyline.store.pages.PageStore` asked on a miss and filled after a render,
    for the paths ``persist`` accepts (story-scoped, host-independent ones) under their own
    story version; shared by all workers, so one process's render spares the others theirs.
    query_keys: the query parameters any route reads (``None``: all are part of the key); the
    others are dropped from the request before the app sees it (see :func:`canonical_query`).
    stale_seconds: how long a store-wide entry may be served stale while writes keep coming
    (see the module doc); 0 renders it again on the first request after every write; ``None``
    takes the module's :data:`STALE_SECONDS`.
    refresh_budget: the share of one CPU the scheduled re-renders may use (module doc); 0 = no
    cap; ``None`` takes the module's :data:`REFRESH_BUDGET`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        version: Callable[[], str | None],
        path_version: Callable[[str], str | None] | None = None,
        max_entries: int = 512,
        max_bytes: int = 64 << 20,
        max_entry_bytes: int = 4 << 20,
        build: str = "",
        cookie_name: str = "script",
        normalize_cookie: Callable[[str], str] = lambda v: v,
        skip_prefixes: tuple[str, ...] = ("/static/",),
        max_renders: int = 2,
        pages: PageStore | None = None,
        persist: Callable[[str], bool] = lambda path: False,
        query_keys: frozenset[str] | None = None,
        stale_seconds: float | None = None,
        refresh_budget: float | None = None,
    ) -> None:
        self.app = app
        self.version = version
        self.path_version = path_version
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.build = build
        self.cookie_name = cookie_name
        self.normalize_cookie = normalize_cookie
        self.skip_prefixes = skip_prefixes
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._bytes = 0
        self._inflight: dict[Key, asyncio.Future[_Entry | None]] = {}
        self.max_renders = max_renders
        self._renders: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore, asyncio.Semaphore] | None = None
        self.pages = pages
        self.persist = persist
        self.query_keys = query_keys
        self.hits = self.misses = 0
        # Read at construction, not import: a test may set the module's default for its app.
        self.stale_seconds = STALE_SECONDS if stale_seconds is None else stale_seconds
        self.stale = 0  # requests answered with a stale store-wide entry
        self.refreshes = 0  # re-renders scheduled by a stale answer and run
        self._scheduled: dict[Key, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._warned = False
        self.refresh_budget = REFRESH_BUDGET if refresh_budget is None else refresh_budget
        self.refresh_cpu = 0.0  # CPU seconds the scheduled re-renders took
        self.postponed = 0  # re-renders that waited for budget
        self.dropped = 0  # stale entries dropped because the budget was still spent at their deadline
        self._debt = 0.0  # re-render CPU not yet paid back at refresh_budget a second
        self._debt_at = time.monotonic()
        # A re-render's expected CPU, charged as it starts: several due at once must not all pass
        # the budget check before the first of them has been counted.
        self._refresh_cost = 0.0

    # ---- bookkeeping -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
        for handle in self._scheduled.values():
            handle.cancel()
        self._scheduled.clear()

    def _stale(self, key: Key, version: str) -> _Entry | None:
        """The entry of ``key`` kept under another store-wide version, if it may be served stale."""
        if self.stale_seconds <= 0 or version.startswith("p:"):
            return None
        entry = self._entries.get(key)
        if entry is None or entry.version == version or entry.version.startswith("p:"):
            return None
        return entry if entry.status == 200 else None

    def _get(self, key: Key, version: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.version != version:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size

    def _put(self, key: Key, entry: _Entry) -> None:
        if len(entry.body) > self.max_entry_bytes or self.max_entries <= 0:
            return
        self._drop(key)
        self._entries[key] = entry
        self._bytes += entry.size
        while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
            old_key, _ = next(iter(self._entries.items()))
            self._drop(old_key)

    def _render_slot(self, background: bool = False) -> asyncio.Semaphore:
        """The semaphore bounding concurrent renders, one per event loop (tests run several).

        ``background``: the one slot of the scheduled re-renders, apart from the readers' slots. A
        re-render in a worker thread gets the GIL only between the loop's turns and takes ~50x its
        CPU in wall time (portal_load.py --profile: 200-300 ms for a 5 ms search page); in the
        readers' slots, two of them kept every cache miss waiting that long.
        """
        loop = asyncio.get_running_loop()
        if self._renders is None or self._renders[0] is not loop:
            self._renders = (loop, asyncio.Semaphore(max(1, self.max_renders)), asyncio.Semaphore(1))
        return self._renders[2 if background else 1]

    def _version(self, path: str) -> str | None:
        """The version the response for ``path`` is kept under: its own, else the store's."""
        if self.path_version is not None:
            own = self.path_version(path)
            if own is not None:
                # Prefixed: a scoped token can never equal a store-wide one.
                return "p:" + own
        return self.version()

    def etag(self, key: Key, version: str) -> bytes:
        digest = hashlib.blake2b(repr((self.build, version, key)).encode("utf-8"), digest_size=16)
        return b'"' + digest.hexdigest().encode() + b'"'

    # ---- ASGI ------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"].startswith(self.skip_prefixes)
            or self.max_entries <= 0
        ):
            await self.app(scope, receive, send)
            return
        try:
            version = self._version(scope["path"])
        except StoreError as exc:  # the app answers 503 itself; the cache just steps aside
            # Said once: a store opened without migrations fails here on every request.
            (log.debug if self._warned else log.warning)("response cache off for %s: %s", scope["path"], exc)
            self._warned = True
            version = None
        if version is None:
            await self.app(scope, receive, send)
            return

        query = canonical_query(scope["query_string"], self.query_keys)
        if query != scope["query_string"]:
            scope = {**scope, "query_string": query}
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        host = next((v.decode("latin-1") for k, v in headers if k == b"host"), "")
        cookie = self.normalize_cookie(_script_cookie(headers, self.cookie_name))
        key: Key = (
            f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}",
            scope["path"],
            scope["query_string"].decode("latin-1"),
            cookie,
        )
        inm = _if_none_match(headers)
        gzip_ok = _accepts_gzip(headers)

        stale = self._stale(key, version)
        if stale is not None:
            now = time.monotonic()
            if key in self._inflight:
                # Rendering already (a reader after a quiet spell, or a scheduled refresh).
                self.stale += 1
                await self._send(stale, inm, send, gzip_ok)
                return
            if stale.renewed is not None and now - stale.renewed < self.stale_seconds:
                # Writes keep coming: serve what we have, render once when its time is up.
                self.stale += 1
                self._schedule(scope, key, stale.renewed + self.stale_seconds - now)
                await self._send(stale, inm, send, gzip_ok)
                return
            self.misses += 1
            entry = await self._render(scope, receive, key, version, renewed=now)
            await self._send(entry, inm, send, gzip_ok)
            return

        entry = self._get(key, version)
        if entry is None:
            pending = self._inflight.get(key)
            if pending is not None:
                # Someone is rendering this very page: wait for it rather than render it again.
                entry = await asyncio.shield(pending)
                if entry is None or entry.version != version:
                    await self.app(scope, receive, send)
                    return
            else:
                self.misses += 1
                entry = await self._render(scope, receive, key, version)
        else:
            self.hits += 1
        await self._send(entry, inm, send, gzip_ok)

    def _budget_wait(self, now: float) -> float:
        """Seconds until the re-renders are back within :attr:`refresh_budget` (0: run now)."""
        if self.refresh_budget <= 0:
            return 0.0
        self._debt = max(0.0, self._debt - (now - self._debt_at) * self.refresh_budget)
        self._debt_at = now
        burst = self.refresh_budget  # one second's worth may be spent at once
        return max(0.0, self._debt - burst) / self.refresh_budget

    def _spent(self, cpu: float, reserved: float) -> None:
        """Charge a finished re-render's CPU (``reserved`` of it was charged when it started)."""
        self._budget_wait(time.monotonic())
        self._debt += cpu - reserved
        self.refresh_cpu += cpu
        self._refresh_cost = 0.8 * self._refresh_cost + 0.2 * cpu if self._refresh_cost else cpu

    def _schedule(self, scope: Scope, key: Key, delay: float) -> None:
        """Re-render ``key`` in ``delay`` seconds (once, however many stale answers ask for it)."""
        if key in self._scheduled:
            return
        loop = asyncio.get_running_loop()
        # The request's scope without what belongs to its connection; the body is never read.
        inner = {k: v for k, v in scope.items() if k not in ("state", "extensions")}
        deadline = time.monotonic() + max(0.0, delay) + self.stale_seconds

        def start() -> None:
            now = time.monotonic()
            wait = self._budget_wait(now)
            if wait > 0:
                if now < deadline - 1e-3:
                    # Over budget: wait for it, but not past the deadline (module doc).
                    self.postponed += 1
                    self._scheduled[key] = loop.call_later(min(wait, deadline - now), start)
                    return
                # Still over budget at the deadline: the next reader renders it (a plain miss).
                self._scheduled.pop(key, None)
                self._drop_if_stale(inner, key)
                return
            self._scheduled.pop(key, None)
            self._debt += self._refresh_cost
            task = loop.create_task(self._refresh(inner, key, self._refresh_cost))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._scheduled[key] = loop.call_later(max(0.0, delay), start)

    def _drop_if_stale(self, scope: Scope, key: Key) -> None:
        """Forget ``key``'s entry if it is still stale (a reader may have rendered it meanwhile)."""
        try:
            version = self._version(scope["path"])
        except StoreError:
            return
        if version is not None and key not in self._inflight and self._stale(key, version) is not None:
            self.dropped += 1
            self._drop(key)

    async def _refresh(self, scope: Scope, key: Key, reserved: float = 0.0) -> None:
        """The scheduled re-render of a stale store-wide entry (nothing when already fresh).

        ``reserved``: CPU seconds charged to the budget for it as it was started.
        """
        try:
            version = self._version(scope["path"])
        except StoreError:
            version = None
        if version is None or key in self._inflight or self._stale(key, version) is None:
            self._debt -= reserved  # nothing rendered: give the reservation back
            return
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}

        self.refreshes += 1
        try:
            await self._render(
                scope, receive, key, version, renewed=time.monotonic(), off_loop=True, reserved=reserved
            )
        except Exception as exc:  # no reader waits for this one: the stale page stays, said once
            (log.debug if self._warned else log.warning)("re-render of %s failed: %s", scope["path"], exc)
            self._warned = True

    async def _render(
        self,
        scope: Scope,
        receive: Receive,
        key: Key,
        version: str,
        *,
        renewed: float | None = None,
        off_loop: bool = False,
        reserved: float = 0.0,
    ) -> _Entry:
        """Run the app for ``key``; return its response, kept when it is a 200 or 301.

        ``renewed``: the entry replaces a stale one (see the module doc), made at that time.
        ``off_loop``: run the app in a worker thread (a scheduled re-render nobody waits for);
        its CPU is charged to the refresh budget, ``reserved`` of it already.
        """
        future: asyncio.Future[_Entry | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        entry: _Entry | None = None
        # Kept on disk too when the page is one story's and host-free (what persist() admits).
        pages = self.pages if version.startswith("p:") and self.persist(scope["path"]) else None
        page_key = f"{scope.get('root_path', '')}{key[1]}?{key[2]}|{key[3]}" if pages is not None else ""
        try:
            if pages is not None:
                kept = pages.get(page_key, version)
                if kept is not None:
                    etag = self.etag(key, version)
                    entry = _Entry(version, kept[0], [*kept[1], (b"etag", etag)], kept[2], etag)
                    self._put(key, entry)
                    return entry
            # The app must produce the full body, never its own 304: the conditional is ours.
            inner = dict(scope)
            inner["headers"] = [(k, v) for k, v in scope["headers"] if k != b"if-none-match"]
            inner[CACHE_ETAGS] = True  # every 200 below gets our ETag: the handler need not hash
            start: Message = {}
            chunks: list[bytes] = []

            async def collect(message: Message) -> None:
                nonlocal start
                if message["type"] == "http.response.start":
                    start = message
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            # Renders are CPU-bound and hold the GIL; with many at once in the threadpool, a cache
            # hit waits for the event loop's turn behind all of them (one switch interval each).
            # A few at a time keeps hits fast and costs misses nothing: they queue either way.
            async with self._render_slot(background=off_loop):
                if off_loop:
                    # No reader waits for this render: run it on an event loop of its own in a
                    # worker thread, so a handler run inline (SQLite) does not hold up this loop's
                    # hits for the whole render, only for the GIL's switch interval at a time.
                    # Its CPU time (that thread's) is what the refresh budget counts.
                    self._spent(await asyncio.to_thread(_cpu_of, self.app(inner, receive, collect)), reserved)
                else:
                    await self.app(inner, receive, collect)
            status = int(start.get("status", 500))
            resp_headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() not in (b"etag", b"content-length")
            ]
            body = b"".join(chunks)
            no_store = any(
                k.lower() == b"cache-control" and b"no-store" in v.lower() for k, v in resp_headers
            )
            if (
                pages is not None
                and status == 200
                and not no_store
                and not any(k.lower() == b"set-cookie" for k, _ in resp_headers)
            ):
                pages.put(page_key, version, status, list(resp_headers), body)
            etag = self.etag(key, version) if status == 200 else None
            if etag is not None:
                resp_headers.append((b"etag", etag))
            entry = _Entry(version, status, resp_headers, body, etag, renewed=renewed)
            if status in (200, 301) and not no_store:
                self._put(key, entry)
            return entry
        finally:
            self._inflight.pop(key, None)
            if not future.done():
                future.set_result(entry)

    @staticmethod
    async def _send(entry: _Entry, inm: bytes, send: Send, gzip_ok: bool = False) -> None:
        gz = entry.gzipped() if gzip_ok else None
        etag = entry.etag
        if gz is not None and etag is not None:
            etag = etag[:-1] + b'-gz"'  # another representation: another strong validator
        # Vary for the gzip variant; the identity one gets it from GZipMiddleware outside.
        base = _with_vary(entry.headers) if gz is not None else entry.headers
        if etag is not None and _matches(inm, etag):
            headers = [(k, v) for k, v in base if k.lower() in _KEEP_ON_304 and k.lower() != b"etag"]
            headers.append((b"etag", etag))
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = entry.body
        headers = base
        if gz is not None:
            body = gz
            headers = [
                *(h for h in base if h[0].lower() != b"etag"),
                (b"etag", etag),
                (b"content-encoding", b"gzip"),
            ]
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
