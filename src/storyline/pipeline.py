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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from storyline.errors import FetchError, InputError, StoreError, StorylineError
from storyline.records import Analysis, Article, Comment, ParagraphGroup, RawInput, Story
from storyline.settings import Settings
from storyline.store import InputWrite, Store, StoryAssignment, open_store
from storyline.store.base import hottest_first

__all__ = [
    "IngestReport",
    "IngestSession",
    "InputOutcome",
    "ParsedInput",
    "analyze_article",
    "build_story",
    "ingest",
    "ingest_inputs",
    "parse_and_analyze",
    "read_input",
    "search",
    "stories_export",
]

log = logging.getLogger(__name__)

CLUSTER_STATE_KEY = "cluster"
PARAGRAPH_STATE_PREFIX = "paragraphs:"


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


def _is_url(name: str) -> bool:
    return name.startswith(("http://", "https://"))


def read_input(name: str | Path, settings: Settings) -> RawInput:
    """The bytes of one input (a path, or a URL fetched politely), kept exactly as received."""
    from storyline.sources import guess_media_type

    name = str(name)
    if _is_url(name):
        from storyline.sources.fetch import fetch, to_raw

        # Named by the URL the user gave (what they recognise in the report); the HTTP charset
        # and media type travel with the bytes.
        return replace(to_raw(fetch(name, settings)), name=name)
    path = Path(name)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from None
    if path.is_dir():
        raise InputError(name, "is a directory; pass the files in it (e.g. DIR/*.txt)")
    if size > settings.max_input_bytes:
        raise InputError(
            name,
            f"is {size:,} bytes, over the {settings.max_input_bytes:,}-byte limit; "
            "split it or raise STORYLINE_MAX_INPUT_BYTES",
        )
    data = path.read_bytes()
    return RawInput(name=name, data=data, media_type=guess_media_type(name, data))


# ------------------------------------------------------------------------------------------
# Per-article stages (plain records in, records out: the Dask path maps these same functions)
# ------------------------------------------------------------------------------------------


def _comments_text(comments: Sequence[Comment]) -> str:
    return "\n".join(c.text for c in comments)


def analyze_article(article: Article) -> tuple[Article, Analysis]:
    """normalize → analyze → claims for one article; returns the article with its script set."""
    from storyline.analyze import analyze
    from storyline.analyze.claims import extract_claims
    from storyline.normalize import normalize_article

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
    from storyline.sources import parse_input

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
    for article in articles:
        article = replace(article, raw_sha256=article.raw_sha256 or raw.sha256, source_name=raw.name)
        members.append(analyze_article(article))
    members.sort(key=lambda m: (_published_key(m[0]), m[0].id))
    return ParsedInput(raw, tuple(members), warnings)


def _with_observed_time(article: Article) -> Article:
    """For clustering only: an undated report existed no later than its first dated comment.

    The stored article keeps ``published_at`` as the page said (unknown); the clusterer needs a
    time to weigh proximity, and the earliest reader reply is an honest upper bound.
    """
    if article.published_at is not None:
        return article
    times = [c.posted_at for c in article.comments if c.posted_at is not None]
    times += [q.posted_at for c in article.comments for q in c.quotes if q.posted_at is not None]
    return replace(article, published_at=min(times)) if times else article


def _published_key(article: Article) -> datetime:
    return article.published_at or datetime.max.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------------
# Story-level stages
# ------------------------------------------------------------------------------------------


