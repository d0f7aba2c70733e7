"""TF-IDF keywords of an article, in canonical simplified form.

jieba.analyse's :class:`~jieba.analyse.TFIDF` supplies the IDF table (jieba's default, built from
a large general corpus) and the scoring. Its tokenizer is swapped for :func:`segment.cut` with
``entity_names=True`` instead of a ``jieba.Tokenizer`` with a user dictionary: a jieba
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

import copy
import functools
import logging
import re
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING

from storyline.analyze.names import FUNCTION_WORDS
from storyline.analyze.segment import cut
from storyline.records import Keyword

if TYPE_CHECKING:
    import jieba.analyse

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


@functools.cache
def _extractor() -> jieba.analyse.TFIDF:
    # jieba.analyse loads its IDF table (~0.5 s) at import, so it is imported on first use.
    import jieba
    import jieba.analyse

    # jieba logs its dictionary loading at DEBUG to stderr; setLogLevel is its own switch.
    jieba.setLogLevel(logging.WARNING)
    # A copy of the extractor jieba.analyse builds at import: its IDF table (~1 s to parse) is
    # shared, read-only, instead of parsed a second time; tokenizer and stop words are our own.
    extractor = copy.copy(jieba.analyse.default_tfidf)
    extractor.tokenizer = _EntityTokenizer()
    # English function words too: jieba's own stop list is a few dozen of them, and an English
    # article's TF-IDF otherwise ranks his, her, your and ago (its IDF table is Chinese).
    extractor.stop_words = set(extractor.stop_words) | NEWS_STOPWORDS | FUNCTION_WORDS
    return extractor


class _EntityTokenizer:
    """The one method TFIDF calls on its tokenizer, backed by :func:`segment.cut`."""

    extra: Mapping[str, str] | None = None  # names recognised in the article being read

    def cut(self, sentence: str) -> list[str]:
        return cut(sentence, entity_names=True, extra=self.extra)


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
    extractor = _extractor()
    extractor.tokenizer.extra = names or None
    try:
        scored = extractor.extract_tags(text, topK=None, withWeight=True)
    finally:
        extractor.tokenizer.extra = None
    merged: dict[str, float] = {}
    for word, weight in scored:
        if (
            _NUMBERISH_RE.match(word)
            or word.lower() in FUNCTION_WORDS
            or word.lower() in _TITLE_ABBREVIATIONS
            or _WEB_RE.search(word)
            or not _has_letter(word)
        ):
            continue
        key = _lower_unless_entity(word, known)
        merged[key] = merged.get(key, 0.0) + weight
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
    return tuple(Keyword(word=w, weight=round(s, 6)) for w, s in ranked)
