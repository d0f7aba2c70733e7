"""Portal load: req/s and p95 latency of the story page and the hot list over a synthetic store.

Builds a SQLite store of ``--articles`` synthetic reports (``--per-story`` outlets per story,
threads of ``--comments`` floors on one article in four), serves it with uvicorn (uvloop,
httptools, no access log) in ``--workers`` child processes and drives it with ``--requests``
per target, ``--concurrency`` keep-alive connections in flight, from a lean raw-socket client
(``--client httpx`` for the old one, which costs the shared CPU more than the server does), or
with Debian's ``wrk`` for ``--seconds`` per target (``--client wrk``: the least client CPU).

Pages are rendered on request unless ``--page-store auto``: then the servers share the page
store beside the database (:mod:`storyline.store.pages`), and ``--prerender`` fills it first
(timed, as ``storyline prerender`` would after an ingest).

Targets: "story page" asks every story equally often (1000 requests over 1000 stories: most
are pages not asked before, so this measures rendering); "story page (hot)" asks stories in
Zipf proportion to their hotness rank (readers crowd onto the top stories, so this measures
the response cache); "hot list" is ``/``; "api story" is ``/api/stories/{id}``, uniform.
"search" is ``/search?q=…`` over 20 queries, "api search" the same through ``/api/search``.
Prints settings (with the load average: the machine may be shared), per-target req/s, p50,
p95, errors and server CPU per request, the servers' RSS, and the headline on the last line.

``--writer``: the same run with and without a follower writing. A newsroom
(benchmarks/newsroom.py, real texts) publishes ``--writer-articles`` articles and
``--writer-floors`` floors a minute on ``--writer-outlets`` outlets in a process of its own, and
``storyline follow`` keeps the served store current from it. Every target is measured
``--rounds`` times in each condition, interleaved (A B, then B A, …): "without" is the follower
and the newsroom stopped (SIGSTOP: same store, same server, no writer), "with" both running
(each "with" phase starts once the store's write counter has moved). A phase of a cached target
lasts ``--phase-seconds``; the uniform targets take distinct stories in every phase, so no phase
finds another's pages cached. Printed per target: median req/s and p95 of each condition, their
ratio, errors, and the writes the store took in each "with" phase (its version counter).
The follower runs ``follow --nice 10`` by default (``--writer-nice``): readers first on a
contended core (CFS weight 110 against the server's 1024). Since the clusterer state is saved
every 32 articles and not on every write, the follower needs 12-15% of a core, and at nice 10 it
about keeps its write rate. Measured at 40k articles: 5.6-5.9 writes/s at nice 10 against
6.0 at nice 5, and the story pages' worst p95 +4% and +11% at nice 10 against +12% to +28% at nice 5.
(Before that change it took 18-25% of a core, and at nice 10 it fell behind: 4.5 writes/s against
5.6 at nice 0.) Other sessions' load counts against this
whole session (autogroup scheduling), so check the writes a second it prints: the figures mean
"with a writer" only at the writer's usual rate. Each phase also prints how long the server's event loop
was runnable but had no CPU (``/proc/<pid>/schedstat``), and with ``--profile`` where the
server's time went (renders, store calls, preemptions, invalidations, stale answers and
re-renders: :class:`_Profile`). ``--writer-light N`` replaces the follower by N commits a second
of a new story and a 512 kB state blob at almost no CPU: the store's side of a writer alone.

    python benchmarks/portal_load.py                     # 20k articles, small run
    python benchmarks/portal_load.py --workers 2         # one server process per core
    python benchmarks/portal_load.py --cache-entries 0   # without the response cache
    python benchmarks/portal_load.py --articles 1000000  # the big store (build takes a while)
    python benchmarks/portal_load.py --db /tmp/big.db --reuse   # skip the build next time
    python benchmarks/portal_load.py --client wrk --page-store auto --prerender
    python benchmarks/portal_load.py --articles 2000 --render 100          # cold render, in process
    python benchmarks/portal_load.py --articles 200 --comments 1000 --render 10   # 1000-floor threads
    python benchmarks/portal_load.py --articles 40000 --per-story 10 --writer --rounds 3
    python benchmarks/portal_load.py --db /tmp/w40k.db --reuse --articles 40000 --per-story 10 \
        --requests 500 --writer --rounds 3 --profile        # where a writer's cost lands

``--render N`` serves nothing: it renders N distinct story pages (and, when the stories have
threads, N thread pages by time and as conversations) in this process through the whole app with
the response cache off, each page once, and prints the median and p95 milliseconds per page —
the cold render a reader pays before any cache holds the page (CPU time: on a shared machine
wall time also counts whatever else ran).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx

from storyline.records import (
    Analysis,
    Article,
    Claim,
    Comment,
    Entity,
    GroupMember,
    Keyword,
    ParagraphGroup,
    Quote,
    RawInput,
    Stats,
    Story,
    TimelineEvent,
)
from storyline.settings import Settings
from storyline.store import open_store
from storyline.store.base import InputWrite, StoryAssignment
from storyline.store.pages import page_store_path
from storyline.web.prerender import prerender_store

VOCAB = "星门计划投资美元数据中心软银公司表示宣布建设首期亿万现金合作伙伴总统白宫科技人工智能芯片市场"
OUTLETS = [f"媒体{i}" for i in range(40)]
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(VOCAB) for _ in range(n)) + "。"


def _story_write(rng: random.Random, sid: int, per_story: int, comments: int) -> InputWrite:
    t = T0 + timedelta(minutes=37 * sid)
    shared = [_text(rng, 60) for _ in range(4)]
    arts: list[Article] = []
    for k in range(per_story):
        outlet = OUTLETS[(sid + k) % len(OUTLETS)]
        thread: tuple[Comment, ...] = ()
        if comments and k % 4 == 0:
            thread = tuple(
                Comment(
                    floor=f,
                    author=f"读者{rng.randrange(200)}",
                    text=_text(rng, 30),
                    posted_at=t + timedelta(minutes=10 * f),
                    quotes=(Quote(author="x", text=_text(rng, 8), floor=f - 1),)
                    if f > 1 and f % 3 == 0
                    else (),
                )
                for f in range(1, comments + 1)
            )
        arts.append(
            Article(
                url=f"https://news{k}.example.org/{sid}/{k}",
                outlet=outlet,
                title=_text(rng, 14),
                paragraphs=(*shared, _text(rng, 80)),
                published_at=t + timedelta(minutes=20 * k),
                script="zh-Hans",
                stats=Stats(reads=rng.randrange(10_000), comments=len(thread)),
                comments=thread,
            )
        )
    groups = tuple(
        ParagraphGroup(
            id=f"g{sid}-{i}",
            text=p,
            members=tuple(GroupMember(a.id, a.outlet, a.script, i, 0.9, text=p) for a in arts),
        )
        for i, p in enumerate(shared)
    )
    claims = tuple(
        Claim(
            subject="星门",
            measure="investment",
            value=5e11 * (1 + i % 2),
            unit="USD",
            text="五千亿美元",
            article_id=arts[i].id,
            paragraph=0,
            id=f"c{sid}-{i}",
        )
        for i in range(min(4, per_story))
    )
    story = Story(
        id=f"s{sid}",
        concept=_text(rng, 4)[:4],
        headline=arts[0].title,
        article_ids=tuple(a.id for a in arts),
        keywords=tuple(Keyword(_text(rng, 2)[:2], 1.0 / (i + 1)) for i in range(6)),
        entities=(Entity("软银", ("軟銀", "SoftBank")),),
        paragraphs=groups,
        timeline=tuple(TimelineEvent(a.published_at, "article", a.title, a.id, a.outlet) for a in arts),
        claims=claims,
        hotness=rng.random(),
        first_seen=arts[0].published_at,
        last_updated=arts[-1].published_at,
    )
    analyses = [Analysis(a.id, a.script, a.title, a.paragraphs, a.title, a.paragraphs) for a in arts]
    return InputWrite(
        raw=RawInput(name=f"synthetic-{sid}.jsonl", data=f"story {sid}".encode()),
        articles=arts,
        analyses=analyses,
        assignments=[StoryAssignment(a.id, story.id) for a in arts],
        stories=[story],
    )


def build(db: str, articles: int, per_story: int, comments: int, seed: int) -> int:
    rng = random.Random(seed)
    n_stories = max(1, articles // per_story)
    started = time.perf_counter()
    with open_store(db) as store:
        for sid in range(n_stories):
            store.write_input(_story_write(rng, sid, per_story, comments))
            if sid and sid % 1000 == 0:
                rate = sid * per_story / (time.perf_counter() - started)
                print(f"  built {sid * per_story} articles ({rate:.0f}/s)", file=sys.stderr)
    return n_stories


def _serve(db: str, port: int, cache_entries: int, page_store: str, profile: bool = False) -> None:
    """One server process: uvicorn on uvloop + httptools, no access log, its own store.

    The socket is bound with SO_REUSEPORT so that ``--workers`` processes share the port and the
    kernel spreads connections over them (what ``uvicorn --workers`` does with a shared socket).
    ``profile``: time every render and store call (see :class:`_Profile`), answered at ``/__profile``.
    """
    import logging

    import uvicorn

    from storyline.web.app import create_app

    logging.disable(logging.WARNING)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    store = open_store(db)
    app = create_app(store, Settings(db=db, page_store=page_store), cache_entries=cache_entries)
    if profile:
        app = _Profile(app, store)
    config = uvicorn.Config(
        app,
        log_level="error",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
    uvicorn.Server(config).run(sockets=[sock])


def _newsroom(outlets: int, seed: int, articles_min: float, floors_min: float, conn) -> None:
    """The writer's newsroom, in a process of its own (its HTTP threads stay off the client's GIL).

    Sends the feed URLs through ``conn``, then publishes articles and adds floors at random
    moments (a Poisson stream at the given rates a minute) until terminated.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from newsroom import Newsroom

    rng = random.Random(seed)
    with Newsroom(outlets=outlets, seed=seed) as room:
        room.publish(outlets, floors=2)  # one article each: the follower's first round has work
        conn.send([o.feed_url for o in room.outlets])
        rate = (articles_min + floors_min) / 60.0
        while rate > 0:
            time.sleep(rng.expovariate(rate))
            if rng.random() < articles_min / (articles_min + floors_min) or not room.all_stories():
                room.publish(1, outlet=rng.randrange(outlets), floors=rng.randint(0, 3))
            else:
                room.add_floors(1)
        while True:
            time.sleep(3600)


