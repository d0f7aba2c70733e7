"""Runs the stages in order for one batch — the only module that knows them all.

``sources → normalize → analyze → (claims) → stories (cluster) → dedup/ledger/timeline → store``.
Each input (a file, a URL, a feed) is parsed, analysed and written with everything it changed in
ONE store transaction, so a crash leaves either the whole input or none of it, and re-running
the same batch adds nothing twice (inputs are content-addressed; known content is skipped).

Example::

    >>> from storyline import Settings, ingest
    >>> report = ingest(["../shared/seeds/000_3a72efce90bf99e7.txt"], settings=Settings(db="/tmp/s.db"))
    >>> report.ok
    True
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import msgspec

from storyline.analyze import analyze
from storyline.analyze.claims import extract_claims
from storyline.dedup.groups import ParagraphIndex, shared_paragraph_score
from storyline.errors import InputError, StoreError, StorylineError
from storyline.export import stories_export
from storyline.normalize import normalize_article
from storyline.records import Analysis, Article, Comment, RawInput
from storyline.search import search as search_articles
from storyline.settings import Settings
from storyline.sources import guess_media_type, parse_input
from storyline.sources.fetch import fetch, to_raw
from storyline.sources.files import read_path
from storyline.store import InputWrite, Store, StoryAssignment, open_store
from storyline.stories.aggregate import EntityFrequency
from storyline.stories.build import build_story, observed_time, published_key
from storyline.stories.cluster import Clusterer
from storyline.stories.kept import KeptBuild
from storyline.stories.rebuild import rebuild_from_members, rebuild_stories
from storyline.stories.similarity import Similarity
from storyline.stories.state import StoryState
from storyline.validate import clean_analysis, clean_article, where

__all__ = [
    "IngestReport",
    "IngestSession",
    "Ingestor",
    "InputOutcome",
    "ParsedInput",
    "analyze_article",
    "build_story",
    "ingest",
    "ingest_inputs",
    "parse_and_analyze",
    "read_input",
    "rebuild",
    "record_failure",
    "search",
    "similarity",
    "stories_export",
]

log = logging.getLogger(__name__)

CLUSTER_STATE_KEY = "cluster"
#: The ids of the articles assigned since the clusterer state was last saved whole, in the order
#: they were assigned; a loader replays them from the stored articles (see Ingestor).
CLUSTER_JOURNAL_KEY = "cluster_journal"
#: Articles assigned between two whole saves of the clusterer state. The state holds the
#: document frequencies of every word seen and grows with the store; compressing it after every
#: input was a tenth of a short page's ingest (benchmarks/page_extraction.py, 62 GNE pages:
#: 2.6 ms of zlib a page for a 190 KB state). Between saves each input's transaction adds only
#: its assigned ids to the journal, and a batch ends with a whole save.
CLUSTER_SAVE_EVERY = 32
ENTITY_FREQUENCY_KEY = "entity_frequency"
AGGREGATES_KEPT = 64  # story aggregates an ingest keeps decoded between its inputs…
AGGREGATE_MEMBERS_KEPT = 5_000  # …and the members they may hold in all (memory stays bounded)


@dataclass(frozen=True, slots=True)
class InputOutcome:
    """What happened to one input: ``status`` is ingested, unchanged or failed."""

    name: str
    status: str
    articles: int = 0
    message: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class IngestReport:
    outcomes: list[InputOutcome] = field(default_factory=list)

    @property
    def ingested(self) -> list[InputOutcome]:
        return [o for o in self.outcomes if o.status == "ingested"]

    @property
    def unchanged(self) -> list[InputOutcome]:
        return [o for o in self.outcomes if o.status == "unchanged"]

    @property
    def failed(self) -> list[InputOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        n_articles = sum(o.articles for o in self.ingested)
        return (
            f"ingested {len(self.ingested)} input(s) ({n_articles} article(s)), "
            f"unchanged {len(self.unchanged)}, failed {len(self.failed)}"
        )


# ------------------------------------------------------------------------------------------
# Reading inputs
# ------------------------------------------------------------------------------------------


# "file://…", "ftp://…", "gopher://…": a URL of a scheme we do not fetch (a path has no "x://" prefix).
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _is_url(name: str) -> bool:
    return name.startswith(("http://", "https://"))


def read_input(name: str | Path, settings: Settings) -> RawInput:
    """The bytes of one input (a path, or a URL fetched politely), kept exactly as received."""
    name = str(name)
    if _is_url(name):
        # Named by the URL the user gave (what they recognise in the report); the HTTP charset
        # and media type travel with the bytes.
        return replace(to_raw(fetch(name, settings)), name=name)
    scheme = _SCHEME.match(name)
    if scheme:
        raise InputError(
            name,
            f"only http:// and https:// URLs are fetched, not {scheme.group(1)}://; pass a file path or an http(s) URL",
        )
    data = read_path(name, settings.max_input_bytes)
    return RawInput(name=name, data=data, media_type=guess_media_type(name, data))


# ------------------------------------------------------------------------------------------
# Per-article stages (plain records in, records out: the Dask path maps these same functions)
# ------------------------------------------------------------------------------------------


def _comments_text(comments: Sequence[Comment]) -> str:
    return "\n".join(c.text for c in comments)


def analyze_article(article: Article) -> tuple[Article, Analysis]:
    """normalize → analyze → claims for one article; returns the article with its script set."""
    analysis = normalize_article(article)
    article = replace(article, script=analysis.script)
    analysis = analyze(analysis, _comments_text(article.comments))
    claims = extract_claims(article, analysis)
    return article, replace(analysis, claims=claims)


@dataclass(frozen=True, slots=True)
class ParsedInput:
    """One input read and analysed: its (article, analysis) pairs in publication order."""

    raw: RawInput
    members: tuple[tuple[Article, Analysis], ...]
    warnings: tuple[str, ...] = ()


def parse_and_analyze(raw: RawInput) -> ParsedInput:
    """sources → normalize → analyze for every article of one input (records in, records out).

    Raises :class:`InputError` when the input holds no readable article; per-item failures are
    returned as warnings. This is the function the Dask path maps over partitions.
    """
    item_errors: list[InputError] = []
    articles = parse_input(raw, errors=item_errors)
    warnings = tuple(str(e) for e in item_errors)
    if not articles:
        if item_errors:
            raise InputError(
                raw.name, f"no readable article ({len(item_errors)} item(s) failed: {warnings[0]})"
            )
        raise InputError(raw.name, "no article found in this input")
    members = []
    notes = list(warnings)
    for article in articles:
        article = replace(article, raw_sha256=article.raw_sha256 or raw.sha256, source_name=raw.name)
        member = _valid_member(article, notes)
        if member is not None:
            members.append(member)
    if not members:
        raise InputError(raw.name, f"no readable article ({notes[0] if notes else 'every item was empty'})")
    members.sort(key=lambda m: (published_key(m[0]), m[0].id))
    # Each warning once, in the order met (a reader and the validator may both note one line).
    return ParsedInput(raw, tuple(members), tuple(dict.fromkeys(notes)))


def _valid_member(article: Article, notes: list[str]) -> tuple[Article, Analysis] | None:
    """``analyze_article`` on the article made valid (storyline.validate); None when nothing is left."""
    article, dropped = clean_article(article)
    notes.extend(dropped)
    if not article.title and not article.paragraphs:
        notes.append(f"{where(article)}: nothing readable left (no title, no text); skipped")
        return None
    article, analysis = analyze_article(article)
    analysis, dropped = clean_analysis(article, analysis)
    notes.extend(dropped)
    return article, analysis


def _why_fewer(name: str, fresh: Sequence[tuple[Article, Analysis]], n_new: int) -> tuple[str, ...]:
    """Say why an input added fewer new articles than it holds (never a silent "0 article(s)")."""
    if n_new >= len(fresh):
        return ()
    same = len(fresh) - n_new
    first = fresh[0][0] if fresh else None
    why = "the same URL" if first is not None and first.url else "the same outlet, title and text"
    sample = f" (first: {first.title[:40]!r}, id {first.id})" if first is not None and len(fresh) == 1 else ""
    return (
        f"{name}: {same} of {len(fresh)} article(s) already in the store under the same id "
        f"({why}){sample}; updated in place, not counted as new",
    )


# ------------------------------------------------------------------------------------------
# Story assignment and the write of one input
# ------------------------------------------------------------------------------------------


def _new_clusterer(settings: Settings, state: bytes | None) -> Clusterer | None:
    kwargs = {
        "window_hours": settings.story_window_hours,
        "shared_paragraphs": shared_paragraph_score,
        "encoder": settings.use_encoder,
    }
    if state:
        try:
            return Clusterer.from_bytes(state, **kwargs)
        except Exception as exc:  # a state written by an older version must not block ingest
            log.warning("cluster index could not be loaded (%s); rebuilding from the stored articles", exc)
            return None
    return Clusterer(**kwargs)


def load_entity_frequency(store: Store):
    """Entity document frequencies over the store (for story names), rebuilt if absent."""
    from storyline.stories.aggregate import EntityFrequency

    saved = store.get_state(ENTITY_FREQUENCY_KEY)
    if saved:
        try:
            return EntityFrequency.from_bytes(saved)
        except Exception as exc:  # an unreadable state must not block ingest
            log.warning("entity frequencies could not be loaded (%s); recounting", exc)
    frequency = EntityFrequency()
    ids = [a.id for a in store.iter_articles()]
    for analysis in sorted(store.analyses(ids), key=lambda an: an.article_id):
        frequency.observe(analysis)
    return frequency


def _read_journal(store: Store) -> list[str] | None:
    """The journal of assignments since the last whole save; None when it cannot be read."""
    saved = store.get_state(CLUSTER_JOURNAL_KEY)
    if not saved:
        return []
    try:
        return msgspec.msgpack.decode(saved, type=list[str])
    except msgspec.DecodeError as exc:
        log.warning("cluster journal could not be read (%s); rebuilding from the stored articles", exc)
        return None


def _replay(clusterer: Clusterer, store: Store, article_ids: Sequence[str]) -> None:
    """Assign the journal's articles again, in their order, from what the store holds of them.

    The clusterer is deterministic and the stored records are the ones it was given, so the
    replayed clusterer is the one a whole save after the last journaled input would have held.
    """
    if not article_ids:
        return
    articles = {a.id: a for a in store.articles(article_ids)}
    analyses = {an.article_id: an for an in store.analyses(article_ids)}
    for aid in article_ids:
        if aid in articles and aid in analyses:
            clusterer.assign(observed_time(articles[aid]), analyses[aid])


def _journal_bytes(article_ids: Sequence[str]) -> bytes:
    return msgspec.msgpack.encode(list(article_ids))


class Ingestor:
    """Writes parsed inputs into a store, one transaction each: cluster, rebuild stories, write.

    Holds the clusterer across the inputs of one batch and reloads it if a write fails. The
    in-process path (:func:`ingest_inputs`) and the Dask path (:mod:`storyline.scale`) both
    end here, so a story is decided the same way whoever parsed its articles.

    The clusterer state is saved whole every :data:`CLUSTER_SAVE_EVERY` assigned articles and
    by :meth:`flush` (the end of a batch); in between, each input's own transaction records the
    ids it assigned (:data:`CLUSTER_JOURNAL_KEY`), which a new Ingestor replays. A crash between
    two saves therefore leaves a store whose clusterer, once loaded, knows every stored article.
    """

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.journal: list[str] = []  # article ids assigned since the state was saved whole
        self._save_whole = False  # the saved state is unreadable: the next write replaces it
        self.clusterer = self._load_clusterer()
        self.entity_frequency = self._load_entity_frequency()
        # The aggregates of the stories written last (stories.state), so the next input of a
        # batch adding to them decodes nothing; bounded so a long batch stays small.
        self.aggregates: dict[str, StoryState] = {}
        self.indexes: dict[str, ParagraphIndex] = {}  # their paragraph indexes, as last saved
        # …and what their builds keep (stories.kept: the ledger whose claims they hold).
        self.kept: dict[str, KeptBuild] = {}

    def _load_entity_frequency(self) -> EntityFrequency:
        return load_entity_frequency(self.store)

    def _load_clusterer(self):
        clusterer = _new_clusterer(self.settings, self.store.get_state(CLUSTER_STATE_KEY))
        journal = _read_journal(self.store) if clusterer is not None else None
        if clusterer is None or journal is None:
            clusterer = _new_clusterer(self.settings, None)
            articles = list(self.store.iter_articles())
            analyses = {an.article_id: an for an in self.store.analyses(a.id for a in articles)}
            for article in articles:
                if article.id in analyses:
                    clusterer.assign(observed_time(article), analyses[article.id])
            self.journal, self._save_whole = [], True
            return clusterer
        _replay(clusterer, self.store, journal)
        self.journal, self._save_whole = journal, False
        return clusterer

    def flush(self) -> None:
        """Save the clusterer state whole, so the next load replays nothing (a batch's end)."""
        if not self.journal and not self._save_whole:
            return
        self.store.write_stories(
            [], {CLUSTER_STATE_KEY: self.clusterer.to_bytes(), CLUSTER_JOURNAL_KEY: _journal_bytes(())}
        )
        self.journal, self._save_whole = [], False

    def ingest_raw(self, raw: RawInput, parsed: ParsedInput | None = None) -> InputOutcome:
        if self.store.has_raw(raw.sha256):
            return InputOutcome(raw.name, "unchanged", message="already ingested (same content)")
        parsed = parsed or parse_and_analyze(raw)
        fresh = list(parsed.members)
        warnings = parsed.warnings
        known = self.store.story_ids_of_articles(a.id for a, _ in fresh)

        assignments: list[StoryAssignment] = []
        assigned: list[str] = []  # the ids the clusterer took, in order (the journal's entries)
        merged: dict[str, str] = {}
        touched: dict[str, list[tuple[Article, Analysis]]] = {}
        try:
            for article, analysis in fresh:
                if article.id in known:
                    story_id = self.store.resolve_story_id(known[article.id]) or known[article.id]
                else:
                    result = self.clusterer.assign(observed_time(article), analysis)
                    story_id = result.story_id
                    merged.update(result.merged)
                    assigned.append(article.id)
                assignments.append(StoryAssignment(article.id, story_id))
                touched.setdefault(story_id, []).append((article, analysis))
                if article.id not in known:
                    self.entity_frequency.observe(analysis)
            rebuilt = rebuild_stories(
                self.store,
                touched,
                merged,
                entity_frequency=self.entity_frequency,
                aggregates=self.aggregates,
                indexes=self.indexes,
                kept=self.kept,
            )
            journal = self.journal + assigned
            whole = self._save_whole or len(journal) >= CLUSTER_SAVE_EVERY
            cluster_state = {}
            if whole:
                cluster_state = {
                    CLUSTER_STATE_KEY: self.clusterer.to_bytes(),
                    CLUSTER_JOURNAL_KEY: _journal_bytes(()),
                }
            elif assigned:
                cluster_state = {CLUSTER_JOURNAL_KEY: _journal_bytes(journal)}
            write = InputWrite(
                raw=raw,
                articles=[a for a, _ in fresh],
                analyses=[an for _, an in fresh],
                assignments=assignments,
                stories=rebuilt.stories,
                merged=merged,
                state={
                    **cluster_state,
                    ENTITY_FREQUENCY_KEY: self.entity_frequency.to_bytes(),
                    **rebuilt.state,
                },
            )
            result = self.store.write_input(write)
        except BaseException:
            # The clusterer already moved on in memory; put it back to what the store holds.
            self.clusterer = self._load_clusterer()
            self.entity_frequency = self._load_entity_frequency()
            self.aggregates = {}
            self.indexes = {}  # extended in place for a write that did not happen
            self.kept = {}  # likewise
            raise
        self.journal = [] if whole else journal
        self._save_whole = False
        for old in merged:
            self.aggregates.pop(old, None)
            self.indexes.pop(old, None)
            self.kept.pop(old, None)
        for sid, aggregate in rebuilt.aggregates.items():
            self.aggregates.pop(sid, None)
            self.aggregates[sid] = aggregate
        self.indexes.update(rebuilt.indexes)
        self.kept.update(rebuilt.kept)
        kept = sum(len(a.members) for a in self.aggregates.values())
        while len(self.aggregates) > 1 and (
            len(self.aggregates) > AGGREGATES_KEPT or kept > AGGREGATE_MEMBERS_KEPT
        ):
            dropped = next(iter(self.aggregates))
            kept -= len(self.aggregates.pop(dropped).members)
            self.indexes.pop(dropped, None)
            self.kept.pop(dropped, None)
        for held in (self.indexes, self.kept):
            for sid in [sid for sid in held if sid not in self.aggregates]:
                del held[sid]
        n_new = result.articles_new
        return InputOutcome(
            raw.name, "ingested", articles=n_new, warnings=warnings + _why_fewer(raw.name, fresh, n_new)
        )


def ingest_inputs(
    raws: Iterable[RawInput | Callable[[], RawInput]],
    store: Store,
    settings: Settings,
    *,
    names: Sequence[str] | None = None,
    on_outcome: Callable[[InputOutcome], None] | None = None,
) -> IngestReport:
    """Ingest already-read inputs (or thunks that read them); one transaction per input."""
    report = IngestReport()
    ingestor = Ingestor(store, settings)
    for index, item in enumerate(raws):
        name = names[index] if names else getattr(item, "name", f"input #{index + 1}")
        try:
            raw = item() if callable(item) else item
            name = raw.name
            outcome = ingestor.ingest_raw(raw)
        except StoreError:
            raise
        except StorylineError as exc:  # InputError, FetchError and the rest of the family
            outcome = InputOutcome(name, "failed", message=str(exc))
            record_failure(store, name, exc)
        except Exception as exc:  # a bug in one reader must not stop the batch; say which input
            log.exception("unexpected error on %s", name)
            outcome = InputOutcome(
                name, "failed", message=f"{name}: internal error {type(exc).__name__}: {exc}"
            )
            record_failure(store, name, exc)
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    try:
        ingestor.flush()
    except StoreError as exc:  # every input is written and journaled: the next load replays them
        log.warning("the clusterer state was not saved whole (%s); the next load replays its journal", exc)
    return report


def record_failure(store: Store, name: str, exc: BaseException) -> None:
    """Keep why ``name`` failed in the store; a store that cannot take it is only logged."""
    try:
        store.record_failure(name, "", str(exc))
    except StoreError:
        log.warning("could not record the failure of %s in the store", name)


def ingest(
    inputs: Iterable[str | Path],
    *,
    settings: Settings | None = None,
    store: Store | None = None,
    on_outcome: Callable[[InputOutcome], None] | None = None,
) -> IngestReport:
    """Ingest files and URLs into the store named by ``settings.db`` (or the ``store`` given).

    Each input lands whole or not at all; failures are reported per input and the rest go on.
    """
    settings = settings or Settings.from_env()
    names = [str(i) for i in inputs]
    own = store is None
    store = store or open_store(settings.db)
    try:
        thunks = [lambda n=n: read_input(n, settings) for n in names]
        return ingest_inputs(thunks, store, settings, names=names, on_outcome=on_outcome)
    finally:
        if own:
            store.close()


class IngestSession:
    """Ingest for a long-running writer (the live follower) that may share its store with others.

    It keeps the clusterer between inputs like :func:`ingest_inputs` does, but holds
    :meth:`Store.writer_lock` for each write and reloads the clusterer when the store changed
    since its own last write, so two followers on one PostgreSQL store never write a cluster
    index that forgot the other's articles. Parsing and analysis happen outside the lock.

    Example::

        session = IngestSession(store, settings)
        outcome = session.ingest(raw)                     # parsed by the reader its type calls for
        outcome = session.ingest(raw, articles=[article]) # already read (e.g. page + feed facts)
    """

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._ingestor: Ingestor | None = None
        self._version: str | None = None

    def ingest(
        self, raw: RawInput, *, articles: Sequence[Article] | None = None, warnings: Sequence[str] = ()
    ) -> InputOutcome:
        """One input in one transaction; ``articles`` when the caller already read them from ``raw``."""
        if self.store.has_raw(raw.sha256):
            return InputOutcome(raw.name, "unchanged", message="already ingested (same content)")
        if articles is None:
            parsed = parse_and_analyze(raw)
        else:
            notes = list(warnings)
            members = []
            for article in articles:
                article = replace(article, raw_sha256=article.raw_sha256 or raw.sha256, source_name=raw.name)
                member = _valid_member(article, notes)  # the same validation as parse_and_analyze
                if member is not None:
                    members.append(member)
            if not members:
                raise InputError(
                    raw.name, f"no readable article ({notes[0] if notes else 'every item was empty'})"
                )
            members.sort(key=lambda m: (published_key(m[0]), m[0].id))
            parsed = ParsedInput(raw, tuple(members), tuple(dict.fromkeys(notes)))
        with self.store.writer_lock():
            version = self.store.version()
            if self._ingestor is None or version is None or version != self._version:
                self._ingestor = Ingestor(self.store, self.settings)
            try:
                outcome = self._ingestor.ingest_raw(raw, parsed)
            finally:
                self._version = self.store.version()
        return outcome


@dataclass(frozen=True, slots=True)
class RebuildReport:
    stories: int  # stories rebuilt
    changed: int  # of which the stored record differed from the full rebuild


def rebuild(*, settings: Settings | None = None, store: Store | None = None) -> RebuildReport:
    """Rebuild every story from its stored members the full way, and write the result.

    The ingest path updates a story from its saved aggregate (stories.state); this is the
    reference it must equal. Concepts use the store's name frequencies as they are now, so a
    story untouched since other stories grew may come back with a different name.
    """
    settings = settings or Settings.from_env()
    own = store is None
    store = store or open_store(settings.db)
    try:
        ids: list[str] = []
        after = None
        while page := store.story_summaries(limit=500, after=after):
            ids.extend(s.id for s in page)
            after = page[-1].id
        frequency = load_entity_frequency(store)
        out = rebuild_from_members(store, ids, entity_frequency=frequency)
        changed = sum(1 for s in out.stories if store.story(s.id) != s)
        store.write_stories(out.stories, out.state)
        return RebuildReport(stories=len(out.stories), changed=changed)
    finally:
        if own:
            store.close()


# ------------------------------------------------------------------------------------------
# The public call: two inputs of any kind ingest reads
# ------------------------------------------------------------------------------------------


def similarity(
    a: object, b: object, *, settings: Settings | None = None, store: Store | None = None
) -> Similarity:
    """How alike two reports are: ``storyline.similarity("a.html", "b.jsonl")``.

    ``a``/``b``: a path or URL (anything ``storyline ingest`` reads; its first article is
    used) or an ``(Article, Analysis)`` pair. With ``store``, word rarity (IDF) comes from the
    store's own clusterer, as in story assignment; without, from the two texts alone. The same
    features and combiner decide story assignment (``Clusterer.compare``).

    Raises :class:`~storyline.errors.InputError` naming the input when it holds no article.
    """
    settings = settings if settings is not None else Settings.from_env()
    sides = []
    for x in (a, b):
        if isinstance(x, tuple) and len(x) == 2:
            sides.append(x)
        else:
            sides.append(parse_and_analyze(read_input(x, settings)).members[0])  # type: ignore[arg-type]
    kwargs = {
        "window_hours": settings.story_window_hours,
        "shared_paragraphs": shared_paragraph_score,
        "encoder": settings.use_encoder,
    }
    state = store.get_state(CLUSTER_STATE_KEY) if store is not None else None
    journal = (_read_journal(store) or []) if store is not None else []
    clusterer = Clusterer.from_bytes(state, **kwargs) if state else Clusterer(**kwargs)
    if store is not None:
        _replay(clusterer, store, journal)  # the articles assigned since the last whole save
    if not state and not journal:
        for art, an in sides:
            clusterer.observe(an, art.published_at)
    return clusterer.compare(sides[0], sides[1])


# ------------------------------------------------------------------------------------------
# Reads that the CLI and the API share
# ------------------------------------------------------------------------------------------


def search(store: Store, query: str, *, limit: int = 20, offset: int = 0):
    """Search articles in either script, each term with its other names (storyline.search)."""
    return search_articles(store, query, limit=limit, offset=offset)
