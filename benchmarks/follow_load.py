"""Sustained load: ``storyline follow`` over 200 outlets on loopback, a news day compressed into minutes.

The newsroom (benchmarks/newsroom.py) runs ``--outlets`` outlets; over ``--seconds`` of wall time
they publish ``--articles`` articles (real SemEval texts) and readers add ``--floors`` floors to
the pages already out (real CED replies), at random moments — a day's traffic, accelerated. One
``storyline follow`` process (``--interval`` between feed polls, pages re-asked from
``--page-interval`` on, decaying) keeps a store current (SQLite by default; ``--db`` names another,
e.g. the store ``portal_load.py --db … --reuse`` serves, to measure readers while it writes).
Then nothing changes for ``--idle`` seconds: what the follower costs when every answer is 304.

Measured from the follower process (psutil): articles followed per minute (pages stored whole,
new articles and new floors), CPU seconds per stored page, resident memory at the end, idle CPU
as a share of one core, and from the newsroom: requests answered and 304s.

    python benchmarks/follow_load.py                          # 200 outlets, 2 minutes, small
    python benchmarks/follow_load.py --articles 1200 --seconds 600 --idle 60

Prints settings, the phases, and ``articles/min … , CPU/article … ms, idle CPU … %`` last.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from newsroom import Newsroom

from storyline.store import open_store

SRC = Path(__file__).resolve().parents[1] / "src"


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def _settled(db: str, published: int, timeout: float) -> float:
    """Seconds until the store holds ``published`` articles and no fetch is pending (or timeout)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with open_store(db) as store:
            if store.count_articles() >= published:
                pages = store.fetch_states(listed=False)
                if all(p.last_fetch is not None for p in pages):
                    return time.monotonic() - start
        time.sleep(1.0)
    return timeout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--outlets", type=int, default=200)
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--floors", type=int, default=600)
    ap.add_argument("--seconds", type=float, default=120.0, help="wall time of the compressed day")
    ap.add_argument("--idle", type=float, default=30.0, help="seconds with nothing new, at the end")
    ap.add_argument("--interval", type=float, default=10.0, help="follow --interval (feeds)")
    ap.add_argument("--page-interval", type=float, default=20.0, help="follow --page-interval")
    ap.add_argument("--rate", type=float, default=1.0, help="requests per second per host")
    ap.add_argument("--db", default="", help="store to write into (default: a temporary SQLite file)")
    ap.add_argument("--encoder", action="store_true")
    ap.add_argument("--seed", type=int, default=22)
    args = ap.parse_args()

    db = args.db or str(Path(tempfile.mkdtemp(prefix="follow-load-")) / "live.db")
    rng = random.Random(args.seed)
    print(
        f"outlets {args.outlets}, {args.articles} articles and {args.floors} floors over {args.seconds:g}s, "
        f"idle {args.idle:g}s, follow --interval {args.interval:g} --page-interval {args.page_interval:g}, "
        f"rate {args.rate:g}/s per host, encoder {'on' if args.encoder else 'off'}, store {db.split('@')[-1]}, "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    with Newsroom(outlets=args.outlets, seed=args.seed) as room:
        sources = Path(tempfile.mkdtemp(prefix="follow-load-src-")) / "sources.txt"
        sources.write_text("".join(o.feed_url + "\n" for o in room.outlets), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
        env["STORYLINE_USE_ENCODER"] = "true" if args.encoder else "false"
        env["STORYLINE_FETCH_RATE_PER_HOST"] = str(args.rate)
        cli = [sys.executable, "-m", "storyline.cli", "--db", db]
        subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
        with open_store(db) as store:
            before = store.count_articles()
        follower = subprocess.Popen(
            [
                *cli,
                "follow",
                "--allow-private",
                "--sources",
                str(sources),
                "--interval",
                str(args.interval),
                "--page-interval",
                str(args.page_interval),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        proc = psutil.Process(follower.pid)
        try:
            # the day: publications and floors at random moments
            events = sorted(
                [(rng.uniform(0, args.seconds), "article") for _ in range(args.articles)]
                + [(rng.uniform(0, args.seconds), "floor") for _ in range(args.floors)]
            )
            cpu0, t0 = _cpu(proc), time.monotonic()
            for at, kind in events:
                delay = at - (time.monotonic() - t0)
                if delay > 0:
                    time.sleep(delay)
                if kind == "article" or not room.all_stories():
                    room.publish(1, outlet=rng.randrange(args.outlets), floors=rng.randint(0, 3))
                else:
                    room.add_floors(1)
            published = len(room.all_stories())
            caught_up = _settled(db, before + published, timeout=max(60.0, args.seconds))
            busy_seconds = time.monotonic() - t0
            busy_cpu = _cpu(proc) - cpu0
            # every page ever ingested whole (new articles, and again for each change of its thread)
            stored_pages = room.count(200, "/news/")
            hits_busy = room.count()
            rss_busy = proc.memory_info().rss
            # nothing new: the follower only re-asks (304s)
            cpu1, t1, h1, n1 = _cpu(proc), time.monotonic(), room.count(), room.count(304)
            time.sleep(args.idle)
            idle_cpu = (_cpu(proc) - cpu1) / (time.monotonic() - t1)
            idle_hits, idle_304 = room.count() - h1, room.count(304) - n1
            rss_end = proc.memory_info().rss
        finally:
            follower.terminate()
            follower.wait(timeout=60)
    with open_store(db) as store:
        landed = store.count_articles() - before
    print(
        f"day: {published} articles published, {landed} stored ({'all' if landed == published else 'NOT all'}), "
        f"caught up {caught_up:.1f}s after the last event; {stored_pages} page fetches stored whole, "
        f"{hits_busy} requests answered; follower CPU {busy_cpu:.1f}s over {busy_seconds:.1f}s"
    )
    print(
        f"idle {args.idle:g}s: {idle_hits} requests ({idle_304} answered 304), follower CPU {100 * idle_cpu:.1f}% "
        f"of a core; RSS {rss_busy / 2**20:.0f} MiB after the day, {rss_end / 2**20:.0f} MiB at the end; "
        f"follower exit code {follower.returncode}"
    )
    per_min = stored_pages / (busy_seconds / 60.0)
    per_article_ms = 1000.0 * busy_cpu / max(stored_pages, 1)
    # the follower kept pace with what the newsroom produced; its own ceiling is one core's
    # minute over the CPU one stored page costs
    print(
        f"articles/min {per_min:.0f} (ceiling {60_000 / max(per_article_ms, 1):.0f}/core), "
        f"CPU/article {per_article_ms:.0f} ms, idle CPU {100 * idle_cpu:.1f} %"
    )


if __name__ == "__main__":
    main()
