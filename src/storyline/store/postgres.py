"""The newsroom store: PostgreSQL through psycopg 3, the same schema and behaviour as SQLite.

Search uses a ``tsvector`` column built in Python from the same CJK-pair tokens as the SQLite
FTS5 index (:mod:`storyline.store.bigrams`), with a GIN index; a query is a ``tsquery`` of
adjacent pairs (``'特朗' <-> '朗普'``).

Every psycopg error is mapped to :class:`~storyline.errors.StoreError` with a message that names
the server (password removed) and says what to check. A connection lost mid-write rolls the
transaction back on the server (nothing partial is committed) and the next call reconnects.

Threads share one connection under an ``RLock`` (as in the SQLite store): one transaction at a
time, which is what a single pipeline writer plus short web reads need; a pool
(``psycopg_pool``) would be the next step for many concurrent web workers.

Example::

    store = PostgresStore("postgresql://storyline@127.0.0.1:5432/storyline")
    store.migrate()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from urllib.parse import urlsplit, urlunsplit

import msgspec
import psycopg

from storyline.errors import StoreError
from storyline.records import Analysis, Article, RawInput, Story, to_json
from storyline.store import fetch_rows
from storyline.store.base import FetchState, SearchHit, Store, StorySummary
from storyline.store.bigrams import QueryUnit
from storyline.store.codec import (
    STORY_VERSION_SQL,
    VERSION_SQL,
    article_search_tokens,
    as_query,
    decode_or_skip,
    filter_sql,
    load_migrations,
    read_record,
    read_records,
    read_story,
    search_hit,
    utc_aware,
    version_token,
)
from storyline.store.query import SearchQuery
from storyline.store.story_parts import PartsWriter, is_parts_header, read_parts

__all__ = ["PostgresStore", "redact_url", "ts_match", "ts_query", "ts_vector"]

log = logging.getLogger(__name__)

# Newest articles scanned before asking the whole search index (see PostgresStore.search).
_RECENT_WINDOW = 2000

# PostgreSQL keeps positions 1..16383 per lexeme (larger ones are clamped), so phrase matches
# beyond ~16k tokens into one article are not found; headlines and leads are far inside that.
_MAX_POS = 16383
# A tsvector is at most 1 MB; 50,000 tokens (~20 pages of Chinese) stay well inside it even when
# all are distinct. Text past that is not searchable in PostgreSQL (SQLite indexes everything).
_MAX_TOKENS = 50_000
_MIGRATION_LOCK = 0x5707_1E11  # pg_advisory_xact_lock key: concurrent migrate() calls serialise
_WRITER_LOCK = 0x5707_1E22  # pg_advisory_lock key of Store.writer_lock
_summary_decode = msgspec.json.Decoder(StorySummary).decode
_summary_encode = msgspec.json.Encoder().encode


def redact_url(url: str) -> str:
    """The URL without its password, safe to print in an error message."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)
        userinfo = (parts.username or "") + ":***"
        return urlunsplit(parts._replace(netloc=f"{userinfo}@{netloc[-1]}"))
    except ValueError:
        return "postgresql://…"


def _lexeme(token: str) -> str:
    if "'" in token or "\\" in token:
        token = token.replace("\\", "\\\\").replace("'", "''")
    return "'" + token + "'"


def ts_vector(tokens: Sequence[str]) -> str:
    """``tsvector`` input text for tokens in order, each with its 1-based position.

    >>> ts_vector(["特朗", "朗普", "普", "trump"])
    "'特朗':1 '朗普':2 '普':3 'trump':4"
    """
    if len(tokens) > _MAX_TOKENS:
        log.debug("search index: %d tokens cut to %d for tsvector's 1 MB limit", len(tokens), _MAX_TOKENS)
        tokens = tokens[:_MAX_TOKENS]
    positions: dict[str, list[int]] = {}
    for i, tok in enumerate(tokens, start=1):
        pos = positions.get(tok)
        if pos is None:
            positions[tok] = [i]
        elif len(pos) < 256:  # a lexeme keeps at most 256 positions; the first ones are kept
            pos.append(i)
    if len(tokens) > _MAX_POS:
        for tok, pos in positions.items():
            positions[tok] = sorted({min(p, _MAX_POS) for p in pos})
    return " ".join(f"{_lexeme(tok)}:{','.join(map(str, pos))}" for tok, pos in positions.items())


