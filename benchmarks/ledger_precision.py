"""Claims ledger precision on real multi-source news: the SemEval-2022 Task 8 zh/en articles.

Every distinct article of the zh-zh, zh-en and en-en training pairs (626) is written to one JSONL
file (one outlet per article) and ingested with ``storyline.ingest`` into an EMPTY store; the
stories of two or more articles are the evaluation. For each story the benchmark prints the
contradiction pairs the ledger flags (with the reason it gives) and the "different figures"
pairs (same referent, values differ, not certain enough to flag), then scores both against the
hand-labelled pairs of ``tests/fixtures/ledger_labels.json`` (claim ids and labels, no texts):

- precision = flagged pairs labelled ``contradiction`` / flagged pairs;
- recall = labelled contradictions that are flagged / labelled contradictions.

A flagged or same-referent pair missing from the labels is listed as ``UNLABELLED`` so that the
file can be completed by reading it; the texts are read from ../shared and never stored.

    python benchmarks/ledger_precision.py [--csv PATH] [--store DIR] [--reuse] [--show-figures]

``--reuse`` keeps the ingested store in ``--store`` between runs and recomputes only the claims
and the ledger with the current code (the stories stay as clustered), for quick iteration.
The last line is the figure: ``flagged N pairs; precision P; recall R``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "semeval2022-task8" / "training_set.csv"
LABELS = ROOT / "tests" / "fixtures" / "ledger_labels.json"
LANGS = {"zh", "en"}


def _title_and_paragraphs(text: str) -> tuple[str, list[str]]:
    # The reading of tests/test_semeval_pipeline.py (the one issue 24 measured with): the CSV
    # flattens many articles to one line, cut at every sentence mark. It also cuts "$24.7 million"
    # into "$24." and "7 million": real crawler noise that the ledger must not flag either.
    text = text.strip()
    parts = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    if len(parts) < 2:
        parts = [p.strip() for p in re.split(r"(?<=[。！？.!?])\s*", text) if len(p.strip()) > 1]
    title = parts[0][:120]
    return title, parts[1:] or parts


def semeval_articles(csv_path: Path) -> list[dict]:
    """One JSONL record per distinct zh/en article of the training pairs, in file order."""
    csv.field_size_limit(1 << 30)
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seen: dict[str, dict] = {}
    for r in rows:
        if not {r["lang1"], r["lang2"]} <= LANGS:
            continue
        for side, aid in zip("12", r["pair_id"].split("_"), strict=True):
            if aid in seen or not r["text" + side].strip():
                continue
            title, paragraphs = _title_and_paragraphs(r["text" + side])
            seen[aid] = {
                "url": f"https://semeval.invalid/{aid}",
                "outlet": f"semeval-{aid}",
                "title": title,
                "published_at": "2020-01-10T12:00:00+00:00",
                "language": r["lang" + side],
                "paragraphs": paragraphs[:40],
            }
    return list(seen.values())


def ingest_semeval(csv_path: Path, store_dir: Path) -> Path:
    from storyline import Settings, ingest

    store_dir.mkdir(parents=True, exist_ok=True)
    jsonl = store_dir / "semeval_zh_en.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps(a, ensure_ascii=False) for a in semeval_articles(csv_path)), encoding="utf-8"
    )
    db = store_dir / "ledger.db"
    for stale in store_dir.glob("ledger.db*"):
        stale.unlink()
    report = ingest([jsonl], settings=Settings(db=str(db), page_store="off"))
    if not report.ok:
        sys.exit(f"ingest failed: {[o.message for o in report.failed]}")
    return db


def story_claims(db: Path, recompute: bool) -> list[tuple[str, list[str], list]]:
    """(story id, article ids, claims after the ledger) for every story of 2+ articles."""
    from storyline import open_store
    from storyline.pipeline import analyze_article
    from storyline.stories.ledger import build_ledger

    out = []
    with open_store(str(db)) as store:
        stories = []
        after = None
        while True:
            page = store.stories(limit=500, after=after)
            if not page:
                break
            stories += page
            after = page[-1].id
            if len(page) < 500:
                break
        for s in sorted(stories, key=lambda s: s.id):
            if len(s.article_ids) < 2:
                continue
            if recompute:
                claims = []
                for a in store.articles(s.article_ids):
                    claims += analyze_article(a)[1].claims
                out.append((s.id, list(s.article_ids), list(build_ledger(claims))))
            else:
                out.append((s.id, list(s.article_ids), list(s.claims)))
    return out


def flagged_pairs(claims: list) -> list[tuple[str, str]]:
    by_id = {c.id: c for c in claims}
    pairs = {tuple(sorted((c.id, o))) for c in claims for o in c.contradicts if o in by_id}
    return sorted(pairs)


def figure_pairs(claims: list) -> list[tuple[str, str]]:
    by_id = {c.id: c for c in claims}
    pairs = {tuple(sorted((c.id, o))) for c in claims for o in getattr(c, "differs_from", ()) if o in by_id}
    return sorted(pairs)


def same_referent_pairs(claims: list) -> list[tuple[str, str]]:
    """Every pair of figures from two reports that name the same referent (the labelling pool).

    Wider than the ledger's buckets on purpose: any subject, kind or time frame, so that a real
    contradiction the ledger misses shows up here and counts against its recall.
    """
    from storyline.stories.ledger import to_base

    figures = [c for c in claims if c.measure != "refutation" and c.referent_key]
    out = set()
    for i, a in enumerate(figures):
        for b in figures[i + 1 :]:
            if a.article_id == b.article_id and a.floor == b.floor:
                continue
            if a.referent_key != b.referent_key or to_base(a)[1] != to_base(b)[1]:
                continue
            va, vb = to_base(a)[0], to_base(b)[0]
            if va > 0 and vb > 0 and abs(va - vb) / max(va, vb) <= 0.05:
                continue  # the same figure restated: not a candidate for a dispute
            out.add(tuple(sorted((a.id, b.id))))
    return sorted(out)


def load_labels(path: Path = LABELS) -> dict[tuple[str, str], str]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {tuple(sorted((p["a"], p["b"]))): p["label"] for p in data["pairs"]}


def _show(c) -> str:
    return (
        f"[{c.id} {c.article_id}] {c.speaker}: subject={c.subject} basis={c.subject_basis}"
        f" referent={c.referent_key}({c.referent}) measure={c.measure} kind={c.kind} {c.text!r}"
        f" {c.qualifier} {c.modality} tf={c.timeframe} {c.denominator} <{c.sentence[:200]}>"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--store", type=Path, default=None, help="folder for the store (default: a temp dir)")
    ap.add_argument("--reuse", action="store_true", help="reuse the ingested store, recompute claims")
    ap.add_argument("--show-figures", action="store_true", help="print the 'different figures' pairs")
    args = ap.parse_args()
    if not args.csv.exists():
        sys.exit(f"SemEval data not found at {args.csv}")
    store_dir = args.store or Path(tempfile.mkdtemp(prefix="ledger-precision-"))
    db = store_dir / "ledger.db"
    t0 = time.perf_counter()
    if not (args.reuse and db.exists()):
        db = ingest_semeval(args.csv, store_dir)
        print(f"ingested 626-article corpus into {db} in {time.perf_counter() - t0:.0f} s")
    stories = story_claims(db, recompute=args.reuse)
    labels = load_labels()
    print(f"stories with 2+ articles: {len(stories)}; claims in them: {sum(len(c) for _, _, c in stories)}")
    flagged_total = true_flags = 0
    flagged_ids: set[tuple[str, str]] = set()
    unlabelled = 0
    pool_total = 0
    for sid, _articles, claims in stories:
        by_id = {c.id: c for c in claims}
        flags = flagged_pairs(claims)
        figures = figure_pairs(claims)
        pool = [p for p in same_referent_pairs(claims) if p not in set(flags)]
        pool_total += len(pool)
        if not flags and not (args.show_figures and (figures or pool)):
            continue
        print(f"story {sid}: {len(flags)} flagged, {len(figures)} different-figures, {len(pool)} same-referent")
        for a, b in flags:
            flagged_ids.add((a, b))
            label = labels.get((a, b), "UNLABELLED")
            unlabelled += label == "UNLABELLED"
            flagged_total += 1
            true_flags += label == "contradiction"
            reason = dict(by_id[a].contradiction_reasons).get(b, "")
            print(f"  FLAG [{label}] {reason}\n    {_show(by_id[a])}\n    {_show(by_id[b])}")
        if args.show_figures:
            for a, b in pool:
                label = labels.get((a, b), "UNLABELLED")
                unlabelled += label == "UNLABELLED"
                shown = "different figures" if (a, b) in set(figures) else "same referent"
                print(f"  {shown} [{label}]\n    {_show(by_id[a])}\n    {_show(by_id[b])}")
    all_ids = {c.id for _, _, claims in stories for c in claims}
    wanted = [p for p, lab in labels.items() if lab == "contradiction" and p[0] in all_ids]
    found = sum(p in flagged_ids for p in wanted)
    precision = true_flags / flagged_total if flagged_total else 1.0
    recall = found / len(wanted) if wanted else 1.0
    missing = [p for p in labels if not (p[0] in all_ids and p[1] in all_ids)]
    print(f"same-referent pairs from two reports, not flagged: {pool_total}")
    print(f"labelled pairs: {len(labels)} ({len(wanted)} contradictions); unlabelled pairs seen: {unlabelled}")
    if missing:
        print(f"labelled pairs whose claims are gone: {len(missing)}")
    print(f"flagged {flagged_total} pairs; precision {precision:.2f}; recall {recall:.2f} ({found}/{len(wanted)})")


if __name__ == "__main__":
    main()
