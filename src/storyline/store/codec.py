"""Small conversions both stores share: datetimes as sortable UTC text, migration files, search text.

Kept apart from the stores so SQLite and PostgreSQL order, migrate and index identically.

    >>> from datetime import datetime, timezone, timedelta
    >>> utc_text(datetime(2025, 1, 22, 13, 40, tzinfo=timezone(timedelta(hours=8))))
    '2025-01-22T05:40:00.000000Z'
"""

from __future__ import annotations

import dataclasses
import logging
import operator
import re
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from itertools import chain, count
from typing import TypeVar

import msgspec

from storyline.records import (
    Analysis,
    Article,
    Claim,
    GroupMember,
    ParagraphGroup,
    Story,
    agreement_group,
    from_json,
    to_json,
)
from storyline.store.base import SearchHit
from storyline.store.bigrams import QueryUnit, fold_all, index_tokens, snippet
from storyline.store.query import SearchQuery, parse_search

__all__ = [
    "Migration",
    "article_search_text",
    "article_search_tokens",
    "load_migrations",
    "read_record",
    "read_records",
    "read_stories",
    "read_story",
    "search_hit",
    "story_record",
    "utc_aware",
    "utc_now_text",
    "utc_text",
]


log = logging.getLogger(__name__)
T = TypeVar("T")


def read_record(
    data: bytes | str | memoryview, type_: type[T], what: str, *, store: str = "store"
) -> T | None:
    """A stored record decoded as ``type_``; None, with the fault logged, when it cannot be read.

    One row the reader cannot decode (written by an older version, or a value that should never
    have been stored) must cost that row only: the page, feed, listing or next ingest that reads
    it goes on without it instead of failing for every other story.
    """
    try:
        return from_json(bytes(data) if isinstance(data, memoryview) else data, type_)
    except (msgspec.DecodeError, TypeError, ValueError) as exc:
        log.error("%s: stored %s is not readable (%s); skipped", store, what, exc)
        return None


def read_records(
    rows: Iterable[tuple[str, bytes | str | memoryview]], type_: type[T], *, store: str = "store"
) -> dict[str, T]:
    """``{key: record}`` for the readable ``(key, data)`` rows (see :func:`read_record`)."""
    found: dict[str, T] = {}
    for key, data in rows:
        record = read_record(data, type_, f"{type_.__name__.lower()} {key}", store=store)
        if record is not None:
            found[key] = record
    return found


# ------------------------------------------------------------------------------------------
# Story records: each agreement group written once
# ------------------------------------------------------------------------------------------


