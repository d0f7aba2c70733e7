"""A paragraph index keeps each group's record until the group changes (dedup.groups).

A story's update shows every group again but changes only the groups its new article joins: the
records of the others are the ones made before, and every record equals the one a fresh index
(the same index saved and read back, nothing kept) makes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from storyline.dedup.groups import ParagraphIndex
from storyline.pipeline import analyze_article
from storyline.records import RawInput
from storyline.sources import parse_input

ROOT = Path(__file__).resolve().parent.parent


def test_kept_group_records_equal_a_fresh_index_after_every_article(seed_paths: list[Path]) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import big_story
    finally:
        sys.path.pop(0)
    members = [analyze_article(a) for p in seed_paths for a in parse_input(RawInput(p.name, p.read_bytes()))]
    page, floors = big_story._seed(seed_paths[0].parent.parent)
    for i in range(30):
        row = big_story._report(page, floors, i, with_floors=False)
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode()
        members.append(analyze_article(parse_input(RawInput(f"r{i}.jsonl", data))[0]))
    index = ParagraphIndex()
    before: tuple = ()
    kept = changed = 0
    for article, analysis in members:
        index.add_article(
            article.id,
            article.outlet,
            analysis.script,
            analysis.canonical_paragraphs,
            analysis.display_paragraphs,
        )
        groups = index.all_groups()
        assert groups == ParagraphIndex.from_bytes(index.to_bytes()).all_groups()
        assert index.groups() == ParagraphIndex.from_bytes(index.to_bytes()).groups()
        for old, new in zip(before, groups, strict=False):
            kept += old is new
            changed += old is not new
        before = groups
    # Reports restate some of the seed's paragraphs each: most groups stay, some grow.
    assert kept > changed > 30
