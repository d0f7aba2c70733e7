"""Same-story decisions on real annotated article pairs, through the real pipeline.

Each SemEval-2022 Task 8 pair (zh–zh, zh–en, en–en) is written as a two-line JSONL file in the
documented schema and ingested with ``storyline.ingest`` into its own SQLite store; the pipeline's
decision is whether the two articles end up in one story. Pairs annotated Overall ≤ 1.5 are the
same story, ≥ 3 different (the task's own reading of its 1–4 scale). The data is read from
../shared/data and never copied into the repository.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from storyline import Settings, ingest, open_store

pytestmark = pytest.mark.slow

PER_CLASS = 8  # pairs per language pair and class: 3 × 2 × 8 = 48 ingests


def _title_and_paragraphs(text: str) -> tuple[str, list[str]]:
    text = text.strip()
    parts = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    if len(parts) < 2:  # the CSV flattens many articles to one line: cut at sentence ends
        parts = [p.strip() for p in re.split(r"(?<=[。！？.!?])\s*", text) if len(p.strip()) > 1]
    title = parts[0][:120]
    return title, parts[1:] or parts


def _pairs(csv_path: Path) -> list[dict]:
    csv.field_size_limit(1 << 30)
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    chosen = []
    for langs in (("zh", "zh"), ("zh", "en"), ("en", "en")):
        for same in (True, False):
            picked = [
                r
                for r in rows
                if (r["lang1"], r["lang2"]) == langs
                and (float(r["Overall"]) <= 1.5 if same else float(r["Overall"]) >= 3)
                and len(r["text1"]) > 200
                and len(r["text2"]) > 200
            ]
            picked.sort(key=lambda r: r["pair_id"])  # a fixed, unselected sample
            chosen.extend(dict(r, same=same, langs="-".join(langs)) for r in picked[:PER_CLASS])
    return chosen


def test_pair_decisions_through_the_pipeline_match_the_annotation(semeval_csv: Path, tmp_path: Path) -> None:
    results: dict[str, list[tuple[bool, bool]]] = {}
    for n, pair in enumerate(_pairs(semeval_csv)):
        lines = []
        for side in ("1", "2"):
            title, paragraphs = _title_and_paragraphs(pair["text" + side])
            lines.append(
                json.dumps(
                    {
                        "url": f"https://semeval.invalid/{pair['pair_id']}/{side}",
                        "outlet": f"outlet-{side}",
                        "title": title,
                        "published_at": "2020-01-10T12:00:00+00:00",
                        "language": pair["lang" + side],
                        "paragraphs": paragraphs[:40],
                    },
                    ensure_ascii=False,
                )
            )
        path = tmp_path / f"pair{n:03d}.jsonl"
        path.write_text("\n".join(lines), encoding="utf-8")
        db = tmp_path / f"pair{n:03d}.db"
        report = ingest([path], settings=Settings(db=str(db)))
        assert report.ok, [o.message for o in report.failed]
        with open_store(str(db)) as store:
            predicted_same = len(store.stories()) == 1
        results.setdefault(pair["langs"], []).append((pair["same"], predicted_same))

    lines = []
    total_correct = total = 0
    for langs, pairs in results.items():
        correct = sum(truth == pred for truth, pred in pairs)
        tp = sum(truth and pred for truth, pred in pairs)
        fp = sum(pred and not truth for truth, pred in pairs)
        lines.append(f"{langs}: {correct}/{len(pairs)} correct, {tp} same found, {fp} false joins")
        total_correct += correct
        total += len(pairs)
    print("\n".join(lines))
    # Precision over recall: a false join hides a different event inside a story.
    false_joins = sum(pred and not truth for pairs in results.values() for truth, pred in pairs)
    assert false_joins <= 3, lines  # measured here: 2 of 48 (zh-en 1, en-en 1)
    assert total_correct / total >= 0.75, lines
