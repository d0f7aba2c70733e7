"""Freshness: an item published on an outlet's feed → searchable on the portal, p50/p95 over 100 items.

Starts the loopback newsroom (benchmarks/newsroom.py, real SemEval texts and CED floors),
``storyline serve`` and ``storyline follow --interval 1`` as two processes on one store (SQLite
WAL by default, ``--db postgresql://…`` for PostgreSQL), publishes ``--items`` articles one
every ``--every`` seconds on random outlets, and asks the portal's ``/api/search`` every
``--poll`` seconds for each article not yet found (by a piece of its title) until it is there.
The latency of an item is from the moment the newsroom put it in its feed to the first search
answer that lists it, so it includes the wait for the next poll of the feed, the per-host rate
limit (``--rate`` requests per second per outlet, the follower's default 1), fetching the page,
the pipeline and the portal.

    python benchmarks/follow_freshness.py                    # 100 items, 10 outlets, SQLite
    python benchmarks/follow_freshness.py --encoder          # with the sentence encoder on
    python benchmarks/follow_freshness.py --db postgresql://postgres@127.0.0.1:55522/bench

Prints the settings, per-item latencies summarised, and ``freshness p50 … s, p95 … s`` last.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from newsroom import Newsroom

SRC = Path(__file__).resolve().parents[1] / "src"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["STORYLINE_USE_ENCODER"] = "true" if args.encoder else "false"
    env["STORYLINE_FETCH_RATE_PER_HOST"] = str(args.rate)
    return env


def _query(title: str) -> str:
    """A piece of the title the search finds: a run of up to six CJK characters, or three words."""
    run = re.search(r"[\u4e00-\u9fff]{3,}", title)
    if run:
        return run.group(0)[:6]
    return " ".join(title.split()[:3])


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=100)
    ap.add_argument("--outlets", type=int, default=10)
    ap.add_argument("--every", type=float, default=0.5, help="seconds between two publications")
    ap.add_argument("--interval", type=float, default=1.0, help="follow --interval")
    ap.add_argument(
        "--rate", type=float, default=1.0, help="requests per second per host (fetch_rate_per_host)"
    )
    ap.add_argument("--poll", type=float, default=0.1, help="seconds between two searches for a pending item")
    ap.add_argument("--db", default="", help="SQLite path or postgresql:// URL (default: a temporary file)")
    ap.add_argument("--encoder", action="store_true", help="the multilingual sentence encoder on")
    ap.add_argument("--timeout", type=float, default=60.0, help="give up on an item after this long")
    ap.add_argument("--seed", type=int, default=22)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="freshness-")
    db = args.db or str(Path(tmp) / "live.db")
    port = _free_port()
    rng = random.Random(args.seed)
    print(
        f"items {args.items}, outlets {args.outlets}, one every {args.every}s, follow --interval {args.interval}, "
        f"rate {args.rate}/s per host, encoder {'on' if args.encoder else 'off'}, store {db.split('@')[-1]}, "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    with Newsroom(outlets=args.outlets, seed=args.seed) as room:
        # one article per outlet first: the follower's first round (robots.txt, the store's
        # schema, the pipeline's warm-up) is not what a reader waits for once it runs
        room.publish(args.outlets, floors=2)
        env = _env(args)
        cli = [sys.executable, "-m", "storyline.cli", "--db", db]
        subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        follower = subprocess.Popen(
            [
                *cli,
                "follow",
                "--allow-private",
                "--interval",
                str(args.interval),
                *[o.feed_url for o in room.outlets],
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=10)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if len(client.get("/api/stories").json().get("stories", [])) > 0:
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                time.sleep(0.5)
            time.sleep(3)  # let the warm-up round finish
            pending: dict[str, tuple[str, float]] = {}
            urls: dict[str, str] = {}
            found_at: dict[str, float] = {}
            latencies: list[float] = []
            missed: list[str] = []
            lock = threading.Lock()
            done = threading.Event()

            def poll() -> None:
                while not done.is_set() or pending:
                    with lock:
                        todo = list(pending.items())
                    for title, (query, published) in todo:
                        hits = (
                            client.get("/api/search", params={"q": query, "limit": 50}).json().get("hits", [])
                        )
                        now = time.time()
                        if any(h["title"] == title for h in hits):
                            with lock:
                                pending.pop(title, None)
                                latencies.append(now - published)
                                found_at[title] = now
                        elif now - published > args.timeout:
                            with lock:
                                pending.pop(title, None)
                                missed.append(title)
                    time.sleep(args.poll)

            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
            for _ in range(args.items):
                [story] = room.publish(1, outlet=rng.randrange(args.outlets), floors=1)
                with lock:
                    pending[story.text.title] = (_query(story.text.title), story.changed_at)
                    urls[story.text.title] = room.url_of(story)
                time.sleep(args.every)
            done.set()
            poller.join(timeout=args.timeout + 10)
        finally:
            follower.terminate()
            server.terminate()
            follower.wait(timeout=30)
            server.wait(timeout=30)
            client.close()
    # From the round that saw it: the fetch of the feed that first listed the item (the page's
    # first_seen in the fetch state) to the first search answer that lists it.
    from storyline.store import open_store

    with open_store(db) as store:
        seen = {s.url: s.first_seen for s in store.fetch_states(listed=False)}
    since_seen = [found_at[t] - seen[urls[t]] for t in found_at if urls[t] in seen]
    if not latencies:
        print(
            "no item became searchable; follower said:\n"
            + (follower.stderr.read() if follower.stderr else "")
        )
        sys.exit(1)
    print(
        f"found {len(latencies)}/{args.items}, missed {len(missed)}; latency min {min(latencies):.2f}s, "
        f"mean {statistics.fmean(latencies):.2f}s, max {max(latencies):.2f}s; follower exit code {follower.returncode}"
    )
    for title in missed[:5]:
        print(f"  missed: {title!r} (query {_query(title)!r})")
    if since_seen:
        print(
            f"from the round that saw it: p50 {_percentile(since_seen, 0.5):.2f} s, "
            f"p95 {_percentile(since_seen, 0.95):.2f} s, max {max(since_seen):.2f} s"
        )
    print(f"freshness p50 {_percentile(latencies, 0.5):.2f} s, p95 {_percentile(latencies, 0.95):.2f} s")


if __name__ == "__main__":
    main()
