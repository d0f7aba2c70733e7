"""Per-article stages in-process vs on a Dask LocalCluster (2 workers × 1 thread).

Generates a JSONL crawl of N articles (invented text in both scripts and English), then times
``parse_and_analyze`` over every input file in one process, split over plain worker processes
(the machine's ceiling: nothing shipped back) and mapped over partitions on Dask exactly as
``run_batch`` does (results taken as partitions finish, decoded on the driver). The three are
measured side by side in each of ``--rounds`` rounds; prints each round, the peak RSS per Dask
worker, and the median speed-ups.

    python benchmarks/dask_speedup.py --articles 100000 --files 1000 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import statistics
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


def _warm(_: int) -> None:
    from storyline.pipeline import parse_and_analyze
    from storyline.records import RawInput

    parse_and_analyze(RawInput("warm.jsonl", _WARM.encode()))


def _analyse_paths(paths: list[str]) -> int:
    from storyline.pipeline import parse_and_analyze, read_input
    from storyline.settings import Settings

    settings = Settings()
    return sum(len(parse_and_analyze(read_input(p, settings)).members) for p in paths)


_WARM = json.dumps(
    {
        "url": "https://example.invalid/w",
        "outlet": "晨星日报",
        "title": "预热",
        "paragraphs": ["港口隧道项目获批，预算10亿元。"],
    },
    ensure_ascii=False,
)


def _worker_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="measurements side by side")
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

        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster, direct_to_workers=True)  # as run_batch's local cluster
        pool = mp.get_context("spawn").Pool(args.workers)
        single = mp.get_context("spawn").Pool(1)
        rounds: list[tuple[float, float, float]] = []
        try:
            client.run(lambda: parse_and_analyze(raws[0]))  # warm every worker
            pool.map(_warm, range(args.workers))
            single.map(_warm, [0])
            # This VM's speed drifts by ~10% from minute to minute, so the three are measured
            # side by side in each round and the ratios are taken per round.
            for r in range(args.rounds):
                # In a process of its own: this one hosts the Dask scheduler and client threads,
                # whose heartbeats take the GIL (the in-process figure here came out 15% slower,
                # and "2 plain processes" 2.03x, which only a handicapped baseline allows).
                t0 = time.perf_counter()
                single.map(_analyse_paths, [paths])
                in_process = time.perf_counter() - t0

                # The ceiling of this machine: the same work split over plain processes, nothing
                # shipped back. Two busy processes each run slower than one alone (shared caches
                # and memory bandwidth), so no engine reaches 2x here.
                t0 = time.perf_counter()
                pool.map(_analyse_paths, [paths[i :: args.workers] for i in range(args.workers)])
                plain = time.perf_counter() - t0

                # Exactly run_batch's path: local files travel as (path, hash) and the workers
                # read them; results are taken as partitions finish and decoded on the driver.
                items = [(i, _FileRef(r.name, r.sha256, r.media_type)) for i, r in enumerate(raws)]
                t0 = time.perf_counter()
                futures = submit_analysis(
                    client,
                    items,
                    workers=args.workers,
                    partition_size=args.partition_size,
                    sizes=[len(r.data) for r in raws],
                )
                n_parts = len(futures)
                n_inputs = 0
                for item in collect(futures):
                    item.parsed(raws[item.index])
                    n_inputs += 1
                on_dask = time.perf_counter() - t0
                assert n_inputs == len(raws)
                rounds.append((in_process, plain, on_dask))
                print(
                    f"round {r + 1}: in-process {in_process:.2f} s, {args.workers} plain processes "
                    f"{plain:.2f} s ({in_process / plain:.2f}x), dask {on_dask:.2f} s in {n_parts} partitions "
                    f"({in_process / on_dask:.2f}x)",
                    flush=True,
                )
            peaks = client.run(_worker_peak_rss_mb)
        finally:
            pool.close()
            single.close()
            client.close()
            cluster.close()
        print("peak RSS per worker (MB): " + ", ".join(f"{v:.0f}" for v in peaks.values()))
        speedup = statistics.median(a / d for a, _, d in rounds)
        ceiling = statistics.median(a / p for a, p, _ in rounds)
        print(
            f"speed-up (median of {len(rounds)} rounds): dask {speedup:.2f}x, plain processes {ceiling:.2f}x"
        )


if __name__ == "__main__":
    main()
