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

from storyline.records import Analysis, Entity, Keyword
from storyline.stories.aggregate import EntityFrequency, RunningTotals, entity_salience

__all__ = ["concept_name", "story_concept"]

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


# ------------------------------------------------------------------------------------------
# The concept of a story from its members: salience and the lead.
# ------------------------------------------------------------------------------------------

_THINGS = frozenset({"project", "product", "event"})
_NOT_A_PART = frozenset({"media", "ignore"})  # the outlet that reports a story is not its subject
# A second part must stand at least this high against the first: a name the story only mentions
# in passing does not name it.
_SECOND_SHARE = 0.25
_TIE = 0.05
_NOT_EVENTS = frozenset(
    [
        "president",
        "minister",
        "leader",
        "official",
        "officials",
        "people",
        "year",
        "years",
        "day",
        "week",
        "time",
    ]
)


def _most(count: int, n: int) -> bool:
    """More than half of ``n`` members (both of two)."""
    return count * 2 > n


def _leads(analyses: Sequence[Analysis]) -> list[str]:
    return ["\n".join((an.canonical_title, *an.canonical_paragraphs[:2])) for an in analyses]


def _in_lead(word: str, lead: str) -> bool:
    w = word.lower()
    if w.isascii():
        return _bounded_in(w, lead)
    return w in lead


def _bounded_in(word: str, text: str) -> bool:
    """``word`` in ``text`` with no Latin letter or digit either side: what a search of
    ``(?<![A-Za-z0-9])word(?![A-Za-z0-9])`` finds, without compiling a pattern per word (the
    patterns outnumbered re's cache, so nearly every call compiled one)."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start else ""
        after = text[end : end + 1]
        if not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum()):
            return True
        start = text.find(word, start + 1)
    return False


def _event_words(keywords: Sequence[Keyword]) -> set[str]:
    """Keywords that name what happened: Chinese verbs and verbal nouns (筹款, 抢劫, 受伤),
    English words other than names (robbery, injury): the event of a story."""
    import rjieba

    out = set()
    for k in keywords:
        w = k.word
        if w.isascii():
            if w.islower() and w.isalpha() and len(w) > 3:
                out.add(w)
            continue
        tags = rjieba.tag(w)
        if len(tags) == 1 and tags[0][1] in ("v", "vn", "n", "nz") and len(w) >= 2:
            out.add(w)
    return out


def story_concept(
    analyses: Sequence[Analysis],
    keywords: Sequence[Keyword],
    frequency: EntityFrequency | None = None,
    *,
    totals: RunningTotals | None = None,
) -> str:
    """The concept of the story made of ``analyses``: its most salient name plus what happened.

    The first part is the entity with the highest salience (position, members, specificity
    across the store: :func:`~storyline.stories.aggregate.entity_salience`) among those that
    most members name in their title or first two paragraphs, at least twice in all: never a
    byline's handle, a link list's name or a single mention. The second part, where the story
    has one that most leads also name, is in order: a project, product or event (特朗普星际之门),
    else an event word among the keywords (Buttigieg筹款), else a second name or place
    (K-RERA喀拉拉邦). Names are canonical: the table's Chinese name where it knows one, the
    name as written otherwise (an English name stays English). Without per-mention positions
    (records made before them) this falls back to :func:`concept_name`. ``totals`` (the
    members' running totals, when the caller keeps them) give the salience and entities
    without a pass over the members.
    """
    if not analyses:
        return ""
    if not any(m.weight > 0 for an in analyses for m in an.entities):
        from storyline.stories.aggregate import story_entities

        return concept_name(totals.entities() if totals else story_entities(analyses), keywords)
    n = len(analyses)
    salience = totals.salience(frequency) if totals else entity_salience(analyses, frequency)
    # The story's keyword weight (TF-IDF over outlets) breaks near-ties of position: seed 000
    # and 001 name 马斯克 and 特朗普 in the same places, but the reports are about Trump's plan.
    top_weight = max((k.weight for k in keywords), default=0.0) or 1.0
    kw = {k.word.lower(): k.weight / top_weight for k in keywords}

    def standing(s) -> float:
        return s.score * (1.0 + kw.get(s.name.lower(), 0.0))

    eligible = sorted(
        (
            s
            for s in salience.values()
            if _most(s.lead_members, n) and s.mentions >= 2 and s.kind not in _NOT_A_PART
        ),
        key=lambda s: (-standing(s), s.name),
    )
    leads = _leads(analyses)

    def lead_share(word: str) -> bool:
        return _most(sum(1 for lead in leads if _in_lead(word, lead)), n)

    if len(eligible) > 1:
        # Names the positions cannot tell apart (within _TIE) go by the story's keyword ranks.
        rank = {k.word.lower(): i for i, k in enumerate(keywords)}
        tied = [s for s in eligible if standing(s) >= (1 - _TIE) * standing(eligible[0])]
        best = min(tied, key=lambda s: (rank.get(s.name.lower(), len(rank)), -standing(s), s.name))
        eligible.remove(best)
        eligible.insert(0, best)
    first = eligible[0] if eligible else None
    if first is None:
        # No name the leads agree on (often a story told in two languages whose names the
        # table cannot link): the heaviest keywords most leads write, else the most salient
        # name some lead writes at least twice in all; a story is never left without a name.
        words = [k.word for k in keywords if lead_share(k.word)]
        if words:
            return _join(*words[:2])
        fallback = sorted(
            (
                s
                for s in salience.values()
                if s.lead_members and s.mentions >= 2 and s.kind not in _NOT_A_PART
            ),
            key=lambda s: (-standing(s), s.name),
        )
        if fallback:
            return fallback[0].name
        return _join(*[k.word for k in keywords[:2]]) if keywords else ""
    # A holiday (新年) dates a story but does not tell it from the others of that day.
    others = [
        s
        for s in eligible[1:]
        if standing(s) >= _SECOND_SHARE * standing(first)
        and not _overlaps(s.name, first.name)
        and s.kind != "holiday"
    ]
    things = [s for s in others if s.kind in _THINGS and first.kind not in _THINGS]
    if things:
        return _join(first.name, things[0].name)
    names = {s.name.lower() for s in salience.values()}
    pieces = {w for nm in names for w in nm.split()}
    events = _event_words(keywords)
    titles = [an.canonical_title for an in analyses]
    for k in keywords:
        w = k.word
        fresh = w.lower() not in names and w.lower() not in pieces and not _overlaps(w, first.name)
        # An English word is an event only where most headlines write it (injury, robbery): in
        # leads, president or course are just words of the story.
        where = lead_share(w) if not w.isascii() else _most(sum(_in_lead(w, t) for t in titles), n)
        if w in events and fresh and where and w.lower() not in _NOT_EVENTS:
            return _join(first.name, w)
    if others:
        second = next((s for s in others if s.kind != first.kind), others[0])
        return _join(first.name, second.name)
    return first.name


def _overlaps(a: str, b: str) -> bool:
    """One name inside the other (马斯克 in 埃隆·马斯克, Malkin in Evgeni Malkin)."""
    a, b = a.lower(), b.lower()
    return a in b or b in a
