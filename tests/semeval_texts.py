"""The distinct zh and en article texts of the SemEval-2022 T8 pairs file, for tests that need
real articles (read from ../shared, never copied here)."""

from __future__ import annotations

import csv
from pathlib import Path


def zh_en_texts(semeval_csv: Path, n: int) -> dict[str, str]:
    """Up to ``n`` distinct non-empty zh/en texts, in file order, each with its language."""
    csv.field_size_limit(1 << 30)
    texts: dict[str, str] = {}
    with semeval_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for lang, text in ((row["lang1"], row["text1"]), (row["lang2"], row["text2"])):
                if lang in ("zh", "en") and text.strip() and len(texts) < n:
                    texts.setdefault(text, lang)
    return texts
