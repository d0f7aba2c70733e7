"""Store ingest rate: articles/s written through ``Store.write_input`` (with analyses and search index).

Synthetic articles (benchmarks/_synthetic.py, ~4 paragraphs of CJK text each) grouped into inputs of
``--per-input`` articles, one transaction per input, into a fresh SQLite file and/or a fresh
PostgreSQL database (``--pg-url``, default $STORYLINE_TEST_PG_URL). Generation time is excluded.

    python benchmarks/store_ingest_rate.py --n 5000
    python benchmarks/store_ingest_rate.py --n 100000 --store sqlite

Last line: ``articles/s sqlite: N  postgres: M``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synthetic import batches, fresh_pg_database

from storyline.store import InputWrite, open_store


def ingest_rate(db: str, n: int, per_input: int) -> float:
    data = list(batches(n, per_input))
    store = open_store(db)
    start = time.perf_counter()
    for raw, arts, ans in data:
        store.write_input(InputWrite(raw=raw, articles=arts, analyses=ans))
    elapsed = time.perf_counter() - start
    assert store.count_articles() == n
    store.close()
    return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="articles to write (default 5000)")
    ap.add_argument("--per-input", type=int, default=50, help="articles per write_input transaction")
    ap.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--pg-url", default=os.environ.get("STORYLINE_TEST_PG_URL", ""))
    args = ap.parse_args()
    print(f"settings: n={args.n} per_input={args.per_input} store={args.store}")
    results: dict[str, str] = {}
    if args.store in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            rate = ingest_rate(str(Path(tmp) / "bench.db"), args.n, args.per_input)
        results["sqlite"] = f"{rate:.0f}"
        print(f"sqlite: {rate:.0f} articles/s")
    if args.store in ("postgres", "both"):
        if not args.pg_url:
            results["postgres"] = "skipped (no --pg-url / STORYLINE_TEST_PG_URL)"
        else:
            with fresh_pg_database(args.pg_url) as url:
                rate = ingest_rate(url, args.n, args.per_input)
            results["postgres"] = f"{rate:.0f}"
            print(f"postgres: {rate:.0f} articles/s")
    print("articles/s " + "  ".join(f"{k}: {v}" for k, v in results.items()))


if __name__ == "__main__":
    main()