def ts_query(units: Sequence[QueryUnit]) -> str:
    """``tsquery`` input text: each unit a phrase of adjacent tokens (prefix for one CJK char), ANDed.

    >>> from storyline.store.bigrams import parse_query
    >>> ts_query(parse_query("特朗普 普 trump"))
    "('特朗' <-> '朗普') & '普':* & 'trump'"
    """
    return " & ".join(_ts_phrase(u) for u in units)


def _ts_phrase(u: QueryUnit) -> str:
    if u.prefix:
        return _lexeme(u.tokens[0]) + ":*"
    if len(u.tokens) == 1:
        return _lexeme(u.tokens[0])
    return "(" + " <-> ".join(_lexeme(t) for t in u.tokens) + ")"


def ts_match(q: SearchQuery) -> str:
    """The ``tsquery`` of a parsed query: ``(a | b) & c & !(d)``."""
    parts = ["(" + " | ".join(_ts_phrase(u) for u in c.options) + ")" for c in q.positive]
    parts += ["!(" + " | ".join(_ts_phrase(u) for u in c.options) + ")" for c in q.negative]
    return " & ".join(parts)


class PostgresStore(Store):
    """A :class:`~storyline.store.base.Store` in a PostgreSQL database.

    url: ``postgresql://user[:password]@host[:port]/dbname``.
    """

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        self.url = url
        self.name = redact_url(url)
        self._connect_timeout = connect_timeout
        self._lock = threading.RLock()
        self._conn: psycopg.Connection | None = None
        # version() has its own connection (opened on first use): the web checks it on every
        # request and must not queue behind a long write_input holding the shared one.
        self._vlock = threading.Lock()
        self._vconn: psycopg.Connection | None = None
        self._parts = PartsWriter()
        self._connect()

    # ---- plumbing ------------------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection:
        try:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=self._connect_timeout)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"could not connect to {self.name}: is the server running and accepting TCP connections "
                f"there, and do the user, password and database exist? ({reason})"
            ) from exc
        return self._conn

    def _live(self) -> psycopg.Connection:
        """The connection, reopened if a previous error (or the server) closed it."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                log.warning("%s: connection lost; reconnecting", self.name)
            return self._connect()
        return self._conn

    @contextmanager
    def _guard(self, action: str) -> Iterator[psycopg.Cursor]:
        """Hold the lock, open a transaction, map psycopg errors to StoreError naming the server."""
        with self._lock:
            conn = self._live()
            try:
                with conn.transaction(), conn.cursor() as cur:
                    yield cur
            except psycopg.OperationalError as exc:
                # Lost connection, server shutdown, timeouts: the server rolls back what is open.
                lost = (
                    " (connection lost; the transaction was rolled back)"
                    if conn.broken or conn.closed
                    else ""
                )
                raise StoreError(
                    f"{self.name}: could not {action}{lost}: {_first_line(exc)}; is the server still running?"
                ) from exc
            except psycopg.Error as exc:
                raise StoreError(f"{self.name}: could not {action}: {_first_line(exc)}") from exc

    # ---- lifecycle -----------------------------------------------------------------------------
    def migrate(self) -> int:
        version = 0
        with self._guard("create the schema_migrations table") as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
        for mg in load_migrations("postgres"):
            with self._guard(f"apply migration {mg.version:03d}_{mg.name}") as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                cur.execute("SELECT 1 FROM schema_migrations WHERE version = %s", (mg.version,))
                if cur.fetchone() is None:
                    cur.execute(mg.sql.encode("utf-8"))  # no parameters: several statements allowed
                    cur.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (mg.version, mg.name)
                    )
                    log.info("%s: applied migration %03d_%s", self.name, mg.version, mg.name)
                version = mg.version
        self._backfill_summaries()
        return version

    def _backfill_summaries(self, batch: int = 500) -> None:
        """Fill ``stories.summary`` for rows written before migration 003 (a no-op afterwards)."""
        while True:
            with self._guard("fill in story summaries") as cur:
                cur.execute("SELECT id, record FROM stories WHERE summary IS NULL LIMIT %s", (batch,))
                rows = cur.fetchall()
                for sid, rec in rows:
                    story = self._read_story(cur, sid, rec)
                    if story is None:
                        continue
                    summary = self._summary_of(cur, story)
                    cur.execute(
                        "UPDATE stories SET summary = %s WHERE id = %s", (_summary_encode(summary), sid)
                    )
            if len(rows) < batch:
                return

    def close(self) -> None:
        with self._vlock:
            if self._vconn is not None and not self._vconn.closed:
                self._vconn.close()
        with self._lock:
            if self._conn is not None and not self._conn.closed:
                self._conn.close()

    # ---- writes --------------------------------------------------------------------------------
    def has_raw(self, sha256: str) -> bool:
        with self._guard("look up a raw input") as cur:
            cur.execute("SELECT 1 FROM raw_inputs WHERE sha256 = %s", (sha256,))
            return cur.fetchone() is not None

    def record_failure(self, name: str, sha256: str, message: str) -> None:
        with self._guard(f"record the failure of {name}") as cur:
            cur.execute(
                "INSERT INTO failures (name, sha256, message) VALUES (%s, %s, %s)", (name, sha256, message)
            )

    def failures(self) -> list[tuple[str, str, str]]:
        """(name, sha256, message) of every recorded failure, oldest first (for the ingest report)."""
        with self._guard("read failures") as cur:
            cur.execute("SELECT name, sha256, message FROM failures ORDER BY id")
            return [tuple(r) for r in cur.fetchall()]

    # ---- the storage operations of Store.write_input ----------------------------------------------
    @contextmanager
    def _write_transaction(self, action: str) -> Iterator[psycopg.Cursor]:
        # The parts a write plans are taken as stored only once it has committed (under the
        # lock: another thread's write never takes or drops this one's plans).
        with self._lock:
            self._parts.begin()
            with self._guard(action) as cur:
                yield cur
            self._parts.commit()

    def _w_put_raw(self, cur: psycopg.Cursor, raw: RawInput) -> bool:
        cur.execute(
            "INSERT INTO raw_inputs (sha256, name, media_type, encoding, data) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (sha256) DO NOTHING",
            (raw.sha256, raw.name, raw.media_type, raw.encoding, raw.data),
        )
        return cur.rowcount == 1

    def _w_records(self, cur: psycopg.Cursor, table: str, ids: Sequence[str]) -> dict[str, bytes]:
        key = {"articles": "id", "analyses": "article_id"}[table]
        if not ids:
            return {}
        cur.execute(f"SELECT {key}, record FROM {table} WHERE {key} = ANY(%s)", (list(ids),))
        return {k: bytes(rec) for k, rec in cur.fetchall()}

    def _w_load(self, cur: psycopg.Cursor, kind: type, ids: Sequence[str]) -> dict:
        table = "articles" if kind is Article else "analyses"
        # An unreadable stored row is skipped (logged), never the end of the next ingest.
        return read_records(self._w_records(cur, table, ids).items(), kind, store=self.name)

    def _w_assigned(self, cur: psycopg.Cursor, article_ids: Sequence[str]) -> list[str]:
        if not article_ids:
            return []
        cur.execute("SELECT story_id FROM story_articles WHERE article_id = ANY(%s)", (list(article_ids),))
        return [r[0] for r in cur.fetchall()]

    def _w_put_articles(
        self, cur: psycopg.Cursor, rows: Sequence[tuple[Article, bytes]], analyses: dict[str, Analysis]
    ) -> None:
        if not rows:
            return
        cur.executemany(
            "INSERT INTO articles (id, raw_sha256, url, outlet, title, published_at, script, record, search_tsv)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector)"
            " ON CONFLICT (id) DO UPDATE SET raw_sha256 = excluded.raw_sha256, url = excluded.url,"
            " outlet = excluded.outlet, title = excluded.title, published_at = excluded.published_at,"
            " script = excluded.script, record = excluded.record, search_tsv = excluded.search_tsv",
            [
                (
                    art.id,
                    art.raw_sha256 or None,
                    art.url,
                    art.outlet,
                    art.title,
                    utc_aware(art.published_at),
                    art.script,
                    record,
                    ts_vector(article_search_tokens(art, analyses.get(art.id))),
                )
                for art, record in rows
            ],
        )

    def _w_put_analyses(self, cur: psycopg.Cursor, rows: Sequence[tuple[str, bytes]]) -> None:
        if rows:
            cur.executemany(
                "INSERT INTO analyses (article_id, record) VALUES (%s, %s)"
                " ON CONFLICT (article_id) DO UPDATE SET record = excluded.record",
                list(rows),
            )

    def _w_reindex(
        self, cur: psycopg.Cursor, articles: Sequence[Article], analyses: dict[str, Analysis]
    ) -> None:
        if articles:
            cur.executemany(
                "UPDATE articles SET search_tsv = %s::tsvector WHERE id = %s",
                [(ts_vector(article_search_tokens(a, analyses.get(a.id))), a.id) for a in articles],
            )

    def _w_put_assignments(self, cur: psycopg.Cursor, pairs: Sequence[tuple[str, str]]) -> None:
        if pairs:
            cur.executemany(
                "INSERT INTO story_articles (article_id, story_id) VALUES (%s, %s)"
                " ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id",
                list(pairs),
            )

    def _w_merge(self, cur: psycopg.Cursor, old_id: str, new_id: str) -> None:
        cur.execute("DELETE FROM stories WHERE id = %s", (old_id,))  # and its parts (ON DELETE CASCADE)
        self._parts.forget(old_id)
        cur.execute("UPDATE story_articles SET story_id = %s WHERE story_id = %s", (new_id, old_id))
        cur.execute("UPDATE story_aliases SET story_id = %s WHERE story_id = %s", (new_id, old_id))
        cur.execute(
            "INSERT INTO story_aliases (alias, story_id) VALUES (%s, %s)"
            " ON CONFLICT (alias) DO UPDATE SET story_id = excluded.story_id",
            (old_id, new_id),
        )

    def _w_put_stories(self, cur: psycopg.Cursor, stories: Sequence[Story]) -> None:
        if not stories:
            return
        # A live story is never also an alias (a merge undone by a later rebuild).
        cur.execute("DELETE FROM story_aliases WHERE alias = ANY(%s)", ([s.id for s in stories],))
        cur.execute("SELECT epoch, n FROM store_version")
        epoch, n = cur.fetchone()
        for s in stories:
            # The stored parts are those this store wrote last while the story's stamp is the one
            # that write gave it (_w_bump_version sets n + 1; another process's write changes it).
            cur.execute("SELECT stamp FROM stories WHERE id = %s", (s.id,))
            row = cur.fetchone()
            plan = self._parts.plan(s, (epoch, row[0]) if row else None, (epoch, n + 1), to_json)
            if plan.full:
                cur.execute("DELETE FROM story_parts WHERE story_id = %s", (s.id,))
            cur.execute(
                "INSERT INTO stories (id, hotness, first_seen, last_updated, record, summary)"
                " VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO UPDATE SET hotness = excluded.hotness, first_seen = excluded.first_seen,"
                " last_updated = excluded.last_updated, record = excluded.record, summary = excluded.summary",
                (
                    s.id,
                    float(s.hotness),
                    utc_aware(s.first_seen),
                    utc_aware(s.last_updated),
                    plan.header,
                    _summary_encode(self._summary_of(cur, s)),
                ),
            )
            if plan.put:
                cur.executemany(
                    "INSERT INTO story_parts (story_id, kind, part, data) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (story_id, kind, part) DO UPDATE SET data = excluded.data",
                    [(s.id, kind, part, data) for kind, part, data in plan.put],
                )
            if plan.drop:
                cur.executemany(
                    "DELETE FROM story_parts WHERE story_id = %s AND kind = %s AND part = %s",
                    [(s.id, kind, part) for kind, part in plan.drop],
                )

    def _read_story(self, cur: psycopg.Cursor, sid: str, record: bytes) -> Story | None:
        """The story of a ``stories.record``: a parts header read with its parts, or a whole record."""
        return self._decode_story(sid, record, self._parts_of(cur, sid, record))

    @staticmethod
    def _parts_of(cur: psycopg.Cursor, sid: str, record: bytes) -> list[tuple] | None:
        if not is_parts_header(record):
            return None
        cur.execute("SELECT kind, part, data FROM story_parts WHERE story_id = %s", (sid,))
        return cur.fetchall()

    def _decode_story(self, sid: str, record: bytes, parts: list[tuple] | None) -> Story | None:
        if parts is None:
            return read_story(record, f"story {sid}", store=self.name)
        return read_parts(record, parts, f"story {sid}", store=self.name)

    def _w_put_state(self, cur: psycopg.Cursor, items: Sequence[tuple[str, bytes]]) -> None:
        if items:
            cur.executemany(
                "INSERT INTO state (key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                list(items),
            )

    def _w_bump_version(self, cur: psycopg.Cursor, touched: Sequence[str]) -> None:
        cur.execute("UPDATE store_version SET n = n + 1")
        if touched:
            cur.execute(
                "UPDATE stories SET stamp = (SELECT n FROM store_version) WHERE id = ANY(%s)",
                (list(touched),),
            )

    @staticmethod
    def _summary_of(cur: psycopg.Cursor, story: Story) -> StorySummary:
        """The story's summary, its outlets counted over the articles table (as written so far)."""
        cur.execute(
            "SELECT count(DISTINCT outlet) FROM articles WHERE id = ANY(%s)", (list(story.article_ids),)
        )
        row = cur.fetchone()
        return StorySummary.of(story, int(row[0]) if row else 0)

    # ---- reads ---------------------------------------------------------------------------------
    def raw(self, sha256: str) -> RawInput | None:
        with self._guard("read a raw input") as cur:
            cur.execute(
                "SELECT name, data, sha256, media_type, encoding FROM raw_inputs WHERE sha256 = %s", (sha256,)
            )
            row = cur.fetchone()
        if row is None:
            return None
        return RawInput(name=row[0], data=bytes(row[1]), sha256=row[2], media_type=row[3], encoding=row[4])

    def article(self, article_id: str) -> Article | None:
        found = self.articles([article_id])
        return found[0] if found else None

    def articles(self, article_ids: Iterable[str]) -> list[Article]:
        ids = list(article_ids)
        with self._guard("read articles") as cur:
            cur.execute("SELECT id, record FROM articles WHERE id = ANY(%s)", (ids,))
            found = read_records(cur.fetchall(), Article, store=self.name)
        return [found[i] for i in ids if i in found]

    def analyses(self, article_ids: Iterable[str]) -> list[Analysis]:
        ids = list(article_ids)
        with self._guard("read analyses") as cur:
            cur.execute("SELECT article_id, record FROM analyses WHERE article_id = ANY(%s)", (ids,))
            found = read_records(cur.fetchall(), Analysis, store=self.name)
        return [found[i] for i in ids if i in found]

    def iter_articles(self, batch: int = 1000) -> Iterator[Article]:
        # Keyset pagination: no transaction or lock is held while the caller works on a batch.
        # Undated articles sort last; 'infinity' would not fit a Python datetime, year 9999 does.
        key = "coalesce(published_at, '9999-01-01 00:00:00+00'::timestamptz)"
        last: tuple[object, str] | None = None
        while True:
            with self._guard("read articles") as cur:
                if last is None:
                    cur.execute(
                        f"SELECT {key}, id, record FROM articles ORDER BY {key}, id LIMIT %s", (batch,)
                    )
                else:
                    cur.execute(
                        f"SELECT {key}, id, record FROM articles WHERE ({key}, id) > (%s, %s)"
                        f" ORDER BY {key}, id LIMIT %s",
                        (*last, batch),
                    )
                rows = cur.fetchall()
            if not rows:
                return
            for _, aid, rec in rows:
                article = read_record(rec, Article, f"article {aid}", store=self.name)
                if article is not None:
                    yield article
            last = (rows[-1][0], rows[-1][1])

    def count_articles(self) -> int:
        with self._guard("count articles") as cur:
            cur.execute("SELECT count(*) FROM articles")
            return int(cur.fetchone()[0])

    def count_stories(self) -> int:
        with self._guard("count stories") as cur:
            cur.execute("SELECT count(*) FROM stories")
            return int(cur.fetchone()[0])

    @staticmethod
    def _resolve(cur: psycopg.Cursor, story_id: str) -> str | None:
        cur.execute(
            "SELECT id FROM stories WHERE id = %s"
            " UNION ALL SELECT s.id FROM story_aliases a JOIN stories s ON s.id = a.story_id WHERE a.alias = %s"
            " LIMIT 1",
            (story_id, story_id),
        )
        row = cur.fetchone()
        return row[0] if row else None

    def resolve_story_id(self, story_id: str) -> str | None:
        with self._guard("resolve a story id") as cur:
            return self._resolve(cur, story_id)

    def story(self, story_id: str) -> Story | None:
        with self._guard("read a story") as cur:
            current = self._resolve(cur, story_id)
            if current is None:
                return None
            cur.execute("SELECT record FROM stories WHERE id = %s", (current,))
            row = cur.fetchone()
            if row is None:
                return None
            parts = self._parts_of(cur, current, row[0])
        # Decoded with the lock released, as a whole record was (a big story takes milliseconds).
        return self._decode_story(current, row[0], parts)

    def _page(self, cur, cols: str, limit: int, after: str | None) -> list[tuple]:
        """One page of stories, hottest first; ``after`` is the id of the last one seen."""
        if after is None:
            cur.execute(f"SELECT {cols} FROM stories ORDER BY hotness DESC, id LIMIT %s", (limit,))
            return cur.fetchall()
        current = self._resolve(cur, after)
        cur.execute("SELECT hotness, id FROM stories WHERE id = %s", (current,))
        cursor = cur.fetchone()
        if cursor is None:
            raise StoreError(f"{self.name}: unknown story cursor {after!r}; start again without 'after'")
        cur.execute(
            f"SELECT {cols} FROM stories WHERE hotness < %s OR (hotness = %s AND id > %s)"
            " ORDER BY hotness DESC, id LIMIT %s",
            (cursor[0], cursor[0], cursor[1], limit),
        )
        return cur.fetchall()

    def stories(self, *, limit: int = 50, after: str | None = None) -> list[Story]:
        with self._guard("list stories") as cur:
            found = [
                self._read_story(cur, sid, rec) for sid, rec in self._page(cur, "id, record", limit, after)
            ]
        return [s for s in found if s is not None]

    def story_summaries(self, *, limit: int = 50, after: str | None = None) -> list[StorySummary]:
        """:meth:`stories` in short form: one small JSON column per story, no full records."""
        # The full record is selected only for rows written before migration 003 (summary NULL).
        cols = "id, summary, CASE WHEN summary IS NULL THEN record END"
        with self._guard("list story summaries") as cur:
            rows = self._page(cur, cols, limit, after)
            out: list[StorySummary] = []
            for sid, summary, rec in rows:
                if summary is not None:
                    found = decode_or_skip(
                        _summary_decode, bytes(summary), f"story summary {sid}", store=self.name
                    )
                else:
                    story = self._read_story(cur, sid, rec)
                    found = self._summary_of(cur, story) if story is not None else None
                if found is not None:
                    out.append(found)
            return out

    def version(self) -> str | None:
        """``"<epoch>.<n>"``: the random id of this database and its write_input counter.

        Read through a second connection (autocommit, so always the latest committed value).
        """
        return version_token(self._read_version(VERSION_SQL, ()))

    def story_version(self, story_id: str) -> str | None:
        """``"<epoch>.<current id>.<stamp>"`` (see the SQLite store): one indexed lookup."""
        return version_token(self._read_version(STORY_VERSION_SQL.format(p="%s"), (story_id, story_id)))

    def _read_version(self, sql: str, params: tuple[str, ...]) -> tuple | None:
        """One row read for :meth:`version` / :meth:`story_version` on their own connection."""
        with self._vlock:
            try:
                if self._vconn is None or self._vconn.closed or self._vconn.broken:
                    self._vconn = psycopg.connect(
                        self.url, autocommit=True, connect_timeout=self._connect_timeout
                    )
                return self._vconn.execute(sql, params).fetchone()
            except psycopg.Error as exc:
                raise StoreError(
                    f"{self.name}: could not read the store version: {_first_line(exc)}"
                ) from exc

    def story_ids_of_articles(self, article_ids: Iterable[str]) -> dict[str, str]:
        with self._guard("read story assignments") as cur:
            cur.execute(
                "SELECT article_id, story_id FROM story_articles WHERE article_id = ANY(%s)",
                (list(article_ids),),
            )
            return dict(cur.fetchall())

    def get_state(self, key: str) -> bytes | None:
        with self._guard(f"read state {key!r}") as cur:
            cur.execute("SELECT value FROM state WHERE key = %s", (key,))
            row = cur.fetchone()
        return bytes(row[0]) if row else None

    def get_states(self, keys: Iterable[str]) -> dict[str, bytes]:
        with self._guard("read saved state") as cur:
            cur.execute("SELECT key, value FROM state WHERE key = ANY(%s)", (list(dict.fromkeys(keys)),))
            return {k: bytes(v) for k, v in cur.fetchall()}

    def search(self, query: str | SearchQuery, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        q = as_query(query)
        if q.empty:
            return []
        tsq = ts_match(q)
        filters, params = filter_sql(q, "%s", utc_aware)
        direction = "ASC NULLS LAST" if q.sort == "oldest" else "DESC NULLS LAST"
        id_dir = "ASC" if q.sort == "oldest" else "DESC"
        with self._guard(f"search for {q.text!r}") as cur:
            rows = []
            if q.sort == "newest":
                # First the newest _RECENT_WINDOW articles only, read off the date index: if a page
                # of matches is among them, it is the newest page overall. The planner cannot see
                # that by itself for phrases (its estimate for "特朗 <-> 朗普" is poor): at a million
                # articles it sorted ~40k GIN matches, 143 ms p50, for a word in 4% of them.
                cur.execute(
                    "SELECT a.record, sa.story_id FROM ("
                    "  SELECT id, published_at, search_tsv FROM articles"
                    "  ORDER BY published_at DESC NULLS LAST, id DESC LIMIT %s) r"
                    " JOIN articles a ON a.id = r.id"
                    " LEFT JOIN story_articles sa ON sa.article_id = a.id"
                    f" WHERE r.search_tsv @@ %s::tsquery{filters}"
                    " ORDER BY r.published_at DESC NULLS LAST, r.id DESC LIMIT %s OFFSET %s",
                    (_RECENT_WINDOW, tsq, *params, limit, offset),
                )
                rows = cur.fetchall()
            if len(rows) < limit:  # too few among the newest: ask the whole index
                cur.execute(
                    "SELECT a.record, sa.story_id FROM articles a"
                    " LEFT JOIN story_articles sa ON sa.article_id = a.id"
                    f" WHERE a.search_tsv @@ %s::tsquery{filters}"
                    f" ORDER BY a.published_at {direction}, a.id {id_dir} LIMIT %s OFFSET %s",
                    (tsq, *params, limit, offset),
                )
                rows = cur.fetchall()
        units = q.units
        hits = [(read_record(rec, Article, "article (search)", store=self.name), sid) for rec, sid in rows]
        return [search_hit(art, story_id, units) for art, story_id in hits if art is not None]

    def search_count(self, query: str | SearchQuery) -> int:
        q = as_query(query)
        if q.empty:
            return 0
        filters, params = filter_sql(q, "%s", utc_aware)
        with self._guard(f"count matches of {q.text!r}") as cur:
            cur.execute(
                f"SELECT count(*) FROM articles a WHERE a.search_tsv @@ %s::tsquery{filters}",
                (ts_match(q), *params),
            )
            return int(cur.fetchone()[0])

    # ---- live mode: fetch state ----------------------------------------------------------------
    def add_fetch_states(self, states: Sequence[FetchState], *, listed_update: bool = False) -> int:
        if not states:
            return 0
        cols = ", ".join(fetch_rows.COLUMNS)
        marks = ", ".join(["%s"] * len(fetch_rows.COLUMNS))
        conflict = fetch_rows.on_conflict(listed_update)
        new = 0
        with self._guard("add live sources") as cur:
            for state in states:
                # xmax = 0 only for a row this statement inserted (not one it updated).
                cur.execute(
                    f"INSERT INTO fetch_state ({cols}) VALUES ({marks}) ON CONFLICT (url) {conflict}"
                    " RETURNING (xmax = 0)",
                    fetch_rows.to_row(state),
                )
                row = cur.fetchone()
                new += bool(row and row[0])
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
        # SKIP LOCKED: a row another follower is claiming right now is passed over, not waited
        # for; once that claim commits, its lease_until keeps the row out of every other claim.
        with self._guard(f"claim due sources for {owner}") as cur:
            cur.execute(
                f"UPDATE fetch_state SET lease_owner = %s, lease_until = %s WHERE url IN ("
                "  SELECT url FROM fetch_state WHERE next_due IS NOT NULL AND next_due <= %s"
                "  AND lease_until < %s AND (%s::double precision IS NULL OR last_fetch IS NULL"
                "  OR last_fetch < %s) ORDER BY CASE WHEN last_fetch IS NULL THEN 0 WHEN listed OR kind <> 'page' THEN 1"
                "  ELSE 2 END, next_due, url LIMIT %s FOR UPDATE SKIP LOCKED)"
                f" RETURNING {cols}",
                (owner, now + lease_seconds, now, now, fetched_before, fetched_before, limit),
            )
            rows = cur.fetchall()
        claimed = [fetch_rows.from_row(r) for r in rows]
        claimed.sort(key=_claim_order)
        return claimed

    def save_fetch_state(self, state: FetchState, *, found: Sequence[FetchState] = ()) -> int:
        sets = ", ".join(f"{c} = %s" for c in fetch_rows.UPDATE_COLUMNS)
        row = dict(zip(fetch_rows.COLUMNS, fetch_rows.to_row(state), strict=True))
        cols = ", ".join(fetch_rows.COLUMNS)
        marks = ", ".join(["%s"] * len(fetch_rows.COLUMNS))
        new = 0
        with self._guard(f"save the fetch state of {state.url}") as cur:
            cur.execute(
                f"UPDATE fetch_state SET {sets} WHERE url = %s",
                (*(row[c] for c in fetch_rows.UPDATE_COLUMNS), state.url),
            )
            for f in found:
                cur.execute(
                    f"INSERT INTO fetch_state ({cols}) VALUES ({marks}) ON CONFLICT (url) DO NOTHING",
                    fetch_rows.to_row(f),
                )
                new += cur.rowcount == 1
        return new

    def fetch_states(self, *, listed: bool | None = None, origin: str | None = None) -> list[FetchState]:
        cols = ", ".join(fetch_rows.COLUMNS)
        where: list[str] = []
        params: list[object] = []
        if listed is not None:
            where.append("listed = %s")
            params.append(listed)
        if origin is not None:
            where.append("origin = %s")
            params.append(origin)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._guard("read live sources") as cur:
            cur.execute(f"SELECT {cols} FROM fetch_state{clause} ORDER BY listed DESC, url", params)
            rows = cur.fetchall()
        return [fetch_rows.from_row(r) for r in rows]

    def extend_fetch_leases(self, owner: str, urls: Sequence[str], *, until: float) -> int:
        with self._guard(f"extend the leases of {owner}") as cur:
            cur.execute(
                "UPDATE fetch_state SET lease_until = %s WHERE lease_owner = %s AND url = ANY(%s)",
                (until, owner, list(urls)),
            )
            return cur.rowcount

    def release_fetch_leases(self, owner: str) -> int:
        with self._guard(f"release the leases of {owner}") as cur:
            cur.execute(
                "UPDATE fetch_state SET lease_owner = '', lease_until = 0 WHERE lease_owner = %s", (owner,)
            )
            return cur.rowcount

    def take_host_turn(self, host: str, *, gap: float, now: float | None = None) -> float:
        # One UPSERT: the host's row is locked, so concurrent turns on one host queue up and each
        # sees the one before it; the server's clock (clock_timestamp, read once the row lock is
        # held) is one clock for followers on every machine. A turn not due leaves the row as it
        # is (the WHERE) and the wait is read back.
        with self._guard(f"take a request turn for {host}") as cur:
            cur.execute(
                "WITH now AS (SELECT COALESCE(%s::double precision,"
                "   extract(epoch FROM clock_timestamp())::double precision) AS t)"
                " INSERT INTO host_gate AS g (host, next_at) SELECT %s, t + %s FROM now"
                " ON CONFLICT (host) DO UPDATE SET next_at = EXCLUDED.next_at"
                " WHERE g.next_at <= EXCLUDED.next_at - %s RETURNING 0",
                (now, host, gap, gap),
            )
            if cur.fetchone() is not None:
                return 0.0
            cur.execute(
                "SELECT next_at - COALESCE(%s::double precision,"
                " extract(epoch FROM clock_timestamp())::double precision) FROM host_gate WHERE host = %s",
                (now, host),
            )
            row = cur.fetchone()
        return max(float(row[0]), 1e-3) if row else 0.0

    def writer_lock(self) -> AbstractContextManager[object]:
        """A session advisory lock (``pg_advisory_lock``) on a connection of its own: one such
        writer per database across every machine; a writer that dies loses it with its session."""
        return self._writer_lock()

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=self._connect_timeout)
        except psycopg.Error as exc:
            raise StoreError(
                f"could not connect to {self.name} for the writer lock: {_first_line(exc)}"
            ) from exc
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (_WRITER_LOCK,))
            yield
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: could not take the writer lock: {_first_line(exc)}") from exc
        finally:
            conn.close()  # ends the session, which releases its advisory locks


def _claim_order(state: FetchState) -> tuple[int, float, str]:
    """The order claims are made in (RETURNING does not keep the subquery's): never asked first,
    then sources, then pages asked again; soonest due first within each."""
    rank = 0 if state.last_fetch is None else 1 if state.listed or state.kind != "page" else 2
    return rank, state.next_due or 0.0, state.url


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
