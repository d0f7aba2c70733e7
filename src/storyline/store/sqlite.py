"""The default store: one SQLite file in WAL mode, searched through FTS5 over CJK character pairs.

Threads: the web server reads from a pool of threads while the pipeline writes. One connection
opened with ``check_same_thread=False`` is shared and every call holds an ``RLock`` for its
duration — simpler than a connection per thread (no per-thread PRAGMAs, no connections leaked by
short-lived threads), and SQLite executes one statement at a time per connection anyway; reads
here take well under a millisecond. Other *processes* (a second ``storyline`` command) still get
WAL's concurrent readers, and ``busy_timeout`` makes a writer wait rather than fail.

Example::

    >>> store = SQLiteStore(":memory:")
    >>> store.migrate() >= 2
    True
    >>> store.count_articles()
    0
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import msgspec

from storyline.errors import StoreError
from storyline.records import Analysis, Article, RawInput, Story, to_json
from storyline.store import fetch_rows
from storyline.store.base import FetchState, SearchHit, Store, StorySummary
from storyline.store.bigrams import QueryUnit
from storyline.store.codec import (
    STORY_VERSION_SQL,
    VERSION_SQL,
    article_search_text,
    as_query,
    decode_or_skip,
    filter_sql,
    load_migrations,
    read_record,
    read_records,
    read_story,
    search_hit,
    utc_now_text,
    utc_text,
    version_token,
)
from storyline.store.query import SearchQuery
from storyline.store.story_parts import PartsWriter, is_parts_header, read_parts

__all__ = ["SQLiteStore"]

log = logging.getLogger(__name__)

_CHUNK = 500  # ids per IN (...) list; far below SQLite's 32766 host-parameter limit
_summary_decode = msgspec.json.Decoder(StorySummary).decode
_summary_encode = msgspec.json.Encoder().encode


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _split_statements(sql: str) -> list[str]:
    """Split a migration into statements (``sqlite3.complete_statement`` knows about triggers)."""
    statements: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf)
            buf = ""
    if buf.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buf.splitlines()):
        statements.append(buf)
    return statements


def fts_query(units: Sequence[QueryUnit]) -> str:
    """An FTS5 MATCH expression: each unit a quoted phrase (prefix for one CJK char), ANDed."""
    return " AND ".join(_fts_phrase(u) for u in units)


def _fts_phrase(u: QueryUnit) -> str:
    phrase = '"' + " ".join(t.replace('"', '""') for t in u.tokens) + '"'
    return phrase + " *" if u.prefix else phrase


def fts_match(q: SearchQuery) -> str:
    """The FTS5 MATCH expression of a parsed query: (a OR b) AND c NOT (d)."""
    pos = " AND ".join("(" + " OR ".join(_fts_phrase(u) for u in c.options) + ")" for c in q.positive)
    for c in q.negative:
        pos = f"({pos}) NOT (" + " OR ".join(_fts_phrase(u) for u in c.options) + ")"
    return pos


class SQLiteStore(Store):
    """A :class:`~storyline.store.base.Store` in one SQLite file (created with its parent folders).

    path: a file path, or ``":memory:"`` for a throwaway store.
    """

    # Reads are local and short (an id lookup is ~0.1 ms); WAL readers never wait for another
    # process's writer. (A writer in this same process holds the lock for its transaction.)
    inline_reads = True

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        # version() reads through its own connection: WAL lets it read while the main connection
        # is busy (a long write_input holds self._lock), so the web's per-request check never waits.
        self._vdb: sqlite3.Connection | None = None
        self._vlock = threading.Lock()
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._parts = PartsWriter()
        try:
            if self.path != ":memory:" and not self.path.startswith("file:"):
                Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
                self.path = str(Path(self.path).expanduser())
            # isolation_level=None: the module's implicit transactions are off; BEGIN/COMMIT are ours.
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, uri=self.path.startswith("file:")
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._db.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:":
                mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    log.warning(
                        "%s: journal_mode is %s, not WAL (readers may block the writer)", self.path, mode
                    )
                # WAL + NORMAL is durable against application crashes; the last commit may be
                # lost only on power failure, acceptable for re-ingestable news.
                self._db.execute("PRAGMA synchronous = NORMAL")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"could not open SQLite database {self.path}: {exc}") from exc

    # ---- plumbing ------------------------------------------------------------------------------
    @contextmanager
    def _guard(self, action: str) -> Iterator[sqlite3.Connection]:
        """Hold the lock and map sqlite3 errors to StoreError naming the file and the action."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: could not {action}: {exc}") from exc

    @contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (ours or sqlite3's)."""
        with self._guard(action) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ---- lifecycle -----------------------------------------------------------------------------
    def migrate(self) -> int:
        migrations = load_migrations("sqlite")
        with self._guard("create the schema_migrations table") as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        version = 0
        for mg in migrations:
            with self._transaction(f"apply migration {mg.version:03d}_{mg.name}") as db:
                # Checked inside the write transaction: two processes migrating at once serialise.
                if db.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (mg.version,)).fetchone():
                    version = mg.version
                    continue
                for statement in _split_statements(mg.sql):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (mg.version, mg.name, utc_now_text()),
                )
                log.info("%s: applied migration %03d_%s", self.path, mg.version, mg.name)
                version = mg.version
        self._backfill_summaries()
        return version

    def _backfill_summaries(self, batch: int = 500) -> None:
        """Fill ``stories.summary`` for rows written before migration 003 (a no-op afterwards)."""
        while True:
            with self._transaction("fill in story summaries") as db:
                rows = db.execute(
                    "SELECT id, record FROM stories WHERE summary IS NULL LIMIT ?", (batch,)
                ).fetchall()
                for sid, rec in rows:
                    story = self._read_story(db, sid, rec)
                    if story is None:
                        continue
                    summary = self._summary_of(db, story)
                    db.execute("UPDATE stories SET summary = ? WHERE id = ?", (_summary_encode(summary), sid))
            if len(rows) < batch:
                return

    def close(self) -> None:
        with self._vlock:
            if self._vdb is not None:
                self._vdb.close()
                self._vdb = None
        with self._lock:
            self._db.close()

    # ---- writes --------------------------------------------------------------------------------
    def has_raw(self, sha256: str) -> bool:
        with self._guard("look up a raw input") as db:
            return db.execute("SELECT 1 FROM raw_inputs WHERE sha256 = ?", (sha256,)).fetchone() is not None

    def record_failure(self, name: str, sha256: str, message: str) -> None:
        with self._transaction(f"record the failure of {name}") as db:
            db.execute(
                "INSERT INTO failures (name, sha256, message, failed_at) VALUES (?, ?, ?, ?)",
                (name, sha256, message, utc_now_text()),
            )

    def failures(self) -> list[tuple[str, str, str]]:
        """(name, sha256, message) of every recorded failure, oldest first (for the ingest report)."""
        with self._guard("read failures") as db:
            return [tuple(r) for r in db.execute("SELECT name, sha256, message FROM failures ORDER BY id")]

    # ---- the storage operations of Store.write_input ----------------------------------------------
    @contextmanager
    def _write_transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        # The parts a write plans are taken as stored only once it has committed (under the
        # lock: another thread's write never takes or drops this one's plans).
        with self._lock:
            self._parts.begin()
            with self._transaction(action) as db:
                yield db
            self._parts.commit()

    def _w_put_raw(self, db: sqlite3.Connection, raw: RawInput) -> bool:
        cur = db.execute(
            "INSERT OR IGNORE INTO raw_inputs (sha256, name, media_type, encoding, data, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (raw.sha256, raw.name, raw.media_type, raw.encoding, raw.data, utc_now_text()),
        )
        return cur.rowcount == 1

    def _w_records(self, db: sqlite3.Connection, table: str, ids: Sequence[str]) -> dict[str, bytes]:
        key = {"articles": "id", "analyses": "article_id"}[table]
        out: dict[str, bytes] = {}
        for part in _chunks(list(dict.fromkeys(ids))):
            marks = ",".join("?" * len(part))
            out.update(
                (k, bytes(rec))
                for k, rec in db.execute(f"SELECT {key}, record FROM {table} WHERE {key} IN ({marks})", part)
            )
        return out

    def _w_load(self, db: sqlite3.Connection, kind: type, ids: Sequence[str]) -> dict:
        table = "articles" if kind is Article else "analyses"
        # An unreadable stored row is skipped (logged), never the end of the next ingest.
        return read_records(self._w_records(db, table, ids).items(), kind, store=self.path)

    def _w_assigned(self, db: sqlite3.Connection, article_ids: Sequence[str]) -> list[str]:
        return list(self._assignments(db, article_ids).values())

    def _w_put_articles(
        self, db: sqlite3.Connection, rows: Sequence[tuple[Article, bytes]], analyses: dict[str, Analysis]
    ) -> None:
        for art, record in rows:
            db.execute(
                "INSERT INTO articles (id, raw_sha256, url, outlet, title, published_at, script, record)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET raw_sha256 = excluded.raw_sha256, url = excluded.url,"
                " outlet = excluded.outlet, title = excluded.title, published_at = excluded.published_at,"
                " script = excluded.script, record = excluded.record",
                (
                    art.id,
                    art.raw_sha256 or None,
                    art.url,
                    art.outlet,
                    art.title,
                    utc_text(art.published_at),
                    art.script,
                    record,
                ),
            )
            self._index(db, art, analyses.get(art.id))

    def _w_put_analyses(self, db: sqlite3.Connection, rows: Sequence[tuple[str, bytes]]) -> None:
        db.executemany(
            "INSERT INTO analyses (article_id, record) VALUES (?, ?)"
            " ON CONFLICT (article_id) DO UPDATE SET record = excluded.record",
            rows,
        )

    def _w_reindex(
        self, db: sqlite3.Connection, articles: Sequence[Article], analyses: dict[str, Analysis]
    ) -> None:
        for art in articles:
            self._index(db, art, analyses.get(art.id))

    def _w_put_assignments(self, db: sqlite3.Connection, pairs: Sequence[tuple[str, str]]) -> None:
        db.executemany(
            "INSERT INTO story_articles (article_id, story_id) VALUES (?, ?)"
            " ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id",
            pairs,
        )

    def _w_merge(self, db: sqlite3.Connection, old_id: str, new_id: str) -> None:
        db.execute("DELETE FROM stories WHERE id = ?", (old_id,))  # and its parts (ON DELETE CASCADE)
        self._parts.forget(old_id)
        db.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (new_id, old_id))
        db.execute("UPDATE story_aliases SET story_id = ? WHERE story_id = ?", (new_id, old_id))
        db.execute(
            "INSERT INTO story_aliases (alias, story_id) VALUES (?, ?)"
            " ON CONFLICT (alias) DO UPDATE SET story_id = excluded.story_id",
            (old_id, new_id),
        )

    def _w_put_stories(self, db: sqlite3.Connection, stories: Sequence[Story]) -> None:
        epoch, n = db.execute("SELECT epoch, n FROM store_version").fetchone()
        for story in stories:
            # A live story is never also an alias (a merge undone by a later rebuild).
            db.execute("DELETE FROM story_aliases WHERE alias = ?", (story.id,))
            # The stored parts are those this store wrote last while the story's stamp is the one
            # that write gave it (another process's write, or one rolled back, changes it).
            row = db.execute("SELECT stamp FROM stories WHERE id = ?", (story.id,)).fetchone()
            plan = self._parts.plan(story, (epoch, row[0]) if row else None, (epoch, n + 1), to_json)
            if plan.full:
                db.execute("DELETE FROM story_parts WHERE story_id = ?", (story.id,))
            # Stamped here with the number this write's _w_bump_version moves the store to: a
            # row is rewritten whole by an UPDATE (its header is small; the parts are below).
            db.execute(
                "INSERT INTO stories (id, hotness, first_seen, last_updated, record, summary, stamp)"
                " VALUES (?, ?, ?, ?, ?, ?, (SELECT n + 1 FROM store_version))"
                " ON CONFLICT (id) DO UPDATE SET hotness = excluded.hotness, first_seen = excluded.first_seen,"
                " last_updated = excluded.last_updated, record = excluded.record, summary = excluded.summary,"
                " stamp = excluded.stamp",
                (
                    story.id,
                    float(story.hotness),
                    utc_text(story.first_seen),
                    utc_text(story.last_updated),
                    plan.header,
                    _summary_encode(self._summary_of(db, story)),
                ),
            )
            db.executemany(
                "INSERT INTO story_parts (story_id, kind, part, data) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (story_id, kind, part) DO UPDATE SET data = excluded.data",
                [(story.id, kind, part, data) for kind, part, data in plan.put],
            )
            db.executemany(
                "DELETE FROM story_parts WHERE story_id = ? AND kind = ? AND part = ?",
                [(story.id, kind, part) for kind, part in plan.drop],
            )

    def _read_story(self, db: sqlite3.Connection, sid: str, record: bytes) -> Story | None:
        """The story of a ``stories.record``: a parts header read with its parts, or a whole record."""
        return self._decode_story(sid, record, self._parts_of(db, sid, record))

    @staticmethod
    def _parts_of(db: sqlite3.Connection, sid: str, record: bytes) -> list[tuple] | None:
        if not is_parts_header(record):
            return None
        return db.execute("SELECT kind, part, data FROM story_parts WHERE story_id = ?", (sid,)).fetchall()

    def _decode_story(self, sid: str, record: bytes, parts: list[tuple] | None) -> Story | None:
        if parts is None:
            return read_story(record, f"story {sid}", store=self.path)
        return read_parts(record, parts, f"story {sid}", store=self.path)

    def _w_put_state(self, db: sqlite3.Connection, items: Sequence[tuple[str, bytes]]) -> None:
        db.executemany(
            "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            items,
        )

    def _w_bump_version(self, db: sqlite3.Connection, touched: Sequence[str]) -> None:
        db.execute("UPDATE store_version SET n = n + 1")
        # The stories this write put carry the new number already (_w_put_stories): only a row
        # stamped earlier is updated.
        for part in _chunks(list(touched)):
            marks = ",".join("?" * len(part))
            db.execute(
                "UPDATE stories SET stamp = (SELECT n FROM store_version)"
                f" WHERE id IN ({marks}) AND stamp <> (SELECT n FROM store_version)",
                part,
            )

    @staticmethod
    def _assignments(db: sqlite3.Connection, article_ids: Sequence[str]) -> dict[str, str]:
        """article id → story id, for those of ``article_ids`` that are assigned."""
        out: dict[str, str] = {}
        for part in _chunks(article_ids):
            marks = ",".join("?" * len(part))
            out.update(
                db.execute(
                    f"SELECT article_id, story_id FROM story_articles WHERE article_id IN ({marks})", part
                ).fetchall()
            )
        return out

    @staticmethod
    def _summary_of(db: sqlite3.Connection, story: Story) -> StorySummary:
        """The story's summary, its outlets counted over the articles table (as written so far)."""
        outlets: set[str] = set()
        for part in _chunks(list(story.article_ids)):
            marks = ",".join("?" * len(part))
            outlets.update(
                r[0] for r in db.execute(f"SELECT outlet FROM articles WHERE id IN ({marks})", part)
            )
        return StorySummary.of(story, len(outlets))

    def _index(self, db: sqlite3.Connection, art: Article, analysis: Analysis | None) -> None:
        rowid = db.execute("SELECT rowid FROM articles WHERE id = ?", (art.id,)).fetchone()[0]
        db.execute("DELETE FROM search_fts WHERE rowid = ?", (rowid,))
        db.execute(
            "INSERT INTO search_fts (rowid, body) VALUES (?, ?)", (rowid, article_search_text(art, analysis))
        )

    def _article(self, db: sqlite3.Connection, article_id: str) -> Article | None:
        row = db.execute("SELECT record FROM articles WHERE id = ?", (article_id,)).fetchone()
        return read_record(row[0], Article, f"article {article_id}", store=self.path) if row else None

    # ---- reads ---------------------------------------------------------------------------------
    def raw(self, sha256: str) -> RawInput | None:
        with self._guard("read a raw input") as db:
            row = db.execute(
                "SELECT name, data, sha256, media_type, encoding FROM raw_inputs WHERE sha256 = ?", (sha256,)
            ).fetchone()
        if row is None:
            return None
        return RawInput(name=row[0], data=bytes(row[1]), sha256=row[2], media_type=row[3], encoding=row[4])

    def article(self, article_id: str) -> Article | None:
        with self._guard("read an article") as db:
            return self._article(db, article_id)

    def articles(self, article_ids: Iterable[str]) -> list[Article]:
        ids = list(article_ids)
        found: dict[str, Article] = {}
        with self._guard("read articles") as db:
            for part in _chunks(ids):
                marks = ",".join("?" * len(part))
                found.update(
                    read_records(
                        db.execute(f"SELECT id, record FROM articles WHERE id IN ({marks})", part),
                        Article,
                        store=self.path,
                    )
                )
        return [found[i] for i in ids if i in found]

    def analyses(self, article_ids: Iterable[str]) -> list[Analysis]:
        ids = list(article_ids)
        found: dict[str, Analysis] = {}
        with self._guard("read analyses") as db:
            for part in _chunks(ids):
                marks = ",".join("?" * len(part))
                found.update(
                    read_records(
                        db.execute(
                            f"SELECT article_id, record FROM analyses WHERE article_id IN ({marks})", part
                        ),
                        Analysis,
                        store=self.path,
                    )
                )
        return [found[i] for i in ids if i in found]

    def iter_articles(self, batch: int = 1000) -> Iterator[Article]:
        # Keyset pagination, the lock released between batches so readers are never starved.
        # Undated articles sort last ('~' is after every digit).
        last: tuple[str, str] | None = None
        while True:
            with self._guard("read articles") as db:
                if last is None:
                    rows = db.execute(
                        "SELECT coalesce(published_at, '~'), id, record FROM articles"
                        " ORDER BY coalesce(published_at, '~'), id LIMIT ?",
                        (batch,),
                    ).fetchall()
                else:
                    rows = db.execute(
                        "SELECT coalesce(published_at, '~'), id, record FROM articles"
                        " WHERE (coalesce(published_at, '~'), id) > (?, ?)"
                        " ORDER BY coalesce(published_at, '~'), id LIMIT ?",
                        (*last, batch),
                    ).fetchall()
            if not rows:
                return
            for _, aid, rec in rows:
                article = read_record(rec, Article, f"article {aid}", store=self.path)
                if article is not None:
                    yield article
            last = (rows[-1][0], rows[-1][1])

    def count_articles(self) -> int:
        with self._guard("count articles") as db:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def resolve_story_id(self, story_id: str) -> str | None:
        with self._guard("resolve a story id") as db:
            return self._resolve(db, story_id)

    @staticmethod
    def _resolve(db: sqlite3.Connection, story_id: str) -> str | None:
        if db.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone():
            return story_id
        row = db.execute(
            "SELECT s.id FROM story_aliases a JOIN stories s ON s.id = a.story_id WHERE a.alias = ?",
            (story_id,),
        ).fetchone()
        return row[0] if row else None

    def story(self, story_id: str) -> Story | None:
        with self._guard("read a story") as db:
            current = self._resolve(db, story_id)
            if current is None:
                return None
            row = db.execute("SELECT record FROM stories WHERE id = ?", (current,)).fetchone()
            if row is None:
                return None
            parts = self._parts_of(db, current, row[0])
        # Decoded with the lock released, as a whole record was (a big story takes milliseconds).
        return self._decode_story(current, row[0], parts)

    def _page(self, db: sqlite3.Connection, cols: str, limit: int, after: str | None) -> list[tuple]:
        """One page of stories, hottest first; ``after`` is the id of the last one seen."""
        if after is None:
            return db.execute(
                f"SELECT {cols} FROM stories ORDER BY hotness DESC, id LIMIT ?", (limit,)
            ).fetchall()
        cursor = self._cursor(db, after)
        return db.execute(
            f"SELECT {cols} FROM stories WHERE hotness < ? OR (hotness = ? AND id > ?)"
            " ORDER BY hotness DESC, id LIMIT ?",
            (cursor[0], cursor[0], cursor[1], limit),
        ).fetchall()

    def stories(self, *, limit: int = 50, after: str | None = None) -> list[Story]:
        with self._guard("list stories") as db:
            found = [
                self._read_story(db, sid, rec) for sid, rec in self._page(db, "id, record", limit, after)
            ]
        return [s for s in found if s is not None]

    def story_summaries(self, *, limit: int = 50, after: str | None = None) -> list[StorySummary]:
        """:meth:`stories` in short form: one small JSON column per story, no full records."""
        # The full record is selected only for rows written before migration 003 (summary NULL).
        cols = "id, summary, CASE WHEN summary IS NULL THEN record END"
        with self._guard("list story summaries") as db:
            rows = self._page(db, cols, limit, after)
            out: list[StorySummary] = []
            for sid, summary, rec in rows:
                if summary is not None:
                    found = decode_or_skip(_summary_decode, summary, f"story summary {sid}", store=self.path)
                else:
                    story = self._read_story(db, sid, rec)
                    found = self._summary_of(db, story) if story is not None else None
                if found is not None:
                    out.append(found)
            return out

    def _cursor(self, db: sqlite3.Connection, after: str) -> tuple[float, str]:
        """(hotness, id) of the cursor story ``after`` (or of the story that absorbed it)."""
        cursor = db.execute("SELECT hotness, id FROM stories WHERE id = ?", (after,)).fetchone()
        if cursor is None:
            current = self._resolve(db, after)
            if current:
                cursor = db.execute("SELECT hotness, id FROM stories WHERE id = ?", (current,)).fetchone()
        if cursor is None:
            raise StoreError(f"{self.path}: unknown story cursor {after!r}; start again without 'after'")
        return cursor[0], cursor[1]

    def version(self) -> str | None:
        """``"<epoch>.<n>"``: the random id of this database and its write_input counter.

        Read through a second connection (not the shared one), so it never waits for a long write.
        """
        return version_token(self._read_version(VERSION_SQL, ()))

    def story_version(self, story_id: str) -> str | None:
        """``"<epoch>.<current id>.<stamp>"``: the story ``story_id`` resolves to and its stamp.

        The stamp is the write counter of the last write that changed the story's pages (set in
        :meth:`write_input`); the id is part of it so that re-pointing an alias changes it too.
        One indexed lookup through :meth:`version`'s connection.
        """
        return version_token(self._read_version(STORY_VERSION_SQL.format(p="?"), (story_id, story_id)))

    def _read_version(self, sql: str, params: tuple[str, ...]) -> tuple | None:
        """One row read for :meth:`version` / :meth:`story_version`, off the shared connection."""
        with self._vlock:
            try:
                if self.path == ":memory:":  # a second connection would open another database
                    with self._guard("read the store version") as db:
                        return db.execute(sql, params).fetchone()
                if self._vdb is None:
                    self._vdb = sqlite3.connect(
                        self.path,
                        isolation_level=None,
                        check_same_thread=False,
                        uri=self.path.startswith("file:"),
                    )
                    # Short: it is called from the web's event loop. In WAL mode a reader is never
                    # busy; without WAL a write in progress makes this fail fast (the caller then
                    # serves uncached) instead of stalling every request behind the writer.
                    self._vdb.execute(f"PRAGMA busy_timeout = {min(self._busy_timeout_ms, 100)}")
                return self._vdb.execute(sql, params).fetchone()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: could not read the store version: {exc}") from exc

    def count_stories(self) -> int:
        with self._guard("count stories") as db:
            return int(db.execute("SELECT count(*) FROM stories").fetchone()[0])

    def story_ids_of_articles(self, article_ids: Iterable[str]) -> dict[str, str]:
        with self._guard("read story assignments") as db:
            return self._assignments(db, list(article_ids))

    def get_state(self, key: str) -> bytes | None:
        with self._guard(f"read state {key!r}") as db:
            row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return bytes(row[0]) if row else None

    def get_states(self, keys: Iterable[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self._guard("read saved state") as db:
            for part in _chunks(list(dict.fromkeys(keys))):
                marks = ",".join("?" * len(part))
                rows = db.execute(f"SELECT key, value FROM state WHERE key IN ({marks})", part)
                found.update((k, bytes(v)) for k, v in rows)
        return found

    def search(self, query: str | SearchQuery, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        q = as_query(query)
        if q.empty:
            return []
        match = fts_match(q)
        filters, params = filter_sql(q, "?", utc_text)
        direction = "ASC" if q.sort == "oldest" else "DESC"
        with self._guard(f"search for {q.text!r}") as db:
            # Two plans, chosen by how many articles match (counting is cheap in FTS5):
            # many matches -> walk articles newest first and keep those in the match set, stopping
            # after one page; few matches -> fetch them all and sort. Measured on 20k synthetic
            # articles: 中国 (62% of docs) 3 ms walking vs 32 ms sorting; the walk costs about
            # 0.5 µs a step against ~4 µs a sorted match, hence 8·matches² > page·N.
            matches = db.execute(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (match,)
            ).fetchone()[0]
            if matches == 0 or offset >= matches:
                return []
            total = db.execute("SELECT max(rowid) FROM articles").fetchone()[0] or 0
            walk = 8 * matches * matches > (limit + offset) * total
            # The unary "+" tells SQLite's planner which index NOT to use for that term.
            rowid_term, order_term = (
                ("+a.rowid", "a.published_at") if walk else ("a.rowid", "+a.published_at")
            )
            rows = db.execute(
                "SELECT a.record, sa.story_id FROM articles a"
                " LEFT JOIN story_articles sa ON sa.article_id = a.id"
                f" WHERE {rowid_term} IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?){filters}"
                f" ORDER BY {order_term} {direction}, a.id {direction} LIMIT ? OFFSET ?",
                (match, *params, limit, offset),
            ).fetchall()
        units = q.units
        hits = [(read_record(rec, Article, "article (search)", store=self.path), sid) for rec, sid in rows]
        return [search_hit(art, story_id, units) for art, story_id in hits if art is not None]

    def search_count(self, query: str | SearchQuery) -> int:
        q = as_query(query)
        if q.empty:
            return 0
        filters, params = filter_sql(q, "?", utc_text)
        with self._guard(f"count matches of {q.text!r}") as db:
            if not filters:
                return db.execute(
                    "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (fts_match(q),)
                ).fetchone()[0]
            return db.execute(
                "SELECT count(*) FROM articles a WHERE a.rowid IN"
                f" (SELECT rowid FROM search_fts WHERE search_fts MATCH ?){filters}",
                (fts_match(q), *params),
            ).fetchone()[0]

    # ---- live mode: fetch state ----------------------------------------------------------------
    def add_fetch_states(self, states: Sequence[FetchState], *, listed_update: bool = False) -> int:
        if not states:
            return 0
        cols = ", ".join(fetch_rows.COLUMNS)
        marks = ", ".join("?" * len(fetch_rows.COLUMNS))
        conflict = fetch_rows.on_conflict(listed_update)
        new = 0
        with self._transaction("add live sources") as db:
            for state in states:
                known = db.execute("SELECT 1 FROM fetch_state WHERE url = ?", (state.url,)).fetchone()
                db.execute(
                    f"INSERT INTO fetch_state ({cols}) VALUES ({marks}) ON CONFLICT (url) {conflict}",
                    fetch_rows.to_row(state),
                )
                new += known is None
        return new

    def claim_fetch_states(
        self,
        owner: str,
        *,
        now: float,
        limit: int,
        lease_seconds: float,
        fetched_before: float | None = None,
    ) -> list[FetchState]:
        cols = ", ".join(fetch_rows.COLUMNS)
        # BEGIN IMMEDIATE takes SQLite's write lock first: two followers' claims serialise, so
        # a row is leased once (PostgreSQL does the same per row with FOR UPDATE SKIP LOCKED).
        with self._transaction(f"claim due sources for {owner}") as db:
            rows = db.execute(
                f"SELECT {cols} FROM fetch_state WHERE next_due IS NOT NULL AND next_due <= ?"
                " AND lease_until < ? AND (? IS NULL OR last_fetch IS NULL OR last_fetch < ?)"
                " ORDER BY CASE WHEN last_fetch IS NULL THEN 0 WHEN listed = 1 OR kind <> 'page' THEN 1 ELSE 2 END,"
                " next_due, url LIMIT ?",
                (now, now, fetched_before, fetched_before, limit),
            ).fetchall()
            claimed = [fetch_rows.from_row(r) for r in rows]
            until = now + lease_seconds
            db.executemany(
                "UPDATE fetch_state SET lease_owner = ?, lease_until = ? WHERE url = ?",
                [(owner, until, s.url) for s in claimed],
            )
        from dataclasses import replace

        return [replace(s, lease_owner=owner, lease_until=until) for s in claimed]

    def save_fetch_state(self, state: FetchState, *, found: Sequence[FetchState] = ()) -> int:
        sets = ", ".join(f"{c} = ?" for c in fetch_rows.UPDATE_COLUMNS)
        row = dict(zip(fetch_rows.COLUMNS, fetch_rows.to_row(state), strict=True))
        cols = ", ".join(fetch_rows.COLUMNS)
        marks = ", ".join("?" * len(fetch_rows.COLUMNS))
        new = 0
        with self._transaction(f"save the fetch state of {state.url}") as db:
            db.execute(
                f"UPDATE fetch_state SET {sets} WHERE url = ?",
                (*(row[c] for c in fetch_rows.UPDATE_COLUMNS), state.url),
            )
            for f in found:
                cur = db.execute(
                    f"INSERT INTO fetch_state ({cols}) VALUES ({marks}) ON CONFLICT (url) DO NOTHING",
                    fetch_rows.to_row(f),
                )
                new += cur.rowcount == 1
        return new

    def fetch_states(self, *, listed: bool | None = None, origin: str | None = None) -> list[FetchState]:
        cols = ", ".join(fetch_rows.COLUMNS)
        where, params = [], []
        if listed is not None:
            where.append("listed = ?")
            params.append(int(listed))
        if origin is not None:
            where.append("origin = ?")
            params.append(origin)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._guard("read live sources") as db:
            rows = db.execute(
                f"SELECT {cols} FROM fetch_state{clause} ORDER BY listed DESC, url", params
            ).fetchall()
        return [fetch_rows.from_row(r) for r in rows]

    def extend_fetch_leases(self, owner: str, urls: Sequence[str], *, until: float) -> int:
        extended = 0
        with self._transaction(f"extend the leases of {owner}") as db:
            for part in _chunks(list(urls)):
                marks = ",".join("?" * len(part))
                cur = db.execute(
                    f"UPDATE fetch_state SET lease_until = ? WHERE lease_owner = ? AND url IN ({marks})",
                    (until, owner, *part),
                )
                extended += cur.rowcount
        return extended

    def release_fetch_leases(self, owner: str) -> int:
        with self._transaction(f"release the leases of {owner}") as db:
            cur = db.execute(
                "UPDATE fetch_state SET lease_owner = '', lease_until = 0 WHERE lease_owner = ?", (owner,)
            )
            return cur.rowcount

    def take_host_turn(self, host: str, *, gap: float, now: float | None = None) -> float:
        # BEGIN IMMEDIATE: followers' turns on one host serialise on the write lock; the clock
        # is read once that lock is held, so a wait for it does not make the turn look earlier.
        with self._transaction(f"take a request turn for {host}") as db:
            at = time.time() if now is None else now
            row = db.execute("SELECT next_at FROM host_gate WHERE host = ?", (host,)).fetchone()
            if row is not None and row[0] > at:
                return float(row[0] - at)
            db.execute(
                "INSERT INTO host_gate (host, next_at) VALUES (?, ?)"
                " ON CONFLICT (host) DO UPDATE SET next_at = excluded.next_at",
                (host, at + gap),
            )
        return 0.0

    def writer_lock(self) -> AbstractContextManager[object]:
        """An exclusive ``flock`` on ``<db>.writer.lock``: one such writer per file, in any process."""
        return self._writer_lock()

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        if self.path == ":memory:" or self.path.startswith("file:"):
            with self._lock:
                yield
            return
        lock_path = self.path + ".writer.lock"
        try:
            fh = open(lock_path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        except OSError as exc:
            raise StoreError(f"{lock_path}: cannot open the writer lock file ({exc.strerror})") from exc
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()
