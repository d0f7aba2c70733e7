"""A story's record in parts: a small header row and fixed-size chunks, so an add writes what changed.

A big story is written on every report it gets, and nearly all of it is as it was: the claims
before the new report's, the paragraph groups' earlier members, the timeline so far. Written
whole, a 1,000-report story's record is 2.5 MB per add. Here the story is stored as

- a header (``stories.record``): the story without its claims, paragraph groups and timeline,
  and how many of each there are, so a reader knows which parts it must find;
- parts (``story_parts``: story id, kind, part number, bytes):

  ``CLAIMS`` part *j*: claims ``j*CLAIMS_PER_PART`` onwards, as arrays without field names, each
  sentence once in the part's own text table, and per claim its four id lists as *slots*;
  ``LISTS`` part *slot*: one id list (agreement, refuted_by, …). A list's slot is the place
  (claim index × 4 + field) of the first claim that holds it, so a claim's row does not change
  when a list it holds grows (a restatement joins the agreement group);
  ``GROUPS`` part ``g << 20 | c``: members ``c*MEMBERS_PER_PART`` onwards of paragraph group
  *g* (its id and text in chunk 0): a new outlet's member is appended to its group's last chunk;
  ``TIMELINE`` part *j*: events ``j*EVENTS_PER_PART`` onwards.

A claim or member is appended after those of the reports before it, so an add changes the last
chunks and the lists that grew. :class:`PartsWriter` keeps, per story, what it wrote last (the
objects each part was made from) and rewrites only the parts whose objects changed, without
encoding the others; a story it has not written (a new process, or another process wrote it
since) is written whole once.

    >>> from storyline.records import Story
    >>> w = PartsWriter()
    >>> plan = w.plan(Story("s", "c", "h", ("a",)), None)
    >>> plan.full, [k[:2] for k in plan.put]
    (True, [])
    >>> read_parts(plan.header, [], "story s") == Story("s", "c", "h", ("a",))
    True
"""

from __future__ import annotations

import dataclasses
import logging
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain

import msgspec

from storyline.records import Claim, GroupMember, ParagraphGroup, Story, TimelineEvent, to_json
from storyline.store.codec import (
    _LIST_FIELDS,
    _claim_row,
    _member_row,
    _StoredClaim,
    _StoredMember,
)

__all__ = [
    "CLAIMS",
    "CLAIMS_PER_PART",
    "EVENTS_PER_PART",
    "GROUPS",
    "LISTS",
    "MEMBERS_PER_PART",
    "TIMELINE",
    "PartsPlan",
    "PartsWriter",
    "is_parts_header",
    "read_parts",
]

log = logging.getLogger(__name__)

CLAIMS, LISTS, GROUPS, TIMELINE = 0, 1, 2, 3
# Sized so that an add rewrites a few tens of KB: a claim row is ~220 bytes, a member ~65, an
# event ~230. The header says which sizes its parts were cut at (a later version may change them).
CLAIMS_PER_PART = 128
MEMBERS_PER_PART = 64
EVENTS_PER_PART = 64
_GROUP_SHIFT = 20  # a group's chunk c is part g << 20 | c: up to 2**20 chunks per group
_WIDTH = len(_LIST_FIELDS)
_HEADER_PREFIX = b'{"parts"'  # also as json.dumps writes it ('{"parts": 1'), for a hand-edited row
_LAYOUT = 1


class _Header(msgspec.Struct):
    parts: int  # the layout: 1
    story: Story  # without its claims, paragraph groups and timeline
    sizes: tuple[int, int, int]  # claims, members, events per part
    claims: int
    lists: list[int]  # the slots holding a list, ascending
    groups: list[int]  # members per group
    timeline: int


class _ClaimPart(msgspec.Struct, array_like=True):
    texts: list[str]
    rows: list[_StoredClaim]  # type: ignore[valid-type]
    slots: list[int]  # _WIDTH per claim: the slot of each of its lists, -1 for ()


class _GroupPart(msgspec.Struct, array_like=True):
    texts: list[str]
    rows: list[_StoredMember]  # type: ignore[valid-type]
    id: str = ""  # in chunk 0 only
    text_at: int = -1