class _Profile:
    """``--profile``: where a server's time goes, per phase (ASGI wrapper in the server process).

    For every render the response cache runs (a miss, or a re-render of a stale page): its wall
    time, the CPU time of the thread that ran it, the part of both spent in store calls, and the
    times the OS took the CPU away from it (involuntary context switches). Story pages and the
    hot list render inline on the event loop (SQLite), so nothing else of this process runs during
    one: wall − CPU is time the thread was runnable but not running (another process had the core)
    or blocked. (Search handlers run in the thread pool: for them CPU is the loop's meanwhile,
    serving hits, and wall is the reader's wait.) A render's wall includes any wait for a render
    slot. Counts
    the renders that replaced an entry kept under an older version (an invalidation, by path), and
    the stale answers and scheduled re-renders. ``GET /__profile`` answers the figures since the
    last ask as JSON and starts again.
    """

    def __init__(self, app, store) -> None:
        import threading

        from storyline.web.cache import ResponseCache

        self.app = app
        self.local = threading.local()
        self.caches: list = []
        self.reset()
        prof = self
        for name in dir(type(store)):
            attr = getattr(store, name, None)
            if name.startswith("_") or not callable(attr) or name in {"close", "write_input", "migrate"}:
                continue
            setattr(store, name, self._timed(attr))
        get, render, init = ResponseCache._get, ResponseCache._render, ResponseCache.__init__

        def _init(cache, *a, **kw):
            init(cache, *a, **kw)
            prof.caches.append(cache)

        def _get(cache, key, version):
            old = cache._entries.get(key)
            if old is not None and old.version != version:
                prof.invalidated[key[1]] = prof.invalidated.get(key[1], 0) + 1
            return get(cache, key, version)

        async def _render(cache, scope, receive, key, version, **kw):
            import resource

            if kw.get("off_loop"):
                t = time.perf_counter()
                try:
                    return await render(cache, scope, receive, key, version, **kw)
                finally:
                    prof.refresh_wall.append(time.perf_counter() - t)
            loc = prof._local()
            ru, t, c, dw, dc = (
                resource.getrusage(resource.RUSAGE_THREAD),
                time.perf_counter(),
                time.thread_time(),
                loc.wall,
                loc.cpu,
            )
            try:
                return await render(cache, scope, receive, key, version, **kw)
            finally:
                ru2 = resource.getrusage(resource.RUSAGE_THREAD)
                prof.renders.append(
                    (
                        time.perf_counter() - t,
                        time.thread_time() - c,
                        loc.wall - dw,
                        loc.cpu - dc,
                        ru2.ru_nivcsw - ru.ru_nivcsw,
                    )
                )

        ResponseCache.__init__, ResponseCache._get, ResponseCache._render = _init, _get, _render

    def reset(self) -> None:
        self.renders: list[tuple[float, float, float, float, int]] = []
        self.refresh_wall: list[float] = []
        self.invalidated: dict[str, int] = {}
        self.residence: list[float] = []
        self.requests = 0

    def _local(self):
        loc = self.local
        if not hasattr(loc, "wall"):
            loc.wall = loc.cpu = 0.0
        return loc

    def _timed(self, fn):
        prof = self

        def timed(*a, **kw):
            loc = prof._local()
            t, c = time.perf_counter(), time.thread_time()
            try:
                return fn(*a, **kw)
            finally:
                loc.wall += time.perf_counter() - t
                loc.cpu += time.thread_time() - c

        return timed

    def figures(self) -> dict:
        def ms(values, q=None):
            if not values:
                return 0.0
            return 1000 * (_p(values, q) if q else statistics.fmean(values))

        r = self.renders
        out = {
            "requests": self.requests,
            "renders": len(r),
            "render_wall_ms": ms([x[0] for x in r]),
            "render_wall_p95_ms": ms([x[0] for x in r], 95),
            "render_cpu_ms": ms([x[1] for x in r]),
            "render_cpu_p95_ms": ms([x[1] for x in r], 95),
            "db_wall_ms": ms([x[2] for x in r]),
            "db_cpu_ms": ms([x[3] for x in r]),
            "preempted_per_render": statistics.fmean(x[4] for x in r) if r else 0.0,
            "residence_ms": ms(self.residence),
            "residence_p95_ms": ms(self.residence, 95),
            "refreshes": len(self.refresh_wall),
            "refresh_wall_ms": ms(self.refresh_wall),
            "invalidated": sum(self.invalidated.values()),
            "invalidated_paths": len(self.invalidated),
            "invalidated_story_paths": sum(
                1 for p in self.invalidated if p.startswith(("/story/", "/api/stories/"))
            ),
            "stale": sum(c.stale for c in self.caches),
            # The re-renders' own CPU (their worker thread's), as the cache's refresh budget counts it.
            "refresh_cpu_ms": 1000 * sum(c.refresh_cpu for c in self.caches),
            "dropped": sum(c.dropped for c in self.caches),
        }
        for c in self.caches:
            c.stale = c.dropped = 0
            c.refresh_cpu = 0.0
        self.reset()
        return out

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == "/__profile":
            import json

            body = json.dumps(self.figures()).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1
        t = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.residence.append(time.perf_counter() - t)


