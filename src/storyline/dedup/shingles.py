"""Shingles: the set of overlapping token n-grams of a canonical text, as sorted uint32 hashes.

A *token* is one CJK character or one run of other letters/digits (a Latin word, a number), so
``k=3`` shingles are character trigrams in Chinese and word trigrams in English. Punctuation and
spaces are dropped before shingling: outlets differ in quote marks (“” vs 「」) and in spacing
around Latin words (``OpenAI 的`` vs ``OpenAI的``), and neither says anything about the words.
Thousands separators inside numbers are removed too (``5,000亿`` == ``5000亿``).

Input is *canonical* text (OpenCC t2s + NFKC + lower-cased Latin, as
:class:`storyline.records.Analysis` carries it), so a traditional-script copy of a simplified
paragraph has the same shingles.

Example::

    >>> s = shingles("马斯克与特朗普有着密切的私人关系")
    >>> len(s), s.dtype.name
    (14, 'uint32')
    >>> jaccard(s, shingles("马斯克与特朗普有着密切的私人关系。"))
    1.0
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xxhash

__all__ = [
    "SHINGLE_K",
    "VARIANT_FOLD",
    "ShingleRanges",
    "TokenBatch",
    "containment",
    "jaccard",
    "shingle_ranges",
    "shingles",
    "shingles_of_ids",
    "split_sentences",
    "token_batch",
    "token_ids",
    "tokens",
]

SHINGLE_K = 3

# CJK ideographs (incl. ext. A and compatibility), kana and hangul: one token per character.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_NUMBER_SEP_RE = re.compile(r"(?<=\d)[,,](?=\d{3}(?!\d))")
# Sentence ends: Chinese full stop and (after NFKC) ASCII ! ? ; ; an English "." only before
# a space or the end, so 3.5 and U.S stay whole. Closing quotes stay with their sentence.
_SENTENCE_RE = re.compile(r"[^。!?;]*?(?:[。!?;]+|\.(?=\s|$)|$)[”’」』\"')]*\s*")
# Characters OpenCC t2s leaves alone although simplified text writes them otherwise in the
# phrases outlets share (有著 -> 有着). Folding both sides the same way is safe for comparison
# even where 著 is right (著名): the text shown is never changed.
VARIANT_FOLD = str.maketrans({"著": "着"})
_ZHU, _ZHE = np.uint64(ord("著")), np.uint64(ord("着"))
_WORD_BIT = np.uint64(1 << 31)  # word ids have the high bit set, so they never equal a codepoint
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xC2B2AE3D27D4EB4F)
_MIX3 = np.uint64(0x165667B19E3779F9)
_EMPTY = np.empty(0, dtype=np.uint32)


def tokens(canonical_text: str) -> list[str]:
    """CJK characters one by one, other letter/digit runs whole; punctuation and spaces dropped.

    >>> tokens("OpenAI 宣布5,000亿")
    ['openai', '宣', '布', '5000', '亿']
    """
    return _TOKEN_RE.findall(_NUMBER_SEP_RE.sub("", canonical_text.lower()).translate(VARIANT_FOLD))


@lru_cache(maxsize=1 << 16)
def _word_id(word: str) -> int:
    # xxhash, not hash(): ids must be the same in every process, or an index saved by one run
    # could not be extended by the next.
    return xxhash.xxh32_intdigest(word.encode("utf-8")) | (1 << 31)


@lru_cache(maxsize=1 << 16)
def _token_id(word: str) -> int:
    # A one-character word above U+3000 keeps its codepoint, as token_ids does.
    return ord(word) if len(word) == 1 and word > "\u3000" else _word_id(word)


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """BMP lookup tables: is the codepoint a one-char token (CJK); is it part of a word."""
    cps = np.arange(0x10000)
    cjk = np.zeros(0x10000, dtype=bool)
    for lo, hi in ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xAC00, 0xD7AF)):
        cjk[lo : hi + 1] = True
    wordy = np.array([chr(c).isalnum() for c in cps.tolist()], dtype=bool) & ~cjk
    return cjk, wordy


def token_ids(canonical_text: str) -> np.ndarray:
    """One uint64 id per token: the codepoint for a CJK character, a 32-bit hash for a word."""
    cps = np.frombuffer(canonical_text.encode("utf-32-le"), dtype=np.uint32)
    if len(cps) and int(cps.max()) < 0x10000:
        cjk, wordy = _tables()
        if not wordy[cps].any():  # fast path (most Chinese sentences): no words to hash
            ids = cps[cjk[cps]].astype(np.uint64)
            ids[ids == _ZHU] = _ZHE  # VARIANT_FOLD, on codepoints
            return ids
    toks = tokens(canonical_text)
    return np.fromiter(
        (ord(t) if len(t) == 1 and t > "\u3000" else _word_id(t) for t in toks),
        dtype=np.uint64,
        count=len(toks),
    )


def _finalize(h: np.ndarray) -> np.ndarray:
    # splitmix64's finaliser: spreads the combined ids over all 64 bits before we keep 32.
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    h = h ^ (h >> np.uint64(31))
    return (h >> np.uint64(32)).astype(np.uint32)


def shingles_of_ids(ids: np.ndarray, k: int = SHINGLE_K) -> np.ndarray:
    """Sorted unique uint32 hashes of the k-grams of a token-id array (one shingle if shorter)."""
    n = len(ids)
    if n == 0:
        return _EMPTY
    if n < k:
        h = np.zeros(1, dtype=np.uint64)
        for i in range(n):
            h = (h ^ ids[i : i + 1]) * _MIX1
        return _finalize(h)
    mixes = (_MIX1, _MIX2, _MIX3)
    h = np.zeros(n - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            # a different odd multiplier per position keeps 马斯克 and 克斯马 apart
            h ^= ids[j : n - k + 1 + j] * (mixes[j % 3] + np.uint64(2 * (j // 3)))
        return np.unique(_finalize(h))


def shingles(canonical_text: str, k: int = SHINGLE_K) -> np.ndarray:
    """The shingle set of a canonical text, as a sorted unique uint32 array (empty for no words)."""
    return shingles_of_ids(token_ids(canonical_text), k)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """|a ∩ b| / |a ∪ b| of two sorted unique shingle arrays (0.0 when both are empty)."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """|a ∩ b| / |a|: how much of ``a`` is found in ``b`` (0.0 when ``a`` is empty)."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    return len(np.intersect1d(a, b, assume_unique=True)) / len(a)


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping every character (``"".join(result) == text``).

    >>> split_sentences("他说:“没有钱。”他后来补充。Yes. ok")
    ['他说:“没有钱。”', '他后来补充。', 'Yes. ', 'ok']
    """
    return [m for m in _SENTENCE_RE.findall(text) if m]


# ------------------------------------------------------------------------- batches of texts
#
# The functions above take one text at a time; a stage that shingles thousands of paragraphs
# pays ~20 numpy calls of Python overhead per text there. Below, a whole batch is tokenised,
# split into sentences and shingled in one pass of array operations over the concatenated
# codepoints; only Latin words (a few per Chinese paragraph) are hashed one by one. The result
# is exactly what the one-text functions give (tests compare them on the seed pages and on
# random strings of the awkward characters).

_TERMINATORS = "\u3002!?;"  # the sentence ends of _SENTENCE_RE
_TAIL_RE = re.compile("[\u3002!?;]*[\u201d\u2019\u300d\u300f\"')]*\\s*")  # what ends a sentence
_CJK_BIT, _WORD_BIT_C, _TERM_BIT, _SPACE_BIT = 1, 2, 4, 8


@lru_cache(maxsize=1)
def _char_classes() -> np.ndarray:
    """BMP table of bit flags: one-char token (CJK), word character, sentence end, whitespace."""
    cjk, wordy = _tables()
    flags = cjk.astype(np.uint8) * _CJK_BIT | wordy.astype(np.uint8) * _WORD_BIT_C
    flags[[ord(c) for c in _TERMINATORS]] |= _TERM_BIT
    space = np.array([chr(c).isspace() for c in range(0x10000)], dtype=bool)
    flags[space] |= _SPACE_BIT
    return flags


@dataclass(frozen=True, slots=True)
class TokenBatch:
    """Token ids of many texts, and their sentences, as flat arrays.

    Text ``i`` has tokens ``ids[text_starts[i]:text_starts[i + 1]]`` and sentences
    ``text_sentences[i]:text_sentences[i + 1]``; sentence ``j`` has tokens
    ``ids[sentence_starts[j]:sentence_stops[j]]``. Sentences are numbered exactly as
    :func:`split_sentences` numbers them (token-less ones included).

    >>> b = token_batch(["马斯克说。没钱", "ok"])
    >>> b.text_starts.tolist(), b.text_sentences.tolist(), b.sentence_starts.tolist()
    ([0, 6, 7], [0, 2, 3], [0, 4, 6])
    """

    ids: np.ndarray
    text_starts: np.ndarray
    sentence_starts: np.ndarray
    sentence_stops: np.ndarray
    text_sentences: np.ndarray

    def __len__(self) -> int:
        return len(self.text_starts) - 1


def _one_text(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, sentence starts, sentence stops) of one text by the one-text functions (rare texts)."""
    parts = [token_ids(s) for s in split_sentences(text)]
    sizes = np.array([len(p) for p in parts], dtype=np.int64)
    stops = np.cumsum(sizes)
    ids = np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)
    return ids.astype(np.uint64), stops - sizes, stops


