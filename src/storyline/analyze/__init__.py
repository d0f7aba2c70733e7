"""analyze stage: words, keywords and entities of a normalised article.

Example::

    >>> from storyline.records import Analysis
    >>> a = analyze(Analysis("a1", "zh-Hans", "川普宣布星际之门计划", ("马斯克称没钱",), "川普宣布星际之门计划", ("马斯克称没钱",)))
    >>> [m.entity for m in a.entities], a.tokens[:2]
    (['特朗普', '星际之门', '马斯克'], ('川普', '宣布'))
"""

from __future__ import annotations

from dataclasses import replace

from storyline.analyze.entities import (
    EntityTable,
    article_entities,
    canonical_entities,
    entity_table,
    find_entities,
)

# Re-exported as extract_keywords so the name ``keywords`` stays the submodule.
from storyline.analyze.keywords import keywords as extract_keywords
from storyline.analyze.segment import cut
from storyline.records import Analysis

__all__ = [
    "EntityTable",
    "analyze",
    "article_entities",
    "canonical_entities",
    "cut",
    "entity_table",
    "extract_keywords",
    "find_entities",
]


def analyze(analysis: Analysis, comments_text: str = "", top_k: int = 10) -> Analysis:
    """``analysis`` with tokens, keywords and entities filled.

    Tokens and keywords come from the canonical title and body only (a reader thread's "test"
    and jokes should not name the story); entities also read ``comments_text`` — readers use
    aliases the article does not (一龙 for 马斯克) and those belong in the story's alias list.
    Entities are read from the display text, so aliases keep the spelling printed and names
    keep their capitals; each carries where it stood (title, lead, byline...: its weight).
    """
    body = "\n".join((analysis.canonical_title, *analysis.canonical_paragraphs))
    entities = article_entities(analysis.display_title, analysis.display_paragraphs, comments_text)
    return replace(
        analysis,
        tokens=tuple(cut(body)),
        keywords=extract_keywords(body, top_k=top_k, names=_recognised(entities)),
        entities=entities,
    )


def _recognised(entities) -> dict[str, str]:
    """Folded alias -> name for the names the tagger found (the table's are known already),
    so that keywords count Evgeni Malkin as one word, not evgeni and malkin."""
    from storyline.analyze.entities import _fold

    known = entity_table().names
    return {
        _fold(m.alias): m.entity
        for m in entities
        if m.entity not in known and m.weight > 0 and len(m.alias) >= 2
    }
