"""A story's stored record and aggregate grow with the story, not with its square.

Every claim of an agreement group carries one shared tuple (records.Claim.agreement) and the
stored record writes each distinct id list once (store.codec.story_record); the aggregate is a
head plus one digest per member, written when the member joins (stories.state). Records and
heads written before either change are still read, as what they were.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import msgspec

from storyline import Settings, open_store
from storyline.pipeline import Ingestor, ParsedInput, analyze_article
from storyline.records import Article, Claim, RawInput, Story, to_json
from storyline.sources import parse_input
from storyline.store.codec import read_story, story_record
from storyline.stories.ledger import build_ledger
from storyline.stories.ledger_links import link_ledger
from storyline.stories.rebuild import rebuild_from_members
from storyline.stories.state import MEMBER_STATE_PREFIX, STORY_STATE_PREFIX, StoryState

ROOT = Path(__file__).resolve().parent.parent


def _restatements(n: int) -> list[Claim]:
    """``n`` outlets printing one figure, and one outlet denying it."""
    same = dict(subject="星际之门", measure="investment", kind="level", referent_key="investment")
    claims = [
        Claim(
            value=5e11,
            unit="USD",
            text="5000亿美元",
            speaker=f"outlet {i}",
            article_id=f"a{i:04d}",
            id=f"c{i:04d}",
            **same,
        )
        for i in range(n)
    ]
    claims.append(
        Claim(
            value=5e11,
            unit="USD",
            text="5000亿美元",
            qualifier="denied",
            speaker="马斯克",
            article_id="z",
            id="d",
            **same,
        )
    )
    return claims


def test_claim_agrees_with_is_its_group_without_itself() -> None:
    c = Claim("软银", "cash", 1e10, "USD", "100亿美元", id="b", agrees_with=("c", "a"))
    assert (c.agreement, c.agrees_with) == (("a", "b", "c"), ("a", "c"))
    assert replace(c, agrees_with=("x",)).agreement == ("b", "x")
    assert replace(c, agrees_with=()).agreement == ()
    assert replace(c, text="100亿").agrees_with == ("a", "c")


def test_a_restated_figure_shares_one_group_and_is_written_once() -> None:
    claims = _restatements(300)
    linked = link_ledger(claims)
    assert linked == build_ledger(claims)
    figures, denial = linked[:-1], linked[-1]
    assert all(c.agreement is figures[0].agreement for c in figures)
    assert len(figures[0].agreement) == 300 and figures[7].agrees_with == tuple(
        c.id for c in figures if c.id != "c0007"
    )
    assert all(c.refuted_by == ("d",) for c in figures) and denial.agreement == ()
    story = Story("s", "星际之门", "星际之门", tuple(sorted({c.article_id for c in linked})), claims=linked)
    record = story_record(story)
    # Each id: once as the claim's own id and once in the group list (n² ids before).
    assert record.count(b'"c0007"') == 2
    assert read_story(record, "story s") == story
    half = link_ledger(_restatements(150))
    smaller = story_record(
        replace(story, article_ids=tuple(sorted({c.article_id for c in half})), claims=half)
    )
    assert len(record) < 2.05 * len(smaller)  # twice the story, twice the bytes (4x before)


def test_a_record_written_before_groups_is_read_with_them() -> None:
    linked = link_ledger(_restatements(3))
    story = Story("s", "星际之门", "星际之门", ("a0000",), claims=linked)
    legacy = msgspec.json.decode(to_json(story))
    for c in legacy["claims"]:
        c["agrees_with"] = [i for i in c.pop("agreement") if i != c["id"]]
    got = read_story(json.dumps(legacy).encode(), "story s")
    assert got == story
    assert [c.agrees_with for c in got.claims[:3]] == [
        ("c0001", "c0002"),
        ("c0000", "c0002"),
        ("c0000", "c0001"),
    ]


def _reports(seed_paths: list[Path], n: int) -> list[tuple[Article, object]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import big_story
    finally:
        sys.path.pop(0)
    page, floors = big_story._seed(seed_paths[0].parent.parent)
    out = []
    for i in range(n):
        row = big_story._report(page, floors, i, with_floors=i == n - 1)
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode()
        out.append(analyze_article(parse_input(RawInput(f"r{i}.jsonl", data))[0]))
    return out


def _ingest_one(ingestor: Ingestor, i: int, member) -> None:
    raw = RawInput(f"input{i}", member[0].id.encode())
    ingestor.ingest_raw(raw, ParsedInput(raw, ((replace(member[0], raw_sha256=raw.sha256), member[1]),)))


def test_the_aggregate_is_a_head_and_one_digest_per_member(tmp_path: Path, seed_paths: list[Path]) -> None:
    members = _reports(seed_paths, 4)
    settings = Settings(db=str(tmp_path / "parts.db"), use_encoder=False)
    with open_store(settings.db) as store:
        for i, m in enumerate(members[:3]):
            _ingest_one(Ingestor(store, settings), i, m)  # a new process each time
        (sid,) = set(store.story_ids_of_articles(a.id for a, _ in members[:3]).values())
        head = StoryState.from_bytes(store.get_state(STORY_STATE_PREFIX + sid))
        assert head.members == () and head.article_ids == tuple(sorted(a.id for a, _ in members[:3]))
        digests = store.get_states(MEMBER_STATE_PREFIX + aid for aid in head.article_ids)
        assert len(digests) == 3
        # A head saved before the split (its members inside it) is read, and split on the next write.
        full = rebuild_from_members(store, [sid]).aggregates[sid]
        legacy = to_json(full)  # the old to_bytes: every member's digest in the head
        assert StoryState.from_bytes(legacy).article_ids == head.article_ids
        store.write_stories(
            [store.story(sid)], {STORY_STATE_PREFIX + sid: legacy, **dict.fromkeys(digests, b"")}
        )
        _ingest_one(Ingestor(store, settings), 3, members[3])
        head = StoryState.from_bytes(store.get_state(STORY_STATE_PREFIX + sid))
        assert head.members == () and len(head.article_ids) == 4
        assert (
            len(
                [v for v in store.get_states(MEMBER_STATE_PREFIX + a for a in head.article_ids).values() if v]
            )
            == 4
        )
        ref = rebuild_from_members(store, [sid]).stories[0]
        assert store.story(sid) == ref


def _rows_by_plain_search(claims: list[Claim]) -> list[list[str]]:
    """ledger_rows' rows as it made them before groups: depth first over every ``agrees_with``."""
    by_id = {c.id: c for c in claims}
    seen: set[str] = set()
    rows = []
    for c in claims:
        if c.id in seen:
            continue
        component, stack = [], [c.id]
        while stack:
            cid = stack.pop()
            if cid in seen or cid not in by_id:
                continue
            seen.add(cid)
            component.append(by_id[cid])
            stack.extend(by_id[cid].agrees_with)
        component.sort(key=lambda x: (x.article_id, x.paragraph))
        rows.append([x.id for x in component])
    return sorted(rows)


