"""Small conversions both stores share: datetimes as sortable UTC text, migration files, search text.

Kept apart from the stores so SQLite and PostgreSQL order, migrate and index identically.

    >>> from datetime import datetime, timezone, timedelta
    >>> utc_text(datetime(2025, 1, 22, 13, 40, tzinfo=timezone(timedelta(hours=8))))
    '2025-01-22T05:40:00.000000Z'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import TypeVar

import msgspec

from storyline.records import Analysis, Article, from_json
from storyline.store.base import SearchHit
from storyline.store.bigrams import QueryUnit, index_tokens, snippet
from storyline.store.query import SearchQuery, parse_search

__all__ = [
    "Migration",
    "article_search_text",
    "article_search_tokens",
    "load_migrations",
    "read_record",
    "read_records",
    "search_hit",
    "utc_aware",
    "utc_now_text",
    "utc_text",
]


log = logging.getLogger(__name__)
T = TypeVar("T")


def read_record(
    data: bytes | str | memoryview, type_: type[T], what: str, *, store: str = "store"
) -> T | None:
    """A stored record decoded as ``type_``; None, with the fault logged, when it cannot be read.

    One row the reader cannot decode (written by an older version, or a value that should never
    have been stored) must cost that row only: the page, feed, listing or next ingest that reads
    it goes on without it instead of failing for every other story.
    """
    try:
        return from_json(bytes(data) if isinstance(data, memoryview) else data, type_)
    except (msgspec.DecodeError, TypeError, ValueError) as exc:
        log.error("%s: stored %s is not readable (%s); skipped", store, what, exc)
        return None


def read_records(
    rows: Iterable[tuple[str, bytes | str | memoryview]], type_: type[T], *, store: str = "store"
) -> dict[str, T]:
    """``{key: record}`` for the readable ``(key, data)`` rows (see :func:`read_record`)."""
    found: dict[str, T] = {}
    for key, data in rows:
        record = read_record(data, type_, f"{type_.__name__.lower()} {key}", store=store)
        if record is not None:
            found[key] = record
    return found


def decode_or_skip(decode: Callable[[bytes], T], data: bytes, what: str, *, store: str = "store") -> T | None:
    """``decode(data)``, or None with the fault logged (for the stores' typed summary decoders)."""
    try:
        return decode(data)
    except (msgspec.DecodeError, TypeError, ValueError) as exc:
        log.error("%s: stored %s is not readable (%s); skipped", store, what, exc)
        return None


def utc_text(dt: datetime | None) -> str | None:
    """Fixed-width UTC text, so that text order is time order; naive datetimes are taken as UTC."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now_text() -> str:
    return utc_text(datetime.now(UTC)) or ""


def utc_aware(dt: datetime | None) -> datetime | None:
    """A timezone-aware datetime for PostgreSQL's timestamptz (naive taken as UTC)."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


_MIGRATION_NAME = re.compile(r"^(\d{3})_(\w+)\.sql$")


def load_migrations(dialect: str) -> list[Migration]:
    """The numbered ``store/migrations/<dialect>/NNN_name.sql`` files, in version order."""
    folder = resources.files("storyline.store") / "migrations" / dialect
    found: list[Migration] = []
    for entry in folder.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mg: mg.version)
    versions = [mg.version for mg in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers in store/migrations/{dialect}: {versions}")
    return found


def article_search_tokens(article: Article, analysis: Analysis | None) -> list[str]:
    """The tokens indexed for an article, in order: its title and paragraphs, folded.

    The analysis' canonical forms (t2s + NFKC) are preferred — they are what every other stage
    compares; the article's own text is the fallback before analysis has run.
    """
    if analysis is not None and (analysis.canonical_title or analysis.canonical_paragraphs):
        texts = [analysis.canonical_title, *analysis.canonical_paragraphs]
    else:
        texts = [article.title, *article.paragraphs]
    # Readers' comments are searched too (a figure or a nickname often appears only there);
    # after the body, so that PostgreSQL's position cap cuts comments before the report.
    texts += [c.text for c in article.comments]
    return [tok for text in texts if text for tok in index_tokens(text)]


def article_search_text(article: Article, analysis: Analysis | None) -> str:
    """:func:`article_search_tokens` joined by spaces, the form FTS5's ``unicode61`` reads."""
    return " ".join(article_search_tokens(article, analysis))


def search_hit(art: Article, story_id: str | None, units: Sequence[QueryUnit]) -> SearchHit:
    """A search result for an article: the snippet comes from its display text, as published."""
    return SearchHit(
        kind="article",
        id=art.id,
        story_id=story_id,
        title=art.title,
        snippet=snippet([*art.paragraphs, art.title, *(c.text for c in art.comments)], units),
        published_at=art.published_at,
        outlet=art.outlet,
        day_only=art.published_day_only,
    )


# Store.version / Store.story_version, the same in both dialects but for the parameter mark
# (``{p}``: ``?`` in SQLite, ``%s`` in psycopg). A story id resolves through its alias too.
VERSION_SQL = "SELECT epoch, n FROM store_version"
STORY_VERSION_SQL = (
    "SELECT v.epoch, s.id, s.stamp FROM store_version v JOIN stories s ON s.id = {p}"
    " UNION ALL SELECT v.epoch, s.id, s.stamp FROM store_version v"
    " JOIN story_aliases a ON a.alias = {p} JOIN stories s ON s.id = a.story_id LIMIT 1"
)


def version_token(row: Sequence[object] | None) -> str | None:
    """A version row as its dotted token (``"<epoch>.<n>"`` or ``"<epoch>.<id>.<stamp>"``)."""
    return ".".join(str(v) for v in row) if row else None


def as_query(query: str | SearchQuery) -> SearchQuery:
    """A parsed query (a plain string is parsed without alias expansion)."""
    return query if isinstance(query, SearchQuery) else parse_search(query)


def filter_sql(q: SearchQuery, mark: str, utc) -> tuple[str, list]:
    """`` AND …`` conditions on ``a`` (articles) for the query's filters, with their parameters."""
    sql, params = "", []
    if q.outlet:
        sql += f" AND a.outlet = {mark}"
        params.append(q.outlet)
    if q.script:
        sql += f" AND a.script = {mark}"
        params.append(q.script)
    if q.since is not None:
        sql += f" AND a.published_at >= {mark}"
        params.append(utc(q.since))
    if q.until is not None:
        sql += f" AND a.published_at <= {mark}"
        params.append(utc(q.until))
    return sql, params