def _assemble(pieces: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> TokenBatch:
    text_starts = np.zeros(len(pieces) + 1, dtype=np.int64)
    text_starts[1:] = np.cumsum([len(p[0]) for p in pieces])
    text_sentences = np.zeros(len(pieces) + 1, dtype=np.int64)
    text_sentences[1:] = np.cumsum([len(p[1]) for p in pieces])
    empty = np.empty(0, dtype=np.int64)
    return TokenBatch(
        ids=np.concatenate([p[0] for p in pieces]) if pieces else np.empty(0, dtype=np.uint64),
        text_starts=text_starts,
        sentence_starts=np.concatenate([p[1] + o for p, o in zip(pieces, text_starts, strict=False)])
        if pieces
        else empty,
        sentence_stops=np.concatenate([p[2] + o for p, o in zip(pieces, text_starts, strict=False)])
        if pieces
        else empty,
        text_sentences=text_sentences,
    )


def _split(batch: TokenBatch, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t0, t1 = batch.text_starts[i], batch.text_starts[i + 1]
    s0, s1 = batch.text_sentences[i], batch.text_sentences[i + 1]
    return batch.ids[t0:t1], batch.sentence_starts[s0:s1] - t0, batch.sentence_stops[s0:s1] - t0


def _fast_batch(texts: Sequence[str]) -> TokenBatch:
    """Vectorised tokenising and sentence splitting of lower-cased, BMP-only texts."""
    n = len(texts)
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    char_starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=char_starts[1:])
    total = int(char_starts[-1])
    joined = "".join(texts)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    flags = _char_classes()[cps]
    first = np.zeros(total + 1, dtype=bool)  # the first character of a text (and the end)
    first[char_starts] = True

    def starts_of_runs(mask: np.ndarray) -> np.ndarray:
        prev = np.empty(total, dtype=bool)
        prev[:1] = False
        prev[1:] = mask[:-1]
        return mask & ~(prev & ~first[:total])

    word = (flags & _WORD_BIT_C) != 0
    word_start = starts_of_runs(word)
    cjk = (flags & _CJK_BIT) != 0
    ids_all = cps.astype(np.uint64)
    ids_all[cps == _ZHU] = _ZHE  # VARIANT_FOLD, on codepoints
    if word_start.any():
        nxt = np.empty(total, dtype=bool)
        nxt[-1:] = False
        nxt[:-1] = word[1:]
        word_end = np.flatnonzero(word & ~(nxt & ~first[1:])) + 1
        ws = np.flatnonzero(word_start)
        # Sliced and looked up by map, in C: an English paragraph has a few hundred words.
        words = map(joined.__getitem__, map(slice, ws.tolist(), word_end.tolist()))
        ids_all[ws] = list(map(_token_id, words))
    tok_pos = np.flatnonzero(cjk | word_start)
    ids = ids_all[tok_pos]
    text_starts = np.searchsorted(tok_pos, char_starts)

    # Sentence ends, as _SENTENCE_RE finds them: each run of terminators, and each "." before
    # whitespace or the end of its text. Punctuation holds no tokens, so a sentence's tokens
    # are those between two ends.
    ends = starts_of_runs((flags & _TERM_BIT) != 0)
    dots = np.flatnonzero(cps == 0x2E)
    if len(dots):
        after = dots + 1
        space_after = np.zeros(len(dots), dtype=bool)
        inside = after < total
        space_after[inside] = (flags[after[inside]] & _SPACE_BIT) != 0
        ends[dots[first[after] | space_after]] = True
    end_pos = np.flatnonzero(ends)
    text_ends = np.searchsorted(end_pos, char_starts)
    n_ends = np.diff(text_ends)
    # a sentence follows the last end unless only closing quotes and spaces are left
    more = lens > 0
    with_ends = np.flatnonzero(n_ends)
    last = end_pos[text_ends[1:][with_ends] - 1].tolist()
    for i, c, stop in zip(with_ends.tolist(), last, char_starts[1:][with_ends].tolist(), strict=True):
        more[i] = _TAIL_RE.fullmatch(joined, c + 1, stop) is None
    counts = n_ends + more  # sentences per text: one per end, plus a tail
    keep = np.ones(len(end_pos), dtype=bool)  # an end starts the next sentence unless it is the last
    keep[text_ends[1:][(n_ends > 0) & ~more] - 1] = False
    has = counts > 0
    order_key = np.concatenate([2 * char_starts[:-1][has], 2 * end_pos[keep] + 1])
    tok_key = np.concatenate([text_starts[:-1][has], np.searchsorted(tok_pos, end_pos[keep])])
    sentence_starts = tok_key[np.argsort(order_key, kind="stable")]
    text_sentences = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=text_sentences[1:])
    sentence_stops = np.empty_like(sentence_starts)
    sentence_stops[:-1] = sentence_starts[1:]
    sentence_stops[text_sentences[1:][has] - 1] = text_starts[1:][has]
    return TokenBatch(ids, text_starts, sentence_starts, sentence_stops, text_sentences)


