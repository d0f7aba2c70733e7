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
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources

import ahocorasick
import opencc

from storyline.errors import ParseError
from storyline.records import EntityMention

__all__ = [
    "POSITION_WEIGHTS",
    "EntityTable",
    "article_entities",
    "canonical_entities",
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
    ambiguous: bool = False  # "?" in the table: links only where the text supports it


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
    # Entities whose mention supports an ambiguous alias of the key entity (4th column).
    context: dict[str, frozenset[str]] = field(default_factory=dict)

    def name_of(self, alias: str, *, unambiguous: bool = False) -> str | None:
        """The canonical entity an alias (any script or case) stands for, or None.

        ``unambiguous=True``: None for an alias marked ``?`` (奥特曼 alone may be Ultraman).
        """
        for key in _alias_keys(alias):
            if key in self.automaton:
                hit: _Key = self.automaton.get(key)[1]
                if hit.kind == "ignore" or (unambiguous and hit.ambiguous):
                    return None
                return hit.entity
        return None


@functools.lru_cache(maxsize=1 << 14)
def _alias_keys(alias: str) -> tuple[str, ...]:
    """The keys an alias may be stored under, in the order :meth:`EntityTable.name_of` tries them."""
    return tuple(sorted({normalise_alias(alias), _fold(alias)}))


def _is_latin(c: str) -> bool:
    return c.isascii() and c.isalnum()


class _PerCharacter(dict):
    """A ``str.translate`` table filled on first sight: each character to ``convert(c)`` when
    that is one character, else to itself. Translating is then one C pass, not a Python loop."""

    def __init__(self, convert) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, code: int) -> str:
        c = chr(code)
        out = self._convert(c)
        self[code] = value = out if len(out) == 1 else c
        return value


_NFKC_CHAR = _PerCharacter(lambda c: unicodedata.normalize("NFKC", c))
_T2S_CHAR = _PerCharacter(lambda c: _T2S.convert(c))


def _fold(text: str) -> str:
    """Per-character NFKC + t2s + lower: keeps the length, so offsets map back to the input."""
    # Most text is already NFKC: no per-character pass needed.
    folded = text if unicodedata.is_normalized("NFKC", text) else text.translate(_NFKC_CHAR)
    simplified = _T2S.convert(folded)
    if len(simplified) != len(folded):  # a phrase rule changed the length: convert per character
        simplified = folded.translate(_T2S_CHAR)
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
    context: dict[str, frozenset[str]] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) not in (3, 4):
            raise ParseError(name, f"expected 3 tab-separated columns, found {len(cols)}", line=lineno)
        entity, kind, alias_col = (c.strip() for c in cols[:3])
        if len(cols) == 4:
            context[entity] = frozenset(c.strip() for c in cols[3].split("|") if c.strip())
        printed_aliases = tuple(a.strip() for a in alias_col.split("|") if a.strip())
        if kind != "ignore":
            names[entity] = kind
            aliases[entity] = tuple(a.lstrip("=?") for a in printed_aliases)
        for raw in printed_aliases:
            ambiguous = raw.startswith("?")
            case_sensitive = raw.lstrip("?").startswith("=")
            printed = raw.lstrip("=?")
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
                        _Key(
                            entity,
                            kind,
                            printed,
                            case_sensitive,
                            _is_latin(key[0]),
                            _is_latin(key[-1]),
                            ambiguous,
                        ),
                    ),
                )
    automaton.make_automaton()
    return EntityTable(names, aliases, latin, automaton, context)


@functools.cache
def entity_table() -> EntityTable:
    """The packaged table, compiled on first use (about 200 aliases: a few milliseconds)."""
    text = resources.files("storyline.analyze").joinpath("data/entities.tsv").read_text("utf-8")
    return load_entity_table(text, "storyline/analyze/data/entities.tsv")


