"""TF-IDF keywords of an article, in canonical simplified form.

jieba's IDF table (its default, built from a large general corpus) and jieba.analyse's TF-IDF
scoring, read and done here (the same arithmetic, without importing jieba.analyse and the
part-of-speech table it loads). The tokenizer is :func:`segment.cut` with ``entity_names=True``
instead of a ``jieba.Tokenizer`` with a user dictionary: a jieba
dictionary cannot keep aliases with spaces or dots whole (``elon musk``, ``山姆·奥尔特曼``), and
mapping every alias to its entity's name makes 川普 and 特朗普 count as one word, which is what
a keyword of the story should be. Entity names absent from jieba's IDF table get its median IDF.

Keywords are canonical: simplified Chinese, lower-case Latin, except that an entity keeps its
canonical name from the table (``OpenAI``, ``xAI``) so the same entity is the same keyword in
every article.

Example::

    >>> [k.word for k in keywords("川普宣布星际之门计划,马斯克称他们没钱。特朗普说这是史上最大的计划。", top_k=4)]
    ['特朗普', '星际之门', '马斯克', '计划']
"""

from __future__ import annotations

import functools
import heapq
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources
from operator import itemgetter

import numpy as np
import xxhash

from storyline.analyze.names import FUNCTION_WORDS, jieba_file
from storyline.analyze.segment import cut
from storyline.records import Keyword

__all__ = ["NEWS_STOPWORDS", "keywords"]

