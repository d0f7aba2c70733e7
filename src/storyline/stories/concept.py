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

# What a story is "about", best first: a named project or product, an event, an organisation,
# then a place (places are rarely the subject, but a local story may have nothing else).
_THING_KINDS: tuple[tuple[str, ...], ...] = (("project", "product", "event"), ("org",), ("place",))


def _join(left: str, right: str) -> str:
    # Two Latin names need a space between them (OpenAI Stargate); Chinese ones none.
    if left[-1:].isascii() and right[:1].isascii() and left[-1:].isalnum() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right


def concept_name(entities: Sequence[Entity], keywords: Sequence[Keyword]) -> str:
    """Top person + top project/product (else organisation, else place), canonical simplified.

    With no person, the top two things; with no entity at all, the top two keywords.
    """
    weight = {k.word: k.weight for k in keywords}
    order = {e.name: i for i, e in enumerate(entities)}

    def rank(e: Entity) -> tuple[float, int, int]:
        return (-weight.get(e.name, 0.0), -e.count, order[e.name])

    ranked = sorted(entities, key=rank)
    person = next((e.name for e in ranked if e.kind == "person"), None)
    things = [e.name for kinds in _THING_KINDS for e in ranked if e.kind in kinds]
    if person and things:
        return _join(person, things[0])
    if person:
        other = next((k.word for k in keywords if k.word != person), "")
        return _join(person, other) if other else person
    if len(things) >= 2:
        return _join(things[0], things[1])
    words = [k.word for k in keywords]
    if things:
        words = [things[0], *(w for w in words if w != things[0])]
    return _join(words[0], words[1]) if len(words) >= 2 else (words[0] if words else "")
