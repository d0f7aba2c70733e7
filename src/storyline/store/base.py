"""The store interface: the one place results are written, and what the web reads.

Two implementations share it: :mod:`storyline.store.sqlite` (the default, one file, WAL) and
:mod:`storyline.store.postgres` (psycopg 3). Every method is a plain call on typed records; SQL
never leaves ``store/``. Writes of one input happen in one transaction (:meth:`Store.write_input`),
so a crash leaves either the whole input or none of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from storyline.records import Analysis, Article, RawInput, Story, to_json
from storyline.store.query import SearchQuery

__all__ = [
    "FetchState",
    "InputWrite",
    "SearchHit",
    "Store",
    "StoryAssignment",
    "StorySummary",
    "WriteResult",
    "hottest_first",
    "stories_touched",
]


@dataclass(frozen=True, slots=True)
class StoryAssignment:
    """Which story an article belongs to, and which story ids were merged away (kept as aliases)."""

    article_id: str
    story_id: str


@dataclass(frozen=True, slots=True)
class InputWrite:
    """Everything one input produced, written atomically by :meth:`Store.write_input`.

    ``stories`` are the full, rebuilt records of every story the input touched; ``merged``
    maps an old story id to the id that absorbed it (the old id becomes an alias).
    """

    raw: RawInput
    articles: Sequence[Article]
    analyses: Sequence[Analysis]
    assignments: Sequence[StoryAssignment] = ()
    stories: Sequence[Story] = ()
    merged: dict[str, str] = field(default_factory=dict)
    state: dict[str, bytes] = field(default_factory=dict)  # opaque per-key state (e.g. cluster index)


@dataclass(frozen=True, slots=True)
class WriteResult:
    raw_new: bool
    articles_new: int
    articles_unchanged: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: str  # "article" or "story"
    id: str
    story_id: str | None
    title: str
    snippet: str  # HTML-escaped text with <mark>…</mark> around matches
    published_at: datetime | None
    outlet: str = ""
    day_only: bool = False  # the source gave a date without a time of day: show the date alone


@dataclass(frozen=True, slots=True)
class StorySummary:
    """The short form of a story that lists need (hot list, ``/api/stories``), without its body.

    Stores keep it beside the full record (written by :meth:`Store.write_input`), so a list page
    reads a few hundred bytes per story instead of decoding every article group and claim.
    ``outlets`` counts the distinct outlets of the story's articles.
    """

    id: str
    concept: str
    headline: str
    keywords: tuple[str, ...] = ()
    articles: int = 0
    outlets: int = 0
    hotness: float = 0.0
    first_seen: datetime | None = None
    last_updated: datetime | None = None

    @classmethod
    def of(cls, story: Story, outlets: int) -> StorySummary:
        """The summary of ``story``; ``outlets`` is counted by the caller, who has the articles."""
        return cls(
            id=story.id,
            concept=story.concept,
            headline=story.headline,
            keywords=tuple(k.word for k in story.keywords),
            articles=len(story.article_ids),
            outlets=outlets,
            hotness=float(story.hotness),
            first_seen=story.first_seen,
            last_updated=story.last_updated,
        )


@dataclass(frozen=True, slots=True)
class FetchState:
    """What live mode (:mod:`storyline.live`) knows about one URL it asks: a listed source or a page.

    ``kind`` is ``auto`` (not fetched yet), ``feed``, ``front`` (a site's front page whose feeds
    were discovered), or ``page`` (an article or thread page); ``listed`` is true for what the
    user named, false for a page found in a feed (``origin`` names that feed). ``item`` is the
    feed item as JSON (the summary kept in case the page cannot be fetched). Times are Unix
    seconds; ``next_due`` None means retired (never asked again). ``failures`` counts errors in
    a row (reset by a success), ``errors`` all of them. ``lease_owner``/``lease_until`` say which
    follower holds the row and until when.
    """

    url: str
    kind: str = "auto"
    outlet: str = ""
    origin: str = ""
    listed: bool = False
    interval_s: float | None = None
    item: bytes = b""
    etag: str = ""
    last_modified: str = ""
    first_seen: float = 0.0
    last_fetch: float | None = None
    last_change: float | None = None
    last_result: str = ""
    items: int = 0
    fetches: int = 0
    not_modified: int = 0
    errors: int = 0
    failures: int = 0
    last_error: str = ""
    next_due: float | None = None
    lease_owner: str = ""
    lease_until: float = 0.0


class Store(ABC):
    """Persistent home of raw inputs, articles, analyses and stories."""

    #: True when a read by id takes well under a millisecond and never waits on a network (an
    #: embedded database): the web then runs its page handlers on the event loop instead of a
    #: thread pool, which for CPU-bound rendering is faster and keeps cached pages quick.
    inline_reads: bool = False

    # ---- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def migrate(self) -> int:
        """Bring the schema to the newest version; safe to re-run. Returns the schema version."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writes (the pipeline is the only writer) -------------------------------------------
    @abstractmethod
    def has_raw(self, sha256: str) -> bool:
        """True when this exact content was already ingested (idempotent ingest)."""

    def write_input(self, write: InputWrite) -> WriteResult:
        """Write one input and all it produced in one transaction; all or nothing.

        Written once, here, over the small storage operations each backend supplies (the
        ``_w_*`` methods below), as datasketch writes ``MinHashLSH.insert`` once over its
        storage layer: what changed, what to reindex, merges and version stamps are decided
        in one place, so SQLite and PostgreSQL cannot drift apart.
        """
        with self._write_transaction(f"write input {write.raw.name}") as tx:
            raw_new = self._w_put_raw(tx, write.raw)

            stored = self._w_records(tx, "articles", [a.id for a in write.articles])
            changed: dict[str, tuple[Article, bytes]] = {}
            new = unchanged = 0
            for art in write.articles:
                record = to_json(art)
                if art.id in stored or art.id in changed:
                    unchanged += 1
                    if stored.get(art.id) == record:
                        continue
                else:
                    new += 1
                changed[art.id] = (art, record)

            stored_an = self._w_records(tx, "analyses", [an.article_id for an in write.analyses])
            analyses: dict[str, Analysis] = {}
            changed_an: dict[str, bytes] = {}
            for an in write.analyses:
                analyses[an.article_id] = an
                record = to_json(an)
                if stored_an.get(an.article_id) != record:
                    changed_an[an.article_id] = record

            # Articles whose search text changes: the rewritten ones, and those whose analysis did.
            reindex: dict[str, Article] = {aid: art for aid, (art, _) in changed.items()}
            reindex.update(self._w_load(tx, Article, [aid for aid in changed_an if aid not in reindex]))
            analyses.update(self._w_load(tx, Analysis, [aid for aid in reindex if aid not in analyses]))
            # Stories whose pages change (Store.story_version): those listing a rewritten article
            # or analysis (under its assignment before and after this write), rewritten, merged into.
            touched = stories_touched(write, reindex, self._w_assigned(tx, list(reindex)))

            self._w_put_articles(tx, list(changed.values()), analyses)
            self._w_put_analyses(tx, list(changed_an.items()))
            self._w_reindex(tx, [art for aid, art in reindex.items() if aid not in changed], analyses)
            self._w_put_assignments(tx, [(a.article_id, a.story_id) for a in write.assignments])
            for old_id, new_id in write.merged.items():
                if old_id != new_id:
                    self._w_merge(tx, old_id, new_id)
            self._w_put_stories(tx, write.stories)
            self._w_put_state(tx, list(write.state.items()))
            # In the same transaction as the data: a reader who sees the new number sees the data.
            self._w_bump_version(tx, sorted(touched))
        return WriteResult(raw_new=raw_new, articles_new=new, articles_unchanged=unchanged)

    def write_stories(self, stories: Sequence[Story], state: dict[str, bytes]) -> None:
        """Replace story records and saved state in one transaction (``storyline rebuild``)."""
        with self._write_transaction("rebuild stories") as tx:
            self._w_put_stories(tx, stories)
            self._w_put_state(tx, list(state.items()))
            self._w_bump_version(tx, sorted(s.id for s in stories))

    # ---- the storage operations write_input is made of (one transaction handle ``tx``) ---------
    @abstractmethod
    def _write_transaction(self, action: str) -> AbstractContextManager[Any]:
        """A write transaction (committed on exit, rolled back on any exception); errors as StoreError."""

    @abstractmethod
    def _w_put_raw(self, tx: Any, raw: RawInput) -> bool:
        """Keep the raw bytes unless this content is already kept; True when they were new."""

    @abstractmethod
    def _w_records(self, tx: Any, table: str, ids: Sequence[str]) -> dict[str, bytes]:
        """Encoded records of ``table`` (``articles`` or ``analyses``) by article id."""

    @abstractmethod
    def _w_load(self, tx: Any, kind: type, ids: Sequence[str]) -> dict[str, Any]:
        """Decoded :class:`Article` or :class:`Analysis` records by article id (inside ``tx``)."""

    @abstractmethod
    def _w_assigned(self, tx: Any, article_ids: Sequence[str]) -> list[str]:
        """The story ids the given articles are assigned to now (before this write's assignments)."""

    @abstractmethod
    def _w_put_articles(
        self, tx: Any, rows: Sequence[tuple[Article, bytes]], analyses: dict[str, Analysis]
    ) -> None:
        """Insert or replace articles (with their encoded record) and their search index entries."""

    @abstractmethod
    def _w_put_analyses(self, tx: Any, rows: Sequence[tuple[str, bytes]]) -> None:
        """Insert or replace encoded analyses by article id."""

    @abstractmethod
    def _w_reindex(self, tx: Any, articles: Sequence[Article], analyses: dict[str, Analysis]) -> None:
        """Rewrite the search index entries of stored articles whose analysis changed."""

    @abstractmethod
    def _w_put_assignments(self, tx: Any, pairs: Sequence[tuple[str, str]]) -> None:
        """(article id, story id) assignments, replacing earlier ones."""

    @abstractmethod
    def _w_merge(self, tx: Any, old_id: str, new_id: str) -> None:
        """Story ``old_id`` is absorbed by ``new_id``: its members and aliases move; it becomes an alias."""

    @abstractmethod
    def _w_put_stories(self, tx: Any, stories: Sequence[Story]) -> None:
        """Insert or replace stories with their summaries; a live story id is never an alias."""

    @abstractmethod
    def _w_put_state(self, tx: Any, items: Sequence[tuple[str, bytes]]) -> None:
        """Opaque per-key state, replacing earlier values."""

    @abstractmethod
    def _w_bump_version(self, tx: Any, touched: Sequence[str]) -> None:
        """Advance the store's version and stamp the touched stories with it."""

    @abstractmethod
    def record_failure(self, name: str, sha256: str, message: str) -> None:
        """Keep the raw bytes' name and the reason an input failed, for the ingest report."""

    # ---- reads -------------------------------------------------------------------------------
    @abstractmethod
    def raw(self, sha256: str) -> RawInput | None: ...

    @abstractmethod
    def article(self, article_id: str) -> Article | None: ...

    @abstractmethod
    def articles(self, article_ids: Iterable[str]) -> list[Article]:
        """Articles in the order of ``article_ids``; unknown ids are skipped."""

    @abstractmethod
    def analyses(self, article_ids: Iterable[str]) -> list[Analysis]: ...

    @abstractmethod
    def iter_articles(self, batch: int = 1000) -> Iterator[Article]:
        """Every article, oldest first by publication time."""

    @abstractmethod
    def count_articles(self) -> int: ...

    @abstractmethod
    def story(self, story_id: str) -> Story | None:
        """A story by id or by any alias it absorbed through a merge."""

    @abstractmethod
    def resolve_story_id(self, story_id: str) -> str | None:
        """The current id for ``story_id`` (itself, or the story that absorbed it)."""

    @abstractmethod
    def stories(self, *, limit: int = 50, after: str | None = None) -> list[Story]:
        """Stories hottest first; ``after`` is an opaque cursor (the id of the last one seen)."""

    @abstractmethod
    def story_ids_of_articles(self, article_ids: Iterable[str]) -> dict[str, str]:
        """article id → story id, for the ids that are assigned."""

    @abstractmethod
    def get_state(self, key: str) -> bytes | None:
        """Opaque state saved with :attr:`InputWrite.state` (e.g. the clusterer's index)."""

    def get_states(self, keys: Iterable[str]) -> dict[str, bytes]:
        """``{key: state}`` for those of ``keys`` that are saved (a story's member digests)."""
        found = {}
        for key in keys:
            value = self.get_state(key)
            if value is not None:
                found[key] = value
        return found

    @abstractmethod
    def search(self, query: str | SearchQuery, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Articles matching ``query`` in either script, in its order (newest first by default).

        A string is parsed by :func:`~storyline.store.query.parse_search` without alias
        expansion; callers that want a term's other names pass a parsed query.
        """

    @abstractmethod
    def search_count(self, query: str | SearchQuery) -> int:
        """How many articles :meth:`search` would find in all (its filters applied)."""

    # ---- cheap reads for the web (non-abstract: a fallback built on the methods above) ----------
    def version(self) -> str | None:
        """A token that changes whenever :meth:`write_input` commits; ``None`` when unknown.

        The web's response cache keys rendered pages by it (and derives ETags from it), so it
        must change with every committed write, also one made by another process, and never
        repeat for a different database. ``None`` (this fallback) switches such caching off.
        """
        return None

    def story_version(self, story_id: str) -> str | None:
        """A token that changes whenever a write changes what ``story_id``'s pages show.

        Those pages read the story (``story_id`` resolved through merges), the articles it lists
        and their analyses, and nothing else; so the token changes with a write that rewrites the
        story or one of those articles or analyses, or that re-points the alias, and it stays put
        across writes to other stories. The web's response cache keys a story's pages by it, so
        one story's ingest does not evict every other story's pages. ``None`` when unknown (this
        fallback, or no such story): the cache then keys the page by :meth:`version`.
        """
        return None

    def story_summaries(self, *, limit: int = 50, after: str | None = None) -> list[StorySummary]:
        """:meth:`stories` in short form, same order and cursor; stores override it cheaply.

        This fallback decodes every full record and reads the stories' articles to count outlets.
        """
        out = []
        for story in self.stories(limit=limit, after=after):
            outlets = {a.outlet for a in self.articles(story.article_ids)}
            out.append(StorySummary.of(story, len(outlets)))
        return out

    # ---- live mode: fetch state (non-abstract: a store without it says so) ---------------------
    def add_fetch_states(self, states: Sequence[FetchState], *, listed_update: bool = False) -> int:
        """Insert the rows not yet known (known ones are left as they are); returns how many were new.

        ``listed_update``: for rows already known, take ``listed``, ``interval_s`` and a non-empty
        ``outlet`` from the given states (the user edited the source list).
        """
        raise self._no_fetch_state()

    def claim_fetch_states(
        self,
        owner: str,
        *,
        now: float,
        limit: int,
        lease_seconds: float,
        fetched_before: float | None = None,
    ) -> list[FetchState]:
        """Lease up to ``limit`` rows due by ``now`` and free (no lease, or an expired one) to ``owner``.

        Rows fetched at or after ``fetched_before`` are left out (one round asks a URL once).
        Never-fetched rows first (a new item waits for no re-ask), then sources, then pages asked
        again; soonest due first within each. No two owners ever hold the same row's lease at once.
        """
        raise self._no_fetch_state()

    def save_fetch_state(self, state: FetchState, *, found: Sequence[FetchState] = ()) -> int:
        """Write ``state`` (its row, lease fields included) and insert the ``found`` rows not yet
        known, in one transaction; returns how many of ``found`` were new."""
        raise self._no_fetch_state()

    def fetch_states(self, *, listed: bool | None = None, origin: str | None = None) -> list[FetchState]:
        """Rows (only listed or only found ones, or those found on ``origin``), listed first, by URL."""
        raise self._no_fetch_state()

    def extend_fetch_leases(self, owner: str, urls: Sequence[str], *, until: float) -> int:
        """Push the leases ``owner`` still holds on ``urls`` to ``until`` (a batch still in hand)."""
        raise self._no_fetch_state()

    def release_fetch_leases(self, owner: str) -> int:
        """Free every lease ``owner`` holds (a follower stopping cleanly); returns how many."""
        raise self._no_fetch_state()

    def take_host_turn(self, host: str, *, gap: float, now: float | None = None) -> float:
        """Take the turn to send a request to ``host`` now, if it is due: ``0.0``, and the host's
        next allowed time becomes now plus ``gap`` (one over the requests per second allowed);
        else the seconds until it is due, and nothing is taken (ask again then).

        Atomic across every follower of the store, and taken at the moment of sending (not booked
        ahead), so a follower that is late to send never crowds the next one. ``now``: the
        store's own clock by default (SQLite: this machine's; PostgreSQL: the server's, which
        followers on several machines share).
        """
        raise self._no_fetch_state()

    def writer_lock(self) -> AbstractContextManager[object]:
        """Held by a writer that reads state, decides and writes it back across several calls (the
        live follower's clusterer): one such writer at a time, across processes and machines.

        This fallback holds nothing, right for a store only one process writes.
        """
        return nullcontext()

    def _no_fetch_state(self) -> NotImplementedError:
        return NotImplementedError(
            f"{type(self).__name__} keeps no fetch state (live mode needs SQLite or PostgreSQL)"
        )


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


S = TypeVar("S", bound=_HasId)


def hottest_first(
    fetch: Callable[..., list[S]], *, limit: int | None = None, batch: int = 200
) -> Iterator[S]:
    """Walk :meth:`Store.stories` or :meth:`Store.story_summaries` (``fetch``) page by page.

    Hottest first, ``limit`` in all (every story when ``None``), ``batch`` per query, each page
    continuing after the last id of the one before (the stores' cursor).
    """
    left, after = limit, None
    while left is None or left > 0:
        page = fetch(limit=batch if left is None else min(batch, left), after=after)
        if not page:
            return
        yield from page
        after = page[-1].id
        if left is not None:
            left -= len(page)


def stories_touched(write: InputWrite, reindex: Collection[str], assigned_before: Iterable[str]) -> set[str]:
    """The stories whose pages a write changes (their stamp moves, see Store.story_version).

    Those listing a rewritten article or analysis, under its assignment before (``assigned_before``)
    and after this write, plus the stories the write rewrites or merges into.
    """
    touched = set(assigned_before)
    touched.update(a.story_id for a in write.assignments if a.article_id in reindex)
    touched.update(write.merged.values())
    touched.update(s.id for s in write.stories)
    return touched
