"""A paragraph index saved whole and then as deltas reads back as the index that took them.

stories.rebuild saves a story's index whole under ``paragraphs:<id>`` and each update's delta
beside it (dedup.groups.ParagraphIndex.delta_bytes); a new process reads the whole save and
applies the deltas. The index read back must give the same groups as the one kept in memory
and go on growing to the same groups, for reports that join groups, take them over with a
longer copy (a new representative) and link by a sentence; a delta of another save is refused.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from storyline import Settings, ingest, open_store
from storyline.dedup.groups import ParagraphIndex
from storyline.pipeline import analyze_article, rebuild
from storyline.records import RawInput
from storyline.sources import parse_input
from storyline.stories.rebuild import PARAGRAPH_DELTAS_KEPT, PARAGRAPH_STATE_PREFIX

ROOT = Path(__file__).resolve().parent.parent


def _reports(shared: Path, n: int) -> list[dict]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import big_story
    finally:
        sys.path.pop(0)
    page, floors = big_story._seed(shared)
    return [big_story._report(page, floors, i, with_floors=False) for i in range(n)]


def _members(rows: list[dict]):
    out = []
    for i, row in enumerate(rows):
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode()
        out.append(analyze_article(parse_input(RawInput(f"r{i}.jsonl", data))[0]))
    return out


def _add(index: ParagraphIndex, member) -> None:
    article, analysis = member
    index.add_article(
        article.id,
        article.outlet,
        analysis.script,
        analysis.canonical_paragraphs,
        analysis.display_paragraphs,
    )


def test_deltas_read_back_as_the_index_that_took_them(seed_paths: list[Path]) -> None:
    rows = _reports(seed_paths[0].parent.parent, 12)
    # A longer copy of the first report's paragraphs: it takes over their groups (a new
    # representative), and a paragraph that repeats one sentence links by that sentence.
    longer = dict(rows[0], url="https://longer.example/1", outlet="Longer", title="更长的报道")
    longer["paragraphs"] = [
        p + "另据报道，此事仍在进一步调查之中，各方均未回应。" for p in rows[0]["paragraphs"]
    ]
    members = _members([*rows[:5], longer, *rows[5:]])
    kept = ParagraphIndex()
    _add(kept, members[0])
    saved, deltas = kept.to_bytes(), []
    for m in members[1:]:
        _add(kept, m)
        deltas.append(kept.delta_bytes())
        assert kept.deltas == len(deltas)
        read = ParagraphIndex.from_bytes(saved)
        assert all(read.apply_delta(d) for d in deltas)
        assert read.all_groups() == kept.all_groups()
    assert any(len(g.members) > 1 for g in kept.all_groups())
    # The index read back grows as the kept one does, and saves the same deltas from there.
    extra = _members(_reports(seed_paths[0].parent.parent, 14)[12:])
    read = ParagraphIndex.from_bytes(saved)
    for d in deltas:
        read.apply_delta(d)
    for m in extra:
        _add(kept, m)
        _add(read, m)
        assert read.delta_bytes() == kept.delta_bytes()
    assert read.all_groups() == kept.all_groups()
    assert read.to_bytes() == kept.to_bytes()


def test_a_delta_that_does_not_continue_the_index_is_refused(seed_paths: list[Path]) -> None:
    members = _members(_reports(seed_paths[0].parent.parent, 4))
    index = ParagraphIndex()
    _add(index, members[0])
    saved = index.to_bytes()
    _add(index, members[1])
    first = index.delta_bytes()
    _add(index, members[2])
    second = index.delta_bytes()
    read = ParagraphIndex.from_bytes(saved)
    assert not read.apply_delta(second)  # out of order
    assert read.apply_delta(first) and read.apply_delta(second)
    assert not read.apply_delta(second)  # twice
    other = ParagraphIndex()
    _add(other, members[3])
    other.to_bytes()
    _add(other, members[2])
    assert not ParagraphIndex.from_bytes(saved).apply_delta(other.delta_bytes())  # another save's


def test_a_story_ingested_report_by_report_saves_deltas_and_equals_its_rebuild(
    tmp_path: Path, seed_paths: list[Path]
) -> None:
    """Past PARAGRAPH_DELTAS_KEPT updates the index is saved whole again; each new ingest reads
    the whole save and its deltas back (one process per input, as the CLI runs)."""
    settings = Settings(db=str(tmp_path / "d.db"), use_encoder=False)
    rows = _reports(seed_paths[0].parent.parent, PARAGRAPH_DELTAS_KEPT + 6)
    for i, row in enumerate(rows):
        path = tmp_path / f"r{i}.jsonl"
        path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
        assert ingest([path], settings=settings).ok
    with open_store(settings.db) as store:
        (story,) = store.stories()
        key = PARAGRAPH_STATE_PREFIX + story.id
        present = store.get_states([key, *(f"{key}:{i}" for i in range(1, PARAGRAPH_DELTAS_KEPT + 1))])
        assert key in present and f"{key}:{PARAGRAPH_DELTAS_KEPT}" in present
    report = rebuild(settings=settings)
    assert (report.stories, report.changed) == (1, 0)
