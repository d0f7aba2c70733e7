"""Rebuilding the stories one input touched: merges, members read back, the paragraph index.

The clusterer says which story each new article joins and which stories merged; this module
turns that into the full :class:`~storyline.records.Story` records to write: a story's earlier
members are read back (also those of the stories it absorbed), its saved paragraph index is
extended with the new articles only (or rebuilt after a merge), and :func:`build_story` makes
the record. It reads through :class:`StoryReader`, the five reads it needs, so it never knows
which store (or test double) is behind them. An update writes what it changed: the story's
aggregate head and the digests of its new members (:mod:`storyline.stories.state`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from storyline.dedup.groups import ParagraphIndex
from storyline.errors import InputError
from storyline.records import Analysis, Article, ParagraphGroup, Story
from storyline.stories.aggregate import EntityFrequency
from storyline.stories.build import build_story, published_key
from storyline.stories.kept import KeptBuild
from storyline.stories.state import (
    MEMBER_STATE_PREFIX,
    STORY_STATE_PREFIX,
    StoryState,
    digest,
    member_bytes,
    member_from_bytes,
)

__all__ = ["PARAGRAPH_STATE_PREFIX", "Rebuild", "StoryReader", "rebuild_from_members", "rebuild_stories"]

log = logging.getLogger(__name__)

PARAGRAPH_STATE_PREFIX = "paragraphs:"
#: A story's paragraph index is saved whole under ``paragraphs:<id>``, then each update saves
#: what it added under ``paragraphs:<id>:1``, ``:2``, … (ParagraphIndex.delta_bytes), and every
#: this many updates it is saved whole again: a big story's index is megabytes, an update's
#: delta a few kilobytes, and a new process reads the whole save and at most this many deltas.
PARAGRAPH_DELTAS_KEPT = 32

Member = tuple[Article, Analysis]


class StoryReader(Protocol):
    """What a rebuild reads: a store satisfies it."""

    def story(self, story_id: str) -> Story | None: ...

    def articles(self, article_ids: Iterable[str]) -> list[Article]: ...

    def analyses(self, article_ids: Iterable[str]) -> list[Analysis]: ...

    def get_state(self, key: str) -> bytes | None: ...

    def get_states(self, keys: Iterable[str]) -> dict[str, bytes]: ...


@dataclass(slots=True)
class Rebuild:
    """The stories to write and the state to save with them (state key → bytes).

    ``aggregates`` are the stories' saved aggregates as written, ``indexes`` their paragraph
    indexes, ``kept`` what their builds keep (an ingest keeps them in memory for the next input
    of the batch).
    """

    stories: list[Story] = field(default_factory=list)
    state: dict[str, bytes] = field(default_factory=dict)
    aggregates: dict[str, StoryState] = field(default_factory=dict)
    indexes: dict[str, ParagraphIndex] = field(default_factory=dict)
    kept: dict[str, KeptBuild] = field(default_factory=dict)


def rebuild_stories(
    reader: StoryReader,
    touched: Mapping[str, Sequence[Member]],
    merged: Mapping[str, str],
    *,
    entity_frequency: EntityFrequency | None = None,
    aggregates: Mapping[str, StoryState] | None = None,
    indexes: Mapping[str, ParagraphIndex] | None = None,
    kept: Mapping[str, KeptBuild] | None = None,
) -> Rebuild:
    """Every story of ``touched`` (story id → its new members) and every story merged into.

    Merged-away stories contribute their members to the story that absorbed them; the old id
    becomes one of its aliases. A story's earlier members come from its saved aggregate
    (``aggregates`` in memory, else the ``story:<id>`` state); a story without one (a store
    written before aggregates existed, an unreadable state) is read back from its record.
    ``indexes`` are paragraph indexes kept in memory as the last write saved them; one that is
    used is extended in place (a caller whose write then fails must drop it); so is what the
    stories' builds ``kept`` (a story without it gets it anew, in :attr:`Rebuild.kept`).
    """
    targets: dict[str, dict[str, Member]] = {}
    unsaved: dict[str, set[str]] = {}  # story id -> members whose digests are not saved apart
    aliases: dict[str, set[str]] = {}
    for old, new in merged.items():
        aliases.setdefault(new, set()).add(old)
    # Sorted: the order stories are rebuilt (and written) never depends on set iteration.
    for sid in sorted(set(touched) | set(merged.values())):
        bucket = targets.setdefault(sid, {})
        to_write = unsaved.setdefault(sid, set())
        previous_ids = [sid, *sorted(old for old, new in merged.items() if new == sid)]
        for pid in previous_ids:
            found = _aggregate(reader, pid, aggregates)
            if found is None:
                continue
            saved, missing = found
            aliases.setdefault(sid, set()).update(saved.aliases)
            bucket.update((a.id, (a, an)) for a, an in saved.members)
            to_write |= missing
        for pid in previous_ids:
            for art, an in touched.get(pid, ()):
                bucket[art.id] = digest(art, an)
                to_write.add(art.id)
    out = Rebuild()
    for sid, members in targets.items():
        if not members:
            continue
        absorbed = [old for old, new in merged.items() if new == sid]
        fresh = {a.id: (a, an) for pid in (sid, *absorbed) for a, an in touched.get(pid, ())}
        # The index is extended in publication order; a report older than one already indexed
        # (a late feed, a page dated in the past) would be added out of that order and give
        # other groups than the full build, so the index is rebuilt then, as after a merge.
        rebuilt = (sid in aliases and bool(set(merged) & aliases[sid])) or _arrives_late(members, fresh)
        groups = _extend_paragraph_index(
            reader,
            out.state,
            sid,
            members,
            fresh_ids={a.id for a, _ in touched.get(sid, ())},
            fresh=fresh,
            rebuilt=rebuilt,
            kept=None if indexes is None else indexes.get(sid),
            indexes=out.indexes,
        )
        story_aliases = sorted(aliases.get(sid, ()))
        story_kept = kept.get(sid) if kept is not None else None
        if story_kept is None:
            story_kept = KeptBuild()
        out.stories.append(
            build_story(
                sid,
                list(members.values()),
                aliases=story_aliases,
                groups=groups,
                entity_frequency=entity_frequency,
                kept=story_kept,
            )
        )
        out.kept[sid] = story_kept
        aggregate = StoryState(sid, tuple(story_aliases), tuple(members[k] for k in sorted(members)))
        out.aggregates[sid] = aggregate
        out.state[STORY_STATE_PREFIX + sid] = aggregate.to_bytes()
        for aid in sorted(unsaved[sid] & members.keys()):
            out.state[MEMBER_STATE_PREFIX + aid] = member_bytes(members[aid])
    for old, new in merged.items():
        if old != new:
            out.state[STORY_STATE_PREFIX + old] = b""  # its members now live in ``new``'s
    return out


def rebuild_from_members(reader: StoryReader, story_ids: Iterable[str], *, entity_frequency=None) -> Rebuild:
    """Every story of ``story_ids`` rebuilt the full way from its stored members.

    Nothing saved is reused: each member's article and analysis is read back, the paragraph
    index is built anew in publication order, the ledger is the reference
    :func:`~storyline.stories.ledger.build_ledger`. ``storyline rebuild`` writes the result; a
    test holds the ingest path (aggregates, extended indexes) to the same stories.
    """
    out = Rebuild()
    for sid in sorted(set(story_ids)):
        existing = reader.story(sid)
        if existing is None:
            continue
        arts = reader.articles(existing.article_ids)
        ans = {an.article_id: an for an in reader.analyses(existing.article_ids)}
        members = {a.id: (a, ans[a.id]) for a in arts if a.id in ans}
        if not members:
            continue
        groups = _extend_paragraph_index(
            reader, out.state, sid, members, fresh_ids=set(members), fresh=members, rebuilt=True
        )
        out.stories.append(
            build_story(
                sid,
                list(members.values()),
                aliases=existing.aliases,
                groups=groups,
                entity_frequency=entity_frequency,
                reference=True,
            )
        )
        digests = {aid: digest(*m) for aid, m in members.items()}
        aggregate = StoryState(
            sid, tuple(sorted(set(existing.aliases))), tuple(digests[k] for k in sorted(digests))
        )
        out.aggregates[sid] = aggregate
        out.state[STORY_STATE_PREFIX + sid] = aggregate.to_bytes()
        for aid in sorted(digests):
            out.state[MEMBER_STATE_PREFIX + aid] = member_bytes(digests[aid])
    return out


def _arrives_late(members: Mapping[str, Member], fresh: Mapping[str, Member]) -> bool:
    """A new member sorts before a member indexed earlier."""
    earlier = [published_key(a) for aid, (a, _) in members.items() if aid not in fresh]
    if not earlier or not fresh:
        return False
    newest = max((published_key(a), a.id) for aid, (a, _) in members.items() if aid not in fresh)
    return min((published_key(a), a.id) for a, _ in fresh.values()) < newest


def _aggregate(
    reader: StoryReader, story_id: str, aggregates: Mapping[str, StoryState] | None
) -> tuple[StoryState, set[str]] | None:
    """The story's saved aggregate with its members, and the members whose digests are not
    saved apart (read back from the store, or from a head saved before the split)."""
    if aggregates is not None and story_id in aggregates:
        return aggregates[story_id], set()
    saved = reader.get_state(STORY_STATE_PREFIX + story_id)
    if saved:
        try:
            head = StoryState.from_bytes(saved)
        except InputError as exc:
            log.warning("story state of %s not readable (%s); reading its members back", story_id, exc)
        else:
            if head.members or not head.article_ids:
                return head, {a.id for a, _ in head.members}
            return _with_members(reader, head)
    existing = reader.story(story_id)
    if existing is None:
        return None
    arts = reader.articles(existing.article_ids)
    ans = {an.article_id: an for an in reader.analyses(existing.article_ids)}
    members = sorted((digest(a, ans[a.id]) for a in arts if a.id in ans), key=lambda m: m[0].id)
    return StoryState(story_id, tuple(existing.aliases), tuple(members)), {a.id for a, _ in members}


def _with_members(reader: StoryReader, head: StoryState) -> tuple[StoryState, set[str]]:
    """``head`` with its members' saved digests; one missing or unreadable is read back."""
    rows = reader.get_states(MEMBER_STATE_PREFIX + aid for aid in head.article_ids)
    members: dict[str, Member] = {}
    for aid in head.article_ids:
        data = rows.get(MEMBER_STATE_PREFIX + aid)
        if not data:
            continue
        try:
            members[aid] = member_from_bytes(data)
        except InputError as exc:
            log.warning(
                "digest of %s in story %s not readable (%s); reading it back", aid, head.story_id, exc
            )
    missing = [aid for aid in head.article_ids if aid not in members]
    if missing:
        arts = reader.articles(missing)
        ans = {an.article_id: an for an in reader.analyses(missing)}
        members.update((a.id, digest(a, ans[a.id])) for a in arts if a.id in ans)
    ordered = tuple(members[aid] for aid in sorted(members))
    return StoryState(head.story_id, head.aliases, ordered), set(missing)


