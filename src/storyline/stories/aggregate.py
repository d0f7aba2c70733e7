"""A story's keywords and entities, combined from its articles' analyses.

Example::

    >>> from storyline.records import Analysis, Keyword
    >>> a = Analysis("a1", "zh-Hans", "", (), "", (), keywords=(Keyword("特朗普", 2.0), Keyword("计划", 1.0)))
    >>> b = Analysis("a2", "zh-Hant", "", (), "", (), keywords=(Keyword("计划", 0.5),))
    >>> [(k.word, k.weight) for k in story_keywords([a, b])]
    [('计划', 0.75), ('特朗普', 0.5)]
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import msgspec

from storyline.analyze.names import FUNCTION_WORDS
from storyline.records import Analysis, Entity, Keyword

__all__ = [
    "EntityFrequency",
    "RunningTotals",
    "Salience",
    "entity_salience",
    "story_entities",
    "story_keywords",
]


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
    total = _totals(per_outlet)
    names = {m.entity for an in analyses for m in an.entities}
    spelled = {m.entity.lower(): m.entity for an in analyses for m in an.entities if m.entity.isascii()}
    return _top_keywords(analyses, total, len(per_outlet), _pieces(names), spelled, top_k)


def _totals(per_outlet: dict[str, dict[str, float]]) -> Counter[str]:
    """Each word's weights summed over the outlets, in outlet order (the floats depend on it)."""
    total: Counter[str] = Counter()
    for words in per_outlet.values():
        for word, weight in words.items():
            total[word] += weight
    return total


def _pieces(names: set[str]) -> set[str]:
    # A piece of a longer name of the story (evgeni of Evgeni Malkin) is that name's, not a keyword.
    return {w.lower() for name in names if " " in name for w in name.split()} - {nm.lower() for nm in names}


def _top_keywords(
    analyses: Sequence[Analysis],
    total: Counter[str],
    n: int,
    pieces: set[str],
    spelled: dict[str, str],
    top_k: int,
) -> tuple[Keyword, ...]:
    """The ``top_k`` words of ``total`` (sums over ``n`` outlets), spelled as readers see them."""
    # Function words may sit in analyses stored before they were stop-listed.
    ranked = sorted(
        ((w, x) for w, x in total.items() if w.lower() not in FUNCTION_WORDS and w.lower() not in pieces),
        key=lambda kv: (-kv[1], kv[0]),
    )[:top_k]
    # Keywords are compared in canonical (lower-cased) form but shown to readers: a Latin word
    # takes the spelling of the entity it names, else the spelling the members print most (an
    # acronym only where they write one: AI yes, HIS never).
    printed = _printed_forms(analyses, [w for w, _ in ranked if w.isascii() and w.lower() not in spelled])

    def shown(word: str) -> str:
        if not word.isascii():
            return word
        return spelled.get(word.lower()) or printed.get(word, word)

    return tuple(Keyword(word=shown(w), weight=round(s / n, 6)) for w, s in ranked)


_PRINTED_MEMBERS = 50  # members read for a word's printed case: enough to out-vote headlines


def _printed_forms(analyses: Sequence[Analysis], words: Sequence[str]) -> dict[str, str]:
    """The form each Latin ``word`` is printed in most often in the members' display text.

    Ties go to the lower-case form; a form printed only at sentence starts or in an all-caps
    headline loses to the plain one whenever the plain one is printed at all.
    """
    if not words:
        return {}
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    pattern: re.Pattern[str] | None = None  # compiled only for a line the plain scan cannot read
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for an in analyses[:_PRINTED_MEMBERS]:
        for line in (an.display_title, *an.display_paragraphs):
            shouting: bool | None = None
            printed = _printed_in(line, ordered)
            if printed is None:
                if pattern is None:
                    pattern = _printed_pattern(ordered)
                printed = [m.group(0) for m in pattern.finditer(line)]
            for form in printed:
                if form.isupper() and len(form) > 1:
                    # An all-caps form in a line of capitals is shouting, not the word's case.
                    if shouting is None:
                        letters = [c for c in line if c.isascii() and c.isalpha()]
                        upper = sum(c.isupper() for c in letters)
                        shouting = upper > 0.6 * len(letters) and len(letters) > 2 * len(form)
                    if shouting:
                        continue
                forms[form.lower()][form] += 1
    out: dict[str, str] = {}
    for word in words:
        seen = forms.get(word.lower())
        if not seen:
            out[word] = word.lower()
            continue
        best = max(sorted(seen), key=lambda f: (seen[f], f == word.lower()))
        # A capitalised form that is not the only one (Injury at sentence starts, injury
        # inside them) is the ordinary word.
        if best[:1].isupper() and not best.isupper() and seen.get(word.lower(), 0):
            best = word.lower()
        out[word] = best
    return out


