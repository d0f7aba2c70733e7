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

import functools
import logging
import re
from typing import TYPE_CHECKING

from storyline.analyze.segment import cut
from storyline.records import Keyword

if TYPE_CHECKING:
    import jieba.analyse

__all__ = ["NEWS_STOPWORDS", "keywords"]

# Words every news report uses whatever its story; TF-IDF alone ranks some of them high
# because jieba's IDF corpus is not news. Place names (美国) are kept: they are content.
NEWS_STOPWORDS: frozenset[str] = frozenset(
    [
        "报道",
        "表示",
        "宣布",
        "称",
        "指出",
        "认为",
        "透露",
        "据悉",
        "据称",
        "据报",
        "消息",
        "记者",
        "编辑",
        "来源",
        "今日",
        "今天",
        "昨日",
        "昨天",
        "明天",
        "日前",
        "近日",
        "目前",
        "此前",
        "此外",
        "另外",
        "同时",
        "以及",
        "其中",
        "这个",
        "这一",
        "这些",
        "那些",
        "一个",
        "一项",
        "一家",
        "一位",
        "没有",
        "已经",
        "可能",
        "如果",
        "但是",
        "因为",
        "所以",
        "而且",
        "不过",
        "然而",
        "以来",
        "之后",
        "之前",
        "当时",
        "当地",
        "当地时间",
        "时间",
        "周一",
        "周二",
        "周三",
        "周四",
        "周五",
        "周六",
        "周日",
        "星期一",
        "星期二",
        "星期三",
        "星期四",
        "星期五",
        "星期六",
        "星期日",
        "上午",
        "下午",
        "晚间",
        "凌晨",
        "日电",
        "电讯",
        "新闻",
        "新闻网",
        "发表",
        "发表评论",
        "评论",
        "回复",
        "网友",
        "楼主",
        "分享",
        "转载",
        "点击",
        "阅读",
        "全文",
        "原文",
        "相关",
        "链接",
        "图片",
        "视频",
        "责任编辑",
        "免责声明",
        "版权所有",
        "他们",
        "我们",
        "你们",
        "她们",
        "自己",
        "什么",
        "怎么",
        "还是",
        "就是",
        "这是",
        "进行",
        "通过",
        "对于",
        "关于",
        "由于",
        "成为",
        "作为",
        "包括",
        "以上",
        "以下",
        "之一",
        "非常",
        "更加",
        "一些",
        "一直",
        "不是",
        "只是",
        "这样",
        "那样",
        "the",
        "and",
        "for",
        "that",
        "with",
        "this",
        "from",
        "have",
        "has",
        "was",
        "were",
        "are",
        "will",
        "said",
        "says",
        "its",
        "their",
        "they",
        "about",
        "after",
        "over",
        "into",
    ]
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
    extractor = jieba.analyse.TFIDF()
    extractor.tokenizer = _EntityTokenizer()
    extractor.stop_words = set(extractor.stop_words) | NEWS_STOPWORDS
    return extractor


class _EntityTokenizer:
    """The one method TFIDF calls on its tokenizer, backed by :func:`segment.cut`."""

    def cut(self, sentence: str) -> list[str]:
        return cut(sentence, entity_names=True)


def _lower_unless_entity(word: str, names: frozenset[str]) -> str:
    return word if word in names else word.lower()


def keywords(text: str, top_k: int = 10) -> tuple[Keyword, ...]:
    """The ``top_k`` TF-IDF keywords of ``text`` (canonical form expected), heaviest first.

    Pure numbers, amounts and dates (5000, 亿美元, 2025年) are left to the claims stage and never keywords.
    """
    if not text.strip() or top_k <= 0:
        return ()
    from storyline.analyze.entities import entity_table

    names = frozenset(entity_table().names)
    scored = _extractor().extract_tags(text, topK=None, withWeight=True)
    merged: dict[str, float] = {}
    for word, weight in scored:
        if _NUMBERISH_RE.match(word):
            continue
        key = _lower_unless_entity(word, names)
        merged[key] = merged.get(key, 0.0) + weight
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
    return tuple(Keyword(word=w, weight=round(s, 6)) for w, s in ranked)