def _compact(cls: type, name: str, *, drop: Sequence[str] = (), interned: Sequence[str] = ()):
    """A msgspec Struct holding ``cls``'s fields as an array (no keys), without ``drop``, each of
    ``interned`` as ``<field>_at``: its index into the record's text table; and the getter of
    those fields' values from a ``cls`` (in the Struct's order, interned ones as text)."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name not in drop]
    spec = [(f"{n}_at", int) if n in interned else (n, hints[n]) for n in names]
    return msgspec.defstruct(name, spec, array_like=True, module=__name__), operator.attrgetter(*names)


_LIST_FIELDS = ("agreement", "refuted_by", "differs_from", "contradicts")
# A stored claim: every field but the four id lists, the sentence (the same sentence is every
# restatement's) in the text table. A paragraph group: each member's text in the table (every
# outlet printing the same paragraph prints the same text).
_StoredClaim, _claim_values = _compact(Claim, "_StoredClaim", drop=_LIST_FIELDS, interned=("sentence",))
_StoredMember, _member_values = _compact(GroupMember, "_StoredMember", interned=("text",))
_CLAIM_SENTENCE = _StoredClaim.__struct_fields__.index("sentence_at")
_MEMBER_TEXT = _StoredMember.__struct_fields__.index("text_at")


class _StoredGroup(msgspec.Struct, array_like=True):
    id: str
    text_at: int
    members: list[_StoredMember]  # type: ignore[valid-type]


class _StoredStory(msgspec.Struct):
    """A story as stored: its claims without their id lists, each distinct list once beside them.

    A figure restated by n outlets gives n claims with one agreement group (and, when a denial
    refutes it, one ``refuted_by`` list): held once in memory, but n² ids when written per claim
    (hundreds of MB for one big story). The claims and paragraph groups are written beside the
    story (``story`` holds neither) as arrays without field names, each text once in ``texts``:
    a 1,000-report story's record was 9 MB, two thirds of it field names and repeated texts.
    A record written before (claims and groups inside ``story``) has no ``claims``.
    """

    story: Story
    lists: list[tuple[str, ...]]
    # Per claim of ``story.claims``, per field of _LIST_FIELDS: index into ``lists``, -1 for ().
    claim_lists: list[int]
    texts: list[str] = []
    claims: list[_StoredClaim] | None = None  # type: ignore[valid-type]
    paragraphs: list[_StoredGroup] = []


class _LegacyClaimLinks(msgspec.Struct):
    id: str = ""
    agrees_with: tuple[str, ...] = ()


class _LegacyStoryLinks(msgspec.Struct):
    claims: list[_LegacyClaimLinks] = []


_STORED_PREFIX = b'{"story":'
_list_values = operator.attrgetter(*_LIST_FIELDS)
_stored_encoder = msgspec.json.Encoder()
_stored_decoder = msgspec.json.Decoder(_StoredStory)
_set = object.__setattr__


def _without_lists(c: Claim) -> Claim:
    return c.with_links((), (), (), c.contradiction_reasons, ())


_SENTENCE = operator.attrgetter("sentence")
_TEXT = operator.attrgetter("text")


def story_record(story: Story, encode: Callable[[object], bytes] = to_json) -> bytes:
    """The whole record of ``story`` (:func:`read_story` gives it back, equal field for field).

    The stores wrote this in ``stories.record`` before they wrote stories in parts
    (:mod:`storyline.store.story_parts`); such records are still read. ``encode`` encodes the
    story itself (without its claims and groups, written apart).

    Written with C-level passes over the claims and members (a big story has a claim and a
    group member per report): the texts and the id lists are numbered in the order they are
    first met, each distinct one looked at once.
    """
    claims = story.claims
    # Every text in the order the record meets it: each claim's sentence, then each group's
    # members' texts and its own.
    sentences = list(map(_SENTENCE, claims))
    member_texts = [list(map(_TEXT, g.members)) for g in story.paragraphs]
    texts = dict.fromkeys(
        chain(
            sentences,
            chain.from_iterable(
                chain(m, (g.text,)) for m, g in zip(member_texts, story.paragraphs, strict=True)
            ),
        )
    )
    number = dict(zip(texts, count()))
    # Each claim's four id lists, numbered by the first claim that holds an equal one (the
    # ledger shares one tuple per list: each distinct object is looked at once).
    held = list(chain.from_iterable(map(_list_values, claims)))
    ids = list(map(id, held))
    objects = dict(zip(ids, held, strict=True))
    lists: list[tuple[str, ...]] = []
    index: dict[tuple[str, ...], int] = {}
    list_at: dict[int, int] = {}
    for i, values in objects.items():  # in the order first met
        if not values:
            list_at[i] = -1
            continue
        at = index.get(values)
        if at is None:
            at = index[values] = len(lists)
            lists.append(values)
        list_at[i] = at
    of = list(map(list_at.__getitem__, ids))
    claim_at = list(map(number.__getitem__, sentences))
    # Encoded in one call each (the stores write a story in parts, store.story_parts: this
    # whole record is what they wrote before, still read, and the measure of a story's size).
    claim_part = _stored_encoder.encode([_claim_row(c, at) for c, at in zip(claims, claim_at, strict=True)])
    group_part = _stored_encoder.encode(
        [
            (
                g.id,
                number[g.text],
                [_member_row(m, number[t]) for m, t in zip(g.members, shown, strict=True)],
            )
            for g, shown in zip(story.paragraphs, member_texts, strict=True)
        ]
    )
    # The fields of _StoredStory, in its order.
    return b"".join(
        (
            _STORED_PREFIX,
            encode(dataclasses.replace(story, claims=(), paragraphs=())),
            b',"lists":',
            _stored_encoder.encode(lists),
            b',"claim_lists":',
            _stored_encoder.encode(of),
            b',"texts":',
            _stored_encoder.encode(list(texts)),
            b',"claims":',
            claim_part,
            b',"paragraphs":',
            group_part,
            b"}",
        )
    )


def _claim_row(c: Claim, text_at: int) -> list:
    """A _StoredClaim's fields as a list (it encodes as the Struct does, an array), unmade."""
    row = list(_claim_values(c))
    row[_CLAIM_SENTENCE] = text_at
    return row


