"""The typed records every stage passes on — the ground floor of storyline.

Records are frozen dataclasses: a stage takes records and returns new ones, it never mutates
what it was given. Every stage imports this module and its own libraries, nothing else of
storyline (see DESIGN.md, "Data flow").

Serialisation goes through :func:`to_json` / :func:`from_json` (msgspec understands
dataclasses, tuples and timezone-aware datetimes natively, so no hand-written codec is needed).

Example::

    >>> from storyline.records import Article, Stats
    >>> a = Article(url="https://example.org/1", outlet="Example", title="标题", paragraphs=("正文",))
    >>> from_json(to_json(a), Article) == a
    True
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import Literal, TypeVar

import msgspec

__all__ = [
    "SCRIPTS",
    "Analysis",
    "Article",
    "BriefSentence",
    "Claim",
    "Comment",
    "DiscussionSummary",
    "Entity",
    "EntityMention",
    "FloorStance",
    "GroupMember",
    "Keyword",
    "ParagraphGroup",
    "Quote",
    "RawInput",
    "Stats",
    "Story",
    "StoryBrief",
    "ThreadSummary",
    "TimelineEvent",
    "agreement_group",
    "article_id_for",
    "from_json",
    "sha256_hex",
    "to_json",
]

Script = Literal["zh-Hans", "zh-Hant", "en", "und"]
SCRIPTS: tuple[str, ...] = ("zh-Hans", "zh-Hant", "en", "und")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------
# What the sources stage produces
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawInput:
    """One input exactly as received (a file's bytes, a fetched body), kept byte for byte.

    ``name`` is what a user recognises: the path given on the command line or the URL.
    ``sha256`` addresses the content; the store keeps each distinct content once.
    """

    name: str
    data: bytes
    sha256: str = ""
    media_type: str = ""  # "text/plain", "application/x-ndjson", "text/html", "application/rss+xml"…
    encoding: str = ""  # the encoding the bytes were read with, once known

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", sha256_hex(self.data))


@dataclass(frozen=True, slots=True)
class Quote:
    """An earlier reply quoted inside a comment (``NAME 发表评论于 2025-01-22 13:40:20 …``).

    ``floor`` is the floor the quote resolves to when that floor is in the same thread.
    """

    author: str
    text: str
    posted_at: datetime | None = None
    floor: int | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """One reader reply: a numbered floor (``N 楼``) of a thread.

    ``parent_floor`` is the floor this reply answers (``回复@name:``, a quote, a Weibo parent);
    ``text`` holds the reply's own words, with quoted material moved into ``quotes``.
    ``reply_to`` is the name a ``回复@name:`` reply addresses and ``reply_to_floor`` that user's
    floor when the data shows which it is; a name no floor can be shown to belong to keeps
    ``reply_to_floor`` None (the target is unknown, and the export says so).
    """

    floor: int
    author: str
    text: str
    posted_at: datetime | None = None
    quotes: tuple[Quote, ...] = ()
    parent_floor: int | None = None
    likes: int | None = None
    reply_to: str = ""
    reply_to_floor: int | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    reads: int | None = None
    comments: int | None = None
    likes: int | None = None
    reposts: int | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One outlet's report as read from an input.

    ``paragraphs`` hold the text as published (display form); canonical forms used for analysis
    live in :class:`Analysis`. ``script`` is ``"und"`` until the normalize stage detects it.
    ``raw_sha256`` points at the :class:`RawInput` it was read from, so any result can be
    recomputed from the bytes.
    """

    url: str
    outlet: str
    title: str
    paragraphs: tuple[str, ...]
    published_at: datetime | None = None
    script: str = "und"
    site: str = ""
    author: str = ""
    stats: Stats = field(default_factory=Stats)
    comments: tuple[Comment, ...] = ()
    source_name: str = ""
    raw_sha256: str = ""
    id: str = ""
    # The page gave a day without a time of day: ``published_at`` is that day's midnight in the
    # page's zone, and is shown and exported as the date alone.
    published_day_only: bool = False
    source_line: int | None = None  # the input's line it was read from (JSONL), for messages

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", article_id_for(self.url, self.outlet, self.title, self.paragraphs))


def article_id_for(url: str, outlet: str, title: str, paragraphs: tuple[str, ...]) -> str:
    """A stable id: from the URL when there is one, else from outlet, title and the whole text.

    Stable ids are what make ingest idempotent: the same report read twice maps to one row.
    Without a URL every paragraph counts: two reports that share a title and a boilerplate
    first paragraph ("原标题：…", an agency dateline) are still two reports.
    """
    key = url.strip() if url.strip() else "\x1f".join([outlet, title, *paragraphs])
    # surrogatepass: a lone surrogate (JSON's "\ud800") must not stop an id being made; the
    # validator strips it from the text afterwards, and valid text hashes exactly as before.
    return "a" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:15]


