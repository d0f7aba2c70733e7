"""Online story clustering: each report, in publication order, joins a story or starts one.

Cost per report stays flat however many stories exist:

- candidates come from an inverted index over canonical entities, top TF-IDF tokens, exact
  paragraph fingerprints and random-hyperplane LSH buckets of the story's mean embedding; each posting list is scanned
  from its most recently updated end for at most ``_POSTING_SCAN`` stories, and at most
  ``_MAX_CANDIDATES`` stories are scored;
- stories idle longer than the window (``Settings.story_window_hours``) leave the index and
  memory, so the index holds only the stories of the last few days;
- a story's profile is bounded (top-k token weights, top entities, a mean embedding).

Story ids are stable: ``"s" + 12 hex`` of the first report's id. When a report links two live
stories strongly, they merge: the older id stays, the other is returned in
``Assignment.merged`` (old → surviving id) and kept as an alias, so links never break.

Example::

    >>> c = Clusterer(encoder=False)
    >>> first = c.assign(article, analysis)          # doctest: +SKIP
    >>> first.created, first.story_id[:1]            # doctest: +SKIP
    (True, 's')
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import itertools
import logging
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec
import numpy as np

from storyline.errors import StorylineError
from storyline.records import Analysis, Article
from storyline.stories.similarity import (
    ENTITY_KEY,
    SAME_STORY_THRESHOLD,
    Doc,
    DocStats,
    PairFeatures,
    Similarity,
    combine,
    compare,
    content_tokens,
    embed_texts,
    embedding_text,
    entity_overlap,
    entity_specificity,
    figures_of,
    fingerprint_overlap,
    language_of,
    latin_words_of,
    pair_features,
    paragraph_fingerprints,
    tfidf_vector,
)

__all__ = [
    "JOIN_THRESHOLD",
    "MERGE_THRESHOLD",
    "SAME_STORY_THRESHOLD",
    "Assignment",
    "Clusterer",
    "story_id_for",
]

log = logging.getLogger(__name__)

#: Probability a report needs to join a story: the pairwise decision's own cutoff, because a
#: report is compared with the story's members (the pairwise question) as well as its profile.
#: Chaining is guarded by _CORE_THRESHOLD instead of a higher join bar.
JOIN_THRESHOLD = SAME_STORY_THRESHOLD
#: A report that joined at least this sure becomes one of the members later reports are compared
#: with; a borderline joiner belongs to the story but cannot pull further reports in after it
#: (the chain A ~ B ~ C with A !~ C is what makes one story out of two). Measured on the SemEval
#: training pairs end to end (benchmarks/semeval_e2e.py's partition, all pairs F1): 0.892 at 0.5
#: (no guard), 0.884 at 0.6, 0.861 at 0.7; synthetic B-cubed (2k) 0.931 / - / 0.929.
_CORE_THRESHOLD = 0.6
#: A report joins by the story's profile alone (no member close enough) only at this
#: probability: a profile sums many reports, and a join on it moves it toward the next wrong
#: report (the former JOIN_THRESHOLD; B-cubed on benchmarks/cluster_scaling.py drops at 0.5).
_PROFILE_THRESHOLD = 0.6
_MAX_MEMBERS = 6  # member reports kept per story for comparison: the first and the latest
_MEMBER_CANDIDATES = 3  # stories, best by profile, whose members are compared one by one
_MEMBER_FLOOR = 0.1  # a story this far from the report by profile is not worth its members
_MEMBER_TOKENS = 48
_EMB_CANDIDATES = 4  # nearest live stories by mean embedding added to the candidates
_EMB_FLOOR = 0.3  # cosine below which a story is not a neighbour (unrelated news sits ~0.1-0.3)
_EMB_BONUS = 4  # key hits such a neighbour counts for, so the cap keeps it  # token weights kept per member (the state is saved after every input)
#: Document frequencies are counted per period of publication time, and a report's IDF comes
#: from its own period and the one before: an archive imported after live data is weighed by
#: the words of its own time, as it would be in an empty store.
_DF_PERIOD_HOURS = 24.0 * 30
_MAX_DF_PERIODS = 8
#: Both stories must score at least this against one report for the report to merge them.
MERGE_THRESHOLD = 0.9

_TOP_TOKENS = 64  # token weights kept per story profile
_TOP_ENTITIES = 24
_KEY_TOKENS = 8  # top tokens of a report / story used as index keys
_KEY_ENTITIES = 10
_KEY_FINGERPRINTS = 32
_POSTING_SCAN = 48  # most recent stories looked at per key: caps cost under popular keys
# Candidates scored per report. On the 100k synthetic stream 16 gave B-cubed F1 0.935 against
# 0.934 for 24, at 72% of the cost: the true story is nearly always among the best-keyed few.
_MAX_CANDIDATES = 16
_MAX_FINGERPRINTS = 256
_MAX_REPS = 2  # canonical paragraphs of the latest reports kept for the injected scorer
_LSH_TABLES = 6
_LSH_BITS = 10
_FORMAT = 3


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a report went: its story, stories merged into it (old id → kept id), new or not."""

    story_id: str
    merged: dict[str, str] = field(default_factory=dict)
    created: bool = False


