"""A story's record in parts (store.story_parts): what an add rewrites, and that every read is the
story written, field for field, in SQLite and PostgreSQL.

The stories here grow as a big story does (claims and members appended, agreement groups growing)
across the parts' boundaries, shrink (a rebuild with fewer reports), are merged away, are written
by a second store (another process) in between, or were stored whole before parts existed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storyline import Settings, open_store
from storyline.pipeline import IngestSession
from storyline.records import Claim, GroupMember, ParagraphGroup, RawInput, Story, TimelineEvent
from storyline.store import story_parts
from storyline.store.base import InputWrite, Store
from storyline.store.codec import story_record
from storyline.store.story_parts import (
    CLAIMS,
    CLAIMS_PER_PART,
    EVENTS_PER_PART,
    GROUPS,
    LISTS,
    MEMBERS_PER_PART,
    TIMELINE,
    PartsWriter,
    read_parts,
)

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2025, 1, 22, 8, 0, tzinfo=UTC)


def _story(n: int, *, sid: str = "s1", groups: int = 3) -> Story:
    """A story of ``n`` reports: each states one figure (all agree but the denials), prints a
    paragraph of one of ``groups`` groups and adds a timeline event, as a big story's do."""
    ids = tuple(f"c{i:05d}" for i in range(n))
    agreed = tuple(i for k, i in enumerate(ids) if k % 7 != 3)
    denials = tuple(i for k, i in enumerate(ids) if k % 7 == 3)
    claims = tuple(
        Claim(
            "星际之门",
            "investment",
            5e11,
            "USD",
            "5000亿美元",
            sentence=f"星际之门投资5000亿美元（第{k % 5}版）。",
            qualifier="denied" if k % 7 == 3 else "",
            speaker=f"outlet {k}",
            article_id=f"a{k:05d}",
            id=i,
            agreement=() if k % 7 == 3 else agreed,
            refuted_by=denials if k % 7 != 3 else (),
            contradiction_reasons=((i, "denied"),) if k % 11 == 0 else (),
        )
        for k, i in enumerate(ids)
    )
    paragraphs = tuple(
        ParagraphGroup(
            id=f"g{g}",
            text=f"第{g}段：软银与甲骨文出资。",
            members=tuple(
                GroupMember(f"a{k:05d}", f"Outlet {k}", "hans", g, 0.9, text=f"第{g}段：软银与甲骨文出资。")
                for k in range(n)
                if k % groups == g
            ),
        )
        for g in range(groups)
    )
    timeline = tuple(
        TimelineEvent(T0 + timedelta(minutes=k), "article", f"Outlet {k}: 报道", f"a{k:05d}", f"Outlet {k}")
        for k in range(n)
    )
    return Story(
        sid,
        "星际之门",
        "星际之门投资5000亿美元",
        tuple(f"a{k:05d}" for k in range(n)),
        paragraphs=paragraphs,
        timeline=timeline,
        claims=claims,
        first_seen=T0,
        last_updated=T0 + timedelta(minutes=n),
        hotness=float(n),
    )


def _grown(story: Story, n: int) -> Story:
    """``story`` with reports up to ``n``, its earlier claims and members the same objects (as the
    kept ledger and paragraph index hand them back), their lists set in place."""
    bigger = _story(n, sid=story.id, groups=len(story.paragraphs))
    claims = list(story.claims)
    for old, new in zip(claims, bigger.claims, strict=False):
        for name in ("agreement", "refuted_by", "contradiction_reasons"):
            if getattr(old, name) != getattr(new, name):
                object.__setattr__(old, name, getattr(new, name))
    groups = tuple(
        replace(g, members=old.members + g.members[len(old.members) :])
        for old, g in zip(story.paragraphs, bigger.paragraphs, strict=True)
    )
    return replace(bigger, claims=(*claims, *bigger.claims[len(claims) :]), paragraphs=groups)


def _parts(db: str, sid: str) -> dict[tuple[int, int], bytes]:
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as conn:
            rows = conn.execute("SELECT kind, part, data FROM story_parts WHERE story_id = %s", (sid,))
            return {(k, p): bytes(d) for k, p, d in rows}
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT kind, part, data FROM story_parts WHERE story_id = ?", (sid,))
        return {(k, p): bytes(d) for k, p, d in rows}


def _fresh_read(db: str, sid: str) -> Story | None:
    """The story as a new process reads it."""
    with open_store(db) as other:
        return other.story(sid)


@pytest.fixture()
def store(db: str) -> Iterator[Store]:
    s = open_store(db)
    yield s
    s.close()


def _puts(monkeypatch: pytest.MonkeyPatch) -> list[set[tuple[int, int]]]:
    """Records the (kind, part) of every part each planned write puts."""
    seen: list[set[tuple[int, int]]] = []
    real = PartsWriter.plan

    def plan(self, story, *args, **kwargs):
        out = real(self, story, *args, **kwargs)
        seen.append({(k, p) for k, p, _ in out.put})
        return out

    monkeypatch.setattr(PartsWriter, "plan", plan)
    return seen


