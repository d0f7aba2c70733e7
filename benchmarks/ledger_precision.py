"""Claims ledger precision and recall on real multi-source news, against hand labels.

- SemEval-2022 Task 8 (the figure issue 24 asks for): every distinct article of the zh-zh, zh-en
  and en-en training pairs (626, one outlet each) is written to one JSONL file and ingested with
  ``storyline.ingest`` into an EMPTY store; the stories of two or more articles are evaluated.
- CED Weibo threads (held out): each of the 224 posts with its thread, every reader a source.
- The seed pages: one story; the packaged demo corpus (made for the project: reported apart).

For each story the flagged contradiction pairs are printed with the reason the ledger gives, and
(with ``--show-pool``) the unflagged same-referent pairs; both are scored against the hand labels
of tests/fixtures/ledger_labels.json (claim ids and labels, no texts): precision = flagged pairs
labelled ``contradiction`` / flagged pairs; recall = labelled contradictions flagged / labelled
contradictions. A pair missing from the labels is printed as UNLABELLED.

    python benchmarks/ledger_precision.py [--shared ../shared] [--store DIR] [--reuse] [--show-pool]
        [--write-groups]

``--reuse`` keeps the ingested store in ``--store`` and recomputes only claims and ledger with the
current code (the stories stay as clustered). ``--write-groups`` records the SemEval stories (as
SemEval article ids) in the labels file, which the test rebuilds without clustering.
The last line is the figure: ``semeval: flagged N pairs; precision P; recall R``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import ledger_eval as ev  # noqa: E402  (the evaluation the test runs too)


def ingest_semeval(csv_path: Path, store_dir: Path) -> Path:
    from storyline import Settings, ingest

    store_dir.mkdir(parents=True, exist_ok=True)
    jsonl = store_dir / "semeval_zh_en.jsonl"
    records = ev.semeval_records(csv_path)
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records.values()), encoding="utf-8")
    db = store_dir / "ledger.db"
    for stale in store_dir.glob("ledger.db*"):
        stale.unlink()
    t0 = time.perf_counter()
    report = ingest([jsonl], settings=Settings(db=str(db), page_store="off"))
    if not report.ok:
        sys.exit(f"ingest failed: {[o.message for o in report.failed]}")
    print(f"ingested {len(records)} articles into an empty store in {time.perf_counter() - t0:.0f} s")
    return db


def semeval_stories(db: Path, recompute: bool) -> list[tuple[str, list[str], list]]:
    """(story id, SemEval article ids, claims after the ledger) for each story of 2+ articles."""
    from storyline import open_store

    out = []
    with open_store(str(db)) as store:
        stories, after = [], None
        while True:
            page = store.stories(limit=500, after=after)
            stories += page
            if len(page) < 500:
                break
            after = page[-1].id
        for s in sorted(stories, key=lambda s: s.id):
            if len(s.article_ids) < 2:
                continue
            articles = store.articles(s.article_ids)
            names = sorted(a.outlet.removeprefix("semeval-") for a in articles)
            claims = ev.story_ledger(articles) if recompute else list(s.claims)
            out.append((s.id, names, claims))
    return out


def _show(c) -> str:
    return (
        f"[{c.id} {c.article_id}] {c.speaker}: subject={c.subject}({c.subject_basis})"
        f" referent={c.referent_key}({c.referent}) measure={c.measure} kind={c.kind} {c.text!r}"
        f" {c.qualifier} {c.modality} tf={c.timeframe} {c.denominator} <{c.sentence[:200]}>"
    )


def report(corpus: str, stories: list[tuple[str, list]], data: dict, show_pool: bool) -> ev.Score:
    labels = ev.pair_labels(data, corpus)
    for key, claims in stories:
        by_id = {c.id: c for c in claims}
        flags = ev.flagged_pairs(claims)
        pool = [p for p in ev.same_referent_pairs(claims) if p not in set(flags)] if show_pool else []
        if not flags and not pool:
            continue
        print(f"{corpus} story {key}: {len(flags)} flagged, {len(pool)} same-referent unflagged")
        for a, b in flags:
            print(
                f"  FLAG [{labels.get((a, b), 'UNLABELLED')}] {dict(by_id[a].contradiction_reasons).get(b, '')}"
            )
            print(f"    {_show(by_id[a])}\n    {_show(by_id[b])}")
        for a, b in pool:
            print(
                f"  same referent [{labels.get((a, b), 'UNLABELLED')}]\n    {_show(by_id[a])}\n    {_show(by_id[b])}"
            )
    return ev.score(corpus, [claims for _, claims in stories], data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--store", type=Path, default=None, help="folder for the SemEval store (default: temp)")
    ap.add_argument("--reuse", action="store_true", help="reuse the ingested store, recompute the ledger")
    ap.add_argument("--show-pool", action="store_true", help="print the unflagged same-referent pairs")
    ap.add_argument("--write-groups", action="store_true", help="record the SemEval stories in the labels")
    ap.add_argument(
        "--corpora", default="seeds,demo,weibo,semeval", help="which corpora to score (comma list)"
    )
    args = ap.parse_args()
    corpora = set(args.corpora.split(","))
    data = ev.load_labels()
    csv_path = args.shared / "data" / "semeval2022-task8" / "training_set.csv"
    if not csv_path.exists():
        sys.exit(f"SemEval data not found at {csv_path}")
    scores = []
    seeds = sorted((args.shared / "seeds").glob("*.txt"))
    if seeds and "seeds" in corpora:
        scores.append(
            report("seeds", [("seeds", ev.story_ledger(ev.seed_articles(seeds)))], data, args.show_pool)
        )
    demo_groups = data.get("stories", {}).get("demo", [])
    if demo_groups and "demo" in corpora:
        demo = [ev.story_ledger(s) for s in ev.demo_stories(demo_groups)]
        scores.append(report("demo", [(f"demo-{i}", c) for i, c in enumerate(demo)], data, args.show_pool))
    weibo = args.shared / "data" / "ced-weibo-threads"
    if weibo.exists() and "weibo" in corpora:
        posts = ev.weibo_articles(weibo)
        scores.append(report("weibo", [(a.id, ev.story_ledger([a])) for a in posts], data, args.show_pool))
    if "semeval" in corpora:
        store_dir = args.store or Path(tempfile.mkdtemp(prefix="ledger-precision-"))
        db = store_dir / "ledger.db"
        if not (args.reuse and db.exists()):
            db = ingest_semeval(csv_path, store_dir)
        semeval = semeval_stories(db, recompute=args.reuse)
        if args.write_groups:
            data["stories"] = {"semeval": [names for _, names, _ in semeval]}
            ev.LABELS.parent.mkdir(parents=True, exist_ok=True)
            ev.LABELS.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        scores.append(report("semeval", [(sid, claims) for sid, _, claims in semeval], data, args.show_pool))
    for s in scores:
        print(s.line())
    real = [s for s in scores if s.corpus != "demo"]
    flagged = sum(len(s.flagged) for s in real)
    true = sum(s.true_flags for s in real)
    wanted = sum(lab == "contradiction" for s in real for lab in s.labels.values())
    found = sum(s.labels.get(p) == "contradiction" for s in real for p in s.flagged)
    print(
        f"real corpora together: flagged {flagged}, labelled contradiction {true};"
        f" precision {true / flagged if flagged else 1:.2f}; recall {found / wanted if wanted else 1:.2f}"
        f" ({found}/{wanted})"
    )
    s = scores[-1]
    precision = "n/a" if s.precision is None else f"{s.precision:.2f}"
    recall = "n/a" if s.recall is None else f"{s.recall:.2f}"
    print(f"{s.corpus}: flagged {len(s.flagged)} pairs; precision {precision}; recall {recall}")


if __name__ == "__main__":
    main()