@dataclass(slots=True)
class _Profile:
    id: str
    first: float
    last: float
    size: int = 0
    # Token weights per language ("zh", "en"): an English report is compared with the English
    # words of a mixed story, not diluted by its Chinese ones. Norms kept current for scoring.
    tokens: dict[str, dict[str, float]] = field(default_factory=dict)
    norms: dict[str, float] = field(default_factory=dict)
    entities: dict[str, float] = field(default_factory=dict)
    emb_sum: np.ndarray | None = None
    emb_n: int = 0
    fps: set[int] = field(default_factory=set)
    langs: dict[str, int] = field(default_factory=dict)
    reps: list[tuple[str, ...]] = field(default_factory=list)
    keys: frozenset[str] = frozenset()
    article_ids: list[str] = field(default_factory=list)
    members: list[Doc] = field(default_factory=list)
    # Headline words of the story's reports (counts, bounded), for the profile's title overlap.
    titles: dict[str, float] = field(default_factory=dict)


_Doc = Doc


class _PeriodStats:
    """IDF from the document frequencies of two periods (a report's own and the one before)."""

    __slots__ = ("a", "b", "n")

    def __init__(self, a: DocStats, b: DocStats | None) -> None:
        self.a, self.b = a, b
        self.n = a.n_docs + (b.n_docs if b is not None else 0)

    def idf(self, token: str) -> float:
        df = self.a.df.get(token, 0)
        if self.b is not None:
            df += self.b.df.get(token, 0)
        return math.log((self.n + 1) / (df + 1)) + 1.0


def story_id_for(article_id: str) -> str:
    """``"s" + 12 hex`` derived from the first report's id: stable across runs."""
    return "s" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:12]


def _ts(dt: datetime | None) -> float | None:
    if dt is None:
        return None
    if dt.tzinfo is None:  # the normalize stage makes times aware; be lenient with raw input
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _norm(d: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in d.values()))


def _unit_dot(unit: dict[str, float], other: dict[str, float], other_norm: float) -> float:
    """Cosine of a unit-length sparse vector with another whose norm is known."""
    if not unit or not other_norm:
        return 0.0
    common = unit.keys() & other.keys()  # a C-level set intersection; most words are not shared
    # fsum: exactly rounded, so the set's hash order cannot move the last bit of a score.
    return max(0.0, min(1.0, math.fsum(unit[t] * other[t] for t in common) / other_norm))


def _saved_mean(emb_sum: np.ndarray, n: int) -> np.ndarray:
    """A story's mean embedding as :meth:`Clusterer.to_bytes` keeps it (float16: half the bytes)."""
    return (emb_sum / n).astype(np.float16)


def _from_saved(mean: np.ndarray, n: int) -> np.ndarray:
    return mean.astype(np.float32) * n


def _as_saved(emb_sum: np.ndarray, n: int) -> np.ndarray:
    # The sum kept in memory is rounded exactly as a save and reload would round it, so a
    # clusterer reloaded between two ingest calls scores the next report to the same bit as one
    # that never stopped (the rounding is idempotent: a float16 value survives * n / n).
    return _from_saved(_saved_mean(emb_sum, n), n)


def _top(d: dict[str, float], k: int) -> dict[str, float]:
    if len(d) <= k:
        return d
    # Ties by key: insertion order can follow a set's hash order, which differs per process.
    # nsmallest is sorted(...)[:k] without sorting all of a report's few hundred words.
    return dict(heapq.nsmallest(k, d.items(), key=_by_weight))


def _by_weight(kv: tuple[str, float]) -> tuple[float, str]:
    return (-kv[1], kv[0])