def build_story(
    story_id: str,
    members: Sequence[tuple[Article, Analysis]],
    *,
    aliases: Sequence[str] = (),
    groups: tuple[ParagraphGroup, ...] | None = None,
) -> Story:
    """Everything a story page shows, computed from its member articles and their analyses.

    ``groups`` are the story's paragraph groups when the caller keeps an incremental index
    (the ingest path does); otherwise they are computed here from the members.
    """
    from storyline.dedup.groups import group_paragraphs
    from storyline.stories.aggregate import story_entities, story_keywords
    from storyline.stories.concept import concept_name
    from storyline.stories.discussion import summarize_discussion
    from storyline.stories.headline import choose_headline
    from storyline.stories.hotness import hot_rank
    from storyline.stories.ledger import build_ledger
    from storyline.stories.timeline import build_timeline

    members = sorted(members, key=lambda m: (_published_key(m[0]), m[0].id))
    articles = [a for a, _ in members]
    analyses = [an for _, an in members]
    keywords = story_keywords(analyses, outlets=[a.outlet for a in articles])
    entities = story_entities(analyses)
    concept = concept_name(entities, keywords)
    headline = choose_headline([(an.article_id, an.display_title) for an in analyses], keywords, entities)
    if groups is None:
        groups = group_paragraphs(members)
    claims = build_ledger([c for an in analyses for c in an.claims])
    timeline = build_timeline(articles, claims)
    # Floors are numbered per thread, so the discussion panel summarises the largest thread; the
    # others are still shown in full on the page.
    biggest = max(articles, key=lambda a: len(a.comments))
    discussion = summarize_discussion(biggest.comments)
    times = [a.published_at for a in articles if a.published_at]
    return Story(
        id=story_id,
        concept=concept,
        headline=headline,
        article_ids=tuple(a.id for a in articles),
        keywords=keywords,
        entities=entities,
        paragraphs=groups,
        timeline=timeline,
        claims=claims,
        discussion=discussion,
        hotness=hot_rank(articles),  # time-independent rank: see stories.hotness
        first_seen=min(times) if times else None,
        last_updated=max(times) if times else None,
        aliases=tuple(sorted(set(aliases))),
    )


def _new_clusterer(settings: Settings, state: bytes | None):
    from storyline.dedup.groups import shared_paragraph_score
    from storyline.stories.cluster import Clusterer

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


