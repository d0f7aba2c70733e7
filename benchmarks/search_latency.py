"""Search latency: p50/p95 of ``Store.search`` over N synthetic articles, SQLite FTS5 vs PostgreSQL GIN.

Queries by kind (benchmarks/_synthetic.py plants the words with known frequencies):
  2-char   川普 (~4% of docs), 中国 (~60%: the many-matches case, sorted by date)
  longer   特朗普, 星際之門 (traditional query, text indexed in simplified)
  english  stargate
  1-char   普 (token-prefix search)
Each query runs ``--repeat`` times with limit 20 after one warm-up run.

    python benchmarks/search_latency.py                 # 20k docs, both stores
    python benchmarks/search_latency.py --n 100000 --store sqlite
    python benchmarks/search_latency.py --n 1000000 --store postgres --pg-url postgresql://…

Last line: ``search ms p50/p95 sqlite 2-char a/b longer c/d … | postgres …``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synthetic import batches, fresh_pg_database

from storyline.store import InputWrite, open_store

QUERIES = {
    "2-char": ["川普", "中国"],
    "longer": ["特朗普", "星際之門"],
    "english": ["stargate"],
    "1-char": ["普"],
}


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def measure(db: str, n: int, repeat: int) -> dict[str, tuple[float, float]]:
    store = open_store(db)
    start = time.perf_counter()
    for raw, arts, ans in batches(n, 500):
        store.write_input(InputWrite(raw=raw, articles=arts, analyses=ans))
    print(f"  loaded {store.count_articles()} articles in {time.perf_counter() - start:.1f}s")
    out: dict[str, tuple[float, float]] = {}
    for kind, queries in QUERIES.items():
        times: list[float] = []
        for q in queries:
            hits = store.search(q)
            print(f"  {kind:8s} {q}: first page {len(hits)} hits")
            for _ in range(repeat):
                t = time.perf_counter()
                store.search(q)
                times.append((time.perf_counter() - t) * 1000)
        out[kind] = (pct(times, 50), pct(times, 95))
        print(f"  {kind:8s} p50 {out[kind][0]:.2f} ms  p95 {out[kind][1]:.2f} ms")
    store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="synthetic articles (default 20000)")
    ap.add_argument("--repeat", type=int, default=30, help="timed runs per query")
    ap.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--pg-url", default=os.environ.get("STORYLINE_TEST_PG_URL", ""))
    args = ap.parse_args()
    print(f"settings: n={args.n} repeat={args.repeat} store={args.store} limit=20")
    summary: list[str] = []
    if args.store in ("sqlite", "both"):
        print("sqlite:")
        with tempfile.TemporaryDirectory() as tmp:
            res = measure(str(Path(tmp) / "bench.db"), args.n, args.repeat)
        summary.append("sqlite " + " ".join(f"{k} {a:.1f}/{b:.1f}" for k, (a, b) in res.items()))
    if args.store in ("postgres", "both"):
        if not args.pg_url:
            summary.append("postgres skipped (no --pg-url / STORYLINE_TEST_PG_URL)")
        else:
            print("postgres:")
            with fresh_pg_database(args.pg_url) as url:
                res = measure(url, args.n, args.repeat)
            summary.append("postgres " + " ".join(f"{k} {a:.1f}/{b:.1f}" for k, (a, b) in res.items()))
    print(f"search ms p50/p95 (n={args.n}) " + " | ".join(summary))


if __name__ == "__main__":
    main()