def test_ledger_rows_visit_claims_in_the_order_of_their_agrees_with() -> None:
    """Rows (and the order of claims tied on article and paragraph) as the plain search gives them,
    on agreement relations that are not transitive (A~B, B~C, not A~C)."""
    import random

    from storyline.stories.ledger import ledger_rows

    rng = random.Random(19)
    checked = 0
    for _ in range(300):
        ids = [f"c{i:02d}" for i in range(rng.randint(2, 30))]
        n_buckets = rng.randint(1, 6)
        bucket = {i: rng.randrange(n_buckets) for i in ids}
        agree = {(a, b) for a in range(n_buckets) for b in range(n_buckets) if a == b or rng.random() < 0.3}
        agree |= {(b, a) for a, b in agree}
        claims = [
            Claim(
                "星际之门", "investment", 5e11, "USD", "5000亿美元", id=i,
                article_id=f"a{rng.randrange(3)}", paragraph=rng.randrange(2),
                agrees_with=tuple(j for j in ids if j != i and (bucket[i], bucket[j]) in agree),
            )
            for i in ids
        ]  # fmt: skip
        rng.shuffle(claims)
        if not any(c.agreement for c in claims):
            continue  # no agreement to follow: every row is one claim
        assert sorted([c.id for c in r.claims] for r in ledger_rows(claims)) == _rows_by_plain_search(claims)
        checked += 1
    assert checked > 250


def _record_before_compact(story: Story) -> bytes:
    """A record as written before claims and groups went beside the story: inside it, with keys."""
    from storyline.store import codec

    bare = tuple(codec._without_lists(c) if any(codec._list_values(c)) else c for c in story.claims)
    lists: dict[tuple[str, ...], int] = {}
    of = []
    for c in story.claims:
        for ids in codec._list_values(c):
            of.append(lists.setdefault(ids, len(lists)) if ids else -1)
    return b"".join(
        (
            b'{"story":',
            to_json(replace(story, claims=bare)),
            b',"lists":',
            msgspec.json.encode(list(lists)),
            b',"claim_lists":',
            msgspec.json.encode(of),
            b"}",
        )
    )


def test_claims_and_groups_are_written_beside_the_story_each_text_once(
    tmp_path: Path, seed_paths: list[Path]
) -> None:
    # A story of reports restating the seed's figures and paragraphs: its record holds each
    # sentence and paragraph text once and no field names per claim or member, and reads back
    # equal field for field; a record in the layout written before is still read.
    members = []
    for p in seed_paths:
        for article in parse_input(RawInput(p.name, p.read_bytes())):
            members.append(analyze_article(article))
    members += _reports(seed_paths, 12)
    story = rebuild_from_members(_Members(members), ["s"]).stories[0]
    assert any(c.agreement for c in story.claims) and any(c.refuted_by for c in story.claims)
    assert sum(len(g.members) for g in story.paragraphs) > 60 and any(
        c.floor is not None for c in story.claims
    )
    record = story_record(story)
    before = _record_before_compact(story)
    assert read_story(record, "story s") == story
    assert read_story(before, "story s") == story
    assert len(record) < 0.5 * len(before)
    sentence = next(c.sentence for c in story.claims if c.agreement)
    assert record.count(json.dumps(sentence, ensure_ascii=False).encode()) == 1
    # A record whose texts do not cover its indexes is unreadable (logged), not a wrong story.
    broken = json.loads(record)
    broken["texts"] = broken["texts"][:1]
    assert read_story(json.dumps(broken).encode(), "story s") is None


class _Members:
    """A StoryReader over members in memory (rebuild_from_members reads a story and its members)."""

    def __init__(self, members) -> None:
        self._arts = {a.id: a for a, _ in members}
        self._ans = {an.article_id: an for _, an in members}

    def story(self, story_id: str) -> Story:
        return Story(story_id, "", "", tuple(self._arts))

    def articles(self, ids):
        return [self._arts[i] for i in ids if i in self._arts]

    def analyses(self, ids):
        return [self._ans[i] for i in ids if i in self._ans]

    def get_state(self, key):
        return None

    def get_states(self, keys):
        return {}
