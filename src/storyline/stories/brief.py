"""The story brief: what happened in a few sentences the sources wrote, and what they dispute.

A reader who opens a story wants, above the fold, the facts every outlet agrees on and the
figures they fight over; the full text, the ledger and the thread come further down. The brief
is **extractive**: every sentence is one an outlet printed, shown with the outlets that printed
it and linked to its paragraph group, so nothing in it is storyline's own wording.

How the sentences are chosen (all from the story's paragraph groups, each group a fact that
one or more outlets printed):

1. every sentence of every group's representative text is a candidate (too short to say
   anything, or long enough to be a whole paragraph, is skipped);
2. its score adds how many distinct outlets printed the group (log-scaled: a fact repeated by
   nine outlets is the story's core, but the tenth adds little), how early it sits (the lead
   paragraph of a report says what happened; later ones explain; the median position over the
   outlets counts, so a compilation that opens with another outlet's tenth paragraph does not
   make it a lead), how much of the story's keywords and top entities it names, and how much
   of the headline it restates (the headline was chosen to fit the members);
3. the best are taken greedily, skipping any candidate whose character pairs overlap an
   already-chosen sentence by half or more (each fact once), up to :data:`MAX_SENTENCES`;
4. they are shown in story order (earliest paragraph first), not score order, so they read
   as a text.

Disputes are the ledger's contradiction pairs (each pair once, both sides); agreed figures
are the ledger's restated figures that nobody contradicts or refutes.

Example::

    >>> from storyline.records import GroupMember, ParagraphGroup, Story
    >>> g = ParagraphGroup("g1", "马斯克质疑星际之门计划的资金。他说软银手上并没有那么多钱。", (
    ...     GroupMember("a1", "RFI", "zh-Hans", 0, 1.0), GroupMember("a2", "88iv", "zh-Hant", 0, 0.9)))
    >>> b = story_brief(Story("s1", "星际之门", "", ("a1", "a2"), paragraphs=(g,)))
    >>> [(s.text, s.outlets) for s in b.sentences]
    [('马斯克质疑星际之门计划的资金。', ('RFI', '88iv')), ('他说软银手上并没有那么多钱。', ('RFI', '88iv'))]
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections import OrderedDict
from collections.abc import Sequence
from operator import add

from storyline.normalize import canonical, canonical_all
from storyline.records import BriefSentence, Claim, ParagraphGroup, Story, StoryBrief

__all__ = ["MAX_SENTENCES", "MIN_CHARS", "split_sentences", "story_brief"]

MAX_SENTENCES = 5
MAX_DISPUTES = 4
MAX_AGREED = 4
MIN_CHARS = 12  # shorter says too little to stand alone ("他说。", a dateline)
MAX_CHARS = 220  # longer is a paragraph, not a sentence a reader takes in at a glance
_REDUNDANT = 0.5  # character-pair overlap above which two sentences state one fact

# A sentence ends at CJK or Latin end punctuation (closing quotes stay with their sentence).
_END = re.compile(r"(?<=[。！？!?；])[”」』\"')）]*|(?<=[.])[”\"')]*(?=\s+[A-Z\"“])")


# Cached: a story's brief is rebuilt on each of its updates, from the same group sentences and
# the same keywords and names; folding them again was most of the brief's cost.
_canonical = functools.lru_cache(maxsize=1 << 14)(canonical)


def split_sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end, in both scripts and English; pieces stripped.

    >>> split_sentences('他说：“没钱。”软银回应称有钱！ It rose. Then it fell.')
    ['他说：“没钱。”', '软银回应称有钱！', 'It rose.', 'Then it fell.']
    """
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        piece = text[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


def _pairs(text: str) -> set[str]:
    return _folded_pairs(_canonical(text))


def _folded_pairs(folded: str) -> set[str]:
    """The character pairs of a text already in :func:`canonical` form, spaces dropped."""
    t = _SPACES.sub("", folded)
    return set(map(add, t, t[1:]))  # each t[i : i + 2], paired in C


_SPACES = re.compile(r"\s+")


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _terms(story: Story) -> list[str]:
    """The story's words a brief sentence should name: keywords and the top entities' names."""
    terms = [_canonical(k.word) for k in story.keywords[:8]]
    for e in story.entities[:6]:
        terms.append(_canonical(e.name))
        terms.extend(_canonical(a) for a in e.aliases[:3])
    return sorted({t for t in terms if t})


def _outlets(group: ParagraphGroup) -> tuple[str, ...]:
    return tuple(dict.fromkeys(filter(None, map(_OUTLET, group.members))))


# The brief is rebuilt with its story on every add, and a big story's groups have a member per
# report: their fields are read with C-level getters.
_OUTLET = operator.attrgetter("outlet")
_POSITION = operator.attrgetter("position")


def story_brief(story: Story, outlet_of: dict[str, str] | None = None) -> StoryBrief:
    """The brief of ``story`` (its groups, keywords, entities and ledger claims).

    ``outlet_of`` maps article id → outlet, for the outlets of disputed and agreed claims.
    """
    terms = _terms(story)
    headline = _pairs(story.headline)
    # Each sentence is folded and paired once: the brief is rebuilt with its story on every add.
    candidates: list[tuple[float, int, int, str, str, tuple[str, ...], str, set[str]]] = []
    for gi, group in enumerate(story.paragraphs):
        outlets = _outlets(group)
        # The median position over the outlets, not the least: a compilation page that opens with
        # another outlet's tenth paragraph does not make it a lead.
        positions = sorted(map(_POSITION, group.members)) or [0]
        first = positions[(len(positions) - 1) // 2]
        script = next((m.script for m in group.members if m.text == group.text), "")
        for si, sentence, folded, pairs in _candidates(group.text):
            named = sum(1 for t in terms if t in folded)
            score = (
                math.log1p(len(outlets))
                + 1.0 / (1 + first + 0.5 * si)
                + 0.6 * min(named, 4) / 4
                # The headline was chosen to fit the members; the sentence that restates it is the news.
                + 0.8 * _overlap(pairs, headline)
            )
            candidates.append((score, gi, si, sentence, group.id, outlets, script, pairs))
    # Best first; ties by story order, so the choice never depends on anything but the story.
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    chosen: list[tuple[int, int, BriefSentence]] = []
    chosen_pairs: list[set[str]] = []
    for _, gi, si, sentence, gid, outlets, script, pairs in candidates:
        if any(_overlap(pairs, p) >= _REDUNDANT for p in chosen_pairs):
            continue
        chosen.append((gi, si, BriefSentence(sentence, gid, outlets, script)))
        chosen_pairs.append(pairs)
        if len(chosen) == MAX_SENTENCES:
            break
    chosen.sort(key=lambda c: (c[0], c[1]))
    by_id = {c.id: c for c in story.claims if c.id}
    return StoryBrief(
        sentences=tuple(s for _, _, s in chosen),
        disputes=_disputes(story.claims, by_id),
        agreed=_agreed(story.claims, outlet_of or {}, by_id),
    )


def _candidates(text: str) -> list[tuple[int, str, str, set[str]]]:
    """The sentences of a group's text a brief may take: (number, sentence, folded, pairs).

    A pure function of the text, kept for the texts met last: a story's groups are the same
    texts update after update, and folding each sentence (OpenCC) was most of the brief.
    """
    got = _CANDIDATES.get(text)
    if got is None:
        kept = [(si, s) for si, s in enumerate(split_sentences(text)) if MIN_CHARS <= len(s) <= MAX_CHARS]
        # One OpenCC call for the text's sentences (canonical_all is canonical of each): a new
        # group's sentences are new, so folding each alone paid OpenCC's call cost per sentence.
        folded_all = canonical_all([s for _, s in kept])
        got = [
            (si, sentence, folded, _folded_pairs(folded))
            for (si, sentence), folded in zip(kept, folded_all, strict=True)
        ]
        _CANDIDATES.put(text, got)
    return got


class _TextCache:
    """Values kept by text, least recently used dropped first, bounded by the texts' characters.

    functools.lru_cache bounds by entries; what a brief keeps per text grows with its length (a
    sentence's character pairs cost ~60 bytes a character), so a count does not bound memory.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self._held: OrderedDict[str, list] = OrderedDict()

    def get(self, text: str) -> list | None:
        got = self._held.get(text)
        if got is not None:
            self._held.move_to_end(text)
        return got

    def put(self, text: str, value: list) -> None:
        if self._held.pop(text, None) is not None:
            self.chars -= len(text)
        self._held[text] = value
        self.chars += len(text)
        while self.chars > self.max_chars and len(self._held) > 1:
            self.chars -= len(self._held.popitem(last=False)[0])

    def clear(self) -> None:
        self._held.clear()
        self.chars = 0

    def __len__(self) -> int:
        return len(self._held)


# A batch of long articles (the 827 SemEval texts: ~10,000 group texts, each met once) kept
# 48 MB of sentences under the old bound of 4,096 texts, for nothing. A live story's groups
# (tens of texts, re-met on every add) stay: 200,000 characters hold the groups of many big
# stories in ~12 MB.
_CANDIDATES = _TextCache(200_000)


def _disputes(claims: Sequence[Claim], by_id: dict[str, Claim]) -> tuple[tuple[str, str], ...]:
    """Each contradiction pair once (ids in ledger order), the ledger's disputes first-come.

    ``by_id``: the claims by id (those with one).
    """
    disputing = [c for c in claims if c.contradicts]
    if not disputing:
        return ()
    order = {c.id: i for i, c in enumerate(claims)}
    pairs: list[tuple[str, str]] = []
    seen: set[frozenset[str]] = set()
    covered: set[tuple[str, str, tuple[tuple[float, str], ...]]] = set()
    for c in disputing:
        for other in c.contradicts:
            if other not in by_id:
                continue
            key = frozenset((c.id, other))
            if key in seen:
                continue
            seen.add(key)
            a, b = sorted((c.id, other), key=lambda i: order[i])
            # One row per disagreement: the same two figures restated by more outlets add nothing.
            ca, cb = by_id[a], by_id[b]
            sig = (ca.subject, ca.measure, tuple(sorted([(ca.value, ca.unit), (cb.value, cb.unit)])))
            if sig in covered:
                continue
            covered.add(sig)
            pairs.append((a, b))
    return tuple(pairs[:MAX_DISPUTES])


def _agreed(claims: Sequence[Claim], outlet_of: dict[str, str], by_id: dict[str, Claim]) -> tuple[str, ...]:
    """Figures that two or more outlets state and nobody contradicts or refutes (claim ids).

    ``by_id``: the claims by id (those with one).
    """
    seen: set[str] = set()
    ranked: list[tuple[int, int, str]] = []
    for i, c in enumerate(claims):
        if not c.agreement or c.id in seen or c.contradicts or c.refuted_by:
            continue
        component = {c.id, *c.agreement}
        seen |= component
        members = [m for m in map(by_id.get, sorted(component)) if m is not None]
        if any(m.contradicts or m.refuted_by for m in members):
            continue
        said = [m.article_id for m in members if m.floor is None]
        outlets = set(map(outlet_of.get, said, said))  # an article without an outlet: its id
        if len(outlets) < 2:
            continue
        ranked.append((-len(outlets), i, c.id))
    ranked.sort()
    return tuple(cid for _, _, cid in ranked[:MAX_AGREED])
