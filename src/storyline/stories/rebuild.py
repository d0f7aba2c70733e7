"""Rebuilding the stories one input touched: merges, members read back, the paragraph index.

The clusterer says which story each new article joins and which stories merged; this module
turns that into the full :class:`~storyline.records.Story` records to write: a story's earlier
members are read back (also those of the stories it absorbed), its saved paragraph index is
extended with the new articles only (or rebuilt after a merge), and :func:`build_story` makes
the record. It reads through :class:`StoryReader`, the four reads it needs, so it never knows
which store (or test double) is behind them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from storyline.dedup.groups import ParagraphIndex
from storyline.errors import InputError
from storyline.records import Analysis, Article, ParagraphGroup, Story
from storyline.stories.build import build_story, published_key

__all__ = ["PARAGRAPH_STATE_PREFIX", "Rebuild", "StoryReader", "rebuild_stories"]

log = logging.getLogger(__name__)

PARAGRAPH_STATE_PREFIX = "paragraphs:"

Member = tuple[Article, Analysis]


class StoryReader(Protocol):
    """What a rebuild reads: a store satisfies it."""

    def story(self, story_id: str) -> Story | None: ...

    def articles(self, article_ids: Iterable[str]) -> list[Article]: ...

    def analyses(self, article_ids: Iterable[str]) -> list[Analysis]: ...

    def get_state(self, key: str) -> bytes | None: ...


@dataclass(slots=True)
class Rebuild:
    """The stories to write and the paragraph indexes to save with them (state key → bytes)."""

    stories: list[Story] = field(default_factory=list)
    state: dict[str, bytes] = field(default_factory=dict)


def rebuild_stories(
    reader: StoryReader,
    touched: Mapping[str, Sequence[Member]],
    merged: Mapping[str, str],
    *,
    entity_frequency=None,
) -> Rebuild:
    """Every story of ``touched`` (story id → its new members) and every story merged into.

    Merged-away stories contribute their members to the story that absorbed them; the old id
    becomes one of its aliases.
    """
    targets: dict[str, dict[str, Member]] = {}
    aliases: dict[str, set[str]] = {}
    for old, new in merged.items():
        aliases.setdefault(new, set()).add(old)
    # Sorted: the order stories are rebuilt (and written) never depends on set iteration.
    for sid in sorted(set(touched) | set(merged.values())):
        bucket = targets.setdefault(sid, {})
        previous_ids = [sid, *sorted(old for old, new in merged.items() if new == sid)]
        for pid in previous_ids:
            existing = reader.story(pid)
            if existing is None:
                continue
            aliases.setdefault(sid, set()).update(existing.aliases)
            arts = reader.articles(existing.article_ids)
            ans = {an.article_id: an for an in reader.analyses(existing.article_ids)}
            for art in arts:
                if art.id in ans:
                    bucket[art.id] = (art, ans[art.id])
        for pid in previous_ids:
            for art, an in touched.get(pid, ()):
                bucket[art.id] = (art, an)
    out = Rebuild()
    for sid, members in targets.items():
        if not members:
            continue
        groups = _extend_paragraph_index(
            reader,
            out.state,
            sid,
            members,
            fresh_ids={a.id for a, _ in touched.get(sid, ())},
            rebuilt=sid in aliases and bool(set(merged) & aliases[sid]),
        )
        out.stories.append(
            build_story(
                sid,
                list(members.values()),
                aliases=sorted(aliases.get(sid, ())),
                groups=groups,
                entity_frequency=entity_frequency,
            )
        )
    return out


def _extend_paragraph_index(
    reader: StoryReader,
    state: dict[str, bytes],
    story_id: str,
    members: dict[str, Member],
    *,
    fresh_ids: set[str],
    rebuilt: bool,
) -> tuple[ParagraphGroup, ...]:
    """The story's paragraph groups, extending its saved index with the new articles only.

    A merge rebuilds the index from every member (two indexes cannot be joined without
    re-verifying their groups against each other).
    """
    key = PARAGRAPH_STATE_PREFIX + story_id
    saved = None if rebuilt else reader.get_state(key)
    index = None
    if saved:
        try:
            index = ParagraphIndex.from_bytes(saved)
        except InputError as exc:
            log.warning("paragraph index of %s not readable (%s); rebuilding it", story_id, exc)
    if index is None:
        index = ParagraphIndex()
        todo = list(members.values())
    else:
        todo = [m for aid, m in members.items() if aid in fresh_ids]
    for article, analysis in sorted(todo, key=lambda m: (published_key(m[0]), m[0].id)):
        script = analysis.script if analysis.script not in ("", "und") else article.script
        index.add_article(
            article.id, article.outlet, script, analysis.canonical_paragraphs, analysis.display_paragraphs
        )
    state[key] = index.to_bytes()
    return index.all_groups()