def _schedstat(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of ``pid``'s main thread."""
    try:
        run, wait, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(run) / 1e9, int(wait) / 1e9


class _Writer:
    """A follower writing into ``db`` from a newsroom of its own; :meth:`pause` / :meth:`resume`."""

    def __init__(self, db: str, args: argparse.Namespace) -> None:
        ctx = mp.get_context("spawn")
        here, there = ctx.Pipe()
        self.room = ctx.Process(
            target=_newsroom,
            args=(args.writer_outlets, args.seed, args.writer_articles, args.writer_floors, there),
            daemon=True,
        )
        self.room.start()
        feeds = here.recv()
        listing = Path(tempfile.mkdtemp(prefix="portal-writer-")) / "sources.txt"
        listing.write_text("".join(f + "\n" for f in feeds), encoding="utf-8")
        src = Path(__file__).resolve().parents[1] / "src"
        env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        env["STORYLINE_USE_ENCODER"] = "true" if args.writer_encoder else "false"
        env["STORYLINE_PAGE_STORE"] = args.page_store  # what a live site runs: the servers' own
        self.follower = subprocess.Popen(
            [sys.executable, "-m", "storyline.cli", "--db", db, "follow", "--allow-private",
             "--sources", str(listing), "--interval", str(args.writer_interval),
             "--page-interval", str(args.writer_interval * 2),
             # Readers first: the follower lowers its own priority (follow --nice).
             *(["--nice", str(args.writer_nice)] if args.writer_nice else [])],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.pids = [self.follower.pid, self.room.pid]

    def pause(self) -> None:
        for pid in self.pids:
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in reversed(self.pids):
            os.kill(pid, signal.SIGCONT)

    def cpu(self) -> float:
        return sum(self.cpus())

    def cpus(self) -> tuple[float, float]:
        """CPU seconds of (the follower, the newsroom): the newsroom stands for outlets elsewhere."""
        return _cpu_s(self.follower.pid), _cpu_s(self.room.pid)

    def stop(self) -> None:
        self.resume()
        self.follower.terminate()
        try:
            self.follower.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.follower.kill()
        self.room.terminate()
        self.room.join(10)


def _light_writes(db: str, per_second: float, blob_kb: int, seed: int) -> None:
    """``--writer-light``: commits at ``per_second``, each a new one-article story plus a state
    blob of ``blob_kb`` kB (what a follower's write carries: its cluster index), at almost no CPU.

    Separates what a writer's commits cost the readers through SQLite (WAL growth, checkpoints,
    every reader's page cache dropped after another connection's commit) from what its CPU does.
    """
    rng = random.Random(seed)
    with open_store(db) as store:
        n = 0
        while True:
            n += 1
            write = _story_write(rng, 10_000_000 + n, 1, 0)
            write = InputWrite(
                raw=write.raw,
                articles=write.articles,
                analyses=write.analyses,
                assignments=write.assignments,
                stories=write.stories,
                state={"portal-load-blob": os.urandom(blob_kb * 1024)},
            )
            store.write_input(write)
            time.sleep(1 / per_second)


class _LightWriter:
    """The :class:`_Writer` interface over :func:`_light_writes` (one process, no newsroom)."""

    def __init__(self, db: str, args: argparse.Namespace) -> None:
        ctx = mp.get_context("spawn")
        self.follower = ctx.Process(
            target=_light_writes, args=(db, args.writer_light, args.writer_blob_kb, args.seed), daemon=True
        )
        self.follower.start()
        self.pids = [self.follower.pid]

    def pause(self) -> None:
        os.kill(self.follower.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.follower.pid, signal.SIGCONT)

    def cpus(self) -> tuple[float, float]:
        return _cpu_s(self.follower.pid), 0.0

    def stop(self) -> None:
        self.resume()
        self.follower.terminate()
        self.follower.join(10)


def _writes(db: str) -> int:
    """The store's write counter (the tail of its version token)."""
    with open_store(db) as store:
        return int((store.version() or "0.0").rsplit(".", 1)[-1])


def _loadavg() -> str:
    """The 1/5/15-minute load average: the machine may be shared, and that moves every figure."""
    try:
        return "/".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used (to report server CPU per request)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drive_raw(
    base: str, paths: list[str], concurrency: int, seconds: float | None = None
) -> tuple[list[float], int, float]:
    """The same load as :func:`_drive` from a minimal HTTP/1.1 keep-alive client.

    ``seconds``: ask ``paths`` over and over until that much time has passed (not once each).

    httpx costs ~1-2 ms of CPU a request, and the client shares the 2 cores with the server,
    so at a few hundred req/s it measures itself. This client writes a GET, reads the status
    line, the headers and Content-Length bytes of body — the server under test always sends a
    Content-Length — and nothing else (hand-written because no installed client is this lean).
    """
    host, port = base.removeprefix("http://").split(":")
    queue = list(reversed(paths))
    latencies: list[float] = []
    errors = 0
    deadline = None if seconds is None else time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                path = queue.pop()
                if deadline is not None:
                    if time.perf_counter() > deadline:
                        break
                    queue.insert(0, path)  # round and round until the time is up
                t = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    errors += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1 + len(queue)
            queue.clear()
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


async def _drive(base: str, paths: list[str], concurrency: int) -> tuple[list[float], int, float]:
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one(path: str) -> None:
            nonlocal errors
            async with sem:
                t = time.perf_counter()
                try:
                    r = await client.get(path)
                    if r.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t)

        started = time.perf_counter()
        await asyncio.gather(*(one(p) for p in paths))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


_WRK_SCRIPT = """
-- Each wrk thread walks the path list from its own offset, so uniform targets stay cache-cold.
local paths = {}
for line in io.lines(os.getenv("PORTAL_LOAD_PATHS")) do paths[#paths + 1] = line end
local threads, i = {}, 0
function setup(thread) thread:set("tid", #threads); threads[#threads + 1] = thread end
function init(args) i = math.floor(tonumber(tid) * #paths / 2) end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, summary.bytes))
end
"""


def _drive_wrk(base: str, paths: list[str], concurrency: int, seconds: float) -> dict[str, float]:
    """Debian's ``wrk`` (C, epoll): far less client CPU than any Python client on the shared cores.

    Runs for ``seconds`` with 2 threads and ``concurrency`` connections, requests taken in turn
    from ``paths`` (each thread from its own offset). wrk counts non-2xx/3xx answers as errors.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("--client wrk needs wrk on PATH (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        script, listing = Path(tmp) / "paths.lua", Path(tmp) / "paths.txt"
        script.write_text(_WRK_SCRIPT)
        listing.write_text("\n".join(paths) + "\n")
        out = subprocess.run(
            [wrk, "-t2", f"-c{concurrency}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(script), base],
            env={**os.environ, "PORTAL_LOAD_PATHS": str(listing)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("WRK "))
    n, us, errors, status, p50, p95, p99, mx, nbytes = (int(v) for v in line.split()[1:])
    return {
        "requests": n,
        "elapsed": us / 1e6,
        "errors": errors + status,
        "p50": p50 / 1e3,
        "p95": p95 / 1e3,
        "p99": p99 / 1e3,
        "max": mx / 1e3,
        "bytes": nbytes,
    }


def _render_timing(db: str, n: int) -> None:
    """``--render``: each of ``n`` pages rendered once, in process, no response cache, no page store."""
    from storyline.web.app import create_app
    from storyline.web.prerender import asgi_get

    with open_store(db) as store:
        app = create_app(store, Settings(db=db, page_store="off"), cache_entries=0)
        stories = [store.story(s.id) for s in store.story_summaries(limit=n)]
        threads = []
        for story in stories:
            if story is None:
                continue
            big = max(store.articles(story.article_ids), key=lambda a: len(a.comments))
            if big.comments:
                threads.append((story.id, big.id, len(big.comments)))
        pages = {"story page": [f"/story/{s.id}" for s in stories if s is not None]}
        if threads:
            floors = max(k for _, _, k in threads)
            pages[f"thread page ({floors} floors)"] = [f"/story/{s}/thread/{a}" for s, a, _ in threads]
            pages[f"thread page, talk ({floors} floors)"] = [
                f"/story/{s}/thread/{a}?view=talk" for s, a, _ in threads
            ]

        async def timed(paths: list[str]) -> tuple[list[float], list[float]]:
            await asgi_get(app, paths[0])  # first render compiles the templates: not a reader's cost
            wall, cpu = [], []
            for path in paths:
                t, c = time.perf_counter(), time.process_time()
                status = await asgi_get(app, path)
                cpu.append(time.process_time() - c)
                wall.append(time.perf_counter() - t)
                if status != 200:
                    raise SystemExit(f"{path}: {status}")
            return wall, cpu

        # CPU time is the figure to compare on a shared machine: wall time counts the other
        # processes that ran meanwhile.
        for name, paths in pages.items():
            wall, cpu = asyncio.run(timed(paths))
            print(
                f"cold render {name}: CPU median {statistics.median(cpu) * 1000:.2f} ms, "
                f"p95 {_p(cpu, 95) * 1000:.2f} ms; wall median {statistics.median(wall) * 1000:.2f} ms "
                f"over {len(wall)} pages"
            )


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--per-story", type=int, default=20)
    ap.add_argument("--comments", type=int, default=30, help="floors per thread (one article in four)")
    ap.add_argument("--requests", type=int, default=1000, help="requests per target")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1, help="server processes sharing the port")
    ap.add_argument("--zipf", type=float, default=1.0, help="exponent of the 'hot' story-page popularity")
    ap.add_argument("--db", default="")
    ap.add_argument("--reuse", action="store_true", help="serve --db as it is, without building")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--client",
        choices=["raw", "httpx", "wrk"],
        default="raw",
        help="load client: raw (Python, counted requests), wrk (Debian's, --seconds each), httpx (CPU-hungry)",
    )
    ap.add_argument(
        "--page-store",
        default="off",
        help="the servers' page store: off (render on request), auto, or a path",
    )
    ap.add_argument(
        "--prerender", action="store_true", help="fill the page store first (storyline prerender)"
    )
    ap.add_argument("--seconds", type=float, default=10, help="run time per target with --client wrk")
    ap.add_argument("--cache-entries", type=int, default=1024, help="response cache size (0 = off)")
    ap.add_argument(
        "--render", type=int, default=0, metavar="N", help="time N cold renders in process, serve nothing"
    )
    ap.add_argument("--writer", action="store_true", help="measure with and without a follower writing")
    ap.add_argument("--rounds", type=int, default=3, help="with --writer: phases per condition")
    ap.add_argument("--writer-outlets", type=int, default=50)
    ap.add_argument("--writer-articles", type=float, default=120, help="articles published a minute")
    ap.add_argument("--writer-floors", type=float, default=240, help="floors added a minute")
    ap.add_argument("--writer-interval", type=float, default=2, help="the follower's --interval")
    ap.add_argument("--writer-warmup", type=float, default=20, help="seconds the writer runs before")
    ap.add_argument("--phase-seconds", type=float, default=4, help="with --writer: a cached target's phase")
    ap.add_argument("--writer-encoder", action="store_true", help="the follower's sentence encoder on")
    ap.add_argument(
        "--writer-nice",
        type=int,
        default=10,
        help="the follower's follow --nice (0: the same priority as the server)",
    )
    ap.add_argument(
        "--writer-light",
        type=float,
        default=0,
        metavar="N",
        help="instead of a follower: N commits a second at almost no CPU (the store's side alone)",
    )
    ap.add_argument("--writer-blob-kb", type=int, default=512, help="with --writer-light: state kB a commit")
    ap.add_argument(
        "--profile", action="store_true", help="with --writer: where the server's time goes, per phase"
    )
    args = ap.parse_args()
    if args.writer and args.client == "wrk":
        raise SystemExit("--writer counts requests: use --client raw")

    db = args.db or str(Path(tempfile.mkdtemp(prefix="portal-load-")) / "portal.db")
    print(
        f"settings: articles={args.articles} per_story={args.per_story} comments={args.comments} "
        f"requests={args.requests} concurrency={args.concurrency} db={db} workers={args.workers} cpus={mp.cpu_count()} "
        f"cache_entries={args.cache_entries} page_store={args.page_store} client={args.client} loadavg={_loadavg()}"
    )
    if not args.reuse:
        t = time.perf_counter()
        n_stories = build(db, args.articles, args.per_story, args.comments, args.seed)
        print(
            f"build: {n_stories} stories, {n_stories * args.per_story} articles in {time.perf_counter() - t:.1f}s"
        )
    with open_store(db) as store:
        n_stories = sum(1 for _ in store.stories(limit=1_000_000)) if args.articles <= 200_000 else None
        print(f"store: {store.count_articles()} articles" + (f", {n_stories} stories" if n_stories else ""))
    n_stories = n_stories or max(1, args.articles // args.per_story)
    if args.render:
        _render_timing(db, args.render)
        return
    if args.prerender:
        if args.page_store == "off":
            raise SystemExit("--prerender needs --page-store auto (or a path)")
        settings = Settings(db=db, page_store=args.page_store)
        with open_store(db) as store:
            report = prerender_store(store, settings, limit=n_stories)
        size = Path(page_store_path(settings) or "").stat().st_size / 1e6
        print(
            f"prerender: {report.rendered} pages rendered, {report.fresh} fresh, {len(report.failed)} failed "
            f"in {report.seconds:.1f}s; page store {size:.0f} MB"
        )

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    servers = [
        ctx.Process(
            target=_serve, args=(db, port, args.cache_entries, args.page_store, args.profile), daemon=True
        )
        for _ in range(args.workers)
    ]
    for server in servers:
        server.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/api/stories?limit=1", timeout=2)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise SystemExit("server did not start") from None
            time.sleep(0.2)
    time.sleep(1.0 if args.workers > 1 else 0)  # the first answer came from one worker; let all start
    pids = [server.pid for server in servers]
    rss_idle = sum(_rss_mb(pid) for pid in pids)

    rng = random.Random(args.seed)
    with open_store(db) as store:
        by_heat = [s.id for s in store.story_summaries(limit=n_stories)]
    # Readers crowd onto the hottest stories: rank k (1 = hottest) is asked with weight 1/k^zipf.
    weights = [1 / (k**args.zipf) for k in range(1, len(by_heat) + 1)]
    hot_paths = [f"/story/{sid}" for sid in rng.choices(by_heat, weights=weights, k=args.requests)]
    # Uniform targets ask stories that exist (a writer's stories are not named s<N>).
    uniform = [rng.choice(by_heat) for _ in range(args.requests)]
    queries = sorted({VOCAB[i : i + 2] for i in range(0, len(VOCAB) - 1, 2)})[:20]
    targets = {
        # every story equally likely: most requests are for a page not asked before (cache-cold)
        "story page": [f"/story/{sid}" for sid in uniform],
        "story page (hot)": hot_paths,
        # the same popularity a minute later: the hottest pages are cached now, the tail is not
        "story page (hot, 2nd pass)": [
            f"/story/{sid}" for sid in rng.choices(by_heat, weights=weights, k=args.requests)
        ],
        "hot list": ["/"] * args.requests,
        "api story": [f"/api/stories/{rng.choice(by_heat)}" for _ in range(args.requests)],
        "search": [f"/search?q={quote(rng.choice(queries))}" for _ in range(args.requests)],
        "api search": [f"/api/search?q={quote(rng.choice(queries))}" for _ in range(args.requests)],
    }
    if args.client == "wrk":
        # wrk runs for a duration: give it paths enough that the uniform targets stay distinct.
        every = [f"/story/{sid}" for sid in by_heat]
        rng.shuffle(every)
        targets["story page"] = every
        targets["api story"] = [f"/api/stories/{p.rsplit('/', 1)[1]}" for p in every[::-1]]
        for name in ("story page (hot)", "story page (hot, 2nd pass)"):
            targets[name] = [f"/story/{sid}" for sid in rng.choices(by_heat, weights=weights, k=200_000)]
    drive = _drive_raw if args.client == "raw" else _drive
    if args.writer:
        try:
            _writer_run(db, base, pids, by_heat, targets, args, drive)
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.join(10)
        return
    figures = {}
    try:
        for name, paths in targets.items():
            asyncio.run(_drive_raw(base, paths[-50:], args.concurrency))  # warm-up
            cpu = sum(_cpu_s(pid) for pid in pids)
            if args.client == "wrk":
                w = _drive_wrk(base, paths, args.concurrency, args.seconds)
                n, elapsed, errors, p50, p95 = w["requests"], w["elapsed"], w["errors"], w["p50"], w["p95"]
                extra = f", p99 {w['p99']:.1f} ms, max {w['max']:.1f} ms"
                # About: wrk's two threads each walked ~n/2 paths, from 0 and from the middle.
                half, mid = n // 2 + 1, len(paths) // 2
                distinct = len(set(paths[:half]) | set(paths[mid : mid + half]))
            else:
                lat, errors, elapsed = asyncio.run(drive(base, paths, args.concurrency))
                n, p50, p95, extra = len(paths), _p(lat, 50) * 1000, _p(lat, 95) * 1000, ""
                distinct = len(set(paths))
            cpu_ms = (sum(_cpu_s(pid) for pid in pids) - cpu) / n * 1000
            rps = n / elapsed
            figures[name] = (rps, p95)
            print(
                f"{name}: {rps:.0f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms{extra}, errors {errors}/{n}, "
                f"server CPU {cpu_ms:.2f} ms/req, {distinct} distinct pages"
            )
        rss = sum(_rss_mb(pid) for pid in pids)
        print(f"server RSS: {rss_idle:.0f} MB idle, {rss:.0f} MB after load; loadavg {_loadavg()}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.join(10)
    sp, sh, hl = figures["story page"], figures["story page (hot)"], figures["hot list"]
    print(
        f"story page req/s: {sp[0]:.0f} (p95 {sp[1]:.0f} ms), hot stories {sh[0]:.0f} (p95 {sh[1]:.0f} ms); "
        f"hot list req/s: {hl[0]:.0f} (p95 {hl[1]:.0f} ms); articles: {args.articles} workers: {args.workers}"
    )


def _writer_run(db, base, pids, by_heat, targets, args, drive) -> None:
    """Every target ``--rounds`` times without and with a follower writing, interleaved.

    A phase of a cached target (hot pages, hot list, search) lasts ``--phase-seconds``, long
    enough for the follower to write several times in it; a phase of a cold target asks
    distinct stories no phase asked before (renders), as many as the store allows.
    """
    del targets["story page (hot, 2nd pass)"]  # the rounds themselves are the later passes
    rng = random.Random(args.seed + 1)
    cold = {"story page": "/story/{}", "api story": "/api/stories/{}"}
    phases = 2 * args.rounds
    per_phase = min(args.requests, len(by_heat) // phases - 50)
    pools = {}
    for name in cold:
        pools[name] = list(by_heat)
        rng.shuffle(pools[name])
    writer = _LightWriter(db, args) if args.writer_light else _Writer(db, args)
    if args.writer_light:
        print(f"writer: light, {args.writer_light:g} commits a second of {args.writer_blob_kb} kB each")
    print(
        f"writer: follower pid {writer.follower.pid} on {args.writer_outlets} outlets, "
        f"{args.writer_articles:g} articles and {args.writer_floors:g} floors a minute, "
        f"--interval {args.writer_interval:g}, nice {args.writer_nice}; warming up {args.writer_warmup:g}s; cold phases of "
        f"{per_phase} distinct stories, cached phases of {args.phase_seconds:g}s",
        flush=True,
    )
    results: dict[str, dict[str, list[tuple[float, float, int, int]]]] = {}
    profiles: dict[str, dict[str, list[dict]]] = {}
    writes_total, with_seconds, writer_cpu = 0, 0.0, (0.0, 0.0)
    try:
        time.sleep(args.writer_warmup)
        print(f"writer: store write counter {_writes(db)} after the warm-up; loadavg {_loadavg()}")
        for name, paths in targets.items():  # the hot pages and lists in the cache, as in service
            if name not in cold:
                asyncio.run(_drive_raw(base, paths, args.concurrency))
        slot = dict.fromkeys(cold, 0)
        for r in range(args.rounds):
            for i, (name, paths) in enumerate(targets.items()):
                order = ("without", "with") if (r + i) % 2 == 0 else ("with", "without")
                for condition in order:
                    seconds = None if name in cold else args.phase_seconds
                    if name in cold:
                        part = pools[name][
                            slot[name] * (per_phase + 50) : (slot[name] + 1) * (per_phase + 50)
                        ]
                        slot[name] += 1
                        paths = [cold[name].format(sid) for sid in part]
                        asyncio.run(_drive_raw(base, paths[-50:], args.concurrency))  # connections, JIT
                        paths = paths[:-50]
                    if condition == "with":
                        writer.resume()
                        w0, waited = _writes(db), time.monotonic()
                        while _writes(db) == w0 and time.monotonic() - waited < 15:
                            time.sleep(0.05)  # until the follower is writing again
                        w0, t0, c0 = _writes(db), time.perf_counter(), writer.cpus()
                    else:
                        writer.pause()
                        time.sleep(0.2)
                    if name not in cold:
                        # Every cached phase starts from the same cache: the cold phases' renders
                        # evict hot pages from the LRU, and without this the first phase after
                        # them (with or without the writer, as the order falls) pays to refill it.
                        asyncio.run(_drive_raw(base, list(dict.fromkeys(paths)), args.concurrency))
                    if args.profile:
                        httpx.get(base + "/__profile", timeout=30)  # start the phase's figures afresh
                    cpu = sum(_cpu_s(pid) for pid in pids)
                    sched = [_schedstat(pid) for pid in pids]
                    lat, errors, elapsed = asyncio.run(_drive_raw(base, paths, args.concurrency, seconds))
                    n = max(len(lat), 1)
                    cpu_ms = (sum(_cpu_s(pid) for pid in pids) - cpu) / n * 1000
                    # How long the servers' event loops were runnable but had no CPU, per second.
                    waited = sum(_schedstat(pid)[1] - w for pid, (_, w) in zip(pids, sched, strict=True))
                    prof = {"runq_ms_per_s": 1000 * waited / elapsed}
                    if args.profile:
                        prof.update(httpx.get(base + "/__profile", timeout=30).json())
                    profiles.setdefault(name, {}).setdefault(condition, []).append(prof)
                    writes = 0
                    if condition == "with":
                        writes = _writes(db) - w0
                        writes_total += writes
                        with_seconds += time.perf_counter() - t0
                        writer_cpu = tuple(
                            a + b - c for a, b, c in zip(writer_cpu, writer.cpus(), c0, strict=True)
                        )
                    rps, p95 = len(lat) / elapsed, _p(lat, 95) * 1000
                    results.setdefault(name, {}).setdefault(condition, []).append((rps, p95, errors, writes))
                    print(
                        f"  round {r + 1} {name} {condition:>7}: {rps:.0f} req/s, p50 {_p(lat, 50) * 1000:.1f} ms, "
                        f"p95 {p95:.1f} ms, errors {errors}/{len(lat)}, server CPU {cpu_ms:.2f} ms/req"
                        + (f", {writes} writes in {elapsed:.1f}s" if condition == "with" else ""),
                        flush=True,
                    )
                    print("    " + _profile_line(prof), flush=True)
    finally:
        writer.stop()
    print(
        f"writer: {writes_total} store writes in {with_seconds:.0f}s of 'with' phases "
        f"({writes_total / max(with_seconds, 1e-9):.1f}/s), follower + newsroom CPU "
        f"{100 * sum(writer_cpu) / max(with_seconds, 1e-9):.0f}% of a core (follower "
        f"{100 * writer_cpu[0] / max(with_seconds, 1e-9):.0f}%, newsroom {100 * writer_cpu[1] / max(with_seconds, 1e-9):.0f}%); "
        f"loadavg {_loadavg()}"
    )
    # Issue 22's bar is on story pages (HTML, cached or not, and the story API): rate and p95
    # within 20 % of the run without a writer. Search and the hot list are printed beside it.
    worst = {"story pages": [1.0, 1.0], "other pages": [1.0, 1.0]}
    for name, by in results.items():
        wo, wi = by["without"], by["with"]
        rate_wo, rate_wi = statistics.median(x[0] for x in wo), statistics.median(x[0] for x in wi)
        p95_wo, p95_wi = statistics.median(x[1] for x in wo), statistics.median(x[1] for x in wi)
        errors = sum(x[2] for x in wo + wi)
        kind = worst["story pages" if "story" in name else "other pages"]
        kind[0] = min(kind[0], rate_wi / rate_wo)
        kind[1] = max(kind[1], p95_wi / p95_wo)
        print(
            f"{name}: without {rate_wo:.0f} req/s p95 {p95_wo:.1f} ms | with writer {rate_wi:.0f} req/s "
            f"p95 {p95_wi:.1f} ms | rate {100 * (rate_wi / rate_wo - 1):+.0f}%, p95 "
            f"{100 * (p95_wi / p95_wo - 1):+.0f}%, errors {errors} (medians of {args.rounds})"
        )
    for kind, (rate, p95) in worst.items():
        bar = " (bar: rate >= -20%, p95 <= +20%)" if kind == "story pages" else " (no bar)"
        print(
            f"{kind}, worst with a writer: rate {100 * (rate - 1):+.0f}%, "
            f"p95 {100 * (p95 - 1):+.0f}% of without{bar}"
        )
    for name, by in profiles.items():
        for condition in ("without", "with"):
            runs = by.get(condition, [])
            median = {k: statistics.median(r[k] for r in runs) for k in runs[0]} if runs else {}
            print(f"where the time goes, {name} {condition} (medians): {_profile_line(median)}")


def _profile_line(prof: dict) -> str:
    """One phase's :class:`_Profile` figures (and the servers' run-queue wait) in a line."""
    line = f"server waiting for a CPU {prof.get('runq_ms_per_s', 0):.0f} ms/s"
    if "renders" in prof:
        line += (
            f"; {prof['renders']:.0f} renders: wall {prof['render_wall_ms']:.1f} ms (p95 {prof['render_wall_p95_ms']:.1f}), "
            f"CPU {prof['render_cpu_ms']:.1f} ms (p95 {prof['render_cpu_p95_ms']:.1f}), "
            f"store {prof['db_wall_ms']:.2f} ms wall / {prof['db_cpu_ms']:.2f} ms CPU, "
            f"{prof['preempted_per_render']:.2f} preemptions/render; "
            f"in server {prof['residence_ms']:.1f} ms (p95 {prof['residence_p95_ms']:.1f}); "
            f"{prof['invalidated']:.0f} invalidated ({prof['invalidated_story_paths']:.0f} story paths), "
            f"{prof['stale']:.0f} stale, {prof['refreshes']:.0f} re-renders of {prof['refresh_wall_ms']:.1f} ms "
            f"wall, {prof['refresh_cpu_ms']:.0f} ms CPU in all, {prof['dropped']:.0f} dropped over budget"
        )
    return line


if __name__ == "__main__":
    main()
