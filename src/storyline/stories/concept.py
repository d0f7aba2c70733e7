"""A story's concept: a short name made of who and what, like 特朗普星际之门.

Seed 000's page names its concept from its top person and its top project; that is the rule
here. "Top" means the heaviest story keyword first (keywords are read from article bodies
and weighted by outlets, so they say what the reports are *about*), then the most mentions
(entity counts include the reader thread, which is noisier: readers of seed 001 name 马斯克
more often than the articles do).

Example::

    >>> from storyline.records import Entity, Keyword
    >>> ents = [Entity("马斯克", kind="person", count=9), Entity("特朗普", kind="person", count=7),
    ...         Entity("星际之门", kind="project", count=5), Entity("OpenAI", kind="org", count=8)]
    >>> concept_name(ents, [Keyword("特朗普", 0.9), Keyword("马斯克", 0.8), Keyword("星际之门", 0.5)])
    '特朗普星际之门'
"""

from __future__ import annotations

from collections.abc import Sequence

from storyline.records import Entity, Keyword

__all__ = ["concept_name"]

# How much each kind of entity is "what the story is about": a named project or product beats
# the organisation behind it (星际之门 over OpenAI, which the reports mention about as often).
_THING_FACTOR: dict[str, float] = {"project": 1.5, "product": 1.5, "event": 1.5, "org": 1.0}
# A person names the story only when the reports are about them: among the top keywords, or
# mentioned nearly as often as the most mentioned entity.
_PERSON_TOP_KEYWORDS = 3
_PERSON_SHARE = 0.75


def _join(*names: str) -> str:
    out = names[0]
    for right in names[1:]:
        # Two Latin names need a space between them (OpenAI Stargate); Chinese ones none.
        if out[-1:].isascii() and out[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
            out += " "
        out += right
    return out


def concept_name(entities: Sequence[Entity], keywords: Sequence[Keyword]) -> str:
    """Who + what, canonical simplified: the top person and the top project/product/organisation.

    A person ranks by keyword weight, then mentions. A thing's standing is its keyword weight (scaled to the top keyword) plus its mentions
    (scaled to the most mentioned entity). Without a person the reports are about, the top
    place qualifies the thing (澄湾市跨海铁路隧道); with no entity at all, the top two keywords.
    """
    top_weight = max((k.weight for k in keywords), default=0.0) or 1.0
    weight = {k.word: k.weight / top_weight for k in keywords}
    kw_rank = {k.word: i for i, k in enumerate(keywords)}
    top_count = max((e.count for e in entities), default=0) or 1

    def standing(e: Entity) -> float:
        return weight.get(e.name, 0.0) + e.count / top_count

    def best(candidates: list[Entity], factor=lambda e: 1.0) -> Entity | None:
        # max() keeps the first of equals: callers pass entities most mentioned first.
        return max(candidates, key=lambda e: standing(e) * factor(e), default=None)

    people = [
        e
        for e in entities
        if e.kind == "person"
        and (
            kw_rank.get(e.name, _PERSON_TOP_KEYWORDS) < _PERSON_TOP_KEYWORDS
            or e.count >= _PERSON_SHARE * top_count
        )
    ]
    # People by keyword weight first: readers talk about whoever is famous (seed 001's thread
    # names 马斯克 most), the reports' bodies say whose story it is.
    person = max(people, key=lambda e: (weight.get(e.name, 0.0), e.count), default=None)
    thing = best([e for e in entities if e.kind in _THING_FACTOR], lambda e: _THING_FACTOR[e.kind])
    place = best([e for e in entities if e.kind == "place" and e is not thing])
    if thing is None and place is not None:
        thing, place = place, None
    if person and thing:
        return _join(person.name, thing.name)
    if thing:
        return _join(place.name, thing.name) if place else thing.name
    if person:
        other = next((k.word for k in keywords if k.word != person.name), "")
        return _join(person.name, other) if other else person.name
    words = [k.word for k in keywords]
    return _join(*words[:2]) if words else ""
