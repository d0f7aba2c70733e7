"""Per-report assignment cost, B-cubed quality and memory of the online clusterer as the stream grows.

Runs the synthetic stream of benchmarks/stream_generator.py (N stories × ~M reports, zh-Hans,
zh-Hant, en, realistic timestamps) through ``Clusterer(encoder=False)`` (the synthetic words
mean nothing to the sentence encoder, and at ~2 ms a report it would dominate; pass --encoder
to include it anyway). Only ``assign`` is timed (process CPU time); building the records is not.

    python benchmarks/cluster_scaling.py --sizes 10000 100000 [--per-story 10] [--million]

Prints one line per size; the LAST line is the cost ratio largest ÷ smallest (goal ≤ 1.3 for
1M ÷ 10k). Each size runs in its own process so peak memory is that run's own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.stream_generator import stream  # noqa: E402

from storyline.stories.cluster import Clusterer  # noqa: E402


def bcubed(pred: list[str], truth: list[int]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga & Baldwin 1998), from the contingency counts."""
    n = len(pred)
    joint = Counter(zip(pred, truth, strict=True))
    size_p, size_t = Counter(pred), Counter(truth)
    p = sum(c * c / size_p[a] for (a, _), c in joint.items()) / n
    r = sum(c * c / size_t[b] for (_, b), c in joint.items()) / n
    return p, r, 2 * p * r / (p + r)


def run_one(n: int, per_story: int, encoder: bool) -> dict[str, float]:
    c = Clusterer(encoder=encoder)
    pred: list[str] = []
    truth: list[int] = []
    spent = 0.0
    tail_spent, tail_n = 0.0, 0
    tail_from = int(n * 0.9)
    max_active = 0
    for i, (art, an, s) in enumerate(stream(n, per_story=per_story)):
        # CPU time of this process, not wall time: the machine is shared, and the figure is the
        # work an assignment costs, not how busy the neighbours were.
        t0 = time.process_time()
        a = c.assign(art, an)
        dt = time.process_time() - t0
        spent += dt
        if i >= tail_from:
            tail_spent += dt
            tail_n += 1
        pred.append(a.story_id)
        truth.append(s)
        if i % 1000 == 0:
            max_active = max(max_active, c.active_stories)
    pred = [c.resolve(p) for p in pred]
    p, r, f = bcubed(pred, truth)
    state = len(c.to_bytes())
    return {
        "n": n,
        "us_per_article": 1e6 * spent / n,
        "us_per_article_last10pct": 1e6 * tail_spent / max(1, tail_n),
        "bcubed_p": p,
        "bcubed_r": r,
        "bcubed_f1": f,
        "stories_true": len(set(truth)),
        "stories_found": len(set(pred)),
        "max_active_stories": max_active,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "state_bytes": state,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    ap.add_argument("--per-story", type=int, default=10)
    ap.add_argument("--million", action="store_true", help="add a 1,000,000-report run (minutes)")
    ap.add_argument("--encoder", action="store_true")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.per_story, args.encoder)))
        return 0
    sizes = sorted(set(args.sizes + ([1_000_000] if args.million else [])))
    print(
        f"settings: sizes={sizes} per_story~{args.per_story} encoder={args.encoder} stories/hour=20 window=96h"
    )
    results = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--per-story", str(args.per_story)]
        if args.encoder:
            cmd.append("--encoder")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        res = json.loads(out.strip().splitlines()[-1])
        results.append(res)
        print(
            f"n={n}: {res['us_per_article']:.0f} us/article (last 10%: {res['us_per_article_last10pct']:.0f}), "
            f"B-cubed P {res['bcubed_p']:.3f} R {res['bcubed_r']:.3f} F1 {res['bcubed_f1']:.3f}, "
            f"stories {res['stories_found']} found / {res['stories_true']} true, "
            f"max active {res['max_active_stories']}, peak RSS {res['peak_rss_mb']:.0f} MB, "
            f"state {res['state_bytes'] / 1e6:.1f} MB",
            flush=True,
        )
    lo, hi = results[0], results[-1]
    ratio = hi["us_per_article_last10pct"] / lo["us_per_article_last10pct"]
    print(f"cost ratio (last-10% us/article) n={hi['n']} / n={lo['n']}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