def token_batch(canonical_texts: Sequence[str]) -> TokenBatch:
    """Tokens and sentences of many canonical texts at once (see :class:`TokenBatch`)."""
    prepared: list[str] = []
    rare: dict[int, str] = {}
    for i, text in enumerate(canonical_texts):
        low = text.lower()
        # lower() that changes the length, or characters beyond the BMP (emoji, rare
        # ideographs): the one-text path, which is exact for everything
        if len(low) != len(text) or len(low.encode("utf-16-le", "surrogatepass")) != 2 * len(low):
            rare[i] = text
            prepared.append("")
            continue
        if "," in low or "\uff0c" in low:
            # removing a separator never moves a sentence end (it sits between digits)
            low = _NUMBER_SEP_RE.sub("", low)
        prepared.append(low)
    batch = _fast_batch(prepared) if prepared else _assemble([])
    if not rare:
        return batch
    return _assemble([_one_text(rare[i]) if i in rare else _split(batch, i) for i in range(len(prepared))])


@dataclass(frozen=True, slots=True)
class ShingleRanges:
    """Shingle hashes of many token ranges: range ``i`` is ``values[lo[i]:hi[i]]`` (repeats kept).

    ``set(i)`` is the sorted unique array :func:`shingles` gives for the same tokens.
    """

    values: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def __len__(self) -> int:
        return len(self.lo)

    def set(self, i: int) -> np.ndarray:
        return np.unique(self.values[self.lo[i] : self.hi[i]])

    def size(self) -> np.ndarray:
        """Number of shingle positions per range (an upper bound of the set size)."""
        return self.hi - self.lo


