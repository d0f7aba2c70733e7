"""The SemEval-2022 Task 8 training pairs as the benchmarks read them: the zh/en pairs, each
article's text, and one JSONL of the articles in the documented input schema. Shared by
semeval_e2e.py and train_similarity.py (each uses the other's results, so the data lives here,
below both). The data is read from ../shared/data and never copied into the repository.
"""

from __future__ import annotations

import csv
import json
import re
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "semeval2022-task8" / "training_set.csv"
DEMO = ROOT / "src" / "storyline" / "demo" / "sample.jsonl"
LANG_PAIRS = ("zh-zh", "zh-en", "en-en")
PUBLISHED = "2021-06-01T12:00:00+00:00"


def title_and_paragraphs(text: str) -> tuple[str, list[str]]:
    """The split tests/test_semeval_pipeline.py uses: lines, else sentence ends."""
    text = text.strip()
    parts = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    if len(parts) < 2:  # the CSV flattens many articles to one line: cut at sentence ends
        parts = [p.strip() for p in re.split(r"(?<=[。！？.!?])\s*", text) if len(p.strip()) > 1]
    title = parts[0][:120] if parts else text[:120]
    return title, parts[1:] or parts


def read_pairs(csv_path: Path) -> tuple[list[dict], dict[str, tuple[str, str]]]:
    """The zh/en pairs (pair_id, ids, languages, Overall) and each article's (text, language)."""
    csv.field_size_limit(1 << 30)
    with csv_path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if f"{r['lang1']}-{r['lang2']}" in LANG_PAIRS]
    pairs, texts = [], {}
    for r in rows:
        id1, id2 = r["pair_id"].split("_")
        texts.setdefault(id1, (r["text1"], r["lang1"]))
        texts.setdefault(id2, (r["text2"], r["lang2"]))
        pairs.append(
            {
                "pair_id": r["pair_id"],
                "a": id1,
                "b": id2,
                "langs": f"{r['lang1']}-{r['lang2']}",
                "overall": float(r["Overall"]),
            }
        )
    return pairs, texts


def article_url(aid: str) -> str:
    return f"https://semeval.invalid/{aid}"


def write_jsonl(texts: dict[str, tuple[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for aid in sorted(texts):
            text, lang = texts[aid]
            title, paragraphs = title_and_paragraphs(text)
            item = {
                "url": article_url(aid),
                "outlet": f"outlet-{zlib.crc32(aid.encode()) % 17}",
                "title": title,
                "published_at": PUBLISHED,
                "language": lang,
                "paragraphs": paragraphs[:40],
            }
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 200, tol: float = 1e-10
) -> np.ndarray:
    """Newton's method on cross-entropy with soft labels, no penalty on the bias (numpy:
    scikit-learn is not a dependency). Stops when no weight moves by more than ``tol``."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    reg = np.eye(xb.shape[1]) * l2
    reg[0, 0] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(xb @ w)))
        g = xb.T @ (p - y) + reg @ w
        h = xb.T @ (xb * (p * (1 - p))[:, None]) + reg + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < tol:
            break
    return w