def _printed_pattern(ordered: Sequence[str]) -> re.Pattern[str]:
    """Any of the words (ASCII, longest first), in any case, not inside a Latin word."""
    alternatives = "|".join(re.escape(w) for w in ordered)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)


# The characters outside ASCII that re's IGNORECASE takes for an ASCII letter (İ and ı for i, ſ
# for s, the Kelvin sign for k); a line holding one is read by the pattern itself.
_CASE_TWINS = re.compile("[\u0130\u0131\u017f\u212a]")


def _printed_in(line: str, ordered: Sequence[str]) -> list[str] | None:
    """What ``_printed_pattern(ordered).finditer(line)`` matches, as printed, found with
    ``str.find`` on the line lower-cased (a pattern per story was compiled on nearly every
    build: too many word sets for re's cache). None when the line (a case twin) or a word
    (empty, or not ASCII) needs the pattern."""
    if _CASE_TWINS.search(line):
        return None
    # lower() keeps the length and maps no other character to ASCII (only İ and the Kelvin
    # sign do, both twins), so the ASCII words are found where the pattern finds them.
    low = line.lower()
    found: list[tuple[int, int, int]] = []  # (start, the word's place in the alternation, end)
    for order, word in enumerate(ordered):
        if not word or not word.isascii():
            return None
        word = word.lower()
        start = low.find(word)
        while start >= 0:
            end = start + len(word)
            before = low[start - 1] if start else ""
            after = low[end : end + 1]
            if not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum()):
                found.append((start, order, end))
            start = low.find(word, start + 1)
    if not found:
        return []
    # The pattern tries each place left to right and takes the first word that matches there,
    # then goes on after it.
    found.sort()
    out = []
    at = 0
    for start, _order, end in found:
        if start >= at:
            out.append(line[start:end])
            at = end
    return out


def story_entities(analyses: Sequence[Analysis]) -> tuple[Entity, ...]:
    """Every entity of the story with every alias seen, most mentioned first.

    Aliases are ordered by how often they were printed (ties: first seen), so the first alias
    is the spelling readers of this story met most. A recognised short name is the story's one
    longer name it stands for (Malkin is Evgeni Malkin's alias).
    """
    counts: Counter[str] = Counter()
    alias_counts: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, str] = {}
    order: dict[str, int] = {}
    table = _table_names()
    links = _story_links(sorted({m.entity for an in analyses for m in an.entities if m.entity not in table}))
    for analysis in analyses:
        for m in analysis.entities:
            name = links.get(m.entity, m.entity)
            counts[name] += m.count
            alias_counts[name][m.alias] += m.count
            kinds.setdefault(name, m.kind)
            order.setdefault(name, len(order))
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


# ------------------------------------------------------------------------------------------
# Salience: how much a story is about each of its entities.
# ------------------------------------------------------------------------------------------