def _spans(text: str, table: EntityTable, folded: str | None = None) -> list[tuple[int, int, _Key]]:
    """Non-overlapping alias spans (longest first) that respect boundaries and case.

    ``folded``: ``_fold(text)`` when the caller has it already."""
    folded = _fold(text) if folded is None else folded
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
    # Longest first, each kept unless it overlaps one kept already: the characters taken are
    # marked, so a span is tested in C, not against every kept span (an article has hundreds).
    taken = bytearray(len(folded))
    for span in sorted(found, key=lambda s: (-(s[1] - s[0]), s[0])):
        start, end = span[0], span[1]
        if taken.find(1, start, end) < 0:
            chosen.append(span)
            taken[start:end] = b"\x01" * (end - start)
    chosen.sort(key=lambda s: s[0])
    return [s for s in chosen if s[2].kind != "ignore"]


def _supported(spans: list[tuple[int, int, _Key]], table: EntityTable) -> list[tuple[int, int, _Key]]:
    """Drop ambiguous aliases (奥特曼) unless the text also names the entity or its context
    unambiguously (奥尔特曼, OpenAI): on their own they are as likely the other meaning."""
    if not any(k.ambiguous for _, _, k in spans):
        return spans
    sure = {k.entity for _, _, k in spans if not k.ambiguous}
    return [
        s
        for s in spans
        if not s[2].ambiguous or s[2].entity in sure or table.context.get(s[2].entity, frozenset()) & sure
    ]


