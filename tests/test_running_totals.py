"""Running totals (stories.aggregate.RunningTotals) equal the one-pass functions on real stories.

A story that grows by a report at a time keeps its keywords, entities and salience as running
totals; after every report they must equal story_keywords / story_entities / entity_salience of
all its members, to the last bit (the headline, the concept and the store compare them).
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

from semeval_texts import zh_en_texts
from storyline.pipeline import analyze_article
from storyline.records import Article, RawInput
from storyline.sources import parse_input
from storyline.stories import build
from storyline.stories.aggregate import (
    EntityFrequency,
    RunningTotals,
    entity_salience,
    story_entities,
    story_keywords,
)
from storyline.stories.build import build_story

ROOT = Path(__file__).resolve().parent.parent


def _seed_and_reports(seed_paths: list[Path], n: int):
    """The seed pages, then reports made from their paragraphs (as benchmarks/big_story.py)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import big_story
    finally:
        sys.path.pop(0)
    out = [analyze_article(a) for p in seed_paths for a in parse_input(RawInput(p.name, p.read_bytes()))]
    page, floors = big_story._seed(seed_paths[0].parent.parent)
    for i in range(n):
        row = big_story._report(page, floors, i, with_floors=i % 3 == 0)
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode()
        out.append(analyze_article(parse_input(RawInput(f"r{i}.jsonl", data))[0]))
    return out


def _semeval(semeval_csv: Path, n: int):
    """n SemEval articles, zh and en, from 7 outlets (so outlets repeat)."""
    texts = zh_en_texts(semeval_csv, n)
    out = []
    for i, text in enumerate(texts):
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        outlet = f"outlet-{zlib.crc32(text.encode()) % 7}"
        art = Article(
            url=f"https://semeval.invalid/{i}",
            outlet=outlet,
            title=lines[0][:200],
            paragraphs=tuple(lines[1:] or lines[:1]),
        )
        out.append(analyze_article(art))
    return out


def _assert_running_equals_full(members, step: int) -> int:
    """Add ``members`` ``step`` at a time; compare after each add; return the adds that relinked."""
    frequency = EntityFrequency()
    totals = RunningTotals()
    checks = 0
    for start in range(0, len(members), step):
        chunk = members[start : start + step]
        for _, an in chunk:
            frequency.observe(an)
        assert totals.extends([an for _, an in members[:start]], [a.outlet for a, _ in members[:start]])
        totals.add([an for _, an in chunk], [a.outlet for a, _ in chunk])
        analyses = [an for _, an in members[: start + step]]
        outlets = [a.outlet for a, _ in members[: start + step]]
        assert totals.keywords() == story_keywords(analyses, outlets=outlets), start
        assert totals.entities() == story_entities(analyses), start
        assert totals.salience(frequency) == entity_salience(analyses, frequency), start
        checks += 1
    return checks


def test_running_totals_of_the_seed_story_equal_one_pass(seed_paths: list[Path]) -> None:
    members = _seed_and_reports(seed_paths, 40)
    assert _assert_running_equals_full(members, 1) == len(members)
    assert _assert_running_equals_full(members, 7) == 6


def test_running_totals_of_semeval_articles_equal_one_pass(semeval_csv: Path) -> None:
    # Many names, two languages, outlets printing several articles: short names relink to
    # longer ones as the story grows and outlets' best weights move inside the sums.
    members = _semeval(semeval_csv, 90)
    totals = RunningTotals()
    relinked = 0
    for _, an in members:
        before = dict(totals._links)
        totals.add([an], ["x"])
        relinked += totals._links != before
    assert relinked >= 2  # the relink path is exercised, not only the append path
    assert _assert_running_equals_full(members, 1) == len(members)
    assert _assert_running_equals_full(members, 4) > 20


def test_a_story_built_from_its_kept_totals_equals_its_reference_build(
    seed_paths: list[Path], semeval_csv: Path
) -> None:
    # build_story keeps the totals between builds of a story; each build must be the one made
    # from scratch, also when members arrive out of order (the totals are then made anew).
    members = _seed_and_reports(seed_paths, 12) + _semeval(semeval_csv, 12)
    order = list(range(len(members)))
    order.insert(5, order.pop(20))  # a late report
    so_far = []
    build._TOTALS.clear()
    for i in order:
        so_far.append(members[i])
        got = build_story("s", so_far)
        assert got == build_story("s", so_far, reference=True)
    assert "s" in build._TOTALS
    assert len(build._TOTALS["s"].analyses) == len(members)


def test_kept_totals_are_bounded_by_stories_and_members(seed_paths: list[Path]) -> None:
    members = _seed_and_reports(seed_paths, 6)
    build._TOTALS.clear()
    for k in range(build._TOTALS_KEPT + 5):
        build_story(f"s{k}", members[:2])
    assert len(build._TOTALS) == build._TOTALS_KEPT and "s0" not in build._TOTALS
    kept, build._TOTALS_MEMBERS_KEPT = build._TOTALS_MEMBERS_KEPT, 5
    try:
        build_story("big", members)  # more members than may be kept: kept alone
        assert list(build._TOTALS) == ["big"]
    finally:
        build._TOTALS_MEMBERS_KEPT = kept
        build._TOTALS.clear()
