"""Rendered story pages kept on disk, shared by every server process and kept across restarts.

The in-memory :class:`~storyline.web.cache.ResponseCache` is per process and starts empty, so
on a big store most story pages a reader opens were never rendered by the process serving them
(1M articles, 50k stories: a first view costs ~3.5 ms of CPU, two thirds of it reading and
decoding the story and its articles). A :class:`PageStore` keeps each story's rendered response
in a small SQLite file beside the store, under the same story version the memory cache uses: a
page is served from it only while no write has changed that story, so it is never stale. All
workers read and fill the same file; ``storyline prerender``
(:func:`storyline.web.prerender.prerender`) fills it ahead of readers, hottest stories first,
and skips pages that are still fresh. It lives in ``store/`` because it is SQL over a file; the
web only asks it for bytes.

A cache, never a source of truth: bodies are zlib-compressed (level 1: ~6x smaller, 0.3 ms to
compress and 0.1 ms to expand a 120 KB page), writes are unsynchronised, and any error reading
or writing it is logged once and answered by rendering, so a missing, locked, full or corrupt
file costs speed, never a response. Deleting the file is always safe.

Only host-independent responses may be kept here (the key has no host): story pages and the
story API, not feeds, which carry absolute links (see ``web.app.page_store_path_ok``). Keys carry
the canonical query only (``web.cache.canonical_query``), and the file is bounded: past
``max_bytes`` of stored bodies the least recently used pages are evicted (down to 90%), so
neither junk query strings nor a store of a million stories grow it without end.

    >>> pages = PageStore(":memory:", build="b1")
    >>> pages.put("/story/s1", "p:e.s1.3", 200, [(b"content-type", b"text/html")], b"<p>hi</p>")
    True
    >>> pages.get("/story/s1", "p:e.s1.3")
    (200, [(b'content-type', b'text/html')], b'<p>hi</p>')
    >>> pages.get("/story/s1", "p:e.s1.4") is None   # the story changed since
    True
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
import zlib
from pathlib import Path

import msgspec

from storyline.settings import Settings

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PageStore",
    "open_page_store",
    "page_store_path",
]

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    key     TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    status  INTEGER NOT NULL,
    headers BLOB NOT NULL,
    body    BLOB NOT NULL,
    size    INTEGER NOT NULL DEFAULT 0,
    used    REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS pages_used ON pages (used);
"""
_COLUMNS = ("key", "version", "status", "headers", "body", "size", "used")
# A hit refreshes its page's last use at most this often (a write per hit would contend).
_TOUCH_SECONDS = 60.0
# Puts between re-reading the file's total size (other workers fill it too).
_RECOUNT_EVERY = 64
DEFAULT_MAX_BYTES = 256 << 20
_headers_codec = (msgspec.msgpack.Encoder(), msgspec.msgpack.Decoder(list[tuple[bytes, bytes]]))


def page_store_path(settings: Settings) -> str | None:
    """Where the page store of ``settings`` lives, or ``None`` when there is none.

    ``settings.page_store``: ``"auto"`` puts it beside a SQLite store (``news.db`` →
    ``news.db.pages``) and has none for PostgreSQL or an in-memory store; ``"off"`` has none;
    anything else is the file's path.
    """
    choice = settings.page_store.strip()
    if choice.lower() == "off" or not choice:
        return None
    if choice.lower() != "auto":
        return choice
    db = settings.db
    if db == ":memory:" or db.startswith(("file:", "postgresql://", "postgres://")):
        return None
    return db + ".pages"


