"""A story's saved aggregate: what its next update needs, so nothing else is read back.

Adding a report to a story used to read the story record back (its claims carry every
agreement, so the record grows with the square of the story) and then every member's article
and analysis. The aggregate kept in the store's state table under ``story:<id>`` holds the
story's aliases and one digest per member: the article and analysis without what no
story-level stage reads (article paragraphs, tokens, canonical paragraphs past the second; the
paragraph index keeps its own state). :func:`storyline.stories.build.build_story` runs on the
digests and gives the record it gives on the full members (a test holds it to that).

Example::

    >>> from storyline.pipeline import analyze_article
    >>> from storyline.records import Article
    >>> a, an = analyze_article(Article(url="", outlet="RFI", title="马斯克质疑星际之门", paragraphs=("马斯克说他们没有钱。",)))
    >>> state = StoryState("s1", (), (digest(a, an),))
    >>> StoryState.from_bytes(state.to_bytes()).members[0][0].id == a.id
    True
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from storyline.errors import InputError
from storyline.records import Analysis, Article, from_json, to_json

__all__ = ["STORY_STATE_PREFIX", "StoryState", "digest"]

STORY_STATE_PREFIX = "story:"
#: Canonical paragraphs a digest keeps: the concept reads a member's title and first two.
_CANONICAL_KEPT = 2


def digest(article: Article, analysis: Analysis) -> tuple[Article, Analysis]:
    """The member as the story-level stages see it (see the module docstring for what is left out)."""
    return (
        replace(article, paragraphs=()),
        replace(analysis, tokens=(), canonical_paragraphs=analysis.canonical_paragraphs[:_CANONICAL_KEPT]),
    )


@dataclass(frozen=True, slots=True)
class StoryState:
    """A story's aliases and its members' digests (sorted by article id: the bytes are stable)."""

    story_id: str
    aliases: tuple[str, ...]
    members: tuple[tuple[Article, Analysis], ...]

    def to_bytes(self) -> bytes:
        return to_json(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> StoryState:
        try:
            return from_json(data, cls)
        except Exception as exc:  # msgspec.DecodeError / ValidationError
            raise InputError(f"story state: not readable ({exc}); it will be rebuilt from the store") from exc

    @property
    def article_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a, _ in self.members)
