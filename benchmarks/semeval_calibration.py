"""Fit and check the "same story?" similarity on SemEval-2022 Task 8 (zh-zh, zh-en, en-en).

Reads ../shared/data/semeval2022-task8/training_set.csv, builds an Analysis for each text
(canonical = OpenCC t2s + NFKC + lower; tokens = rjieba; entities = a PROXY, since the analyze
stage is not used here: capitalised Latin names seen twice or more, plus for Chinese the 2-4
character words seen 3+ times whose IDF is above the median), computes the features of
``Clusterer.pair_features`` and fits, per model (same-language / cross-language, with and
without the encoder), a logistic regression on up to 3 features (tfidf, entities, embedding)
with an L2 penalty, by 5-fold CV. The shared-paragraph weight is NOT fitted: verbatim shared
paragraphs almost never occur in these pairs (its raw correlation is ~0), so a fitted weight
would be noise; it is hand-set in similarity.py, as is the cross-language no-encoder model.

Labels: soft target y = clip((3 - Overall) / 1.5, 0, 1) (1 = same story at Overall <= 1.5,
0 = different at >= 3). Reported per language pair, from out-of-fold predictions:
Pearson(similarity, -Overall) over all pairs, and F1 of the decision over the decisive pairs.
The threshold is folded into the bias so SAME_STORY_THRESHOLD stays 0.5.

    python benchmarks/semeval_calibration.py [--csv PATH] [--folds 5]

Prints the fitted weights to paste into stories/similarity.py; the last line is the figure.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import opencc
import rjieba

from storyline.records import Analysis, Article, EntityMention
from storyline.stories.cluster import Clusterer
from storyline.stories.similarity import content_tokens

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._semeval import fit_logistic  # noqa: E402 (shared with train_similarity.py)

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "semeval2022-task8" / "training_set.csv"
PAIRS = (("zh", "zh"), ("zh", "en"), ("en", "en"))
_CC = opencc.OpenCC("t2s")
_CAP = re.compile(r"\b(?:[A-Z][a-zA-Z]+)(?:\s+[A-Z][a-zA-Z]+)*")
_SENT = re.compile(r"(?<=[。！？!?.])\s*|\n+")


def canon(text: str) -> str:
    return unicodedata.normalize("NFKC", _CC.convert(text)).lower()


def build(text: str, lang: str, idf_median: dict[str, float] | None = None) -> tuple[Article, Analysis]:
    parts = [p.strip() for p in _SENT.split(text) if p and p.strip()]
    title = parts[0][:120] if parts else ""
    paras = tuple(parts[1:]) or (title,)
    art = Article(
        url="", outlet="semeval", title=title, paragraphs=paras, script="en" if lang == "en" else "zh-Hans"
    )
    ct, cp = canon(title), tuple(canon(p) for p in paras)
    toks = tuple(rjieba.cut("\n".join((ct, *cp))))
    names = Counter(m.group(0).lower() for m in _CAP.finditer(text))
    ents = {n for n, c in names.items() if c >= 2 and len(n) > 2}
    if lang == "zh" and idf_median is not None:
        counts = Counter(t for t in content_tokens(toks) if 2 <= len(t) <= 4 and not t.isascii())
        idf, med = idf_median
        ents |= {t for t, c in counts.items() if c >= 3 and idf.get(t, 99.0) > med}
    an = Analysis(
        article_id=art.id,
        script=art.script,
        canonical_title=ct,
        canonical_paragraphs=cp,
        display_title=title,
        display_paragraphs=paras,
        tokens=toks,
        entities=tuple(EntityMention(entity=e, alias=e) for e in sorted(ents)),
    )
    return art, an


def best_threshold_logit(z: np.ndarray, overall: np.ndarray) -> float:
    m = (overall <= 1.5) | (overall >= 3)
    zs, ys = z[m], overall[m] <= 1.5
    best, best_f1 = 0.0, -1.0
    for t in np.unique(zs):
        f = f1(zs >= t, ys)
        if f > best_f1:
            best, best_f1 = float(t), f
    return best


def f1(pred: np.ndarray, truth: np.ndarray) -> float:
    tp = float(np.sum(pred & truth))
    if tp == 0:
        return 0.0
    p, r = tp / np.sum(pred), tp / np.sum(truth)
    return 2 * p * r / (p + r)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument(
        "--limit", type=int, default=0, help="only the first N pairs of each language pair (CI's smoke run)"
    )
    args = ap.parse_args(argv)
    csv.field_size_limit(1 << 30)
    with args.csv.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if (r["lang1"], r["lang2"]) in PAIRS]
    if args.limit:
        seen: Counter[tuple[str, str]] = Counter()
        kept = []
        for r in rows:
            seen[(r["lang1"], r["lang2"])] += 1
            if seen[(r["lang1"], r["lang2"])] <= args.limit:
                kept.append(r)
        rows = kept
    print(f"csv={args.csv} pairs={len(rows)} folds={args.folds} l2={args.l2} limit={args.limit or 'none'}")

    # Document frequencies from every text (unlabelled, so no leak of the targets).
    clus = Clusterer(encoder=True)
    plain = [(build(r["text1"], r["lang1"]), build(r["text2"], r["lang2"])) for r in rows]
    for a, b in plain:
        clus.observe(a[1])
        clus.observe(b[1])
    idfs = {t: clus.stats.idf(t) for t in clus.stats.df}
    med = float(np.median(list(idfs.values())))
    feats, langs, overall = [], [], []
    for r in rows:
        a = build(r["text1"], r["lang1"], (idfs, med))
        b = build(r["text2"], r["lang2"], (idfs, med))
        f = clus.pair_features(a, b)
        feats.append([f.tfidf, f.entities, f.shared, f.embedding or 0.0, float(f.cross_lingual)])
        langs.append(f"{r['lang1']}-{r['lang2']}")
        overall.append(float(r["Overall"]))
    x, langs_a, ov = np.array(feats), np.array(langs), np.array(overall)
    y = np.clip((3 - ov) / 1.5, 0, 1)
    cross = x[:, 4] > 0.5
    rng = np.random.default_rng(0)
    fold = rng.integers(0, args.folds, len(rows))

    models = {
        ("same", True): [0, 1, 3],
        ("same", False): [0, 1],
        ("cross", True): [1, 3],
        ("cross", False): [1],
    }
    results: dict[bool, np.ndarray] = {}
    for with_emb in (True, False):
        oof = np.zeros(len(rows))
        for kind, grp in (("same", ~cross), ("cross", cross)):
            cols = models[(kind, with_emb)]
            for k in range(args.folds):
                tr, te = grp & (fold != k), grp & (fold == k)
                w = fit_logistic(x[tr][:, cols], y[tr], args.l2, tol=1e-8)
                z_tr = w[0] + x[tr][:, cols] @ w[1:]
                thr = best_threshold_logit(z_tr, ov[tr])
                oof[te] = w[0] - thr + x[te][:, cols] @ w[1:]
            w = fit_logistic(x[grp][:, cols], y[grp], args.l2, tol=1e-8)
            thr = best_threshold_logit(w[0] + x[grp][:, cols] @ w[1:], ov[grp])
            full = [0.0, 0.0, 0.0, 0.0]
            for c, v in zip(cols, w[1:], strict=True):
                full[c] = round(float(v), 2)
            print(
                f"weights {kind} encoder={with_emb}: ({round(float(w[0] - thr), 2)}, {', '.join(map(str, full))})"
            )
        results[with_emb] = oof

    line = ""
    for with_emb in (True, False):
        z = results[with_emb]
        prob = 1 / (1 + np.exp(-z))
        parts = []
        for lp in ("zh-zh", "zh-en", "en-en"):
            m = langs_a == lp
            r = float(np.corrcoef(prob[m], -ov[m])[0, 1])
            d = m & ((ov <= 1.5) | (ov >= 3))
            f = f1(z[d] >= 0, ov[d] <= 1.5)
            parts.append(f"{lp}: pearson {r:.3f} F1 {f:.3f} (n={int(m.sum())}, decisive {int(d.sum())})")
        line = f"CV encoder={with_emb}: " + "; ".join(parts)
        print(line)
        if with_emb:
            first = line
    z = results[True]
    d = (ov <= 1.5) | (ov >= 3)
    for thr in (0.5, 0.6, 0.7):
        pred, truth = z[d] >= math.log(thr / (1 - thr)), ov[d] <= 1.5
        tp = float(np.sum(pred & truth))
        print(
            f"encoder=True pooled OOF at p>={thr}: precision {tp / max(1, pred.sum()):.3f} recall {tp / truth.sum():.3f}"
        )
    print(
        "raw feature pearson vs -Overall:",
        {
            n: round(float(np.corrcoef(x[:, i], -ov)[0, 1]), 3)
            for i, n in enumerate(["tfidf", "entities", "shared", "emb"])
        },
    )
    print(first)
    return 0


if __name__ == "__main__":
    sys.exit(main())
