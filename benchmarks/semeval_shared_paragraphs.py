"""How shared-sentence evidence differs between same-story and different-story pairs (SemEval-2022 Task 8).

For each zh-zh, zh-en and en-en pair: shared_paragraph_score of the two canonical texts (share
of the shorter's sentences verified as copied). Same story: Overall <= 1.5; different: >= 3.

    python benchmarks/semeval_shared_paragraphs.py
"""

from __future__ import annotations

import argparse
import csv
import statistics
import unicodedata
from pathlib import Path

import opencc

from storyline.dedup.groups import shared_paragraph_score

DATA = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "semeval2022-task8" / "training_set.csv"
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", type=Path, default=DATA)
    args = ap.parse_args()
    t2s = opencc.OpenCC("t2s")
    csv.field_size_limit(1 << 30)

    def canon(text: str) -> list[str]:
        return [unicodedata.normalize("NFKC", t2s.convert(p)).lower() for p in text.split("\n") if p.strip()]

    table: dict[tuple[str, str], list[float]] = {}
    with args.csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            pair = "-".join(sorted((row["lang1"], row["lang2"]), reverse=True))
            if pair not in ("zh-zh", "zh-en", "en-en"):
                continue
            overall = float(row["Overall"])
            label = "same" if overall <= 1.5 else "different" if overall >= 3 else None
            if label is None:
                continue
            score = shared_paragraph_score(canon(row["text1"]), canon(row["text2"]))
            table.setdefault((pair, label), []).append(score)
    print(
        f"{'pair':6s} {'label':9s} {'n':>4s} {'mean':>6s} {'median':>6s} {'>0':>6s} {'>=0.2':>6s} {'max':>6s}"
    )
    for (pair, label), scores in sorted(table.items()):
        n = len(scores)
        print(
            f"{pair:6s} {label:9s} {n:4d} {statistics.mean(scores):6.3f} {statistics.median(scores):6.3f} "
            f"{sum(s > 0 for s in scores) / n:6.1%} {sum(s >= 0.2 for s in scores) / n:6.1%} {max(scores):6.3f}"
        )
    same = [s for (p, lab), v in table.items() if lab == "same" and p != "zh-en" for s in v]
    diff = [s for (p, lab), v in table.items() if lab == "different" for s in v]
    print(
        f"pairs with shared sentences: same-story {sum(s > 0 for s in same) / len(same):.1%} (zh-zh+en-en), "
        f"different-story {sum(s > 0 for s in diff) / len(diff):.1%}"
    )


if __name__ == "__main__":
    main()
