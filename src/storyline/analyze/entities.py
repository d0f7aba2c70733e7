"""Named entities by alias table: 川普, TRUMP and 特朗普 are one person.

The table (``data/entities.tsv``: canonical name, kind, aliases) is compiled once into a
pyahocorasick automaton, which finds every alias in one pass over the text however many
aliases there are. Keys are normalised like the text they are matched against: OpenCC
simplified (both ``tw2s`` and ``t2s`` forms, see normalize.script) and lower-case Latin.

Latin aliases match only at word boundaries (``sbg`` not inside ``sbgx``, ``trump`` not in
``trumpet``); Python's ``\\b`` cannot be used for that because CJK characters count as word
characters (TESLA行政總裁 has no ``\\b`` after TESLA). Aliases marked ``=`` in the table are
case-sensitive (Arm, X, Meta): they count only as printed or all upper-case, so the English
words "arm" and "x" are not the company and the platform.

Example::

    >>> [(m.entity, m.alias, m.count) for m in find_entities("川普和特朗普;OPENAI")]
    [('特朗普', '川普', 1), ('特朗普', '特朗普', 1), ('OpenAI', 'OPENAI', 1)]
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections import Counter
from dataclasses import dataclass
from importlib import resources

import ahocorasick
import opencc

from storyline.errors import ParseError
from storyline.records import EntityMention

__all__ = [
    "EntityTable",
    "entity_table",
    "find_entities",
    "load_entity_table",
    "normalise_alias",
    "other_names",
]

log = logging.getLogger(__name__)

_T2S = opencc.OpenCC("t2s")
_TW2S = opencc.OpenCC("tw2s")


@dataclass(frozen=True, slots=True)
class _Key:
    entity: str
    kind: str
    printed: str  # the alias as written in the table
    case_sensitive: bool
    latin_start: bool
    latin_end: bool


@dataclass(frozen=True)
class EntityTable:
    """The compiled alias table.

    ``names``: canonical name → kind. ``aliases``: canonical name → aliases as written.
    ``canonical_latin``: UPPER-CASE Latin alias → its spelling (what restore_case needs).
    """

    names: dict[str, str]
    aliases: dict[str, tuple[str, ...]]
    canonical_latin: dict[str, str]
    automaton: ahocorasick.Automaton

    def name_of(self, alias: str) -> str | None:
        """The canonical entity an alias (any script or case) stands for, or None."""
        for key in {normalise_alias(alias), _fold(alias)}:
            if key in self.automaton:
                hit: _Key = self.automaton.get(key)[1]
                return hit.entity if hit.kind != "ignore" else None
        return None


def _is_latin(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _fold(text: str) -> str:
    """Per-character NFKC + t2s + lower: keeps the length, so offsets map back to the input."""
    folded = "".join(n if len(n := unicodedata.normalize("NFKC", c)) == 1 else c for c in text)
    simplified = _T2S.convert(folded)
    if len(simplified) != len(folded):  # a phrase rule changed the length: convert per character
        simplified = "".join(s if len(s := _T2S.convert(c)) == 1 else c for c in folded)
    return simplified.lower()


def normalise_alias(alias: str) -> str:
    """The key an alias is stored under: NFKC, OpenCC tw2s, lower case."""
    return _TW2S.convert(unicodedata.normalize("NFKC", alias)).lower()


def load_entity_table(text: str, name: str = "entities.tsv") -> EntityTable:
    """Compile a table in the ``entities.tsv`` format (see the file's header)."""
    automaton = ahocorasick.Automaton()
    names: dict[str, str] = {}
    aliases: dict[str, tuple[str, ...]] = {}
    latin: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 3:
            raise ParseError(name, f"expected 3 tab-separated columns, found {len(cols)}", line=lineno)
        entity, kind, alias_col = (c.strip() for c in cols)
        printed_aliases = tuple(a.strip() for a in alias_col.split("|") if a.strip())
        if kind != "ignore":
            names[entity] = kind
            aliases[entity] = tuple(a.lstrip("=") for a in printed_aliases)
        for raw in printed_aliases:
            case_sensitive = raw.startswith("=")
            printed = raw.lstrip("=")
            if kind != "ignore" and printed.isascii() and any(c.isalpha() for c in printed):
                latin.setdefault(printed.upper(), printed)
            for key in {normalise_alias(printed), _fold(printed)}:
                existing = automaton.get(key, None)
                if existing is not None and existing[1].entity != entity:
                    log.warning(
                        "%s line %d: alias %r already names %s", name, lineno, printed, existing[1].entity
                    )
                    continue
                automaton.add_word(
                    key,
                    (
                        key,
                        _Key(entity, kind, printed, case_sensitive, _is_latin(key[0]), _is_latin(key[-1])),
                    ),
                )
    automaton.make_automaton()
    return EntityTable(names, aliases, latin, automaton)


@functools.cache
def entity_table() -> EntityTable:
    """The packaged table, compiled on first use (about 200 aliases: a few milliseconds)."""
    text = resources.files("storyline.analyze").joinpath("data/entities.tsv").read_text("utf-8")
    return load_entity_table(text, "storyline/analyze/data/entities.tsv")


def _spans(text: str, table: EntityTable) -> list[tuple[int, int, _Key]]:
    """Non-overlapping alias spans (longest first) that respect boundaries and case."""
    folded = _fold(text)
    found: list[tuple[int, int, _Key]] = []
    for end, (key, info) in table.automaton.iter(folded):
        start = end - len(key) + 1
        if info.latin_start and start > 0 and _is_latin(folded[start - 1]):
            continue
        if info.latin_end and end + 1 < len(folded) and _is_latin(folded[end + 1]):
            continue
        if info.case_sensitive:
            printed = text[start : end + 1]
            if printed not in (info.printed, info.printed.upper()):
                continue
        found.append((start, end + 1, info))
    found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    chosen: list[tuple[int, int, _Key]] = []
    for span in sorted(found, key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(span[1] <= c[0] or span[0] >= c[1] for c in chosen):
            chosen.append(span)
    chosen.sort(key=lambda s: s[0])
    return [s for s in chosen if s[2].kind != "ignore"]


def entity_spans(text: str, table: EntityTable | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, canonical name)`` of every entity alias in ``text``, in reading order."""
    return [(s, e, k.entity) for s, e, k in _spans(text, table or entity_table())]


def find_entities(text: str, table: EntityTable | None = None) -> tuple[EntityMention, ...]:
    """Every entity mentioned in ``text``, one mention per (entity, alias as printed), counted.

    ``text`` may be in any script or case (display or canonical form). Mentions come in order
    of the entity's total count, then first appearance.
    """
    spans = _spans(text, table or entity_table())
    per_alias: Counter[tuple[str, str, str]] = Counter()
    per_entity: Counter[str] = Counter()
    first: dict[str, int] = {}
    for start, end, info in spans:
        per_alias[(info.entity, text[start:end], info.kind)] += 1
        per_entity[info.entity] += 1
        first.setdefault(info.entity, start)
    ordered = sorted(per_alias.items(), key=lambda kv: (-per_entity[kv[0][0]], first[kv[0][0]], -kv[1]))
    return tuple(EntityMention(entity=e, alias=a, kind=k, count=n) for (e, a, k), n in ordered)


def other_names(term: str, table: EntityTable | None = None) -> list[str]:
    """The other names of the entity that ``term`` names exactly (川普 → 特朗普, Trump, …).

    Search expands a query term with them, so a reader who types one outlet's spelling finds
    every outlet's report. ``[]`` when ``term`` is not exactly one known name.
    """
    table = table or entity_table()
    mentions = find_entities(term, table)
    if len(mentions) != 1 or normalise_alias(mentions[0].alias) != normalise_alias(term.strip()):
        return []
    name = mentions[0].entity
    own = normalise_alias(term.strip())
    return [a for a in dict.fromkeys([name, *table.aliases.get(name, ())]) if normalise_alias(a) != own]