# Words every news report uses whatever its story (data/stopwords.txt); TF-IDF alone ranks some
# of them high because jieba's IDF corpus is not news.
NEWS_STOPWORDS: frozenset[str] = frozenset(
    line.strip()
    for line in resources.files("storyline.analyze")
    .joinpath("data/stopwords.txt")
    .read_text("utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
)

_NUMBERISH_RE = re.compile(
    r"^(?:[\d.,%]|万|亿|千|百|十|个|年|月|日|号|时|分|秒|倍|美元|港元|日元|欧元|英镑|元|人民币|美金)+$"
)


# jieba's own stop list (jieba.analyse.KeywordExtractor.STOP_WORDS), kept as jieba has it.
_JIEBA_STOP_WORDS = frozenset(
    [
        "the",
        "of",
        "is",
        "and",
        "to",
        "in",
        "that",
        "we",
        "for",
        "an",
        "are",
        "by",
        "be",
        "as",
        "on",
        "with",
        "can",
        "if",
        "from",
        "which",
        "you",
        "it",
        "this",
        "then",
        "at",
        "have",
        "all",
        "not",
        "one",
        "has",
        "or",
    ]
)


class _Idf:
    """jieba's IDF table (``jieba/analyse/idf.txt``) and its median, as jieba.analyse reads it.

    Held as two numpy arrays (the words' 64-bit xxh3 hashes, sorted, and their IDFs) instead of
    a dict of 270,000 strings: 4 MB against 28 MB resident in every process. A word outside the
    table whose hash equals a table word's would take that word's IDF; with 270,000 hashes of
    64 bits that is ~1.5e-14 a lookup. Two table words of one hash (none in jieba's table) are
    kept apart in a dict.
    """

    __slots__ = ("_clash", "_hashes", "_values", "median")

    def __init__(self, words: Sequence[str], values: Sequence[float]) -> None:
        hashes = np.fromiter(map(_hash, words), dtype=np.uint64, count=len(words))
        order = np.argsort(hashes, kind="stable")  # a repeated word's lines stay in file order
        hashes = hashes[order]
        idf = np.fromiter(map(values.__getitem__, order.tolist()), dtype=np.float64, count=len(words))
        self._clash: dict[str, float] = {}
        same = np.flatnonzero(hashes[1:] == hashes[:-1])
        if same.size:
            # Runs of one hash (sorted stably, so a run is in file order): one word repeated
            # keeps its last line (as a dict keeps the last value); two words or more of one
            # hash are kept apart in a dict, the last line of each winning, and leave the arrays.
            drop: set[int] = set()
            for start in same[np.r_[True, same[1:] != same[:-1] + 1]].tolist():
                end = start + 1
                while end + 1 < len(hashes) and hashes[end + 1] == hashes[start]:
                    end += 1
                run = [int(order[i]) for i in range(start, end + 1)]
                if len({words[j] for j in run}) == 1:
                    drop.update(range(start, end))
                else:
                    drop.update(range(start, end + 1))
                    for j in run:
                        self._clash[words[j]] = values[j]
            keep = np.ones(len(hashes), dtype=bool)
            keep[list(drop)] = False
            hashes, idf = hashes[keep], idf[keep]
        self._hashes, self._values = hashes, idf
        # The median over the distinct words, as sorted(dict.values()) of the table gives it.
        distinct = np.concatenate([idf, np.fromiter(self._clash.values(), dtype=np.float64)])
        self.median = float(np.sort(distinct)[len(distinct) // 2])

    def get_many(self, words: Sequence[str]) -> list[float]:
        """Each word's IDF, the median for a word the table lacks (``dict.get(w, median)``)."""
        if not words:
            return []
        hashes = np.fromiter(map(_hash, words), dtype=np.uint64, count=len(words))
        at = np.searchsorted(self._hashes, hashes)
        at[at == len(self._hashes)] = 0
        found = self._hashes[at] == hashes
        out = np.where(found, self._values[at], self.median).tolist()
        if self._clash:
            clash, median = self._clash, self.median
            out = [clash.get(w, median) if w in clash else v for w, v in zip(words, out, strict=True)]
        return out


def _hash(word: str) -> int:
    return xxhash.xxh3_64_intdigest(word.encode("utf-8", "surrogatepass"))


@functools.cache
def _idf() -> _Idf:
    # Read from the file, not through jieba.analyse: importing that package builds its TextRank
    # extractor too, which loads jieba's part-of-speech table (~0.5 s and ~50 MB) we never use.
    # One read and one split: a loop over the file's 270,000 lines, each split and its value
    # parsed, was 0.5 s of every process's first article. The values are a few thousand
    # distinct strings, each parsed once; the list of pieces (~40 MB) lives only here.
    pieces = jieba_file("analyse/idf.txt").read_text(encoding="utf-8").split()
    values = pieces[1::2]
    parsed = {v: float(v) for v in dict.fromkeys(values)}
    idf = _Idf(pieces[::2], list(map(parsed.__getitem__, values)))
    del pieces, values
    return idf


# English function words too: jieba's own stop list is a few dozen of them, and an English
# article's TF-IDF otherwise ranks his, her, your and ago (its IDF table is Chinese).
_STOP_WORDS: frozenset[str] = _JIEBA_STOP_WORDS | NEWS_STOPWORDS | FUNCTION_WORDS


def _tfidf(text: str, names: Mapping[str, str] | None) -> list[tuple[str, float]]:
    """Every word of ``text`` with its TF-IDF weight, heaviest first: jieba.analyse's
    ``TFIDF.extract_tags(topK=None, withWeight=True)``, the same arithmetic and order, with
    :func:`segment.cut` (entity aliases whole, as their names) as the tokenizer."""
    idf = _idf()
    # Counted first, then each distinct word tested once: jieba adds 1.0 per kept occurrence in
    # first-occurrence order, which a Counter's counts (whole numbers, exact as floats) and
    # order give the same.
    counts = Counter(cut(text, entity_names=True, extra=names or None))
    freq: dict[str, float] = {w: float(n) for w, n in counts.items() if _counted(w)}
    total = sum(freq.values())
    for k, weight in zip(list(freq), idf.get_many(list(freq)), strict=True):
        freq[k] *= weight / total
    return sorted(freq.items(), key=itemgetter(1), reverse=True)


@functools.lru_cache(maxsize=1 << 16)
def _counted(word: str) -> bool:
    """jieba's test of a word TF-IDF counts: two characters or more, not a stop word."""
    return not (len(word.strip()) < 2 or word.lower() in _STOP_WORDS)


# Pieces of links and addresses (https, www.gov.cn, co of .co.uk): a page's furniture, not its topic.
_WEB_RE = re.compile(
    r"^(?:https?|www|com|co|cn|net|org|html?|php)$|^www\.|\.(?:com|cn|net|org|html?)(?:\.|$)", re.I
)
# Abbreviated titles before a name (Gov. Mike DeWine): a piece of the name, never a topic.
_TITLE_ABBREVIATIONS = frozenset(
    [
        "gov",
        "sen",
        "rep",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "prof",
        "rev",
        "jr",
        "sr",
    ]
)


def _has_letter(word: str) -> bool:
    return any(c.isalpha() for c in word)


def _lower_unless_entity(word: str, names: frozenset[str]) -> str:
    return word if word in names else word.lower()


def keywords(text: str, top_k: int = 10, names: Mapping[str, str] | None = None) -> tuple[Keyword, ...]:
    """The ``top_k`` TF-IDF keywords of ``text`` (canonical form expected), heaviest first.

    Pure numbers, amounts and dates (5000, 亿美元, 2025年) are left to the claims stage and never
    keywords; nor are function words of either language. ``names`` (folded alias -> name: the
    names recognised in this article) are kept whole and keep their name, like the table's.
    """
    if not text.strip() or top_k <= 0:
        return ()
    from storyline.analyze.entities import entity_table

    known = frozenset(entity_table().names) | frozenset((names or {}).values())
    scored = _tfidf(text, names)
    merged: dict[str, float] = {}
    for word, weight in scored:
        if not _may_be_keyword(word):
            continue
        key = _lower_unless_entity(word, known)
        merged[key] = merged.get(key, 0.0) + weight
    # nsmallest is sorted(...)[:top_k] (keys are distinct, so no tie is left to order).
    ranked = heapq.nsmallest(top_k, merged.items(), key=_heaviest_first)
    return tuple(Keyword(word=w, weight=round(s, 6)) for w, s in ranked)


def _heaviest_first(kv: tuple[str, float]) -> tuple[float, str]:
    return (-kv[1], kv[0])


@functools.lru_cache(maxsize=1 << 16)
def _may_be_keyword(word: str) -> bool:
    """Not a number, amount or date, a function word, a title's abbreviation or a piece of a
    link, and holding a letter. Kept: an article's few hundred words are mostly words other
    articles had."""
    low = word.lower()
    return not (
        _NUMBERISH_RE.match(word)
        or low in FUNCTION_WORDS
        or low in _TITLE_ABBREVIATIONS
        or _WEB_RE.search(word)
        or not _has_letter(word)
    )