class EntityFrequency:
    """In how many articles of the whole store each entity occurs (weight > 0), for an IDF.

    A country or a platform named in every other report says little about which story this is;
    a name only this story's reports write says a lot. Grows as articles are ingested; kept in
    the store's state (``to_bytes``) so a restart goes on counting.
    """

    #: Past this many names, those seen in one article only are dropped (an unseen name gets
    #: the highest specificity anyway), so the state written with every input stays bounded.
    MAX_NAMES = 200_000

    def __init__(self, df: dict[str, int] | None = None, n_docs: int = 0) -> None:
        self.df: dict[str, int] = dict(df or {})
        self.n_docs = n_docs

    def observe(self, analysis: Analysis) -> None:
        self.n_docs += 1
        for name in sorted({m.entity for m in analysis.entities if m.weight > 0}):
            self.df[name] = self.df.get(name, 0) + 1
        if len(self.df) > self.MAX_NAMES:
            self.df = {name: c for name, c in self.df.items() if c > 1}

    def specificity(self, name: str) -> float:
        """IDF scaled to (0, 1]: 1 for a name no other article has; ~0.2 for one in all."""
        if self.n_docs <= 0:
            return 1.0
        top = math.log(self.n_docs + 1) + 1.0
        return (math.log((self.n_docs + 1) / (self.df.get(name, 0) + 1)) + 1.0) / top

    def to_bytes(self) -> bytes:
        return msgspec.json.encode({"n": self.n_docs, "df": dict(sorted(self.df.items()))})

    @classmethod
    def from_bytes(cls, data: bytes) -> EntityFrequency:
        state = msgspec.json.decode(data)
        return cls(state["df"], int(state["n"]))


@dataclass(frozen=True, slots=True)
class Salience:
    """One entity's standing in a story: where and how often its members name it."""

    name: str
    kind: str
    score: float  # position weights, summed sublinearly per member, times specificity
    members: int  # members that name it outside bylines and footers
    lead_members: int  # members that name it in the title or first two paragraphs
    mentions: int
    specificity: float


def _story_links(names: Sequence[str]) -> dict[str, str]:
    """Short name -> the one longer name of the story it stands for (Malkin -> Evgeni Malkin,
    佩洛西 -> 南希·佩洛西, Frida -> Frida Aasen), when exactly one longer name ends (or, for two
    words, starts) with it."""
    ends: dict[str, set[str]] = defaultdict(set)
    for name in names:
        if " " in name:
            ends[name.rsplit(" ", 1)[1]].add(name)
            if name.count(" ") == 1:  # Frida for Frida Aasen, when no other two-word name starts so
                ends[name.split(" ", 1)[0]].add(name)
        elif not name.isascii():
            for cut in range(2, len(name) - 1):
                tail = name[cut:].lstrip("·•・‧")
                if len(tail) >= 2 and tail != name:
                    ends[tail].add(name)
    return {
        short: next(iter(longs))
        for short, longs in sorted(ends.items())
        if len(longs) == 1 and short in names
    }


def entity_salience(
    analyses: Sequence[Analysis], frequency: EntityFrequency | None = None
) -> dict[str, Salience]:
    """Every entity's :class:`Salience` in the story made of ``analyses``.

    Within a member, mentions add up by where they stand (title 3, lead 2, body 1, list 0.25,
    byline 0); across members, each member adds log(1 + its weight), so five members naming a
    name once beat one member repeating it five times. The sum is scaled by the name's
    specificity across the store (``frequency``; 1 without one).
    """
    names = sorted({m.entity for an in analyses for m in an.entities})
    table = _table_names()
    links = _story_links([n for n in names if n not in table])
    per_member: list[dict[str, tuple[float, bool, int]]] = []
    kinds: dict[str, str] = {}
    for an in analyses:
        seen: dict[str, tuple[float, bool, int]] = {}
        for m in an.entities:
            name = links.get(m.entity, m.entity)
            w, lead, n = seen.get(name, (0.0, False, 0))
            seen[name] = (w + m.weight, lead or m.lead, n + m.count)
            if kinds.get(name) in (None, "", "name") and m.kind:
                kinds[name] = m.kind
        per_member.append(seen)
    # Each name's rows in member order (the sums below add in that order, as they always did),
    # gathered in one pass: a name per member scan was names × members for a big story.
    rows_of: dict[str, list[tuple[float, bool, int]]] = defaultdict(list)
    for seen in per_member:
        for name, row in seen.items():
            rows_of[name].append(row)
    out: dict[str, Salience] = {}
    for name in sorted(rows_of):
        rows = rows_of[name]
        spec = frequency.specificity(name) if frequency is not None else 1.0
        out[name] = Salience(
            name=name,
            kind=kinds.get(name, ""),
            score=round(spec * sum(math.log1p(w) for w, _, _ in rows), 6),
            members=sum(1 for w, _, _ in rows if w > 0),
            lead_members=sum(1 for _, lead, _ in rows if lead),
            mentions=sum(n for _, _, n in rows),
            specificity=round(spec, 6),
        )
    return out