_encoder = msgspec.json.Encoder()
_header_decoder = msgspec.json.Decoder(_Header)
_claims_decoder = msgspec.json.Decoder(_ClaimPart)
_group_decoder = msgspec.json.Decoder(_GroupPart)
_list_decoder = msgspec.json.Decoder(tuple[str, ...])
_events_decoder = msgspec.json.Decoder(list[TimelineEvent])
_list_values = operator.attrgetter(*_LIST_FIELDS)
_SENTENCE = operator.attrgetter("sentence")
_REASONS = operator.attrgetter("contradiction_reasons")
_TEXT = operator.attrgetter("text")
_is = operator.is_
_set = object.__setattr__


def is_parts_header(record: bytes | str | memoryview) -> bool:
    """Whether a ``stories.record`` is a parts header (else a whole record, read by codec.read_story)."""
    head = bytes(record[:8]) if isinstance(record, memoryview) else record[:8]
    return (head.encode() if isinstance(head, str) else head) == _HEADER_PREFIX


@dataclass(frozen=True, slots=True)
class PartsPlan:
    """What one write of a story puts in the store.

    ``full``: every stored part of the story is deleted first (nothing known of what is stored);
    ``put``: ``(kind, part, bytes)`` to insert or replace; ``drop``: ``(kind, part)`` stored
    before and no longer part of the story. ``kept`` is what :meth:`PartsWriter.commit` keeps.
    """

    header: bytes
    full: bool
    put: list[tuple[int, int, bytes]]
    drop: list[tuple[int, int]]
    kept: _Written = field(repr=False)


@dataclass(slots=True)
class _Written:
    """What a story's parts were made from, as written last: part number -> its objects."""

    token: object = None
    claims: dict[int, tuple[Sequence[Claim], list[object], list[int]]] = field(default_factory=dict)
    lists: dict[int, tuple[str, ...]] = field(default_factory=dict)
    groups: dict[int, tuple[str, str, tuple[GroupMember, ...]]] = field(default_factory=dict)
    timeline: dict[int, bytes] = field(default_factory=dict)


