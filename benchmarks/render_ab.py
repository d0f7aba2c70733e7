"""Cold render, tree A against tree B, page by page in turn: CPU time per page of each.

``portal_load.py --render`` times one tree; comparing two trees with it means two processes
run one after the other, and on a shared machine the load moves between them by more than
the difference looked for (±10 % from one run to the next of the same code, measured). Here
each tree renders in a process of its own, both open at once, and this driver asks them for
the same page in turn (which one goes first alternates), so both meet the same load; it
prints each tree's median CPU time per page kind and the median of the paired ratios B/A.

Each tree gets a store built by its own ``benchmarks/portal_load.py`` (the stored format may
differ between trees; the builder is seeded, so the stores hold the same stories), or
``--db-a``/``--db-b`` with ``--reuse``. Pages: ``--pages`` story pages, each story's biggest
thread page by time and as conversations, all rendered through the whole app with the
response cache and page store off.

    python benchmarks/render_ab.py --a /tmp/old --articles 2000 --pages 100 --rounds 3
    python benchmarks/render_ab.py --a /tmp/old --articles 100 --comments 1000 --pages 5
    (``git -C . worktree add /tmp/old <commit>`` makes tree A; B is this tree by default)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
KINDS = ("story", "thread", "talk")


async def _get(app, path: str) -> int:  # type: ignore[no-untyped-def]
    """One GET through the app, in process. Its own copy (not web.prerender.asgi_get): the
    same code must run against trees from before that function existed."""
    path, _, query = path.partition("?")
    status = 500
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "root_path": "", "headers": [(b"host", b"render-ab.invalid")],
        "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 80),
    }  # fmt: skip

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


def _worker(db: str, n: int) -> None:
    """Serve "kind index" lines on stdin with the CPU seconds of that page's render."""
    from storyline.settings import Settings
    from storyline.store import open_store
    from storyline.web.app import create_app

    store = open_store(db)
    app = create_app(store, Settings(db=db, page_store="off"), cache_entries=0)
    pages: dict[str, list[str]] = {k: [] for k in KINDS}
    for s in store.story_summaries(limit=n):
        story = store.story(s.id)
        if story is None:
            raise SystemExit(f"{db}: story {s.id} does not read in this tree (a store of another tree?)")
        big = max(store.articles(story.article_ids), key=lambda a: len(a.comments))
        pages["story"].append(f"/story/{s.id}")
        pages["thread"].append(f"/story/{s.id}/thread/{big.id}")
        pages["talk"].append(f"/story/{s.id}/thread/{big.id}?view=talk")
    loop = asyncio.new_event_loop()
    for k in KINDS:  # the first render compiles the templates: not a reader's cost
        loop.run_until_complete(_get(app, pages[k][0]))
    print(len(pages["story"]), flush=True)
    for line in sys.stdin:
        kind, i = line.split()
        c = time.process_time()
        status = loop.run_until_complete(_get(app, pages[kind][int(i)]))
        spent = time.process_time() - c
        if status != 200:
            raise SystemExit(f"{pages[kind][int(i)]}: {status}")
        print(f"{spent:.9f}", flush=True)


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{tree / 'benchmarks'}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", type=Path, default=HERE, help="tree A (a checkout: src/, benchmarks/)")
    ap.add_argument("--b", type=Path, default=HERE, help="tree B (default: this tree)")
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--per-story", type=int, default=20)
    ap.add_argument("--comments", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pages", type=int, default=100, help="stories (each: its page and two thread pages)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--db-a", default="")
    ap.add_argument("--db-b", default="")
    ap.add_argument("--reuse", action="store_true", help="use --db-a/--db-b as they are")
    ap.add_argument("--worker", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(args.worker, args.pages)
        return

    tmp = Path(tempfile.mkdtemp(prefix="render-ab-"))
    trees = {
        "A": (args.a.resolve(), args.db_a or str(tmp / "a.db")),
        "B": (args.b.resolve(), args.db_b or str(tmp / "b.db")),
    }
    for name, (tree, db) in trees.items():
        if not args.reuse:
            build = f"import portal_load; portal_load.build({db!r}, {args.articles}, {args.per_story}, {args.comments}, {args.seed})"
            subprocess.run(
                [sys.executable, "-c", build], env=_env(tree), check=True, stdout=subprocess.DEVNULL
            )
        print(f"{name}: {tree} store {db}")
    procs = {}
    for name, (tree, db) in trees.items():
        p = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", db, "--pages", str(args.pages)],
            env=_env(tree), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        procs[name] = (p, int(p.stdout.readline()))  # type: ignore[union-attr]
    n = min(k for _, k in procs.values())
    cpu: dict[str, dict[str, list[float]]] = {k: {"A": [], "B": []} for k in KINDS}
    for r in range(args.rounds):
        for kind in KINDS:
            for i in range(n):
                for name in ("A", "B") if (i + r) % 2 == 0 else ("B", "A"):
                    p = procs[name][0]
                    p.stdin.write(f"{kind} {i}\n")  # type: ignore[union-attr]
                    p.stdin.flush()  # type: ignore[union-attr]
                    cpu[kind][name].append(float(p.stdout.readline()))  # type: ignore[union-attr]
    for p, _ in procs.values():
        p.stdin.close()  # type: ignore[union-attr]
        p.wait()
    shutil.rmtree(tmp, ignore_errors=True)  # the stores built here (--db-a/--db-b are kept)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    print(f"{args.rounds} rounds x {n} stories, A and B page by page in turn; loadavg {load}")
    for kind, d in cpu.items():
        a, b = statistics.median(d["A"]) * 1000, statistics.median(d["B"]) * 1000
        paired = statistics.median(y / x for x, y in zip(d["A"], d["B"], strict=True) if x > 0)
        print(
            f"cold render {kind:6s}: CPU median A {a:.3f} ms, B {b:.3f} ms ({(b / a - 1) * 100:+.1f} %); "
            f"median of paired B/A {paired:.3f}"
        )


if __name__ == "__main__":
    main()
