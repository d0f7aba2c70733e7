"""End to end on the SemEval-2022 Task 8 training pairs: the pairwise score and the stories, side by side.

The zh-zh, zh-en and en-en pairs' articles (626 distinct ones; an article id is the half of the
``pair_id``) are written as ONE JSONL in the documented schema, all stamped with one publication
time (the pairs carry no dates), and ingested through the real command line
(``storyline ingest``, then ``storyline stories --json``), as the held-out check does. Then, per
language pair:

- pairwise F1: the decision of ``storyline.similarity`` (its own cutoff) on the decisive pairs;
- end-to-end F1: are the two articles of a pair in one story?
- Pearson r of the similarity score (1-4 scale, 1 = same) against the annotated Overall.

Same story = Overall <= 1.5, not = Overall >= 3; pairs in between are left out of F1 and kept
for Pearson. Scenario "archive": the demo corpus (src/storyline/demo/sample.jsonl, dated 2025)
is ingested first, then the same JSONL into a second store; the stories of the pair articles
must be the same partition as in the empty store (printed as ``archive partition identical``).

    python benchmarks/semeval_e2e.py [--csv PATH] [--keep DIR] [--cache PKL] [--cv 5 [--cv-only]]

The in-sample figures above flatter (the shipped combiner was fitted on these pairs). ``--cv K``
first prints the same lines out of fold (``cv-pair``, ``cv-e2e``): fold k's pairs decided by a
combiner fitted on the other folds (grouped by article, as train_similarity.py), every article
clustered in process as ingest would (``replay``).

The data is read from ../shared/data and never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._semeval import (  # noqa: E402, F401 (names the scripts and tests import from here)
    DEFAULT_CSV,
    DEMO,
    LANG_PAIRS,
    PUBLISHED,
    article_url,
    read_pairs,
    title_and_paragraphs,
    write_jsonl,
)


def cli(db: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "storyline.cli", "--db", str(db), *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def story_of_urls(db: Path) -> dict[str, str]:
    stories = json.loads(cli(db, "stories", "--json", "--limit", "100000"))
    return {a["url"]: s["id"] for s in stories for a in s["articles"]}


def f1(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(pred & truth))
    p = tp / max(1.0, float(np.sum(pred)))
    r = tp / max(1.0, float(np.sum(truth)))
    return p, r, (2 * p * r / (p + r) if tp else 0.0)


def analysed(jsonl: Path, cache: Path | None = None) -> list:
    """The JSONL's (Article, Analysis) members as ingest makes them (read from ``cache`` if it exists)."""
    from storyline import Settings
    from storyline.pipeline import parse_and_analyze, read_input

    if cache is not None and cache.exists():  # the analysed articles, as train_similarity.py caches them
        return pickle.loads(cache.read_bytes())
    members = list(parse_and_analyze(read_input(jsonl, Settings())).members)
    if cache is not None:
        cache.write_bytes(pickle.dumps(members))
    return members


def replay(members: list) -> dict[str, str]:
    """Story of each URL when ``members`` are ingested as one input into an empty store, in process.

    The order and the clusterer are the pipeline's (parse_and_analyze sorts an input's members
    by publication time then id; the Ingestor's clusterer has the same settings), so the
    partition is the one ``storyline ingest`` makes (checked against the CLI in the full run).
    """
    from storyline import Settings
    from storyline.dedup.groups import shared_paragraph_score
    from storyline.stories.build import observed_time, published_key
    from storyline.stories.cluster import Clusterer

    settings = Settings()
    c = Clusterer(
        window_hours=settings.story_window_hours,
        shared_paragraphs=shared_paragraph_score,
        encoder=settings.use_encoder,
    )
    story = {}
    for article, analysis in sorted(members, key=lambda m: (published_key(m[0]), m[0].id)):
        story[article.url] = c.assign(observed_time(article), analysis).story_id
    return {url: c.resolve(sid) for url, sid in story.items()}


def cross_validated(
    pairs: list[dict], texts: dict, members: list, cache: Path | None, folds: int, seed: int
) -> list[str]:
    """Pairwise and end-to-end figures out of fold: fold k's pairs are decided by a combiner fitted
    on the other folds' pairs (folds are whole connected components of the article graph, so no
    article of a test pair was seen in training), with all 626 articles clustered as ingest would.
    """
    if str(ROOT) not in sys.path:  # run as a script: benchmarks/ is a package of the repo root
        sys.path.insert(0, str(ROOT))
    from benchmarks.train_similarity import combiner_data, features, fit_all, fold_of

    from storyline.stories import combiner

    x = features(pairs, texts, cache)
    ov = np.array([p["overall"] for p in pairs])
    fold = fold_of(pairs, folds, seed)
    score = np.zeros(len(pairs))
    pair_same = np.zeros(len(pairs), bool)
    e2e = np.zeros(len(pairs), bool)
    for k in range(folds):
        tr, te = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        fit = fit_all(x, ov, tr, 0.3)
        with combiner.using(combiner.Combiner(combiner_data(fit, seed=seed, folds=folds, l2=0.3))):
            s, same = pairwise_scores(members, [pairs[i] for i in te])
            story = replay(members)
        score[te], pair_same[te] = s, same
        e2e[te] = [story[article_url(pairs[i]["a"])] == story[article_url(pairs[i]["b"])] for i in te]
    return report("cv-pair", pairs, pair_same, score) + report("cv-e2e", pairs, e2e, None)


