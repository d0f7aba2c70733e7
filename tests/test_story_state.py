"""A story updated from its saved aggregate equals the story rebuilt the full way from its members.

The ingest path keeps per-story aggregates (stories.state), extends paragraph indexes and links
the ledger per bucket pair (stories.ledger_links); ``storyline rebuild`` reads every member back
and uses the reference functions. After every input of a stream (the seed pages, reports made
from their paragraphs with readers' floors, generated reports of many stories, older reports
arriving late, several reports per input, restarts between inputs) the stories the input wrote
must equal their full rebuild, field for field.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storyline import Settings, ingest, open_store
from storyline.pipeline import Ingestor, ParsedInput, analyze_article, load_entity_frequency, rebuild
from storyline.records import RawInput
from storyline.sources import parse_input
from storyline.stories.ledger import build_ledger
from storyline.stories.ledger_links import BucketDecisions, link_ledger
from storyline.stories.rebuild import rebuild_from_members
from storyline.stories.state import STORY_STATE_PREFIX, StoryState

ROOT = Path(__file__).resolve().parent.parent


def _seed_members(seed_paths: list[Path]):
    out = []
    for p in seed_paths:
        for article in parse_input(RawInput(p.name, p.read_bytes())):
            out.append(analyze_article(article))
    return out


def _reports(seed_paths: list[Path], n: int):
    """Reports made from the seed page's paragraphs (as benchmarks/big_story.py makes them)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import big_story
    finally:
        sys.path.pop(0)
    page, floors = big_story._seed(seed_paths[0].parent.parent)
    out = []
    for i in range(n):
        row = big_story._report(page, floors, i, with_floors=i % 4 == 0)
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode()
        out.append(analyze_article(parse_input(RawInput(f"r{i}.jsonl", data))[0]))
    return out


def _generated(n: int):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from stream_generator import stream
    finally:
        sys.path.pop(0)
    return [analyze_article(art) for art, _an, _s in stream(n, per_story=6, stories_per_hour=4.0, seed=3)]


_STARGATE = (
    "特朗普周二在白宫宣布星际之门人工智能基础设施计划，OpenAI、甲骨文和软银将在未来四年投资5000亿美元。",
    "该计划首期投资1000亿美元，预计创造10万个就业岗位，软银和OpenAI负责资金与运营。",
)
_FOOTBALL = (
    "曼联在主场以三比一击败利物浦，拉什福德梅开二度，球队终结了三连败。",
    "主教练赛后表示，球员们在下半场展现了出色的斗志和体能，防守端也更加稳固。",
)


def _merging_inputs():
    """A football story, then a roundup printing it beside the Stargate news: the two merge."""
    from storyline.records import Article

    t0 = datetime(2025, 1, 22, 12, tzinfo=UTC)
    reports = [
        ("曼联主场击败利物浦", _FOOTBALL, 1),
        ("曼联三比一胜利物浦", _FOOTBALL[:1], 2),
        ("特朗普宣布星际之门计划", _STARGATE, 2),
        ("周末要闻汇总", _STARGATE + _FOOTBALL, 3),
    ]
    return [
        [
            analyze_article(
                Article(
                    url=f"https://roundup.example/{i}",
                    outlet=f"Roundup {i}",
                    title=t,
                    paragraphs=p,
                    published_at=t0 + timedelta(hours=h),
                )
            )
        ]
        for i, (t, p, h) in enumerate(reports)
    ]


def _assert_incremental_equals_full(tmp_path: Path, inputs, *, restart_every: int = 5) -> int:
    """Ingest ``inputs`` (lists of members) one by one; compare every written story; return merges."""
    settings = Settings(db=str(tmp_path / "state.db"), use_encoder=False)
    store = open_store(settings.db)
    merges = 0
    try:
        ingestor = Ingestor(store, settings)
        for i, members in enumerate(inputs):
            if i and i % restart_every == 0:  # a new process: aggregates come from the store
                ingestor = Ingestor(store, settings)
            raw = RawInput(f"input{i}", ("\n".join(a.id for a, _ in members)).encode())
            members = [(replace(a, raw_sha256=raw.sha256), an) for a, an in members]
            ingestor.ingest_raw(raw, ParsedInput(raw, tuple(members)))
            ids = store.story_ids_of_articles(a.id for a, _ in members)
            written = sorted({store.resolve_story_id(s) or s for s in ids.values()})
            full = rebuild_from_members(store, written, entity_frequency=ingestor.entity_frequency)
            assert [s.id for s in full.stories] == written
            for ref in full.stories:
                got = store.story(ref.id)
                merges += len(got.aliases)
                assert got == ref, f"input {i}: story {ref.id} differs from its full rebuild"
                state = StoryState.from_bytes(store.get_state(STORY_STATE_PREFIX + ref.id))
                assert sorted(state.article_ids) == sorted(ref.article_ids)
    finally:
        store.close()
    return merges