# --------------------------------------------------------------------------------------------
# What the analyze stage adds
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Keyword:
    word: str  # canonical (simplified) form
    weight: float


@dataclass(frozen=True, slots=True)
class EntityMention:
    """A canonical entity found in a text, with the alias spelled as printed."""

    entity: str  # canonical name, e.g. "特朗普"
    alias: str  # as printed, e.g. "川普" / "TRUMP"
    kind: str = ""  # person, org, product, place…
    count: int = 1
    # Mentions weighted by where they stand (title 3, lead 2, body 1, lists 0.25, bylines and
    # footers 0; see analyze.entities.article_entities); lead: in the title or first two paragraphs.
    weight: float = 0.0
    lead: bool = False


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity of a story and every alias seen for it across its articles."""

    name: str
    aliases: tuple[str, ...] = ()
    kind: str = ""
    count: int = 0


@dataclass(frozen=True, slots=True, init=False)
class Claim:
    """A figure some speaker asserts: normalised value plus everything needed to check it.

    ``value`` is in ``unit`` (ISO currency code, "jobs", "GPUs", …); ``text`` is the original
    span, ``sentence`` the sentence it was read from. ``contradicts`` holds the ids of claims on
    the same subject and measure that cannot both be true (filled by the stories ledger).

    ``agreement`` is the claim's agreement group: the sorted ids of every claim that states this
    figure, its own id included (``()`` when none does). The ledger hands every member of a
    group the same tuple, so a figure restated by a thousand outlets costs a thousand ids, not a
    million; ``agrees_with`` (the others) is derived from it. ``Claim(..., agrees_with=ids)``
    and ``replace(c, agrees_with=ids)`` still work: the group is ``ids`` and the claim's own id.

        >>> c = Claim("软银", "cash", 1e10, "USD", "100亿美元", id="b", agrees_with=("c", "a"))
        >>> c.agreement, c.agrees_with
        (('a', 'b', 'c'), ('a', 'c'))
    """

    subject: str
    measure: str
    value: float
    unit: str
    text: str
    sentence: str = ""
    qualifier: str = ""  # over, under, at least, about, up to, ""
    timeframe: str = ""
    speaker: str = ""
    speaker_kind: str = ""  # person, outlet, unnamed, reader
    article_id: str = ""
    paragraph: int = -1  # index into the article's paragraphs; -1 for a comment
    floor: int | None = None  # set when a reader said it in the thread
    id: str = ""
    contradicts: tuple[str, ...] = ()
    agreement: tuple[str, ...] = ()
    refuted_by: tuple[str, ...] = ()
    # What the figure measures (analyze.referents), so that only like is compared with like.
    referent: str = ""  # the noun phrase it quantifies, as printed ("现金余额", "foreign direct investment")
    referent_key: str = ""  # language-independent key of the referent ("cash", "fdi"); "" = unknown
    denominator: str = ""  # "per km", "per gallon", "of registered voters"; "" for a total
    kind: str = ""  # level, change, part, rate ("" on records written before kinds existed)
    modality: str = ""  # "", hypothetical, possible, question, denied: only "" is an assertion
    subject_basis: str = ""  # clause, sentence, article (its one project), ambiguous, context (inferred)
    # Filled by the ledger: (other claim id, the fields that matched) for each contradiction, and
    # the claims on the same referent whose different figure is shown beside this one.
    contradiction_reasons: tuple[tuple[str, str], ...] = ()
    differs_from: tuple[str, ...] = ()

    # Written out (not generated) for one reason: ``agrees_with`` is still accepted, in its old
    # place among the positional parameters, and turned into the group. msgspec decodes without
    # calling it, so a stored ``agreement`` is read as stored.
    def __init__(
        self,
        subject: str,
        measure: str,
        value: float,
        unit: str,
        text: str,
        sentence: str = "",
        qualifier: str = "",
        timeframe: str = "",
        speaker: str = "",
        speaker_kind: str = "",
        article_id: str = "",
        paragraph: int = -1,
        floor: int | None = None,
        id: str = "",
        contradicts: tuple[str, ...] = (),
        agrees_with: tuple[str, ...] | None = None,
        refuted_by: tuple[str, ...] = (),
        referent: str = "",
        referent_key: str = "",
        denominator: str = "",
        kind: str = "",
        modality: str = "",
        subject_basis: str = "",
        contradiction_reasons: tuple[tuple[str, str], ...] = (),
        differs_from: tuple[str, ...] = (),
        agreement: tuple[str, ...] = (),
    ) -> None:
        if agrees_with is not None:  # given explicitly (``replace`` passes the old group too)
            agreement = agreement_group(id, agrees_with)
        put = object.__setattr__
        put(self, "subject", subject)
        put(self, "measure", measure)
        put(self, "value", value)
        put(self, "unit", unit)
        put(self, "text", text)
        put(self, "sentence", sentence)
        put(self, "qualifier", qualifier)
        put(self, "timeframe", timeframe)
        put(self, "speaker", speaker)
        put(self, "speaker_kind", speaker_kind)
        put(self, "article_id", article_id)
        put(self, "paragraph", paragraph)
        put(self, "floor", floor)
        put(self, "id", id)
        put(self, "contradicts", contradicts)
        put(self, "agreement", agreement)
        put(self, "refuted_by", refuted_by)
        put(self, "referent", referent)
        put(self, "referent_key", referent_key)
        put(self, "denominator", denominator)
        put(self, "kind", kind)
        put(self, "modality", modality)
        put(self, "subject_basis", subject_basis)
        put(self, "contradiction_reasons", contradiction_reasons)
        put(self, "differs_from", differs_from)

    def with_links(
        self,
        agreement: tuple[str, ...],
        contradicts: tuple[str, ...],
        refuted_by: tuple[str, ...],
        contradiction_reasons: tuple[tuple[str, str], ...],
        differs_from: tuple[str, ...],
    ) -> Claim:
        """This claim with the ledger's links in place of its own: ``replace`` at a fraction of
        its cost (the ledger and the store make every claim of a story anew on each update)."""
        return Claim(
            *_CLAIM_HEAD(self),
            contradicts,
            None,
            refuted_by,
            *_CLAIM_MIDDLE(self),
            contradiction_reasons,
            differs_from,
            agreement,
        )

    @property
    def agrees_with(self) -> tuple[str, ...]:
        """The ids of the other claims that state this figure, sorted (the group without itself)."""
        group = self.agreement
        if not group:
            return ()
        i = bisect_left(group, self.id)
        if i < len(group) and group[i] == self.id:
            return group[:i] + group[i + 1 :]
        return group


# Claim's positional parameters before ``contradicts`` and between ``refuted_by`` and
# ``contradiction_reasons``: what Claim.with_links copies.
_CLAIM_HEAD_FIELDS = (
    "subject", "measure", "value", "unit", "text", "sentence", "qualifier", "timeframe",
    "speaker", "speaker_kind", "article_id", "paragraph", "floor", "id",
)  # fmt: skip
_CLAIM_MIDDLE_FIELDS = ("referent", "referent_key", "denominator", "kind", "modality", "subject_basis")
_CLAIM_HEAD = attrgetter(*_CLAIM_HEAD_FIELDS)
_CLAIM_MIDDLE = attrgetter(*_CLAIM_MIDDLE_FIELDS)
_CLAIM_LINKS = ("contradicts", "agreement", "refuted_by")
_CLAIM_TAIL = ("contradiction_reasons", "differs_from")
if [f.name for f in fields(Claim)] != [
    *_CLAIM_HEAD_FIELDS,
    *_CLAIM_LINKS,
    *_CLAIM_MIDDLE_FIELDS,
    *_CLAIM_TAIL,
]:
    raise RuntimeError("records.Claim's fields moved: update _CLAIM_HEAD_FIELDS and _CLAIM_MIDDLE_FIELDS")


def agreement_group(claim_id: str, agrees_with: Iterable[str]) -> tuple[str, ...]:
    """The agreement group of claim ``claim_id`` that agrees with ``agrees_with``: sorted, itself in.

    ``()`` when it agrees with nothing (a claim alone in its group has nothing to show).
    """
    others = set(agrees_with)
    others.discard(claim_id)
    return tuple(sorted(others | {claim_id})) if others else ()


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the normalize and analyze stages learn about one article.

    ``canonical_*`` are the OpenCC t2s + NFKC forms every comparison uses; ``display_*`` are the
    as-published text with width folded and all-caps Latin names restored.
    """

    article_id: str
    script: str
    canonical_title: str
    canonical_paragraphs: tuple[str, ...]
    display_title: str
    display_paragraphs: tuple[str, ...]
    tokens: tuple[str, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    entities: tuple[EntityMention, ...] = ()
    claims: tuple[Claim, ...] = ()


# --------------------------------------------------------------------------------------------
# What the dedup and stories stages produce
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupMember:
    article_id: str
    outlet: str
    script: str
    position: int  # paragraph index within the article
    similarity: float  # to the group's representative, 0..1
    text: str = ""  # this outlet's version, as printed
    sentence: int | None = None  # set when only one sentence of the paragraph repeats


@dataclass(frozen=True, slots=True)
class ParagraphGroup:
    """One fact as every outlet printed it: shown once, with every outlet named."""

    id: str
    text: str  # the representative (the most complete version)
    members: tuple[GroupMember, ...]


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    at: datetime
    kind: str  # first_report, outlet_joined, claim, discussion_burst, article
    label: str
    article_id: str = ""
    outlet: str = ""
    day_only: bool = False  # a report dated by its day alone: shown as that date, never 00:00


@dataclass(frozen=True, slots=True)
class FloorStance:
    """Where one floor stands on its article's headline claim: agree, disagree or other.

    ``evidence`` is the sentence of the floor that decided it ("" for other); ``score`` is the
    weight of agreeing minus disagreeing cues (for ordering, not a probability).
    """

    floor: int
    stance: str  # agree, disagree, other
    evidence: str = ""
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    """One article's reader thread within a story: its size and how its readers split.

    ``top_agree`` / ``top_disagree`` are the most-quoted (then most-replied, most-liked) floor
    on each side, ``None`` when that side is empty. ``stances`` lists the floors that agree or
    disagree; every other floor of the thread is ``other``.
    """

    article_id: str
    outlet: str = ""
    title: str = ""
    floors: int = 0
    replies: int = 0  # floors that answer or quote another floor
    agree: int = 0
    disagree: int = 0
    other: int = 0
    top_agree: int | None = None
    top_disagree: int | None = None
    stances: tuple[FloorStance, ...] = ()


@dataclass(frozen=True, slots=True)
class DiscussionSummary:
    comments: int = 0
    authors: int = 0
    most_quoted: tuple[tuple[int, int], ...] = ()  # (floor, times quoted)
    most_replied: tuple[tuple[int, int], ...] = ()  # (floor, replies)
    most_active: tuple[tuple[str, int], ...] = ()  # (author, comments)
    reply_depth: int = 0
    activity: tuple[tuple[datetime, int], ...] = ()  # (hour, comments)
    summary: str = ""
    threads: tuple[ThreadSummary, ...] = ()  # every thread of the story, biggest first, with stances


@dataclass(frozen=True, slots=True)
class BriefSentence:
    """A sentence of the story brief: as one outlet printed it, with every outlet that did."""

    text: str
    group_id: str  # the paragraph group it comes from (the page links to it)
    outlets: tuple[str, ...] = ()
    script: str = ""


@dataclass(frozen=True, slots=True)
class StoryBrief:
    """What a reader sees first (:mod:`storyline.stories.brief`): facts, disputes, agreed figures."""

    sentences: tuple[BriefSentence, ...] = ()
    disputes: tuple[tuple[str, str], ...] = ()  # (claim id, claim id): the two sides
    agreed: tuple[str, ...] = ()  # claim ids of figures several outlets state, none disputes


@dataclass(frozen=True, slots=True)
class Story:
    """Every outlet's report of one event, and its discussion, as one page."""

    id: str
    concept: str
    headline: str
    article_ids: tuple[str, ...]
    keywords: tuple[Keyword, ...] = ()
    entities: tuple[Entity, ...] = ()
    paragraphs: tuple[ParagraphGroup, ...] = ()
    timeline: tuple[TimelineEvent, ...] = ()
    claims: tuple[Claim, ...] = ()
    discussion: DiscussionSummary = field(default_factory=DiscussionSummary)
    hotness: float = 0.0
    first_seen: datetime | None = None
    last_updated: datetime | None = None
    aliases: tuple[str, ...] = ()  # ids of stories merged into this one
    brief: StoryBrief = field(default_factory=StoryBrief)


T = TypeVar("T")

_encoder = msgspec.json.Encoder()


def to_json(obj: object) -> bytes:
    """Encode any record (or list of records) as JSON bytes."""
    return _encoder.encode(obj)


def from_json(data: bytes | str, type_: type[T]) -> T:
    """Decode JSON produced by :func:`to_json` back into ``type_``."""
    return msgspec.json.decode(data, type=type_)
