"""End to end on the two real seed pages: ingest → one story → export, exactly as a user runs it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from storyline import Settings, ingest, open_store, stories_export
from storyline.normalize.script import to_simplified


@pytest.fixture()
def seeded_db(tmp_path: Path, seed_paths: list[Path]) -> Path:
    db = tmp_path / "seeds.db"
    report = ingest(seed_paths, settings=Settings(db=str(db)))
    assert report.ok, [o.message for o in report.failed]
    assert len(report.ingested) == 2
    return db


@pytest.fixture()
def seed_story(seeded_db: Path) -> dict:
    with open_store(str(seeded_db)) as store:
        exported = stories_export(store)
    assert len(exported) == 1, [s["headline"] for s in exported]
    return exported[0]


def test_the_two_seed_pages_become_one_story(seed_story: dict) -> None:
    outlets = {a["outlet"] for a in seed_story["articles"]}
    assert len(seed_story["articles"]) == 2
    assert "RFI华语" in outlets
    assert "88iv" in outlets


def test_story_keywords_cover_the_seed_pages_keywords_line(seed_story: dict) -> None:
    words = {to_simplified(k) for k in seed_story["keywords"]}
    for expected in ("特朗普", "马斯克", "星际之门", "计划"):
        assert expected in words, (expected, seed_story["keywords"])


def test_concept_names_the_top_person_and_project(seed_story: dict) -> None:
    concept = to_simplified(seed_story["concept"])
    assert "特朗普" in concept
    assert "星际之门" in concept


def test_headline_is_chosen_because_it_fits_not_seed_000s_own(seed_story: dict) -> None:
    assert seed_story["headline"] == "马斯克向川普支持的AI计划泼冷水:他们实际上没钱"


def test_thread_has_48_floors_and_three_resolved_quotes(seed_story: dict) -> None:
    thread = next(a for a in seed_story["articles"] if a["comments"])
    assert [c["floor"] for c in thread["comments"]] == list(range(1, 49))
    quoted = {c["floor"]: [q["floor"] for q in c["quotes"]] for c in thread["comments"] if c["quotes"]}
    assert quoted == {11: [4], 36: [33], 37: [19]}
    assert thread["stats"]["reads"] == 44192
    assert thread["stats"]["comments"] == 48


def test_entities_carry_their_aliases(seed_story: dict) -> None:
    entities = {e["name"]: set(e["aliases"]) for e in seed_story["entities"]}
    trump = entities.get("特朗普", set())
    assert "川普" in trump


def test_export_contract_has_every_field(seed_story: dict) -> None:
    assert set(seed_story) >= {
        "id",
        "concept",
        "headline",
        "keywords",
        "entities",
        "articles",
        "paragraphs",
        "claims",
    }
    article = seed_story["articles"][0]
    assert set(article) >= {"id", "outlet", "title", "url", "published_at", "script", "stats", "comments"}
    scripts = {a["script"] for a in seed_story["articles"]}
    assert scripts == {"zh-Hans", "zh-Hant"}
    json.dumps(seed_story, ensure_ascii=False)


def test_the_shared_paragraph_is_one_group_naming_both_outlets(seed_story: dict) -> None:
    groups = [g for g in seed_story["paragraphs"] if len({m["article_id"] for m in g["members"]}) > 1]
    texts = [to_simplified(g["text"]) for g in groups]
    assert any("马斯克与特朗普有着密切的私人关系" in t for t in texts), texts


def test_ingesting_the_same_pages_again_adds_nothing(seeded_db: Path, seed_paths: list[Path]) -> None:
    con = sqlite3.connect(seeded_db)
    before = {
        t: con.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("raw_inputs", "articles", "stories")
    }
    con.close()
    report = ingest(seed_paths, settings=Settings(db=str(seeded_db)))
    assert [o.status for o in report.outcomes] == ["unchanged", "unchanged"]
    con = sqlite3.connect(seeded_db)
    after = {
        t: con.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("raw_inputs", "articles", "stories")
    }
    con.close()
    assert after == before == {"raw_inputs": 2, "articles": 2, "stories": 1}


def test_raw_input_is_kept_byte_for_byte(seeded_db: Path, seed_paths: list[Path]) -> None:
    from storyline.records import sha256_hex

    with open_store(str(seeded_db)) as store:
        for path in seed_paths:
            data = path.read_bytes()
            raw = store.raw(sha256_hex(data))
            assert raw is not None and raw.data == data


def test_ledger_flags_the_softbank_and_microsoft_disputes(seed_story: dict) -> None:
    claims = seed_story["claims"]
    assert claims, "no claims extracted from the seeds"
    by_id = {c["id"]: c for c in claims if "id" in c}
    contradicted = [c for c in claims if c["contradicts"]]
    assert contradicted, "no contradiction flagged"
    subjects = {to_simplified(c["subject"]) for c in contradicted}
    assert any("软银" in s for s in subjects), subjects
    assert any("微软" in s for s in subjects), subjects
    # The $500B restated many times must not contradict itself.
    five_hundred = [c for c in claims if c["unit"] == "USD" and abs(c["value"] - 5e11) < 1e9]
    assert len(five_hundred) >= 5
    for c in five_hundred:
        for other in c["contradicts"]:
            if other in by_id:
                assert abs(by_id[other]["value"] - 5e11) > 1e9


def test_a_later_page_joins_the_existing_paragraph_groups(tmp_path: Path, seed_paths: list[Path]) -> None:
    db = tmp_path / "incremental.db"
    for path in reversed(seed_paths):  # the RFI page first, the concept page a day later
        assert ingest([path], settings=Settings(db=str(db))).ok
    with open_store(str(db)) as store:
        (story,) = store.stories()
        assert store.get_state("paragraphs:" + story.id) is not None  # the index was kept and extended
    exported = stories_export(open_store(str(db)))[0]
    shared = [g for g in exported["paragraphs"] if len({m["article_id"] for m in g["members"]}) > 1]
    assert len(shared) == 1
    assert {m["outlet"] for m in shared[0]["members"]} == {"RFI华语", "88iv"}


def test_the_seed_story_is_the_same_on_sqlite_and_postgresql(db: str, seed_paths: list[Path]) -> None:
    settings = Settings(db=db, use_encoder=False)
    assert ingest(seed_paths, settings=settings).ok
    assert [o.status for o in ingest(seed_paths, settings=settings).outcomes] == ["unchanged", "unchanged"]
    with open_store(db) as store:
        (story,) = stories_export(store)
        hits = store.search("星際")  # a traditional query finds both scripts
    assert story["headline"] == "马斯克向川普支持的AI计划泼冷水:他们实际上没钱"
    assert sum(len(a["comments"]) for a in story["articles"]) == 48
    assert {h.outlet for h in hits} == {"RFI华语", "88iv"}
