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
from functools import lru_cache

import numpy as np
import xxhash

__all__ = [
    "SHINGLE_K",
    "VARIANT_FOLD",
    "containment",
    "jaccard",
    "shingles",
    "shingles_of_ids",
    "split_sentences",
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