class PageStore:
    """Responses on disk keyed by ``key`` (path, query and script), valid under one ``version``.

    ``build`` (the code's tag) is part of every version, so a deploy that changes the pages
    never serves a page the old code rendered. ``max_bytes`` bounds the stored (compressed)
    pages: an LRU by bytes, shared by every worker of the file.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        build: str = "",
        busy_timeout_ms: int = 0,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.path = str(path)
        self.build = build
        self.max_bytes = max_bytes
        self._puts = 0
        self.evicted = 0
        self._lock = threading.Lock()
        self._warned = False
        self.hits = self.writes = 0  # what prerender() reports
        if self.path != ":memory:":
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # Opening waits for other workers opening the same file at the same moment (WAL, schema).
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = OFF")  # a cache: a lost write is re-rendered
        columns = tuple(r[1] for r in self._db.execute("PRAGMA table_info(pages)"))
        if columns and columns != _COLUMNS:  # a file of an older layout: a cache, so start over
            self._db.execute("DROP TABLE pages")
        self._db.executescript(_SCHEMA)
        self._total = self._count()
        # Serving does not wait: the event loop must not sleep on a lock. A write another worker
        # is making means this page is kept by a later render instead.
        self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")

    def _fail(self, action: str, exc: Exception) -> None:
        (log.debug if self._warned else log.warning)(
            "page store %s: could not %s: %s", self.path, action, exc
        )
        self._warned = True

    def _version(self, version: str) -> str:
        return f"{self.build}|{version}"

    def get(self, key: str, version: str) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """``(status, headers, body)`` kept for ``key`` under ``version``, else ``None``."""
        try:
            now = time.time()
            with self._lock:
                row = self._db.execute(
                    "SELECT status, headers, body, used FROM pages WHERE key = ? AND version = ?",
                    (key, self._version(version)),
                ).fetchone()
                if row is not None and now - row[3] > _TOUCH_SECONDS:
                    self._touch(key, now)
            if row is None:
                return None
            page = int(row[0]), _headers_codec[1].decode(row[1]), zlib.decompress(row[2])
        except (sqlite3.Error, zlib.error, msgspec.DecodeError) as exc:
            self._fail("read", exc)
            return None
        self.hits += 1
        return page

    def put(
        self, key: str, version: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> bool:
        """Keep a response; ``False`` (and nothing kept) when the file cannot take it now."""
        try:
            head, packed_body = _headers_codec[0].encode(headers), zlib.compress(body, 1)
            size = len(key) + len(head) + len(packed_body)
            if size > self.max_bytes // 8:  # one page must not flush a good part of the others
                return False
            packed = (key, self._version(version), status, head, packed_body, size, time.time())
            with self._lock:
                old = self._db.execute("SELECT size FROM pages WHERE key = ?", (key,)).fetchone()
                self._db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?)", packed)
                self._total += size - (old[0] if old else 0)
                self._puts += 1
                if self._puts % _RECOUNT_EVERY == 0:
                    self._total = self._count()
                if self._total > self.max_bytes:
                    self._evict()
        except sqlite3.Error as exc:
            # Busy: another worker is writing (we do not wait); a later render keeps this page.
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                self._fail("write", exc)
            return False
        self.writes += 1
        return True

    def _count(self) -> int:
        return int(self._db.execute("SELECT total(size) FROM pages").fetchone()[0])

    def _touch(self, key: str, now: float) -> None:
        # Busy (another worker writes): the next hit refreshes it.
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("UPDATE pages SET used = ? WHERE key = ?", (now, key))

    def _evict(self) -> None:
        """Drop least recently used pages until the file holds at most 90% of ``max_bytes``."""
        self._total = self._count()
        excess = self._total - int(self.max_bytes * 0.9)
        if excess <= 0:
            return
        freed = 0
        victims: list[str] = []
        while freed < excess:
            rows = self._db.execute(
                "SELECT key, size FROM pages ORDER BY used LIMIT 1000 OFFSET ?", (len(victims),)
            ).fetchall()
            if not rows:
                break
            for key, size in rows:
                victims.append(key)
                freed += size
                if freed >= excess:
                    break
        for start in range(0, len(victims), 500):
            part = victims[start : start + 500]
            self._db.execute(f"DELETE FROM pages WHERE key IN ({','.join('?' * len(part))})", part)
        self._total -= freed
        self.evicted += len(victims)

    def stored_bytes(self) -> int:
        """The bytes the stored pages take (keys, headers and compressed bodies)."""
        with self._lock:
            return self._count()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM pages").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_page_store(settings: Settings, *, build: str = "") -> PageStore | None:
    """The page store ``settings`` ask for, or ``None`` (none asked, or it cannot be opened)."""
    path = page_store_path(settings)
    if path is None:
        return None
    try:
        return PageStore(path, build=build, max_bytes=settings.page_store_max_bytes)
    except (sqlite3.Error, OSError) as exc:
        log.warning("page store %s not used: %s", path, exc)
        return None