@functools.cache
def _table_names() -> frozenset[str]:
    from storyline.analyze.entities import entity_table

    return frozenset(entity_table().names)  # the packaged table: fixed for the process


# ------------------------------------------------------------------------------------------
# Running totals: the three functions above for a story that grows by a report at a time.
# ------------------------------------------------------------------------------------------


_COUNT = itemgetter(1)


class RunningTotals:
    """:func:`story_keywords`, :func:`story_entities` and :func:`entity_salience` of a story
    whose members arrive in publication order, kept as running totals.

    Each function above is one pass over every member; for a story that grows by one report,
    that pass is the same as the last one plus the new member. The totals here are the state
    of those passes after the members :meth:`add`-ed so far, so an update costs the new member
    and the final ranking, not the story. Exactness is by construction: every count is added
    in the order the full pass adds it (floats are summed by the same ``+=`` or the same
    ``sum`` over the same sequence), and whatever the whole story decides (which short name
    stands for which longer one, an outlet's best weight for a word) is redone from the kept
    members when a new one changes it. A test holds the three outputs to the functions above.

    Only for members appended at the end: a member sorting before one already added (a late
    report) needs a new instance (:meth:`extends` says whether this one fits).
    """

    def __init__(self) -> None:
        self.analyses: list[Analysis] = []
        self.outlets: list[str] = []
        # story_keywords: each outlet's best scaled weight per word, their sums in outlet order.
        self._per_outlet: dict[str, dict[str, float]] = {}
        self._total: Counter[str] = Counter()
        self._names: set[str] = set()
        self._pieces: set[str] = set()
        self._spelled: dict[str, str] = {}
        self._links: dict[str, str] = {}
        self._clear_entities()

    def _clear_entities(self) -> None:
        # story_entities
        self._counts: Counter[str] = Counter()
        # Plain dicts, made on a name's first mention: a Counter per name (its __init__ is
        # Python code) was ~2% of ingest on real articles. Order and counts are a Counter's.
        self._alias_counts: dict[str, dict[str, int]] = {}
        self._kinds: dict[str, str] = {}
        self._order: dict[str, int] = {}
        # entity_salience: per name, log1p of each naming member's weight (in member order),
        # the members with weight, those naming it in the lead, the mentions.
        self._salience_kinds: dict[str, str] = {}
        self._rows: dict[str, list] = {}

    def extends(self, analyses: Sequence[Analysis], outlets: Sequence[str]) -> bool:
        """``analyses`` (with their ``outlets``) begin with exactly the members added so far."""
        k = len(self.analyses)
        if len(analyses) < k or len(outlets) != len(analyses):
            return False
        same = all(a is b for a, b in zip(self.analyses, analyses[:k], strict=True))
        return same and self.outlets == list(outlets[:k])

    def add(self, analyses: Sequence[Analysis], outlets: Sequence[str]) -> None:
        """Members after the ones added so far, in publication order, with their outlets."""
        if len(outlets) != len(analyses):
            raise ValueError(f"outlets has {len(outlets)} entries for {len(analyses)} analyses")
        new_names = {m.entity for an in analyses for m in an.entities} - self._names
        relink = False
        if new_names:
            self._names |= new_names
            self._pieces = _pieces(self._names)
            table = _table_names()
            links = _story_links(sorted(n for n in self._names if n not in table))
            relink = links != self._links
            self._links = links
        for an, outlet in zip(analyses, outlets, strict=True):
            self.analyses.append(an)
            self.outlets.append(outlet)
            self._add_keywords(an, outlet)
            for m in an.entities:
                if m.entity.isascii():
                    self._spelled[m.entity.lower()] = m.entity
            if not relink:
                self._add_entities(an)
        if relink:  # a short name now stands for another name: every mention is counted anew
            self._clear_entities()
            for an in self.analyses:
                self._add_entities(an)

    def _add_keywords(self, an: Analysis, outlet: str) -> None:
        top = max((k.weight for k in an.keywords), default=0.0)
        if top <= 0:
            return
        seen = self._per_outlet.get(outlet)
        if seen is None:  # a new outlet: its weights come last in every word's sum
            seen = self._per_outlet[outlet] = {}
            for k in an.keywords:
                seen[k.word] = max(seen.get(k.word, 0.0), k.weight / top)
            for word, weight in seen.items():
                self._total[word] += weight
            return
        changed = False
        for k in an.keywords:
            weight = max(seen.get(k.word, 0.0), k.weight / top)
            if k.word not in seen or seen[k.word] != weight:
                changed = True
            seen[k.word] = weight
        if changed:  # an outlet's weight moved inside the sums: they are added up again
            self._total = _totals(self._per_outlet)

    def _add_entities(self, an: Analysis) -> None:
        links = self._links
        counts, alias_counts, kinds, order = self._counts, self._alias_counts, self._kinds, self._order
        seen: dict[str, tuple[float, bool, int]] = {}
        for m in an.entities:
            name = links.get(m.entity, m.entity)
            counts[name] += m.count
            aliases = alias_counts.get(name)
            if aliases is None:
                aliases = alias_counts[name] = {}
            aliases[m.alias] = aliases.get(m.alias, 0) + m.count
            kinds.setdefault(name, m.kind)
            order.setdefault(name, len(order))
            w, lead, n = seen.get(name, (0.0, False, 0))
            seen[name] = (w + m.weight, lead or m.lead, n + m.count)
            if self._salience_kinds.get(name) in (None, "", "name") and m.kind:
                self._salience_kinds[name] = m.kind
        rows = self._rows
        for name, (w, lead, n) in seen.items():
            row = rows.get(name)
            if row is None:
                row = rows[name] = [[], 0, 0, 0]
            row[0].append(math.log1p(w))
            if w > 0:
                row[1] += 1
            if lead:
                row[2] += 1
            row[3] += n

    def keywords(self, top_k: int = 12) -> tuple[Keyword, ...]:
        """:func:`story_keywords` of the members, with their outlets."""
        if not self._per_outlet:
            return ()
        return _top_keywords(
            self.analyses, self._total, len(self._per_outlet), self._pieces, self._spelled, top_k
        )

    def entities(self) -> tuple[Entity, ...]:
        """:func:`story_entities` of the members."""
        entities = [
            Entity(
                name=name,
                # Counter.most_common(): by count, descending, ties in first-mention order.
                aliases=tuple(
                    a for a, _ in sorted(self._alias_counts[name].items(), key=_COUNT, reverse=True)
                ),
                kind=self._kinds[name],
                count=count,
            )
            for name, count in self._counts.items()
        ]
        entities.sort(key=lambda e: (-e.count, self._order[e.name]))
        return tuple(entities)

    def salience(self, frequency: EntityFrequency | None = None) -> dict[str, Salience]:
        """:func:`entity_salience` of the members."""
        out: dict[str, Salience] = {}
        for name in sorted(self._rows):
            logs, members, lead_members, mentions = self._rows[name]
            spec = frequency.specificity(name) if frequency is not None else 1.0
            out[name] = Salience(
                name=name,
                kind=self._salience_kinds.get(name, ""),
                score=round(spec * sum(logs), 6),
                members=members,
                lead_members=lead_members,
                mentions=mentions,
                specificity=round(spec, 6),
            )
        return out