class PartsWriter:
    """The parts of each story written by one store, and which of them a new write changes.

    The store asks :meth:`plan` inside its write transaction, with ``token``: what says the
    stored story is still the one this writer wrote (the stores pass the database's epoch and
    the story's stamp); the plan is kept once the transaction commits (:meth:`commit`), so a
    rolled-back write is never taken for the stored one. Bounded to ``STORIES`` stories.
    """

    STORIES = 8

    def __init__(self) -> None:
        self._written: dict[str, _Written] = {}
        self._pending: dict[str, _Written] = {}

    def begin(self) -> None:
        """A write transaction starts: nothing planned in an earlier one is pending any more."""
        self._pending.clear()

    def commit(self) -> None:
        """The write transaction committed: what it wrote is now the stored parts."""
        for sid, written in self._pending.items():
            self._written.pop(sid, None)
            self._written[sid] = written
        self._pending.clear()
        while len(self._written) > self.STORIES:
            del self._written[next(iter(self._written))]

    def forget(self, story_id: str) -> None:
        self._written.pop(story_id, None)
        self._pending.pop(story_id, None)

    def known(self, story_id: str) -> object:
        """The token of the story as this writer wrote it last, or None (not written by it)."""
        if story_id in self._pending:  # written twice in one transaction: written whole again
            return None
        last = self._written.get(story_id)
        return last.token if last is not None else None

    def plan(
        self,
        story: Story,
        token: object,
        new_token: object = None,
        encode: Callable[[object], bytes] = to_json,
    ) -> PartsPlan:
        """The header and the parts of ``story`` to write; only the changed ones when ``token``
        (the stored story's, as the store reads it) is the one this writer wrote it with.

        ``new_token`` is the token the story will have once written; ``encode`` encodes the
        header's story (the stores pass their own ``to_json``, so a test can make it fail).
        """
        last = self._written.get(story.id) if token is not None and self.known(story.id) == token else None
        full = last is None
        before = last or _Written()
        kept = _Written(token=new_token)
        put: list[tuple[int, int, bytes]] = []
        drop: list[tuple[int, int]] = []

        claims = story.claims
        slots, lists = _slots(claims)
        # Claims: a part is unchanged when it holds the same claim objects with the same
        # contradiction reasons (the one field of a row the ledger sets in place) and slots.
        k = CLAIMS_PER_PART
        for j in range(0, -(-len(claims) // k)):
            part = claims[j * k : (j + 1) * k]
            at = slots[j * k * _WIDTH : (j + 1) * k * _WIDTH]
            old = before.claims.get(j)
            if (
                old is not None
                and len(old[0]) == len(part)
                and all(map(_is, old[0], part))
                and all(map(_is, old[1], map(_REASONS, part)))
                and old[2] == at
            ):
                kept.claims[j] = old
                continue
            put.append((CLAIMS, j, _claims_bytes(part, at)))
            kept.claims[j] = (part, list(map(_REASONS, part)), at)
        drop += [(CLAIMS, j) for j in before.claims if j not in kept.claims]

        for slot, ids in lists.items():
            old = before.lists.get(slot)
            if old is None or (old is not ids and old != ids):
                put.append((LISTS, slot, _encoder.encode(ids)))
            kept.lists[slot] = ids
        drop += [(LISTS, s) for s in before.lists if s not in kept.lists]

        m = MEMBERS_PER_PART
        for g, group in enumerate(story.paragraphs):
            members = group.members
            for c in range(max(1, -(-len(members) // m))):
                key = g << _GROUP_SHIFT | c
                chunk = members[c * m : (c + 1) * m]
                old = before.groups.get(key)
                head = (group.id, group.text) if c == 0 else ("", "")
                if not (
                    old is not None
                    and old[0] == head[0]
                    and old[1] == head[1]
                    and len(old[2]) == len(chunk)
                    and all(map(_is, old[2], chunk))
                ):
                    put.append((GROUPS, key, _group_bytes(chunk, *head, first=c == 0)))
                kept.groups[key] = (*head, chunk)
        drop += [(GROUPS, key) for key in before.groups if key not in kept.groups]

        # The timeline is made anew on every build: its parts are encoded and compared as bytes
        # (C-level, a few hundred KB at most).
        timeline = story.timeline
        e = EVENTS_PER_PART
        for j in range(0, -(-len(timeline) // e)):
            data = _encoder.encode(timeline[j * e : (j + 1) * e])
            if before.timeline.get(j) != data:
                put.append((TIMELINE, j, data))
            kept.timeline[j] = data
        drop += [(TIMELINE, j) for j in before.timeline if j not in kept.timeline]

        header = b"".join(
            (
                b'{"parts":1,"story":',
                encode(dataclasses.replace(story, claims=(), paragraphs=(), timeline=())),
                b',"sizes":',
                _encoder.encode((CLAIMS_PER_PART, MEMBERS_PER_PART, EVENTS_PER_PART)),
                b',"claims":',
                str(len(claims)).encode(),
                b',"lists":',
                _encoder.encode(sorted(lists)),
                b',"groups":',
                _encoder.encode([len(g.members) for g in story.paragraphs]),
                b',"timeline":',
                str(len(timeline)).encode(),
                b"}",
            )
        )
        if full:
            drop = []
        self._pending[story.id] = kept
        return PartsPlan(header=header, full=full, put=put, drop=drop, kept=kept)


def _slots(claims: Sequence[Claim]) -> tuple[list[int], dict[int, tuple[str, ...]]]:
    """Each claim's list slots (``_WIDTH`` per claim, -1 for ()) and ``{slot: ids}``.

    A list's slot is the first place (claim index × _WIDTH + field) holding an equal list: it
    stays while the claims before it stay. The ledger hands every holder of a list the same
    tuple, so each distinct object is looked at once, found by C-level passes.
    """
    held = list(chain.from_iterable(map(_list_values, claims)))
    ids = list(map(id, held))
    distinct = dict.fromkeys(ids)  # in the order first met
    if len(distinct) <= 64:  # the usual: a few shared groups, each found by one C-level scan
        first = zip(distinct, map(ids.index, distinct), strict=True)
    else:  # object id -> the first place holding it (later places overwritten by earlier ones)
        first = sorted(
            dict(zip(reversed(ids), range(len(ids) - 1, -1, -1), strict=True)).items(),
            key=operator.itemgetter(1),
        )
    slot_of: dict[int, int] = {}
    lists: dict[int, tuple[str, ...]] = {}
    by_value: dict[tuple[str, ...], int] = {}
    for i, place in first:
        values = held[place]
        if not values:
            slot_of[i] = -1
            continue
        slot = by_value.get(values)
        if slot is None:
            slot = by_value[values] = place
            lists[slot] = values
        slot_of[i] = slot
    return list(map(slot_of.__getitem__, ids)), lists


def _claims_bytes(claims: Sequence[Claim], slots: list[int]) -> bytes:
    texts = dict.fromkeys(map(_SENTENCE, claims))
    number = {t: k for k, t in enumerate(texts)}
    rows = [_claim_row(c, number[c.sentence]) for c in claims]
    return _encoder.encode((list(texts), rows, slots))


def _group_bytes(members: Sequence[GroupMember], gid: str, text: str, *, first: bool) -> bytes:
    shown = list(map(_TEXT, members))
    texts = dict.fromkeys(chain(shown, (text,)) if first else shown)
    number = {t: k for k, t in enumerate(texts)}
    rows = [_member_row(mb, number[t]) for mb, t in zip(members, shown, strict=True)]
    if first:
        return _encoder.encode((list(texts), rows, gid, number[text]))
    return _encoder.encode((list(texts), rows))


def read_parts(
    header: bytes | str | memoryview,
    parts: Iterable[tuple[int, int, bytes | memoryview]],
    what: str,
    *,
    store: str = "store",
) -> Story | None:
    """The story of a parts header and its ``(kind, part, bytes)`` rows, equal field for field to
    the one written; None, with the fault logged, when it cannot be read (a part missing, or
    one the header does not name, is a fault: never a story with claims left out)."""
    raw = bytes(header) if isinstance(header, memoryview) else header
    try:
        head = _header_decoder.decode(raw)
        if head.parts != _LAYOUT:
            raise ValueError(f"parts layout {head.parts} is not known")
        by_kind: dict[int, dict[int, bytes]] = {CLAIMS: {}, LISTS: {}, GROUPS: {}, TIMELINE: {}}
        for kind, part, data in parts:
            by_kind[kind][part] = bytes(data) if isinstance(data, memoryview) else data
        k, m, e = head.sizes
        story = head.story
        lists = {slot: _list_decoder.decode(by_kind[LISTS].pop(slot)) for slot in head.lists}
        claims: list[Claim] = []
        for j in range(-(-head.claims // k)):
            part = _claims_decoder.decode(by_kind[CLAIMS].pop(j))
            made = msgspec.convert(part.rows, list[Claim], from_attributes=True)
            if len(part.slots) != _WIDTH * len(made):
                raise ValueError(f"{len(part.slots)} list slots for {len(made)} claims")
            texts, slots = part.texts, part.slots
            # Just decoded and referenced by nothing else: setting fields here is part of
            # making them, as the decoder's own setattr is.
            for n, (c, row) in enumerate(zip(made, part.rows, strict=True)):
                _set(c, "sentence", texts[row.sentence_at])
                for name, slot in zip(_LIST_FIELDS, slots[_WIDTH * n : _WIDTH * n + _WIDTH], strict=True):
                    if slot >= 0:
                        _set(c, name, lists[slot])
            claims += made
        if len(claims) != head.claims:
            raise ValueError(f"{len(claims)} claims in the parts, {head.claims} in the header")
        groups: list[ParagraphGroup] = []
        for g, count in enumerate(head.groups):
            gid, text, members = "", "", []
            for c in range(max(1, -(-count // m))):
                part = _group_decoder.decode(by_kind[GROUPS].pop(g << _GROUP_SHIFT | c))
                made = msgspec.convert(part.rows, list[GroupMember], from_attributes=True)
                for mb, row in zip(made, part.rows, strict=True):
                    _set(mb, "text", part.texts[row.text_at])
                if c == 0:
                    gid, text = part.id, part.texts[part.text_at]
                members += made
            if len(members) != count:
                raise ValueError(f"group {g}: {len(members)} members in the parts, {count} in the header")
            groups.append(ParagraphGroup(id=gid, text=text, members=tuple(members)))
        events: list[TimelineEvent] = []
        for j in range(-(-head.timeline // e)):
            events += _events_decoder.decode(by_kind[TIMELINE].pop(j))
        if len(events) != head.timeline:
            raise ValueError(f"{len(events)} events in the parts, {head.timeline} in the header")
        extra = {kind: sorted(rest) for kind, rest in by_kind.items() if rest}
        if extra:
            raise ValueError(f"parts the header does not name: {extra}")
        if story.claims or story.paragraphs or story.timeline:
            raise ValueError("claims, groups or events both in the header and in parts")
        _set(story, "claims", tuple(claims))
        _set(story, "paragraphs", tuple(groups))
        _set(story, "timeline", tuple(events))
        return story
    except (msgspec.DecodeError, msgspec.ValidationError, TypeError, ValueError, IndexError, KeyError) as exc:
        log.error("%s: stored %s is not readable (%s); skipped", store, what, exc)
        return None