def _full_members(
    reader: StoryReader, members: Mapping[str, Member], fresh: Mapping[str, Member]
) -> dict[str, Member]:
    """Full articles and analyses of ``members`` (digests lack the paragraphs an index needs)."""
    stored = [aid for aid in members if aid not in fresh]
    arts = {a.id: a for a in reader.articles(stored)}
    ans = {an.article_id: an for an in reader.analyses(stored)}
    full = {aid: (arts[aid], ans[aid]) for aid in stored if aid in arts and aid in ans}
    full.update((aid, m) for aid, m in fresh.items() if aid in members)
    return full


def _extend_paragraph_index(
    reader: StoryReader,
    state: dict[str, bytes],
    story_id: str,
    members: dict[str, Member],
    *,
    fresh_ids: set[str],
    fresh: Mapping[str, Member],
    rebuilt: bool,
    kept: ParagraphIndex | None = None,
    indexes: dict[str, ParagraphIndex] | None = None,
) -> tuple[ParagraphGroup, ...]:
    """The story's paragraph groups, extending its saved index with the new articles only.

    A merge rebuilds the index from every member (two indexes cannot be joined without
    re-verifying their groups against each other). ``kept`` is the saved index already in
    memory (not decoded again); the index used is put in ``indexes``.
    """
    key = PARAGRAPH_STATE_PREFIX + story_id
    index = None if rebuilt else kept
    if index is None and not rebuilt:
        index = _saved_index(reader, story_id)
    if index is None:
        index = ParagraphIndex()
        todo = list(_full_members(reader, members, fresh).values())
    else:
        todo = [fresh[aid] for aid in members if aid in fresh_ids]
    for article, analysis in sorted(todo, key=lambda m: (published_key(m[0]), m[0].id)):
        script = analysis.script if analysis.script not in ("", "und") else article.script
        index.add_article(
            article.id, article.outlet, script, analysis.canonical_paragraphs, analysis.display_paragraphs
        )
    deltas = index.deltas
    if deltas is not None and deltas < PARAGRAPH_DELTAS_KEPT:
        state[f"{key}:{deltas + 1}"] = index.delta_bytes()
    else:
        state[key] = index.to_bytes()
    if indexes is not None:
        indexes[story_id] = index
    return index.all_groups()


def _saved_index(reader: StoryReader, story_id: str) -> ParagraphIndex | None:
    """The story's saved paragraph index: its whole save and the deltas taken after it."""
    key = PARAGRAPH_STATE_PREFIX + story_id
    saved = reader.get_state(key)
    if not saved:
        return None
    try:
        index = ParagraphIndex.from_bytes(saved)
        deltas = reader.get_states(f"{key}:{i}" for i in range(1, PARAGRAPH_DELTAS_KEPT + 1))
        # Deltas of an earlier whole save may still be stored: each names the save and its
        # place after it, and the first that does not continue the index ends the reading.
        for i in range(1, PARAGRAPH_DELTAS_KEPT + 1):
            data = deltas.get(f"{key}:{i}")
            if not data or not index.apply_delta(data):
                break
    except (InputError, ValueError) as exc:
        log.warning("paragraph index of %s not readable (%s); rebuilding it", story_id, exc)
        return None
    return index
