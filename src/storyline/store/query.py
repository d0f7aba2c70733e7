"""A reader's search, parsed: terms, alternatives, exclusions, filters and order.

What a search box accepts, in the plain meaning a reader gives it:

- words and CJK runs are all required (``川普 星际`` finds reports naming both);
- ``"…"`` keeps a phrase together (``"elon musk"``);
- ``A OR B`` (or ``A | B``) takes either; a dangling ``OR`` is just ignored (``星际 OR``);
- ``-word`` excludes; a query of exclusions alone finds nothing (there is nothing to rank);
- each required term also matches its other names when the caller passes ``expand`` (the
  entity table's aliases: ``川普`` also finds ``特朗普`` and ``Trump``).

Filters (outlet, script, a date range) and the order (newest or oldest first) travel with the
query, so both stores apply them the same way. Units are the store's own
(:class:`~storyline.store.bigrams.QueryUnit`: CJK bigram phrases, Latin words), which is what
lets a two-character word match in either script.

Example::

    >>> q = parse_search('川普 OR 特朗普 "stargate project" -软银')
    >>> [[u.text for u in c.options] for c in q.clauses if not c.negated]
    [['川普', '特朗普'], ['stargate project']]
    >>> [[u.text for u in c.options] for c in q.clauses if c.negated]
    [['软银']]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from storyline.store.bigrams import QueryUnit, parse_query

__all__ = ["Clause", "SearchQuery", "parse_search"]

SORTS = ("newest", "oldest")
MAX_QUERY_CHARS = 200  # longer is not a search (the portal says so rather than failing)
MAX_OPTIONS = 12  # alternatives per term after alias expansion

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


@dataclass(frozen=True, slots=True)
class Clause:
    """One required (or, ``negated``, excluded) term: any of its ``options`` matches it."""

    options: tuple[QueryUnit, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    clauses: tuple[Clause, ...] = ()
    outlet: str = ""
    script: str = ""
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "newest"
    notes: tuple[str, ...] = field(default=(), compare=False)  # what the parser did, for the page

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)

    @property
    def units(self) -> list[QueryUnit]:
        """Every unit a hit may contain (the snippet marks them)."""
        return [u for c in self.positive for u in c.options]

    @property
    def empty(self) -> bool:
        return not self.positive


def _phrase(text: str) -> QueryUnit | None:
    """``text`` as ONE unit: its units' tokens in order (a phrase), or None when it has none."""
    units = parse_query(text)
    if not units:
        return None
    if len(units) == 1:
        return units[0]
    tokens = tuple(t for u in units for t in u.tokens)
    return QueryUnit(" ".join(u.text for u in units), tokens, cjk=any(u.cjk for u in units))


def parse_search(
    query: str,
    *,
    expand: Callable[[str], Iterable[str]] | None = None,
    outlet: str = "",
    script: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    sort: str = "newest",
) -> SearchQuery:
    """Parse ``query`` (see the module doc); ``expand(term)`` gives a term's other names."""
    notes: list[str] = []
    raw: list[tuple[bool, bool, str]] = []  # (negated, quoted, text)
    for m in _TOKEN.finditer(query.strip()):
        if m.group(3) is not None:
            word = m.group(3)
            neg = word.startswith("-") and len(word) > 1
            raw.append((neg, False, word[1:] if neg else word))
        else:
            raw.append((m.group(1) == "-", True, m.group(2)))
    # Group by OR: a run "a OR b OR c" is one clause of three options.
    groups: list[tuple[bool, list[tuple[bool, str]]]] = []
    pending_or = False
    for neg, quoted, text in raw:
        if not quoted and not neg and text in ("OR", "|"):
            pending_or = bool(groups)
            continue
        if pending_or and groups and not neg and not groups[-1][0]:
            groups[-1][1].append((quoted, text))
        else:
            groups.append((neg, [(quoted, text)]))
        pending_or = False
    clauses: list[Clause] = []
    for neg, items in groups:
        options: list[QueryUnit] = []
        if len(items) == 1 and not items[0][0]:
            # A bare term: each of its units is required (川普Stargate = 川普 AND stargate).
            units = parse_query(items[0][1])
            if len(units) > 1:
                for u in units:
                    clauses.append(Clause(_expanded(u, expand, neg), neg))
                continue
        for _quoted, text in items:
            unit = _phrase(text)
            if unit is not None:
                options.append(unit)
        if not options:
            continue
        if not neg and len(options) == 1:
            options = list(_expanded(options[0], expand, neg))
        clauses.append(Clause(tuple(dict.fromkeys(options))[:MAX_OPTIONS], neg))
    if clauses and not any(not c.negated for c in clauses):
        notes.append("只有排除条件，没有要找的词")
    return SearchQuery(
        text=query,
        clauses=tuple(clauses),
        outlet=outlet.strip(),
        script=script.strip(),
        since=since,
        until=until,
        sort=sort if sort in SORTS else "newest",
        notes=tuple(notes),
    )


def _expanded(
    unit: QueryUnit, expand: Callable[[str], Iterable[str]] | None, negated: bool
) -> tuple[QueryUnit, ...]:
    if expand is None or negated or unit.prefix:
        return (unit,)
    out = [unit]
    for alias in expand(unit.text):
        alt = _phrase(alias)
        if alt is not None and alt not in out:
            out.append(alt)
    return tuple(out[:MAX_OPTIONS])