def shingle_ranges(
    ids: np.ndarray, starts: np.ndarray, stops: np.ndarray, k: int = SHINGLE_K
) -> ShingleRanges:
    """The shingles of token ranges ``ids[starts[i]:stops[i]]`` (ranges may overlap).

    Every k-gram of ``ids`` is hashed once; a range of at least ``k`` tokens is the run of
    k-grams that start inside it and end inside it. A shorter, non-empty range gets the one
    shingle :func:`shingles_of_ids` gives it, appended after the k-grams.
    """
    n = len(ids)
    h = np.zeros(n, dtype=np.uint64)
    m = n - k + 1
    if m > 0:
        mixes = (_MIX1, _MIX2, _MIX3)
        with np.errstate(over="ignore"):
            for j in range(k):
                h[:m] ^= ids[j : m + j] * (mixes[j % 3] + np.uint64(2 * (j // 3)))
    values = _finalize(h)
    starts = np.asarray(starts, dtype=np.int64)
    stops = np.asarray(stops, dtype=np.int64)
    size = stops - starts
    lo = starts.copy()
    hi = np.maximum(stops - (k - 1), starts)
    short = np.flatnonzero((size > 0) & (size < k))
    if len(short):
        extra = [shingles_of_ids(ids[starts[i] : stops[i]], k)[0] for i in short.tolist()]
        lo[short] = n + np.arange(len(short))
        hi[short] = lo[short] + 1
        values = np.concatenate([values, np.array(extra, dtype=np.uint32)])
    return ShingleRanges(values, lo, hi)
