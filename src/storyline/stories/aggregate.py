"""A story's keywords and entities, combined from its articles' analyses.

Example::

    >>> from storyline.records import Analysis, Keyword
    >>> a = Analysis("a1", "zh-Hans", "", (), "", (), keywords=(Keyword("特朗普", 2.0), Keyword("计划", 1.0)))
    >>> b = Analysis("a2", "zh-Hant", "", (), "", (), keywords=(Keyword("计划", 0.5),))
    >>> [(k.word, k.weight) for k in story_keywords([a, b])]
    [('计划', 0.75), ('特朗普', 0.5)]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from storyline.records import Analysis, Entity, Keyword

__all__ = ["story_entities", "story_keywords"]


def story_keywords(
    analyses: Sequence[Analysis], top_k: int = 12, outlets: Sequence[str] | None = None
) -> tuple[Keyword, ...]:
    """The story's ``top_k`` keywords: a word counts once per outlet that uses it.

    Each article's weights are scaled so its heaviest keyword is 1 (a long article does not
    outweigh a short one); an outlet contributes its highest scaled weight for a word; the
    story weight is the sum over outlets divided by the number of outlets, so a word every
    outlet uses beats one a single outlet repeats. ``outlets`` (aligned with ``analyses``) lets
    two articles of one outlet count once; without it every article is its own outlet.
    """
    if outlets is not None and len(outlets) != len(analyses):
        raise ValueError(f"outlets has {len(outlets)} entries for {len(analyses)} analyses")
    per_outlet: dict[str, dict[str, float]] = defaultdict(dict)
    for i, analysis in enumerate(analyses):
        outlet = outlets[i] if outlets is not None else analysis.article_id or str(i)
        top = max((k.weight for k in analysis.keywords), default=0.0)
        if top <= 0:
            continue
        seen = per_outlet[outlet]
        for k in analysis.keywords:
            seen[k.word] = max(seen.get(k.word, 0.0), k.weight / top)
    if not per_outlet:
        return ()
    total: Counter[str] = Counter()
    for words in per_outlet.values():
        for word, weight in words.items():
            total[word] += weight
    n = len(per_outlet)
    ranked = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
    # Keywords are compared in canonical (lower-cased) form but shown to readers: give Latin
    # words the spelling of the entity they name, and short ones their acronym case (ai → AI).
    spelled = {m.entity.lower(): m.entity for an in analyses for m in an.entities if m.entity.isascii()}

    def shown(word: str) -> str:
        if not (word.isascii() and word.isalpha()):
            return word
        return spelled.get(word) or (word.upper() if len(word) <= 3 else word)

    return tuple(Keyword(word=shown(w), weight=round(s / n, 6)) for w, s in ranked)


def story_entities(analyses: Sequence[Analysis]) -> tuple[Entity, ...]:
    """Every entity of the story with every alias seen, most mentioned first.

    Aliases are ordered by how often they were printed (ties: first seen), so the first alias
    is the spelling readers of this story met most.
    """
    counts: Counter[str] = Counter()
    alias_counts: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, str] = {}
    order: dict[str, int] = {}
    for analysis in analyses:
        for m in analysis.entities:
            counts[m.entity] += m.count
            alias_counts[m.entity][m.alias] += m.count
            kinds.setdefault(m.entity, m.kind)
            order.setdefault(m.entity, len(order))
    entities = [
        Entity(
            name=name,
            aliases=tuple(a for a, _ in alias_counts[name].most_common()),
            kind=kinds[name],
            count=count,
        )
        for name, count in counts.items()
    ]
    entities.sort(key=lambda e: (-e.count, order[e.name]))
    return tuple(entities)