class Clusterer:
    """Assigns reports to stories online; see the module docstring for the cost model.

    window_hours: a story idle longer than this leaves the index (and cannot be joined).
    threshold: probability a report needs to join a story (default :data:`JOIN_THRESHOLD`).
    shared_paragraphs: optional ``f(a_paragraphs, b_paragraphs) -> float`` in [0, 1] over
        canonical paragraphs (the dedup stage's ``shared_paragraph_score``); without it, exact
        paragraph fingerprints are compared.
    encoder: use the multilingual sentence encoder (title + lead, ~2 ms a report on one core).
        Without it, zh↔en reports meet only through shared canonical entities.
    """

    def __init__(
        self,
        *,
        window_hours: float = 96.0,
        threshold: float | None = None,
        shared_paragraphs: Callable[[Sequence[str], Sequence[str]], float] | None = None,
        encoder: bool = True,
    ) -> None:
        if window_hours <= 0:
            raise StorylineError(f"Clusterer: window_hours must be positive, got {window_hours}")
        self.window_hours = float(window_hours)
        self.threshold = JOIN_THRESHOLD if threshold is None else float(threshold)
        self.shared_paragraphs = shared_paragraphs
        self.encoder = encoder
        self.stats = DocStats()
        self.aliases: dict[str, str] = {}
        self._stories: dict[str, _Profile] = {}
        self._index: dict[str, dict[str, None]] = {}
        self._heap: list[tuple[float, str]] = []
        self._clock = float("-inf")
        self._planes: np.ndarray | None = None
        self._emb_cache: dict[str, np.ndarray] = {}
        self._seen: dict[str, str] = {}  # article id -> story id, for the stories in the window
        self._periods: dict[int, DocStats] = {}
        self._emb_rows = _EmbeddingRows()

    # ---------------------------------------------------------------- public API

    @property
    def active_stories(self) -> int:
        """Stories still in the index (idle less than the window)."""
        return len(self._stories)

    def resolve(self, story_id: str) -> str:
        """The id a (possibly merged-away) story id now lives under."""
        seen: list[str] = []
        while story_id in self.aliases and story_id not in seen:
            seen.append(story_id)
            story_id = self.aliases[story_id]
        for old in seen[:-1]:  # path compression: the next lookup of a long chain is one step
            self.aliases[old] = story_id
        return story_id

    def assign(self, article: Article, analysis: Analysis) -> Assignment:
        """Put one report into a story; call in publication order."""
        known = self._seen.get(article.id)
        if known is not None:  # the same report again (a re-run ingest): same answer, no double count
            return Assignment(story_id=self.resolve(known), merged={}, created=False)
        doc = self._doc(article, analysis, observe=True)
        if doc.t is not None:
            if self._clock == float("-inf"):
                self._date_undated(doc.t)
            self._clock = max(self._clock, doc.t)
            self._evict(doc.t)
        t = doc.t if doc.t is not None else (self._clock if self._clock > float("-inf") else 0.0)

        # Every candidate against its profile; the best few also against their members.
        profile = [(self._score(doc, self._stories[sid]), sid) for sid in self._candidates(doc, t)]
        profile.sort(key=lambda ps: (-ps[0][0], ps[1]))
        scored = []
        for rank, ((p, shared), sid) in enumerate(profile):
            joins = p >= _PROFILE_THRESHOLD
            if rank < _MEMBER_CANDIDATES and p >= _MEMBER_FLOOR:
                pm = self._member_score(doc, self._stories[sid], shared)
                if pm >= self.threshold:
                    joins, p = True, max(p, pm)
            if joins:
                scored.append((p, sid))
        # Best first; equal scores by id, so the answer never depends on dict or set order.
        scored.sort(key=lambda ps: (-ps[0], ps[1]))

        merged: dict[str, str] = {}
        if not scored:
            sid = story_id_for(article.id)
            prof = _Profile(id=sid, first=t, last=t)
            self._stories[sid] = prof
            created = True
        else:
            created = False
            strong = [sid for p, sid in scored if p >= MERGE_THRESHOLD]
            if len(strong) >= 2:
                keep = min(strong, key=lambda s: (self._stories[s].first, s))
                for other in strong:
                    if other != keep:
                        self._merge(keep, other)
                        merged[other] = keep
                prof = self._stories[keep]
            else:
                prof = self._stories[scored[0][1]]
        self._add(prof, doc, t, core=created or scored[0][0] >= _CORE_THRESHOLD)
        prof.article_ids.append(article.id)
        self._seen[article.id] = prof.id
        return Assignment(story_id=prof.id, merged=merged, created=created)

    def similarity(self, a: tuple[Article, Analysis], b: tuple[Article, Analysis]) -> float:
        """Probability in [0, 1] that two reports tell the same story (the pairwise decision)."""
        da = self._doc(*a, observe=False)
        db = self._doc(*b, observe=False)
        return combine(self._pair_features(da, db), self.window_hours)

    def compare(self, a: tuple[Article, Analysis], b: tuple[Article, Analysis]) -> Similarity:
        """The pairwise answer with its evidence: score on the 1-4 scale, decision, features."""
        return compare(
            self._doc(*a, observe=False),
            self._doc(*b, observe=False),
            window_hours=self.window_hours,
            shared_paragraphs=self.shared_paragraphs,
        )

    def pair_features(self, a: tuple[Article, Analysis], b: tuple[Article, Analysis]) -> PairFeatures:
        """The evidence :meth:`similarity` combines (for calibration and explanations)."""
        return self._pair_features(self._doc(*a, observe=False), self._doc(*b, observe=False))

    def observe(self, analysis: Analysis, published_at: datetime | None = None) -> None:
        """Count one text in the document-frequency statistics without assigning it."""
        toks = set(content_tokens(self._tokens(analysis)))
        toks.update(ENTITY_KEY + m.entity for m in analysis.entities if m.entity)
        self.stats.observe(toks)
        self._period(_ts(published_at)).observe(toks)

    def to_bytes(self) -> bytes:
        """Compact state: live story profiles, aliases and document frequencies (zlib msgpack)."""
        stories = []
        for p in self._stories.values():
            emb = None
            if p.emb_sum is not None and p.emb_n:
                emb = _saved_mean(p.emb_sum, p.emb_n).tobytes()
            stories.append(
                [
                    p.id,
                    p.first,
                    p.last,
                    p.size,
                    p.tokens,
                    p.entities,
                    emb,
                    p.emb_n,
                    sorted(p.fps),
                    p.langs,
                    [list(r) for r in p.reps],
                    p.article_ids,
                    [_member_state(m) for m in p.members],
                    p.titles,
                ]
            )
        state = {
            "format": _FORMAT,
            "clock": self._clock if self._clock > float("-inf") else None,
            "n_docs": self.stats.n_docs,
            "df": self.stats.df,
            "periods": [[k, v.n_docs, v.df] for k, v in self._periods.items()],
            "aliases": self.aliases,
            "stories": stories,
        }
        # Level 1: the state grows with the store; level 6 made this the largest cost of a
        # page's ingest after parsing when it was saved after every input
        # (benchmarks/page_extraction.py: ingest/trafilatura median 2.50 -> 2.08) for a state
        # about a fifth larger. It is now saved every pipeline.CLUSTER_SAVE_EVERY articles.
        return zlib.compress(msgspec.msgpack.encode(state), 1)

    @classmethod
    def from_bytes(cls, data: bytes, **kwargs: object) -> Clusterer:
        """Rebuild a clusterer saved by :meth:`to_bytes` (same keyword arguments as ``__init__``)."""
        try:
            state = msgspec.msgpack.decode(zlib.decompress(data))
        except (zlib.error, msgspec.DecodeError) as exc:
            raise StorylineError(f"Clusterer.from_bytes: not a saved clusterer state ({exc})") from exc
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise StorylineError("Clusterer.from_bytes: unknown state format")
        self = cls(**kwargs)  # type: ignore[arg-type]
        self._clock = state["clock"] if state["clock"] is not None else float("-inf")
        self.stats.n_docs = state["n_docs"]
        self.stats.df = dict(state["df"])
        for k, n, df in state["periods"]:
            st = self._periods[k] = DocStats()
            st.n_docs, st.df = n, dict(df)
        self.aliases = dict(state["aliases"])
        for row in state["stories"]:
            sid, first, last, size, tokens, ents, emb, emb_n, fps, langs, reps, aids, mems, titles = row
            p = _Profile(id=sid, first=first, last=last, size=size, entities=dict(ents), titles=dict(titles))
            p.tokens = {lang: dict(d) for lang, d in tokens.items()}
            p.norms = {lang: _norm(d) for lang, d in p.tokens.items()}
            if emb is not None and emb_n:
                p.emb_sum = _from_saved(np.frombuffer(emb, dtype=np.float16), emb_n)
                p.emb_n = emb_n
            p.fps = set(fps)
            p.langs = dict(langs)
            p.reps = [tuple(r) for r in reps]
            p.article_ids = list(aids)
            p.members = [_member_from_state(m) for m in mems]
            self._seen.update(dict.fromkeys(aids, sid))
            self._stories[sid] = p
            self._reindex(p)
            heapq.heappush(self._heap, (p.last, sid))
        return self

    # ---------------------------------------------------------------- features

    @staticmethod
    def _tokens(analysis: Analysis) -> Sequence[str]:
        if analysis.tokens:
            return analysis.tokens
        import rjieba

        text = "\n".join((analysis.canonical_title, *analysis.canonical_paragraphs))
        return rjieba.cut(text)

    def _period(self, t: float | None) -> DocStats:
        """The document frequencies of the period ``t`` falls in (undated: the latest period)."""
        k = self._period_key(t)
        st = self._periods.get(k)
        if st is None:
            st = self._periods[k] = DocStats()
            if len(self._periods) > _MAX_DF_PERIODS:  # memory: forget the period furthest back
                del self._periods[min(self._periods)]
        return st

    def _period_key(self, t: float | None) -> int:
        if t is None:
            if self._clock == float("-inf"):
                return 0
            t = self._clock
        return int(t // (_DF_PERIOD_HOURS * 3600.0))

    def _idf(self, t: float | None) -> _PeriodStats:
        k = self._period_key(t)
        return _PeriodStats(self._period(t), self._periods.get(k - 1))

    def _doc(self, article: Article, analysis: Analysis, *, observe: bool) -> _Doc:
        toks = content_tokens(self._tokens(analysis))
        t = _ts(article.published_at)
        ents = frozenset(m.entity for m in analysis.entities if m.entity)
        if observe:
            unique = set(toks)
            # Names are counted too (under a key no token has), for their rarity.
            unique.update(ENTITY_KEY + e for e in ents)
            self.stats.observe(unique)
            self._period(t).observe(unique)
        # Title words count twice: a headline names the event more often than a paragraph does.
        title_toks = self._title_tokens(analysis, toks)
        idf = self._idf(t)
        vec = tfidf_vector(toks + title_toks, idf)  # type: ignore[arg-type]
        paras = analysis.canonical_paragraphs
        emb = self._embedding(article, analysis) if self.encoder else None
        texts = (analysis.canonical_title, *paras)
        return _Doc(
            t=t,
            lang=language_of(analysis.script if analysis.script != "und" else article.script),
            vec=vec,
            entities=ents,
            fps=paragraph_fingerprints(paras),
            paragraphs=paras,
            emb=emb,
            figures=figures_of(texts),
            latin=latin_words_of(texts),
            entity_weights=entity_specificity(ents, idf),
            title=frozenset(title_toks),
            title_weights=entity_specificity(set(title_toks), idf, prefix=""),
        )

    @staticmethod
    def _title_tokens(analysis: Analysis, toks: Sequence[str]) -> list[str]:
        title = analysis.canonical_title
        if not title:
            return []
        # Words of the headline (a substring test, so the title need not be re-segmented).
        # First-occurrence order (not a set's hash order): the vector's order decides weight ties.
        return [t for t in dict.fromkeys(toks) if t in title]

    def _embedding(self, article: Article, analysis: Analysis) -> np.ndarray:
        key = article.id
        emb = self._emb_cache.get(key)
        if emb is None:
            emb = embed_texts([embedding_text(article, analysis)])[0]
            if len(self._emb_cache) >= 4096:  # a small cache for repeated pairwise calls
                self._emb_cache.pop(next(iter(self._emb_cache)))
            self._emb_cache[key] = emb
        return emb

    def _shared(
        self,
        a_paras: Sequence[str],
        a_fps: frozenset[int],
        reps: Sequence[Sequence[str]],
        fps: set[int] | frozenset[int],
    ) -> float:
        if self.shared_paragraphs is not None and reps:
            return max(float(self.shared_paragraphs(tuple(a_paras), tuple(r))) for r in reps)
        return fingerprint_overlap(a_fps, fps)

    def _pair_features(self, a: _Doc, b: _Doc) -> PairFeatures:
        return pair_features(a, b, self.shared_paragraphs)

    def _score(self, doc: _Doc, p: _Profile) -> tuple[float, float]:
        """The report against the story's profile: (probability, shared-paragraph evidence)."""
        emb = None
        if doc.emb is not None and p.emb_sum is not None:
            n = float(np.linalg.norm(p.emb_sum))
            emb = max(0.0, float(np.dot(doc.emb, p.emb_sum)) / n) if n else 0.0
        gap = None
        if doc.t is not None:
            gap = (p.first - doc.t) if doc.t < p.first else max(0.0, doc.t - p.last)
            gap /= 3600.0
        ent = entity_overlap(doc.entities, p.entities, doc.entity_weights) if doc.entities else 0.0
        same_lang = p.tokens.get(doc.lang)
        cross = doc.lang != "und" and not same_lang and bool(p.tokens)
        shared = self._shared(doc.paragraphs, doc.fps, p.reps, p.fps)
        title = entity_overlap(doc.title, p.titles, doc.title_weights) if same_lang and doc.title else 0.0
        f = PairFeatures(
            tfidf=_unit_dot(doc.vec, same_lang, p.norms[doc.lang]) if same_lang else 0.0,
            entities=ent,
            shared=shared,
            embedding=emb,
            gap_hours=gap,
            cross_lingual=cross,
            title=title,
        )
        return combine(f, self.window_hours), shared

    def _member_score(self, doc: _Doc, p: _Profile, shared: float) -> float:
        """The report against the story's core members: the pairwise decision, best member.

        The profile (mean embedding, summed token weights) speaks for a large story; a member
        speaks for the pairwise question, which the profile dilutes when a story mixes languages
        or angles. Members are only the reports that joined confidently (see _CORE_THRESHOLD).
        """
        best = 0.0
        for m in p.members:
            mf = pair_features(doc, m)
            if shared > mf.shared:  # the story-level reprint evidence, computed once above
                mf = dataclasses.replace(mf, shared=shared)
            best = max(best, combine(mf, self.window_hours))
        return best

    # ---------------------------------------------------------------- index

    def _lsh_keys(self, emb: np.ndarray) -> list[str]:
        if self._planes is None:
            # Fixed seed: the same buckets after from_bytes, in every process.
            rng = np.random.default_rng(20220808)
            self._planes = rng.standard_normal((_LSH_TABLES * _LSH_BITS, emb.shape[0])).astype(np.float32)
        bits = (self._planes @ emb) > 0
        keys = []
        for i in range(_LSH_TABLES):
            chunk = bits[i * _LSH_BITS : (i + 1) * _LSH_BITS]
            code = int.from_bytes(np.packbits(chunk, bitorder="little").tobytes(), "little")
            keys.append(f"h{i}:{code}")
        return keys

    def _doc_keys(self, doc: _Doc) -> set[str]:
        keys = {"e:" + e for e in itertools.islice(sorted(doc.entities), 32)}
        keys.update("t:" + t for t in _top(doc.vec, _KEY_TOKENS))
        keys.update(f"p:{h:x}" for h in itertools.islice(sorted(doc.fps), _KEY_FINGERPRINTS))
        if doc.emb is not None:
            keys.update(self._lsh_keys(doc.emb))
        return keys

    def _story_keys(self, p: _Profile) -> frozenset[str]:
        keys = {"e:" + e for e in _top(p.entities, _KEY_ENTITIES)}
        for toks in p.tokens.values():
            keys.update("t:" + t for t in _top(toks, _KEY_TOKENS + 4))
        # Reprinted paragraphs find their story even when the words that rank top differ.
        keys.update(f"p:{h:x}" for h in itertools.islice(sorted(p.fps), _KEY_FINGERPRINTS))
        if p.emb_sum is not None and p.emb_n:
            keys.update(self._lsh_keys(p.emb_sum / max(1e-12, float(np.linalg.norm(p.emb_sum)))))
        return frozenset(keys)

    def _candidates(self, doc: _Doc, t: float) -> list[str]:
        """Stories of the report's own time window sharing index keys with it, best-keyed first.

        Stories further in time than the window are skipped before the cap, so whatever else
        the index holds (live stories while an archive arrives) cannot crowd out the report's
        own period.
        """
        hits: dict[str, int] = {}
        reach = self.window_hours * 3600.0
        stories = self._stories
        for key in sorted(self._doc_keys(doc)):
            posting = self._index.get(key)
            if not posting:
                continue
            for sid in itertools.islice(reversed(posting), _POSTING_SCAN):
                n = hits.get(sid)
                if n is None:
                    p = stories[sid]
                    if t < p.first - reach or t > p.last + reach:
                        hits[sid] = 0  # out of the window: remembered, never a candidate
                        continue
                    n = 0
                elif n == 0:
                    continue
                hits[sid] = n + 1
        if doc.emb is not None:
            # The nearest live stories by meaning, exactly: across zh↔en no word is shared and
            # hashed buckets (LSH keys) miss most pairs at the cosines a translation has.
            # Only stories of the report's own window count toward the k, so live stories of
            # another time can never take an archive report's places (and vice versa).
            def near(sid: str) -> bool:
                return self._in_reach(stories[sid], t, reach)

            for sid in self._emb_rows.nearest(doc.emb, _EMB_CANDIDATES, _EMB_FLOOR, near):
                hits[sid] = hits.get(sid, 0) + _EMB_BONUS
        live = [(n, sid) for sid, n in hits.items() if n > 0]
        live.sort(key=lambda ns: (-ns[0], ns[1]))
        return [sid for _, sid in live[:_MAX_CANDIDATES]]

    @staticmethod
    def _in_reach(p: _Profile, t: float, reach: float) -> bool:
        return p.first - reach <= t <= p.last + reach

    def _unindex(self, p: _Profile) -> None:
        self._emb_rows.drop(p.id)
        for key in p.keys:
            posting = self._index.get(key)
            if posting is not None:
                posting.pop(p.id, None)
                if not posting:
                    del self._index[key]
        p.keys = frozenset()

    def _reindex(self, p: _Profile) -> None:
        if p.emb_sum is not None and p.emb_n:
            self._emb_rows.put(p.id, p.emb_sum / max(1e-12, float(np.linalg.norm(p.emb_sum))))
        new = self._story_keys(p)
        for key in p.keys - new:
            posting = self._index.get(key)
            if posting is not None:
                posting.pop(p.id, None)
                if not posting:
                    del self._index[key]
        for key in new:
            posting = self._index.setdefault(key, {})
            posting.pop(p.id, None)  # re-insert at the recent end
            posting[p.id] = None
        p.keys = new

    def _date_undated(self, t: float) -> None:
        """Stories started by undated reports before any dated one get the first known time.

        Without this they would sit at the epoch and leave the window the moment the first dated
        report arrives, so a story's membership would depend on arrival order.
        """
        for p in self._stories.values():
            if p.first == 0.0 and p.last == 0.0:
                p.first = p.last = t
                heapq.heappush(self._heap, (p.last, p.id))

    def _evict(self, t: float) -> None:
        """Drop the stories idle beyond the window, counted back from the report being assigned.

        Counting back from the newest time seen would drop every story of an older batch (an
        archive imported after live data) the moment it is made, one story per article; from
        the report's own time, the archive's stories stay while the archive arrives and live
        stories, newer, are kept too. Reports further apart than the window never meet anyway.
        """
        horizon = min(self._clock, t) - self.window_hours * 3600.0
        heap = self._heap
        while heap and heap[0][0] < horizon:
            last, sid = heapq.heappop(heap)
            p = self._stories.get(sid)
            if p is not None and p.last == last:
                self._unindex(p)
                del self._stories[sid]
                for aid in p.article_ids:
                    self._seen.pop(aid, None)
                log.debug("story %s left the window (%d reports)", sid, p.size)

    # ---------------------------------------------------------------- profiles

    def _add(self, p: _Profile, doc: _Doc, t: float, *, core: bool = True) -> None:
        if core:
            # Keep the first members (what the story is about) and the latest (where it went).
            vec = dict(heapq.nsmallest(_MEMBER_TOKENS, doc.vec.items(), key=_by_weight))
            emb = None if doc.emb is None else _f16(doc.emb)
            p.members.append(
                dataclasses.replace(doc, paragraphs=(), vec=vec, emb=emb, entity_weights={}, title_weights={})
            )
            if len(p.members) > _MAX_MEMBERS:
                del p.members[_MAX_MEMBERS // 2]
        p.size += 1
        p.first = min(p.first, t)
        p.last = max(p.last, t)
        toks = p.tokens.setdefault(doc.lang, {})
        for tok, w in doc.vec.items():
            toks[tok] = toks.get(tok, 0.0) + w
        if len(toks) > 2 * _TOP_TOKENS:
            toks = p.tokens[doc.lang] = _top(toks, _TOP_TOKENS)
        p.norms[doc.lang] = _norm(toks)
        for e in sorted(doc.entities):  # sorted: insertion order breaks _top ties, a set has none
            p.entities[e] = p.entities.get(e, 0.0) + 1.0
        if len(p.entities) > 2 * _TOP_ENTITIES:
            p.entities = _top(p.entities, _TOP_ENTITIES)
        for w in sorted(doc.title):
            p.titles[w] = p.titles.get(w, 0.0) + 1.0
        if len(p.titles) > 2 * _TOP_ENTITIES:
            p.titles = _top(p.titles, _TOP_ENTITIES)
        if doc.emb is not None:
            p.emb_sum = doc.emb.copy() if p.emb_sum is None else p.emb_sum + doc.emb
            p.emb_n += 1
            p.emb_sum = _as_saved(p.emb_sum, p.emb_n)
        if len(p.fps) < _MAX_FINGERPRINTS:
            p.fps.update(doc.fps)
        p.langs[doc.lang] = p.langs.get(doc.lang, 0) + 1
        if self.shared_paragraphs is not None and doc.paragraphs:
            p.reps = [*p.reps, doc.paragraphs][-_MAX_REPS:]
        self._reindex(p)
        heapq.heappush(self._heap, (p.last, p.id))

    def _merge(self, keep: str, other: str) -> None:
        a, b = self._stories[keep], self._stories.pop(other)
        self._unindex(b)
        a.size += b.size
        a.first, a.last = min(a.first, b.first), max(a.last, b.last)
        for lang, btoks in b.tokens.items():
            atoks = a.tokens.setdefault(lang, {})
            for tok, w in btoks.items():
                atoks[tok] = atoks.get(tok, 0.0) + w
            a.tokens[lang] = _top(atoks, 2 * _TOP_TOKENS)
            a.norms[lang] = _norm(a.tokens[lang])
        for e, c in b.entities.items():
            a.entities[e] = a.entities.get(e, 0.0) + c
        a.entities = _top(a.entities, 2 * _TOP_ENTITIES)
        for w, c in sorted(b.titles.items()):
            a.titles[w] = a.titles.get(w, 0.0) + c
        a.titles = _top(a.titles, 2 * _TOP_ENTITIES)
        if b.emb_sum is not None:
            a.emb_sum = b.emb_sum.copy() if a.emb_sum is None else a.emb_sum + b.emb_sum
            a.emb_n += b.emb_n
            a.emb_sum = _as_saved(a.emb_sum, a.emb_n)
        a.fps |= b.fps
        for lang, n in b.langs.items():
            a.langs[lang] = a.langs.get(lang, 0) + n
        a.reps = (a.reps + b.reps)[-_MAX_REPS:]
        a.members = (a.members + b.members)[: _MAX_MEMBERS // 2] + (a.members + b.members)[
            _MAX_MEMBERS // 2 :
        ][-(_MAX_MEMBERS // 2) :]
        a.article_ids.extend(b.article_ids)
        # Ids merged into ``other`` earlier now chain through it to ``keep``; resolve() follows
        # (and shortens) the chain. Rewriting them here would walk every alias ever made, a cost
        # that grows with the stream.
        self.aliases[other] = keep
        log.info("story %s merged into %s", other, keep)


def _member_state(m: Doc) -> list:
    emb = None if m.emb is None else m.emb.astype(np.float16).tobytes()
    return [
        m.t,
        m.lang,
        m.vec,
        sorted(m.entities),
        sorted(m.fps),
        emb,
        sorted(m.figures),
        sorted(m.latin),
        sorted(m.title),
    ]


def _member_from_state(r: list) -> Doc:
    t, lang, vec, ents, fps, emb, figs, latin, title = r
    e = None if emb is None else _f16(np.frombuffer(emb, dtype=np.float16))
    return Doc(
        t=t,
        lang=lang,
        vec=dict(vec),
        entities=frozenset(ents),
        fps=frozenset(fps),
        paragraphs=(),
        emb=e,
        figures=frozenset(figs),
        latin=frozenset(latin),
        title=frozenset(title),
    )


def _f16(emb: np.ndarray) -> np.ndarray:
    """A member's embedding at the precision it is saved with, so a reloaded clusterer decides
    exactly as the one that saved it."""
    return np.asarray(emb, dtype=np.float16).astype(np.float32)  # f16 → f32 → f16 is exact


class _EmbeddingRows:
    """Unit mean embeddings of the live stories in one matrix, for exact nearest neighbours.

    A row per story, reused after eviction; ``nearest`` is one matrix-vector product over the
    stories of the window (a few thousand rows: tens of microseconds).
    """

    def __init__(self) -> None:
        self.mat = np.zeros((0, 0), dtype=np.float32)
        self.row: dict[str, int] = {}
        self.sid: list[str | None] = []
        self.free: list[int] = []

    def put(self, sid: str, emb: np.ndarray) -> None:
        i = self.row.get(sid)
        if i is None:
            if self.free:
                i = self.free.pop()
            else:
                i = len(self.sid)
                self.sid.append(None)
                if i >= self.mat.shape[0]:
                    grown = np.zeros((max(64, 2 * self.mat.shape[0]), emb.shape[0]), dtype=np.float32)
                    if self.mat.size:
                        grown[: self.mat.shape[0]] = self.mat
                    self.mat = grown
            self.row[sid] = i
            self.sid[i] = sid
        self.mat[i] = emb

    def drop(self, sid: str) -> None:
        i = self.row.pop(sid, None)
        if i is not None:
            self.mat[i] = 0.0
            self.sid[i] = None
            self.free.append(i)

    def nearest(
        self, emb: np.ndarray, k: int, floor: float, keep: Callable[[str], bool] | None = None
    ) -> list[str]:
        """Up to ``k`` stories with cosine >= ``floor``, nearest first, among those ``keep`` accepts.

        Equal cosines are ordered by story id, so the answer does not depend on which row a
        story happened to get.
        """
        n = len(self.sid)
        if not n:
            return []
        sims = self.mat[:n] @ emb
        close = np.flatnonzero(sims >= floor)
        ranked = sorted((-float(sims[i]), self.sid[i]) for i in close if self.sid[i] is not None)
        out: list[str] = []
        for _, sid in ranked:
            if keep is None or keep(sid):  # type: ignore[arg-type]
                out.append(sid)  # type: ignore[arg-type]
                if len(out) == k:
                    break
        return out
