"""A story's saved aggregate: what its next update needs, so nothing else is read back.

Adding a report to a story used to read the story record back (its claims carry every
agreement, so the record grew with the square of the story) and then every member's article
and analysis. The aggregate holds the story's aliases and one digest per member: the article
and analysis without what no story-level stage reads (article paragraphs, tokens, canonical
paragraphs past the second; the paragraph index keeps its own state).
:func:`storyline.stories.build.build_story` runs on the digests and gives the record it gives on
the full members (a test holds it to that).

It is saved in parts, so that an update writes what it changed and not the whole story: the
head (``story:<id>``: aliases and member ids) and one digest per member
(``story-member:<article id>``), written when the member joins or changes. A head saved before
the split holds its members' digests itself and is read as such.

Example::

    >>> from storyline.pipeline import analyze_article
    >>> from storyline.records import Article
    >>> a, an = analyze_article(Article(url="", outlet="RFI", title="马斯克质疑星际之门", paragraphs=("马斯克说他们没有钱。",)))
    >>> state = StoryState("s1", (), (digest(a, an),))
    >>> head = StoryState.from_bytes(state.to_bytes())
    >>> head.article_ids == (a.id,), head.members
    (True, ())
    >>> member_from_bytes(member_bytes(state.members[0]))[0].id == a.id
    True
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import msgspec

from storyline.errors import InputError
from storyline.records import Analysis, Article, from_json, to_json

__all__ = [
    "MEMBER_STATE_PREFIX",
    "STORY_STATE_PREFIX",
    "StoryState",
    "digest",
    "member_bytes",
    "member_from_bytes",
]

STORY_STATE_PREFIX = "story:"
MEMBER_STATE_PREFIX = "story-member:"
#: Canonical paragraphs a digest keeps: the concept reads a member's title and first two.
_CANONICAL_KEPT = 2

Member = tuple[Article, Analysis]
_member_encoder = msgspec.json.Encoder()
_member_decoder = msgspec.json.Decoder(tuple[Article, Analysis])


def digest(article: Article, analysis: Analysis) -> tuple[Article, Analysis]:
    """The member as the story-level stages see it (see the module docstring for what is left out)."""
    return (
        replace(article, paragraphs=()),
        replace(analysis, tokens=(), canonical_paragraphs=analysis.canonical_paragraphs[:_CANONICAL_KEPT]),
    )


@dataclass(frozen=True, slots=True)
class StoryState:
    """A story's aliases and its members' digests (sorted by article id: the bytes are stable).

    ``members`` is empty in a head read back alone (:meth:`from_bytes`); ``article_ids`` is
    always the members' ids.
    """

    story_id: str
    aliases: tuple[str, ...]
    members: tuple[Member, ...]
    article_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Also run by msgspec on decoding, so a head saved with its members gets its ids.
        if self.members and not self.article_ids:
            object.__setattr__(self, "article_ids", tuple(a.id for a, _ in self.members))

    def to_bytes(self) -> bytes:
        """The head: aliases and member ids (the digests are saved apart, :func:`member_bytes`)."""
        return to_json(StoryState(self.story_id, self.aliases, (), self.article_ids))

    @classmethod
    def from_bytes(cls, data: bytes) -> StoryState:
        try:
            return from_json(data, cls)
        except Exception as exc:  # msgspec.DecodeError / ValidationError
            raise InputError(f"story state: not readable ({exc}); it will be rebuilt from the store") from exc


def member_bytes(member: Member) -> bytes:
    """One member's digest as saved under ``story-member:<article id>``."""
    return _member_encoder.encode(member)


def member_from_bytes(data: bytes) -> Member:
    try:
        return _member_decoder.decode(data)
    except Exception as exc:  # msgspec.DecodeError / ValidationError
        raise InputError(
            f"story member digest: not readable ({exc}); it will be rebuilt from the store"
        ) from exc
