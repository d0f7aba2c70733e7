"""Per-article stages in-process vs on a Dask LocalCluster (2 workers × 1 thread).

Generates a JSONL crawl of N articles (invented text in both scripts and English), then times
``parse_and_analyze`` over every input file in one process and the same function mapped over
partitions on Dask. Prints settings, both times, the speed-up and the peak RSS per worker.

    python benchmarks/dask_speedup.py --articles 2000 --files 40
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path

SUBJECTS = ["港口隧道", "芯片工厂", "暴雨预警", "地铁延线", "机场扩建", "大学合并", "海上风电", "跨境铁路"]
OUTLETS = ["晨星日报", "港灣時報", "北岸新闻网", "東方快訊", "The Meridian Post", "Harbor Ledger"]


def make_corpus(folder: Path, articles: int, files: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    per_file = max(1, articles // files)
    paths = []
    n = 0
    for f in range(files):
        rows = []
        for _ in range(per_file):
            subject = rng.choice(SUBJECTS)
            outlet = rng.choice(OUTLETS)
            budget = rng.randint(10, 900)
            paragraphs = [
                f"{outlet}报道，{subject}项目获批，预算{budget}亿元，预计{rng.randint(2, 6)}年内完工。",
                f"市政府发言人表示，{subject}将创造{rng.randint(1, 9)}万个就业岗位，首期投资{budget // 4}亿元。",
                f"反对者认为{subject}的成本被低估，实际支出可能超过{budget + rng.randint(10, 90)}亿元。",
            ]
            rows.append(
                {
                    "url": f"https://example.invalid/{f}/{n}",
                    "outlet": outlet,
                    "title": f"{subject}获批 预算{budget}亿元",
                    "published_at": f"2025-03-{1 + n % 28:02d}T{n % 24:02d}:00:00+08:00",
                    "paragraphs": paragraphs,
                }
            )
            n += 1
        path = folder / f"crawl{f:03d}.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
        paths.append(str(path))
    return paths


def _worker_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-size", type=int, default=200, help="max input files per partition")
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster

    from storyline.pipeline import parse_and_analyze, read_input
    from storyline.scale.dask_batch import _FileRef, collect, submit_analysis
    from storyline.settings import Settings

    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_corpus(Path(tmp), args.articles, args.files)
        raws = [read_input(p, settings) for p in paths]
        print(f"articles={args.articles} files={args.files} workers={args.workers} threads/worker=1")

        parse_and_analyze(raws[0])  # warm the dictionaries, as a worker's first task does
        t0 = time.perf_counter()
        for raw in raws:
            parse_and_analyze(raw)
        in_process = time.perf_counter() - t0
        print(f"in-process: {in_process:.2f} s ({args.articles / in_process:.0f} articles/s)")

        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        client = Client(cluster)
        try:
            client.run(lambda: parse_and_analyze(raws[0]))  # warm every worker
            # Exactly run_batch's path: local files travel as (path, hash) and the workers read
            # them; results are taken as partitions finish and decoded on the driver.
            items = [(i, _FileRef(r.name, r.sha256, r.media_type)) for i, r in enumerate(raws)]
            t0 = time.perf_counter()
            futures = submit_analysis(client, items, workers=args.workers, partition_size=args.partition_size)
            n_parts = len(futures)
            n_inputs = 0
            for item in collect(futures):
                item.parsed(raws[item.index])
                n_inputs += 1
            on_dask = time.perf_counter() - t0
            assert n_inputs == len(raws)
            peaks = client.run(_worker_peak_rss_mb)
        finally:
            client.close()
            cluster.close()
        print(f"dask: {n_parts} partitions")
        print(f"dask: {on_dask:.2f} s ({args.articles / on_dask:.0f} articles/s)")
        print("peak RSS per worker (MB): " + ", ".join(f"{v:.0f}" for v in peaks.values()))
        print(f"speed-up: {in_process / on_dask:.2f}x")


if __name__ == "__main__":
    main()
