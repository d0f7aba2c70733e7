"""normalize stage: script, width and case — the canonical and display forms of an article.

``canonical_*`` (simplified, NFKC, lower-case Latin, whitespace collapsed) is what every later
comparison reads; ``display_*`` is the text as published with full-width Latin folded and an
all-caps page's names given their real case back, in the script the outlet used.

Example::

    >>> from storyline.records import Article
    >>> a = normalize_article(Article(url="", outlet="x", title="馬斯克質疑OPENAI", paragraphs=("ELON MUSK表示他們沒錢",)))
    >>> a.script, a.canonical_title, a.display_paragraphs
    ('zh-Hant', '马斯克质疑openai', ('Elon Musk表示他們沒錢',))
"""

from __future__ import annotations

from collections.abc import Mapping

from storyline.normalize.script import detect_script, to_simplified, to_traditional
from storyline.normalize.text import (
    canonical,
    canonical_all,
    fold_comments,
    fold_width,
    is_shouting,
    restore_case,
)
from storyline.records import Analysis, Article

__all__ = [
    "canonical",
    "canonical_all",
    "detect_script",
    "fold_comments",
    "fold_width",
    "normalize_article",
    "restore_case",
    "to_simplified",
    "to_traditional",
]


def normalize_article(article: Article, known: Mapping[str, str] | None = None) -> Analysis:
    """The :class:`Analysis` of ``article`` with its canonical and display forms filled.

    Script is detected over title and body together; whether the page is shouting (all caps) is
    judged once for the whole article, so a paragraph holding only "MGX" is treated like the
    rest. ``known`` overrides the Latin name spellings (default: the entity table's).
    """
    texts = (article.title, *article.paragraphs)
    whole = "\n".join(texts)
    shouting = is_shouting(whole)

    def display(text: str) -> str:
        return restore_case(fold_width(text), known, shouting=shouting)

    canonical_title, *canonical_paragraphs = canonical_all(texts)  # one OpenCC call
    return Analysis(
        article_id=article.id,
        script=detect_script(whole),
        canonical_title=canonical_title,
        canonical_paragraphs=tuple(canonical_paragraphs),
        display_title=display(article.title),
        display_paragraphs=tuple(display(p) for p in article.paragraphs),
    )