class _Ingestor:
    """Holds the clusterer across the inputs of one batch; reloads it if a write fails."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.pending_state: dict[str, bytes] = {}
        self.clusterer = self._load_clusterer()

    def _load_clusterer(self):
        clusterer = _new_clusterer(self.settings, self.store.get_state(CLUSTER_STATE_KEY))
        if clusterer is None:
            clusterer = _new_clusterer(self.settings, None)
            articles = list(self.store.iter_articles())
            analyses = {an.article_id: an for an in self.store.analyses(a.id for a in articles)}
            for article in articles:
                if article.id in analyses:
                    clusterer.assign(_with_observed_time(article), analyses[article.id])
        return clusterer

    def ingest_raw(self, raw: RawInput, parsed: ParsedInput | None = None) -> InputOutcome:
        if self.store.has_raw(raw.sha256):
            return InputOutcome(raw.name, "unchanged", message="already ingested (same content)")
        parsed = parsed or parse_and_analyze(raw)
        fresh = list(parsed.members)
        warnings = parsed.warnings
        known = self.store.story_ids_of_articles(a.id for a, _ in fresh)

        assignments: list[StoryAssignment] = []
        merged: dict[str, str] = {}
        self.pending_state = {}
        touched: dict[str, list[tuple[Article, Analysis]]] = {}
        try:
            for article, analysis in fresh:
                if article.id in known:
                    story_id = self.store.resolve_story_id(known[article.id]) or known[article.id]
                else:
                    result = self.clusterer.assign(_with_observed_time(article), analysis)
                    story_id = result.story_id
                    merged.update(result.merged)
                assignments.append(StoryAssignment(article.id, story_id))
                touched.setdefault(story_id, []).append((article, analysis))
            stories = self._rebuild(touched, merged)
            write = InputWrite(
                raw=raw,
                articles=[a for a, _ in fresh],
                analyses=[an for _, an in fresh],
                assignments=assignments,
                stories=stories,
                merged=merged,
                state={CLUSTER_STATE_KEY: self.clusterer.to_bytes(), **self.pending_state},
            )
            result = self.store.write_input(write)
        except BaseException:
            # The clusterer already moved on in memory; put it back to what the store holds.
            self.clusterer = self._load_clusterer()
            raise
        n_new = result.articles_new
        return InputOutcome(raw.name, "ingested", articles=n_new, warnings=warnings)

    def _rebuild(
        self, touched: dict[str, list[tuple[Article, Analysis]]], merged: dict[str, str]
    ) -> list[Story]:
        # Merged-away stories contribute their members to the story that absorbed them.
        targets: dict[str, dict[str, tuple[Article, Analysis]]] = {}
        aliases: dict[str, set[str]] = {}
        story_ids = set(touched) | set(merged.values())
        for old, new in merged.items():
            aliases.setdefault(new, set()).add(old)
        for sid in story_ids:
            bucket = targets.setdefault(sid, {})
            previous_ids = [sid, *sorted(old for old, new in merged.items() if new == sid)]
            for pid in previous_ids:
                existing = self.store.story(pid)
                if existing is None:
                    continue
                aliases.setdefault(sid, set()).update(existing.aliases)
                arts = self.store.articles(existing.article_ids)
                ans = {an.article_id: an for an in self.store.analyses(existing.article_ids)}
                for art in arts:
                    if art.id in ans:
                        bucket[art.id] = (art, ans[art.id])
            for art, an in touched.get(sid, []):
                bucket[art.id] = (art, an)
            for old in previous_ids[1:]:
                for art, an in touched.get(old, []):
                    bucket[art.id] = (art, an)
        stories = []
        for sid, members in targets.items():
            if not members:
                continue
            groups = self._extend_paragraph_index(
                sid,
                members,
                fresh_ids={a.id for a, _ in touched.get(sid, [])},
                rebuilt=sid in aliases and bool(set(merged) & aliases[sid]),
            )
            stories.append(
                build_story(sid, list(members.values()), aliases=sorted(aliases.get(sid, ())), groups=groups)
            )
        return stories

    def _extend_paragraph_index(
        self,
        story_id: str,
        members: dict[str, tuple[Article, Analysis]],
        *,
        fresh_ids: set[str],
        rebuilt: bool,
    ) -> tuple[ParagraphGroup, ...]:
        """The story's paragraph groups, extending its saved index with the new articles only.

        A merge rebuilds the index from every member (two indexes cannot be joined without
        re-verifying their groups against each other).
        """
        from storyline.dedup.groups import ParagraphIndex

        key = PARAGRAPH_STATE_PREFIX + story_id
        saved = None if rebuilt else self.store.get_state(key)
        index = None
        if saved:
            try:
                index = ParagraphIndex.from_bytes(saved)
            except InputError as exc:
                log.warning("paragraph index of %s not readable (%s); rebuilding it", story_id, exc)
        if index is None:
            index = ParagraphIndex()
            todo = sorted(members.values(), key=lambda m: (_published_key(m[0]), m[0].id))
        else:
            todo = sorted(
                (m for aid, m in members.items() if aid in fresh_ids),
                key=lambda m: (_published_key(m[0]), m[0].id),
            )
        for article, analysis in todo:
            script = analysis.script if analysis.script not in ("", "und") else article.script
            index.add_article(
                article.id, article.outlet, script, analysis.canonical_paragraphs, analysis.display_paragraphs
            )
        self.pending_state[key] = index.to_bytes()
        return index.all_groups()


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
    ingestor = _Ingestor(store, settings)
    for index, item in enumerate(raws):
        name = names[index] if names else getattr(item, "name", f"input #{index + 1}")
        try:
            raw = item() if callable(item) else item
            name = raw.name
            outcome = ingestor.ingest_raw(raw)
        except StoreError:
            raise
        except (InputError, FetchError) as exc:
            outcome = InputOutcome(name, "failed", message=str(exc))
            _record_failure(store, name, exc)
        except StorylineError as exc:
            outcome = InputOutcome(name, "failed", message=str(exc))
            _record_failure(store, name, exc)
        except Exception as exc:  # a bug in one reader must not stop the batch; say which input
            log.exception("unexpected error on %s", name)
            outcome = InputOutcome(
                name, "failed", message=f"{name}: internal error {type(exc).__name__}: {exc}"
            )
            _record_failure(store, name, exc)
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return report


def _record_failure(store: Store, name: str, exc: BaseException) -> None:
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
        self._ingestor: _Ingestor | None = None
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
            members = []
            for article in articles:
                article = replace(article, raw_sha256=article.raw_sha256 or raw.sha256, source_name=raw.name)
                members.append(analyze_article(article))
            members.sort(key=lambda m: (_published_key(m[0]), m[0].id))
            parsed = ParsedInput(raw, tuple(members), tuple(warnings))
        with self.store.writer_lock():
            version = self.store.version()
            if self._ingestor is None or version is None or version != self._version:
                self._ingestor = _Ingestor(self.store, self.settings)
            try:
                outcome = self._ingestor.ingest_raw(raw, parsed)
            finally:
                self._version = self.store.version()
        return outcome


# ------------------------------------------------------------------------------------------
# Reads that the CLI and the API share
# ------------------------------------------------------------------------------------------


def stories_export(store: Store, *, limit: int = 1000) -> list[dict]:
    """Every story (hottest first) in the export contract of ``storyline stories --json``."""
    from storyline.web.export import story_export

    return [story_export(store, s) for s in hottest_first(store.stories, limit=limit)]


def search(store: Store, query: str, *, limit: int = 20, offset: int = 0):
    """Search articles in either script (the store converts the query to its canonical form)."""
    return store.search(query, limit=limit, offset=offset)