def test_seed_pages_one_input_each_equal_their_full_rebuild(tmp_path: Path, seed_paths: list[Path]) -> None:
    members = _seed_members(seed_paths)
    _assert_incremental_equals_full(tmp_path, [[m] for m in members])


def test_a_mixed_stream_with_late_reports_and_merges_equals_its_full_rebuild(
    tmp_path: Path, seed_paths: list[Path]
) -> None:
    rng = random.Random(19)
    members = _seed_members(seed_paths) + _reports(seed_paths, 24) + _generated(60)
    # Older reports arriving later: a quarter of the reports are moved back by a day, so they
    # sort before members already in their story.
    shifted = []
    for art, an in members:
        if art.published_at is not None and rng.random() < 0.25:
            art = replace(art, published_at=art.published_at - timedelta(days=1))
        shifted.append((art, an))
    rng.shuffle(shifted)
    inputs, i = [], 0
    while i < len(shifted):
        k = rng.choice((1, 1, 1, 2, 3))
        inputs.append(shifted[i : i + k])
        i += k
    inputs += _merging_inputs()
    merges = _assert_incremental_equals_full(tmp_path, inputs)
    assert merges > 0, "the stream should exercise story merges"


def test_rebuild_command_reports_no_difference_after_ingest(tmp_path: Path, seed_paths: list[Path]) -> None:
    settings = Settings(db=str(tmp_path / "r.db"), use_encoder=False)
    for p in seed_paths:
        assert ingest([p], settings=settings).ok
    report = rebuild(settings=settings)
    assert (report.stories, report.changed) == (1, 0)
    with open_store(settings.db) as store:
        assert load_entity_frequency(store).n_docs == 2


@pytest.mark.parametrize("n", [0, 40])
def test_ledger_links_equal_the_reference_ledger(seed_paths: list[Path], n: int) -> None:
    claims = [c for _, an in _seed_members(seed_paths) + _reports(seed_paths, n) for c in an.claims]
    reference = build_ledger(claims)
    assert any(c.contradicts for c in reference) and any(c.agrees_with for c in reference)
    decisions = BucketDecisions()
    assert link_ledger(claims, decisions) == reference
    assert link_ledger(claims, decisions) == reference  # decided from the memo the second time
    # Claims that already carry links go to the reference, which merges old and new links.
    assert link_ledger(reference) == build_ledger(reference)


def test_claims_name_scan_equals_one_alternation_of_every_alias(seed_paths: list[Path]) -> None:
    """The built-in and the article's aliases scanned as two patterns find what one would."""
    import re

    from storyline.analyze import claims as C

    def one_alternation(table):
        parts = [
            rf"(?<![a-z]){re.escape(a)}(?![a-z])" if a.isascii() else re.escape(a)
            for a in sorted(table, key=len, reverse=True)
        ]
        return re.compile("|".join(parts))

    extra = (
        ("OpenAI公司", "openai公司", "org"),  # longer than a built-in alias at the same start
        ("Stargate Project", "stargate project", "project"),
        ("软银集团", "软银集团", "org"),
        ("马", "马斯", "person"),  # a shorter alias inside a built-in one
        ("Ai", "ai", "org"),  # Latin: never inside said or aim
    )
    names = C._names(extra)
    assert names.extra is not None
    rx = one_alternation(names.table)
    texts = [
        "openai公司和openai、stargate project与stargate,软银集团及软银;马斯克说ai said aim ai.",
        "马斯马斯克openai公司openai",
    ]
    for _, an in _seed_members(seed_paths):
        texts += [an.canonical_title, *an.canonical_paragraphs]
    for text in texts:
        want = [(m.start(), m.end(), m.group(0)) for m in rx.finditer(text)]
        assert list(C._name_spans(text, names)) == want, text[:40]


def test_storyline_rebuild_command_rewrites_a_story_that_was_changed_behind_its_back(
    tmp_path: Path, seed_paths: list[Path]
) -> None:
    """The CLI: a story record altered in the store comes back as its full rebuild."""
    import os
    import subprocess

    db = tmp_path / "cli.db"
    settings = Settings(db=str(db), use_encoder=False)
    assert ingest(seed_paths, settings=settings).ok
    with open_store(settings.db) as store:
        story = store.stories(limit=1)[0]
        store.write_stories([replace(story, headline="改过的标题")], {})
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
    env.update(PYTHONIOENCODING="utf-8", STORYLINE_USE_ENCODER="false", HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "storyline", "rebuild", "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "1 stories rebuilt; 1 differed from the stored record" in done.stderr  # a status line
    with open_store(settings.db) as store:
        assert store.story(story.id) == story