def test_a_growing_story_rewrites_only_the_parts_it_changed(
    store: Store, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    puts = _puts(monkeypatch)
    k, m, e = CLAIMS_PER_PART, MEMBERS_PER_PART, EVENTS_PER_PART
    n = 2 * k - 1  # one claim short of two full claim parts
    story = _story(n, groups=1)
    store.write_stories([story], {})
    assert _fresh_read(db, "s1") == story
    # The first write is whole: 2 claim parts, the two lists, 4 member chunks, 4 event parts.
    assert sorted(puts[-1]) == [
        (CLAIMS, 0),
        (CLAIMS, 1),
        (LISTS, 0),  # claim 0's agreement
        (LISTS, 1),  # and its refuted_by (the denials)
        *((GROUPS, c) for c in range(-(-n // m))),
        *((TIMELINE, j) for j in range(-(-n // e))),
    ]
    for size in (n + 1, n + 2, n + 3):
        story = _grown(story, size)
        store.write_stories([story], {})
        assert _fresh_read(db, "s1") == story
        assert store.story("s1") == story
        last = size - 1
        changed = {(CLAIMS, last // k), (GROUPS, last // m), (TIMELINE, last // e)}
        # The lists grew (the new claim agrees, or is a denial), every other part is as it was.
        assert puts[-1] - {(LISTS, 0), (LISTS, 1)} == changed, size
    assert set(_parts(db, "s1")) == {
        *((CLAIMS, j) for j in range(3)),
        (LISTS, 0),
        (LISTS, 1),
        *((GROUPS, c) for c in range(-(-(n + 3) // m))),
        *((TIMELINE, j) for j in range(-(-(n + 3) // e))),
    }


@pytest.mark.parametrize("n", [0, 1, CLAIMS_PER_PART, CLAIMS_PER_PART + 1, 2 * MEMBERS_PER_PART])
def test_a_story_at_a_part_boundary_reads_back_equal(store: Store, db: str, n: int) -> None:
    story = _story(n, groups=2)
    store.write_stories([story], {})
    assert _fresh_read(db, "s1") == story
    got = {kind: sorted(p for k, p in _parts(db, "s1") if k == kind) for kind in (CLAIMS, GROUPS, TIMELINE)}
    assert got[CLAIMS] == list(range(-(-n // CLAIMS_PER_PART)))
    assert got[TIMELINE] == list(range(-(-n // EVENTS_PER_PART)))
    # Each group has a chunk 0 (its id and text) even without members.
    per_group = [len(g.members) for g in story.paragraphs]
    assert got[GROUPS] == [
        g << 20 | c for g, count in enumerate(per_group) for c in range(max(1, -(-count // MEMBERS_PER_PART)))
    ]


def test_a_story_that_shrinks_drops_the_parts_it_no_longer_has(store: Store, db: str) -> None:
    big = _story(3 * CLAIMS_PER_PART + 5, groups=4)
    store.write_stories([big], {})
    # A rebuild with fewer reports and groups, through the same store (incremental) ...
    small = _story(CLAIMS_PER_PART - 3, groups=2)
    store.write_stories([small], {})
    assert _fresh_read(db, "s1") == small
    assert {k for k, _ in _parts(db, "s1")} == {CLAIMS, LISTS, GROUPS, TIMELINE}
    assert sorted(p for k, p in _parts(db, "s1") if k in (CLAIMS, TIMELINE)) == [0, 0, 1]
    # ... and through another one (written whole: it did not write the story before).
    with open_store(db) as other:
        other.write_stories([_story(2, groups=1)], {})
    assert _fresh_read(db, "s1") == _story(2, groups=1)
    assert sorted(_parts(db, "s1")) == [(CLAIMS, 0), (LISTS, 0), (GROUPS, 0), (TIMELINE, 0)]
    # No claims at all: no claim or list parts, the story still reads.
    store.write_stories([_story(0, groups=0)], {})
    assert _fresh_read(db, "s1") == _story(0, groups=0)
    assert _parts(db, "s1") == {}


def test_another_writer_in_between_makes_the_next_write_whole(store: Store, db: str) -> None:
    """A second process writing the story changes its stamp: this store does not take the parts
    it wrote last for the stored ones, and the story read is the one it writes."""
    story = _story(CLAIMS_PER_PART + 10)
    store.write_stories([story], {})
    with open_store(db) as other:
        other.write_stories([replace(_story(40), headline="别的标题")], {})
    grown = _grown(story, CLAIMS_PER_PART + 11)
    store.write_stories([grown], {})
    assert _fresh_read(db, "s1") == grown


def test_a_rolled_back_write_is_not_taken_for_the_stored_parts(
    store: Store, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = _story(CLAIMS_PER_PART + 10)
    store.write_stories([story], {})
    grown = _grown(story, CLAIMS_PER_PART + 12)
    real = type(store)._w_put_state

    def failing(self, tx, items):
        raise RuntimeError("injected failure after the story's parts")

    monkeypatch.setattr(type(store), "_w_put_state", failing)
    with pytest.raises(RuntimeError, match="injected"):
        store.write_stories([grown], {"k": b"v"})
    monkeypatch.setattr(type(store), "_w_put_state", real)
    assert _fresh_read(db, "s1") == _story(CLAIMS_PER_PART + 10)  # (_grown set story's lists in place)
    # The writer's next write of the story is checked against what is stored, not the rollback.
    again = _grown(grown, CLAIMS_PER_PART + 13)
    store.write_stories([again], {})
    assert _fresh_read(db, "s1") == again


def test_a_merged_story_leaves_no_parts(store: Store, db: str) -> None:
    """Two stories joined by a later report: the one merged away is deleted with its parts (the
    store's ON DELETE CASCADE), its id an alias of the kept one."""
    store.write_stories([_story(5, sid="s1"), _story(7, sid="s2")], {})
    assert _parts(db, "s2")
    raw = RawInput("merge", b"merge")
    store.write_input(InputWrite(raw, (), (), merged={"s2": "s1"}, stories=(_story(12, sid="s1"),)))
    assert store.story("s2") == _story(12, sid="s1")
    assert _parts(db, "s2") == {}
    assert _fresh_read(db, "s2") == _fresh_read(db, "s1") == _story(12, sid="s1")
    # A rebuild that splits them again writes s2 anew, whole.
    store.write_stories([_story(5, sid="s1"), _story(7, sid="s2")], {})
    assert _fresh_read(db, "s2") == _story(7, sid="s2")


def test_a_story_stored_whole_before_parts_is_read_and_then_written_in_parts(store: Store, db: str) -> None:
    story = _story(CLAIMS_PER_PART + 3)
    store.write_stories([story], {})
    whole = story_record(story)
    _sql(db, "UPDATE stories SET record = ? WHERE id = ?", (whole, "s1"))
    _sql(db, "DELETE FROM story_parts")
    assert _fresh_read(db, "s1") == story
    assert store.stories() == [story]
    grown = _grown(story, CLAIMS_PER_PART + 4)
    with open_store(db) as other:  # a new process after the upgrade
        other.write_stories([grown], {})
    assert _fresh_read(db, "s1") == grown
    assert (CLAIMS, 1) in _parts(db, "s1")


def test_a_part_missing_or_unnamed_makes_the_story_unreadable_not_shorter(
    store: Store, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    story = _story(CLAIMS_PER_PART + 3)
    store.write_stories([story], {})
    parts = _parts(db, "s1")
    header = bytes(_sql(db, "SELECT record FROM stories WHERE id = ?", ("s1",))[0][0])
    rows = [(k, p, d) for (k, p), d in parts.items()]
    assert read_parts(header, rows, "story s1") == story
    caplog.set_level(logging.ERROR)
    assert read_parts(header, [r for r in rows if r[:2] != (CLAIMS, 1)], "story s1") is None
    assert read_parts(header, [*rows, (TIMELINE, 9, b"[]")], "story s1") is None
    edited = json.loads(header)
    edited["claims"] += 1
    assert read_parts(json.dumps(edited).encode(), rows, "story s1") is None
    assert sum("stored story s1 is not readable" in r.getMessage() for r in caplog.records) == 3


def _sql(db: str, query: str, params: tuple = ()) -> list[tuple]:
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            cur = conn.execute(query.replace("?", "%s"), params)
            return cur.fetchall() if cur.description else []
    with sqlite3.connect(db) as conn:
        return conn.execute(query, params).fetchall()


def test_a_live_session_on_the_seed_reports_stores_what_a_new_process_reads(
    tmp_path: Path, seed_paths: list[Path]
) -> None:
    """Reports made from the seed page (as benchmarks/big_story.py makes them) added one at a
    time through one session: after each, the story a new process reads is the session's."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import big_story
    finally:
        sys.path.pop(0)
    page, floors = big_story._seed(seed_paths[0].parent.parent)
    db = str(tmp_path / "live.db")
    settings = Settings(db=db, use_encoder=False)
    with open_store(db) as store:
        session = IngestSession(store, settings)
        written: list[set[tuple[int, int]]] = []
        real = story_parts.PartsWriter.plan

        def plan(self, story, *args, **kwargs):
            out = real(self, story, *args, **kwargs)
            written.append({(k, p) for k, p, _ in out.put})
            return out

        story_parts.PartsWriter.plan = plan
        try:
            for i in range(24):
                row = big_story._report(page, floors, i, with_floors=i % 5 == 4)
                raw = RawInput(f"r{i}.jsonl", (json.dumps(row, ensure_ascii=False) + "\n").encode())
                assert session.ingest(raw).status == "ingested"
                stories = store.stories()
                assert len(stories) == 1
                assert _fresh_read(db, stories[0].id) == stories[0]
        finally:
            story_parts.PartsWriter.plan = real
    # The later adds (claims past the first part) rewrite the last claim part, the groups their
    # report's six paragraphs joined and the lists that grew: never the claims before.
    assert len(stories[0].claims) > CLAIMS_PER_PART + 40
    for w in written[-5:]:
        assert (CLAIMS, 0) not in w and (CLAIMS, 1) in w
        assert len([key for key in w if key[0] == GROUPS]) <= 6