def _member_row(m: GroupMember, text_at: int) -> list:
    row = list(_member_values(m))
    row[_MEMBER_TEXT] = text_at
    return row


def read_story(data: bytes | str | memoryview, what: str, *, store: str = "store") -> Story | None:
    """A stored story (:func:`story_record`, or the plain JSON written before it); None when
    unreadable, with the fault logged (see :func:`read_record`)."""
    raw = bytes(data) if isinstance(data, memoryview) else data
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        if not raw.startswith(_STORED_PREFIX):
            return _legacy_story(raw)
        stored = _stored_decoder.decode(raw)
        story, of, lists = stored.story, stored.claim_lists, stored.lists
        if stored.claims is not None:
            _apart(stored)
        width = len(_LIST_FIELDS)
        if len(of) != width * len(story.claims):
            raise ValueError(f"{len(of)} list indexes for {len(story.claims)} claims")
        # The claims were just decoded and are referenced by nothing else: setting their lists
        # here is part of making them, as the decoder's own setattr is.
        for k, c in enumerate(story.claims):
            for name, i in zip(_LIST_FIELDS, of[width * k : width * k + width], strict=True):
                if i >= 0:
                    _set(c, name, lists[i])
        return story
    except (msgspec.DecodeError, msgspec.ValidationError, TypeError, ValueError, IndexError) as exc:
        log.error("%s: stored %s is not readable (%s); skipped", store, what, exc)
        return None


def _apart(stored: _StoredStory) -> None:
    """Put the claims and groups written beside ``stored.story`` into it (all just decoded)."""
    story, texts = stored.story, stored.texts
    if story.claims or story.paragraphs:
        raise ValueError("claims or paragraph groups both inside and beside the story")
    claims = msgspec.convert(stored.claims, list[Claim], from_attributes=True)
    for c, row in zip(claims, stored.claims, strict=True):
        _set(c, "sentence", texts[row.sentence_at])
    groups = []
    for g in stored.paragraphs:
        members = msgspec.convert(g.members, list[GroupMember], from_attributes=True)
        for m, row in zip(members, g.members, strict=True):
            _set(m, "text", texts[row.text_at])
        groups.append(ParagraphGroup(id=g.id, text=texts[g.text_at], members=tuple(members)))
    _set(story, "claims", tuple(claims))
    _set(story, "paragraphs", tuple(groups))


def _legacy_story(raw: bytes) -> Story:
    """A story record written as plain JSON, its claims' ``agrees_with`` lists made groups."""
    story = from_json(raw, Story)
    links = msgspec.json.decode(raw, type=_LegacyStoryLinks).claims
    for c, link in zip(story.claims, links, strict=True):
        if link.agrees_with:
            _set(c, "agreement", agreement_group(c.id, link.agrees_with))
    return story


def read_stories(
    rows: Iterable[tuple[str, bytes | str | memoryview]], *, store: str = "store"
) -> dict[str, Story]:
    """``{id: story}`` for the readable ``(id, record)`` rows (see :func:`read_story`)."""
    found: dict[str, Story] = {}
    for key, data in rows:
        story = read_story(data, f"story {key}", store=store)
        if story is not None:
            found[key] = story
    return found


def decode_or_skip(decode: Callable[[bytes], T], data: bytes, what: str, *, store: str = "store") -> T | None:
    """``decode(data)``, or None with the fault logged (for the stores' typed summary decoders)."""
    try:
        return decode(data)
    except (msgspec.DecodeError, TypeError, ValueError) as exc:
        log.error("%s: stored %s is not readable (%s); skipped", store, what, exc)
        return None