def pairwise_scores(members: list, pairs: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """``storyline.similarity`` on every pair (score on the 1-4 scale, same-story decision)."""
    from storyline.dedup.groups import shared_paragraph_score
    from storyline.stories.cluster import Clusterer

    by_url = {a.url: (a, an) for a, an in members}
    # Word rarity over all the texts, as the store's clusterer has it after the ingest.
    clusterer = Clusterer(shared_paragraphs=shared_paragraph_score)
    for a, an in members:
        clusterer.observe(an, a.published_at)
    score, same = [], []
    for p in pairs:
        s = clusterer.compare(by_url[article_url(p["a"])], by_url[article_url(p["b"])])
        score.append(s.score)
        same.append(s.same_story)
    return np.array(score), np.array(same)


def report(name: str, pairs: list[dict], pred_same: np.ndarray, score: np.ndarray | None) -> list[str]:
    langs = np.array([p["langs"] for p in pairs])
    ov = np.array([p["overall"] for p in pairs])
    lines = []
    for lp in (*LANG_PAIRS, "all"):
        m = np.ones(len(pairs), bool) if lp == "all" else langs == lp
        d = m & ((ov <= 1.5) | (ov >= 3))
        prec, rec, f = f1(pred_same[d], ov[d] <= 1.5)
        line = f"{name:9s} {lp:6s} n={int(m.sum()):3d} decisive={int(d.sum()):3d} P {prec:.3f} R {rec:.3f} F1 {f:.3f}"
        if score is not None:
            line += f" pearson {float(np.corrcoef(score[m], ov[m])[0, 1]):.3f}"
        lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--keep", type=Path, default=None, help="Keep the JSONL and stores in this folder.")
    ap.add_argument(
        "--cache", type=Path, default=None, help="Pickle of the analysed articles (outside the repo)."
    )
    ap.add_argument("--no-archive", action="store_true", help="Skip the demo-first scenario.")
    ap.add_argument("--limit", type=int, default=0, help="first N pairs only (0 = all; a tiny run for CI)")
    ap.add_argument(
        "--cv",
        type=int,
        default=0,
        metavar="K",
        help="also K-fold grouped cross-validated figures (cv-pair, cv-e2e)",
    )
    ap.add_argument("--cv-only", action="store_true", help="stop after the cross-validated figures")
    ap.add_argument("--seed", type=int, default=18, help="fold assignment seed (as train_similarity.py)")
    args = ap.parse_args(argv)
    if not args.csv.exists():
        print(f"skip: {args.csv} not found")
        return 0
    pairs, texts = read_pairs(args.csv)
    if args.limit:
        pairs = pairs[: args.limit]
        keep = {p["a"] for p in pairs} | {p["b"] for p in pairs}
        texts = {k: v for k, v in texts.items() if k in keep}
    work = args.keep or Path(tempfile.mkdtemp(prefix="semeval-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    jsonl = work / "semeval_pairs.jsonl"
    write_jsonl(texts, jsonl)
    print(f"pairs={len(pairs)} articles={len(texts)} jsonl={jsonl}")

    t0 = time.perf_counter()
    members = analysed(jsonl, args.cache)
    if args.cv:
        print("\n".join(cross_validated(pairs, texts, members, args.cache, args.cv, args.seed)), flush=True)
        if args.cv_only:
            return 0
    score, pair_same = pairwise_scores(members, pairs)
    print(f"pairwise scored in {time.perf_counter() - t0:.1f}s")
    lines = report("pairwise", pairs, pair_same, score)

    def partition(m: dict[str, str]) -> set[frozenset[str]]:
        groups: dict[str, set[str]] = {}
        for aid in texts:
            groups.setdefault(m[article_url(aid)], set()).add(aid)
        return {frozenset(g) for g in groups.values()}

    empty_db = work / "empty.db"
    empty_db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    cli(empty_db, "ingest", str(jsonl))
    print(f"ingest into an empty store: {time.perf_counter() - t0:.1f}s")
    story = story_of_urls(empty_db)
    e2e = np.array([story[article_url(p["a"])] == story[article_url(p["b"])] for p in pairs])
    lines += report("e2e", pairs, e2e, None)
    n_stories = len({story[article_url(a)] for a in texts})
    lines.append(f"e2e: {len(texts)} articles in {n_stories} stories")
    # The in-process replay that --cv uses, checked against the CLI on the same articles.
    replayed = replay(members)
    lines.append(f"replay partition identical to the CLI's: {partition(replayed) == partition(story)}")

    if not args.no_archive:
        arch_db = work / "archive.db"
        arch_db.unlink(missing_ok=True)
        cli(arch_db, "ingest", str(DEMO))
        cli(arch_db, "ingest", str(jsonl))
        arch = story_of_urls(arch_db)
        arch_same = np.array([arch[article_url(p["a"])] == arch[article_url(p["b"])] for p in pairs])
        lines += report("archive", pairs, arch_same, None)

        same_partition = partition(story) == partition(arch)
        lines.append(f"archive partition identical to the empty store: {same_partition}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