def entity_spans(text: str, table: EntityTable | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, canonical name)`` of every entity alias in ``text``, in reading order."""
    if table is None:
        return list(_packaged_spans(text))
    return [(s, e, k.entity) for s, e, k in _supported(_spans(text, table), table)]


@functools.lru_cache(maxsize=8)
def _packaged_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    # An article's body is cut twice (its tokens, then its keywords with entity names): its
    # aliases are found once.
    table = entity_table()
    return tuple((s, e, k.entity) for s, e, k in _supported(_spans(text, table), table))


def find_entities(text: str, table: EntityTable | None = None) -> tuple[EntityMention, ...]:
    """Every entity mentioned in ``text``, one mention per (entity, alias as printed), counted.

    ``text`` may be in any script or case (display or canonical form). Mentions come in order
    of the entity's total count, then first appearance.
    """
    table = table or entity_table()
    spans = _supported(_spans(text, table), table)
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


# ------------------------------------------------------------------------------------------
# Entities of an article: the table's aliases and the names the text itself shows, weighted by
# where they stand.
# ------------------------------------------------------------------------------------------

#: Weight of one mention by where it stands: a headline or lead names what the report is
#: about; a byline, a contact line, a link list or a footer names who wrote it or what else
#: the site has. Readers' comments name whoever readers argue about (seed 001's thread names
#: 马斯克 far more than its report does): they give aliases, not salience.
POSITION_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "lead": 2.0,
    "body": 1.0,
    "list": 0.25,
    "boilerplate": 0.0,
    "comments": 0.0,
}

# Handles, addresses and links, and the labels that introduce them: masked out of any text.
_LINK = r"(?:https?://|www\.)\S+"
_AT = r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w+"  # an address or a handle: both need an @
_LABELS = (
    r"|\[email\s+protected\]"
    r"|\b(?:Twitter|Facebook|Instagram|LinkedIn|E-?mail|Follow\s+(?:\w+\s+){0,3}on)\s*[:：]?"
    r"|(?:电子邮件|邮箱|推特|微博|微信|脸书)\s*[:：]"
)
_BOILER_SPAN = re.compile(_LINK + _AT + _LABELS, re.IGNORECASE)
# The same without the two @ alternatives, for a text without an @ (nearly all): they cannot match
# there, and the address one tries every run of letters at each of its starts (a Chinese
# paragraph is one long run of \w), which made masking a quadratic scan of every paragraph.
_BOILER_SPAN_NO_AT = re.compile(_LINK + _LABELS, re.IGNORECASE)


def _boiler_span(text: str) -> re.Pattern[str]:
    return _BOILER_SPAN if "@" in text else _BOILER_SPAN_NO_AT


# Paragraphs that are a byline, a caption credit, a link list heading or a footer.
_BOILER_PARA = re.compile(
    r"^\W*(?:By\s+[A-Z]|Written by|Reporting by|Editing by|Additional reporting|Photo|Image|Credit"
    r"|Source:|Copyright|©|\(c\)|Related|Read more|Read also|See also|More:|Sign up|Subscribe|Follow"
    r"|Contact|Click|作者|记者|编辑|责任编辑|来源|原标题|相关|延伸阅读|更多|图片|摄影|版权|点击|扫码|关注)",
    re.IGNORECASE,
)
_FOOTER = re.compile(r"All rights reserved|Copyright|©|版权所有|未经授权|newsletter|cookie", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?。！？\"”'’)）]\s*$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_CAP = re.compile(r"[A-Z]")


# What any match of the masking patterns holds (lower case): most texts hold none, and the
# patterns' alternation is tried at every position of a paragraph.
_BOILER_CUES = (
    "http",
    "www.",
    "email",
    "e-mail",
    "twitter",
    "facebook",
    "instagram",
    "linkedin",
    "follow",
    "电子邮件",
    "邮箱",
    "推特",
    "微博",
    "微信",
    "脸书",
)
# Characters IGNORECASE takes for an ASCII letter (İ ı ſ, the Kelvin sign): a text holding one
# is masked by the patterns themselves.
_CASE_TWINS = re.compile("[\u0130\u0131\u017f\u212a]")


def _mask(text: str) -> str:
    """``text`` with handles, addresses and links blanked out (same length: offsets still hold)."""
    if "@" not in text and not _CASE_TWINS.search(text):
        low = text.lower()
        if not any(cue in low for cue in _BOILER_CUES):
            return text
    return _boiler_span(text).sub(lambda m: " " * len(m.group(0)), text)


def _place(index: int, paragraph: str, paragraphs: tuple[str, ...]) -> str:
    """Where paragraph ``index`` stands: lead, body, list or boilerplate."""
    p = paragraph.strip()
    if _BOILER_PARA.match(p) or (len(p) < 100 and _boiler_span(p).search(p)):
        return "boilerplate"
    if index >= len(paragraphs) - 3 and len(p) < 200 and _FOOTER.search(p):
        return "boilerplate"
    if index < 2:
        return "lead"

    def short(i: int) -> bool:
        q = paragraphs[i].strip() if 0 <= i < len(paragraphs) else ""
        return bool(q) and len(q) < 80 and not _SENTENCE_END.search(q)

    # A run of three or more short unpunctuated paragraphs is a list (links, tags, a menu).
    if short(index) and any(all(short(j) for j in range(s, s + 3)) for s in range(index - 2, index + 1)):
        return "list"
    return "body"


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    entity: str
    kind: str
    from_table: bool


def _section_hits(
    text: str,
    table: EntityTable,
    *,
    recognise: bool,
    headline_names: frozenset[str] | None,
    known: frozenset[str] = frozenset(),
    masked: str | None = None,
):
    """Table aliases and recognised names of one text, non-overlapping, in reading order.

    A recognised Latin name longer than a table alias inside it is the name (Leon Washington is
    a player, not 华盛顿; Washington Post is a paper); otherwise the table's alias wins, as it
    knows the entity across languages. ``masked``: ``_mask(text)`` when the caller has it.
    """
    masked = _mask(text) if masked is None else masked
    folded = _fold(masked)
    table_spans = _spans(masked, table, folded)
    hits = [_Hit(s, e, k.entity, k.kind, True) for s, e, k in table_spans]
    ambiguous = {(s, e) for s, e, k in table_spans if k.ambiguous}
    if not recognise:
        return hits, ambiguous
    from storyline.analyze.names import chinese_names, latin_names

    found = []
    if headline_names is not None:  # a Title-Case headline: only the names its body writes
        for name in sorted(headline_names, key=lambda n: (-len(n), n)):
            found.extend((start, end, name, "name", True) for start, end in _bounded(masked, name))
    else:
        found = [(n.start, n.end, n.text, n.kind, True) for n in latin_names(masked, known=known)]
    if _CJK.search(masked):
        found += [(n.start, n.end, n.text, n.kind, False) for n in chinese_names(folded)]
    chosen = list(hits)
    for start, end, name, kind, latin in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
        overlapping = [h for h in chosen if h.start < end and start < h.end]
        known = table.name_of(name, unambiguous=True)
        if overlapping:
            inside = all(h.from_table and start <= h.start and h.end <= end for h in overlapping)
            if not (latin and inside and (end - start) > max(h.end - h.start for h in overlapping)):
                continue
            if known is None:
                chosen = [h for h in chosen if h not in overlapping]
            elif all(h.entity == known for h in overlapping):
                continue
            else:
                chosen = [h for h in chosen if h not in overlapping]
        if known is not None:
            chosen.append(_Hit(start, end, known, table.names.get(known, kind), True))
        else:
            chosen.append(_Hit(start, end, _name_key(name), kind, False))
    chosen.sort(key=lambda h: (h.start, h.end))
    return chosen, ambiguous


def _bounded(text: str, name: str):
    """(start, end) of each ``name`` in ``text`` not next to a Latin letter or digit, left to right,
    not overlapping: what ``re.finditer`` of ``(?<![A-Za-z0-9])name(?![A-Za-z0-9])`` finds, without
    compiling a pattern per name."""
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if (start == 0 or not _is_latin(text[start - 1])) and (end == len(text) or not _is_latin(text[end])):
            yield start, end
            start = text.find(name, end)
        else:
            start = text.find(name, start + 1)


def _name_key(name: str) -> str:
    """The canonical name of a recognised name: Chinese simplified; Latin as the text writes it."""
    return name if not _CJK.search(name) else _T2S.convert(name)


def article_entities(
    title: str,
    paragraphs: tuple[str, ...] | list[str],
    comments_text: str = "",
    table: EntityTable | None = None,
) -> tuple[EntityMention, ...]:
    """Every entity of an article (display text), with each alias' count, weight and lead flag.

    Table aliases are found everywhere; names are recognised in the title and paragraphs only
    (readers' user names are not the story's). A recognised surname (Malkin, 佩洛西) is the full
    name the same article writes (Evgeni Malkin, 南希·佩洛西) when exactly one ends with it.
    Names whose every mention stands in a byline, a contact line or a footer are dropped, and
    so are recognised names mentioned once outside the title and lead.
    Mentions come most weighty first (ties: most mentioned, then first seen).
    """
    table = table or entity_table()
    paragraphs = tuple(paragraphs)
    sections: list[tuple[str, str]] = []
    body_places = [_place(i, p, paragraphs) for i, p in enumerate(paragraphs)]
    from storyline.analyze.names import latin_names, title_case_line

    if title.strip():
        sections.append(("title", title))
    sections.extend(zip(body_places, paragraphs, strict=True))
    if comments_text.strip():
        sections.append(("comments", comments_text))
    # A Title-Case headline (or a lead sentence in Title Case: a headline the page repeats, or
    # one a sentence splitter cut from its title) shows only the names the body writes.
    title_like = [
        place in ("title", "lead") and bool(paragraphs) and title_case_line(text, strict=place != "title")
        for place, text in sections
    ]
    body_names: frozenset[str] | None = None
    # Words of the multi-word names read so far (Roe of Jane Roe); the title is read first but
    # written last, so it starts from the body's ("Brazen Langford ... heist": Langford is the
    # name the body writes, Brazen only starts the headline).
    known: set[str] = set()

    per_section = []
    ambiguous_keys: list[tuple[int, int, int]] = []
    masked = [_mask(text) for _place, text in sections]  # each section masked once
    for index, (place, text) in enumerate(sections):
        if body_names is None and (title_like[index] or place == "title") and _LATIN_CAP.search(text):
            body_names = frozenset(
                n.text
                for (p_place, _p), like, m in zip(sections, title_like, masked, strict=True)
                if p_place not in ("title", "comments") and not like
                for n in latin_names(m)
            )
        if place == "title" and body_names:
            known.update(body_names)
            known.update(w for n in body_names if " " in n for w in n.split())
        hits, ambiguous = _section_hits(
            text,
            table,
            recognise=place != "comments",
            headline_names=body_names if title_like[index] else None,
            known=frozenset(known),
            masked=masked[index],
        )
        known.update(w for h in hits if not h.from_table and " " in h.entity for w in h.entity.split())
        per_section.append(hits)
        ambiguous_keys.extend((index, s, e) for s, e in ambiguous)
    if ambiguous_keys:  # an ambiguous alias needs the entity or its context named unambiguously
        amb = set(ambiguous_keys)
        sure = {
            h.entity for i, hits in enumerate(per_section) for h in hits if (i, h.start, h.end) not in amb
        }
        # Unsupported, the alias is a name of its own (奥特曼 the hero), not the table's entity.
        per_section = [
            [
                h
                if (i, h.start, h.end) not in amb
                or h.entity in sure
                or table.context.get(h.entity, frozenset()) & sure
                else _Hit(h.start, h.end, _name_key(sections[i][1][h.start : h.end]), "name", False)
                for h in hits
            ]
            for i, hits in enumerate(per_section)
        ]

    # Surnames to full names, within the article.
    full: dict[str, set[str]] = {}
    for hits in per_section:
        for h in hits:
            if h.from_table:
                continue
            if " " in h.entity:
                full.setdefault(h.entity.rsplit(" ", 1)[1], set()).add(h.entity)
            elif _CJK.search(h.entity) and h.kind == "person":
                for cut in range(2, len(h.entity) - 1):
                    tail = h.entity[cut:].lstrip("·•・‧")
                    if len(tail) >= 2:
                        full.setdefault(tail, set()).add(h.entity)
    kinds: dict[str, str] = {}
    per_alias: Counter[tuple[str, str]] = Counter()
    weights: dict[tuple[str, str], float] = {}
    leads: set[tuple[str, str]] = set()
    first: dict[str, int] = {}
    order = 0
    for (place, text), hits in zip(sections, per_section, strict=True):
        for h in hits:
            entity = h.entity
            surname_of = full.get(entity) or full.get(text[h.start : h.end])
            if surname_of and len(surname_of) == 1 and entity not in surname_of:
                # Leon Washington's "Washington" is the player even if the table knows a city.
                entity = next(iter(surname_of))
            key = (entity, text[h.start : h.end])
            per_alias[key] += 1
            weights[key] = weights.get(key, 0.0) + POSITION_WEIGHTS[place]
            if place in ("title", "lead"):
                leads.add(key)
            kind = table.names.get(entity) or (h.kind if entity == h.entity else "name")
            # A name is a person if any mention says so (a title, "said"); else its first kind.
            if (
                entity not in kinds
                or kinds[entity] == "name"
                or (kind == "person" and entity not in table.names)
            ):
                kinds[entity] = kind if kind != "name" or entity not in kinds else kinds[entity]
            first.setdefault(entity, order)
            order += 1
    entity_weight: Counter[str] = Counter()
    entity_count: Counter[str] = Counter()
    from_table = set(table.names)
    for (entity, _alias), n in per_alias.items():
        entity_weight[entity] += weights[(entity, _alias)]
        entity_count[entity] += n
    # A recognised name counts when the article names it in its title or lead, or more than
    # once: one passing mention deep in the body (a player in a list, a shop on a corner) says
    # nothing of the story, and every name kept is one more key for clustering to follow.
    lead_entities = {e for e, _a in leads}
    keep = {
        e
        for e in entity_count
        if e in from_table or (entity_weight[e] > 0 and (e in lead_entities or entity_count[e] >= 2))
    }
    ordered = sorted(
        (kv for kv in per_alias.items() if kv[0][0] in keep),
        key=lambda kv: (-entity_weight[kv[0][0]], -entity_count[kv[0][0]], first[kv[0][0]], -kv[1], kv[0][1]),
    )
    return tuple(
        EntityMention(
            entity=e,
            alias=a,
            kind=kinds.get(e, ""),
            count=n,
            weight=round(weights[(e, a)], 3),
            lead=(e, a) in leads,
        )
        for (e, a), n in ordered
    )


def canonical_entities(analysis) -> tuple[tuple[str, str], ...]:
    """An article's canonical entities with their kind, most salient first: ``(name, kind)``.

    What clustering should compare: one name per entity whatever alias or script the text used
    (川普 and Trump are 特朗普), bylines and footers already left out.
    """
    weight: dict[str, float] = {}
    kinds: dict[str, str] = {}
    for m in analysis.entities:
        weight[m.entity] = weight.get(m.entity, 0.0) + (m.weight or m.count)
        kinds.setdefault(m.entity, m.kind)
    return tuple((e, kinds[e]) for e in sorted(weight, key=lambda e: (-weight[e], e)))