def utc_text(dt: datetime | None) -> str | None:
    """Fixed-width UTC text, so that text order is time order; naive datetimes are taken as UTC."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now_text() -> str:
    return utc_text(datetime.now(UTC)) or ""


def utc_aware(dt: datetime | None) -> datetime | None:
    """A timezone-aware datetime for PostgreSQL's timestamptz (naive taken as UTC)."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


_MIGRATION_NAME = re.compile(r"^(\d{3})_(\w+)\.sql$")


def load_migrations(dialect: str) -> list[Migration]:
    """The numbered ``store/migrations/<dialect>/NNN_name.sql`` files, in version order."""
    folder = resources.files("storyline.store") / "migrations" / dialect
    found: list[Migration] = []
    for entry in folder.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mg: mg.version)
    versions = [mg.version for mg in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers in store/migrations/{dialect}: {versions}")
    return found


def article_search_tokens(article: Article, analysis: Analysis | None) -> list[str]:
    """The tokens indexed for an article, in order: its title and paragraphs, folded.

    The analysis' canonical forms (t2s + NFKC) are preferred — they are what every other stage
    compares; the article's own text is the fallback before analysis has run.
    """
    if analysis is not None and (analysis.canonical_title or analysis.canonical_paragraphs):
        texts = [analysis.canonical_title, *analysis.canonical_paragraphs]
    else:
        texts = [article.title, *article.paragraphs]
    # Readers' comments are searched too (a figure or a nickname often appears only there);
    # after the body, so that PostgreSQL's position cap cuts comments before the report.
    texts += [c.text for c in article.comments]
    texts = [t for t in texts if t]
    # One tokenizer pass over the texts joined by newlines: a newline is in no token, so no
    # token spans two texts and the tokens are each text's in turn (a call a reply was most of
    # the cost of indexing a thread).
    return index_tokens("\n".join(fold_all(texts)), folded=True)


def article_search_text(article: Article, analysis: Analysis | None) -> str:
    """:func:`article_search_tokens` joined by spaces, the form FTS5's ``unicode61`` reads."""
    return " ".join(article_search_tokens(article, analysis))


def search_hit(art: Article, story_id: str | None, units: Sequence[QueryUnit]) -> SearchHit:
    """A search result for an article: the snippet comes from its display text, as published."""
    return SearchHit(
        kind="article",
        id=art.id,
        story_id=story_id,
        title=art.title,
        snippet=snippet([*art.paragraphs, art.title, *(c.text for c in art.comments)], units),
        published_at=art.published_at,
        outlet=art.outlet,
        day_only=art.published_day_only,
    )


# Store.version / Store.story_version, the same in both dialects but for the parameter mark
# (``{p}``: ``?`` in SQLite, ``%s`` in psycopg). A story id resolves through its alias too.
VERSION_SQL = "SELECT epoch, n FROM store_version"
STORY_VERSION_SQL = (
    "SELECT v.epoch, s.id, s.stamp FROM store_version v JOIN stories s ON s.id = {p}"
    " UNION ALL SELECT v.epoch, s.id, s.stamp FROM store_version v"
    " JOIN story_aliases a ON a.alias = {p} JOIN stories s ON s.id = a.story_id LIMIT 1"
)


def version_token(row: Sequence[object] | None) -> str | None:
    """A version row as its dotted token (``"<epoch>.<n>"`` or ``"<epoch>.<id>.<stamp>"``)."""
    return ".".join(str(v) for v in row) if row else None


def as_query(query: str | SearchQuery) -> SearchQuery:
    """A parsed query (a plain string is parsed without alias expansion)."""
    return query if isinstance(query, SearchQuery) else parse_search(query)


def filter_sql(q: SearchQuery, mark: str, utc) -> tuple[str, list]:
    """`` AND …`` conditions on ``a`` (articles) for the query's filters, with their parameters."""
    sql, params = "", []
    if q.outlet:
        sql += f" AND a.outlet = {mark}"
        params.append(q.outlet)
    if q.script:
        sql += f" AND a.script = {mark}"
        params.append(q.script)
    if q.since is not None:
        sql += f" AND a.published_at >= {mark}"
        params.append(utc(q.since))
    if q.until is not None:
        sql += f" AND a.published_at <= {mark}"
        params.append(utc(q.until))
    return sql, params
