"""What one more report costs as a story grows: +1 report with 10 comment floors to a story of N.

The reports are JSONL articles made from the seed page's paragraphs (six consecutive paragraphs
each, rotating through the page; a distinct outlet, URL and title per report; read from
``--shared``, never copied), so they form one story, as real coverage of one event does. The
ten floors are the first ten of the seed thread. For each size N a fresh SQLite store gets N
reports in one input (one transaction), then single-report inputs are added one at a time and
each add is timed (CPU of this process; the pipeline is single-threaded). Then ``--stream``
reports are ingested in one ``storyline.ingest`` call, one input each (reports/s).

    python benchmarks/big_story.py --sizes 10,100,1000 --stream 1000
    python benchmarks/big_story.py --sizes 10,100 --stream 100 --adds 3     # quick
    python benchmarks/big_story.py --sizes 10,1000 --stream 0 --session     # the live path

``--session`` times the adds through one :class:`storyline.pipeline.IngestSession` (what live
mode holds: the story's aggregate and paragraph index stay in memory between inputs) instead of
one ``storyline.ingest`` call per add (a new ingest, as a CLI call is, reads them back).

The last line is the figure: ``+1 report ms: 10=a, 100=b, …; ratio 1000/10 = r; stream X reports/s``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
from pathlib import Path

from storyline import Settings, ingest
from storyline.records import RawInput
from storyline.sources import parse_input


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _seed(shared: Path):
    seeds = sorted((shared / "seeds").glob("*.txt"))
    if len(seeds) < 2:
        raise SystemExit(f"seed pages not found under {shared / 'seeds'}")
    page = parse_input(RawInput(seeds[0].name, seeds[0].read_bytes()))[0]
    thread = max(
        (parse_input(RawInput(p.name, p.read_bytes()))[0] for p in seeds), key=lambda a: len(a.comments)
    )
    floors = [
        {
            "floor": c.floor,
            "author": c.author,
            "text": c.text,
            "posted_at": c.posted_at.isoformat() if c.posted_at else None,
        }
        for c in thread.comments[:10]
    ]
    return page, floors


def _report(page, floors, i: int, *, with_floors: bool) -> dict:
    paras = list(page.paragraphs)
    start = (i * 3) % max(1, len(paras) - 6)
    return {
        "url": f"https://outlet{i}.example/news/{i}",
        "outlet": f"Outlet {i}",
        "title": f"{page.title}（第{i}报）",
        "published_at": f"2025-01-{22 + (i // 1440) % 6:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:00+08:00",
        "paragraphs": paras[start : start + 6],
        "comments": floors if with_floors else [],
    }


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--adds", type=int, default=5, help="single-report adds timed per size")
    parser.add_argument(
        "--stream", type=int, default=1000, help="reports ingested one input each in one call"
    )
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile top 10 of the largest size's adds"
    )
    parser.add_argument("--session", action="store_true", help="time the adds through one IngestSession")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    page, floors = _seed(args.shared)
    settings_kw = {"use_encoder": False}
    print(f"sizes={sizes} adds={args.adds} stream={args.stream} store=sqlite encoder=off")
    figures: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            settings = Settings(db=str(folder / f"n{n}.db"), **settings_kw)
            base = _write(
                folder / f"base{n}.jsonl", [_report(page, floors, i, with_floors=False) for i in range(n)]
            )
            report = ingest([base], settings=settings)
            assert report.ok, report.summary()
            times = []
            prof = None
            session = None
            if args.session:
                from storyline import open_store
                from storyline.pipeline import IngestSession

                store = open_store(settings.db)
                session = IngestSession(store, settings)
                # The first add loads the story as a new session does; the timed ones follow it.
                warm = _write(folder / f"warm{n}.jsonl", [_report(page, floors, n, with_floors=True)])
                assert session.ingest(RawInput(str(warm), warm.read_bytes())).status == "ingested"
            if args.profile and n == sizes[-1]:
                import cProfile

                prof = cProfile.Profile()
            for k in range(args.adds):
                i = n + k + (1 if session is not None else 0)  # each one later than the story so far
                one = _write(folder / f"add{n}_{k}.jsonl", [_report(page, floors, i, with_floors=True)])
                t0 = _cpu()
                if prof:
                    prof.enable()
                if session is not None:
                    outcome = session.ingest(RawInput(str(one), one.read_bytes()))
                    ok = outcome.status == "ingested"
                else:
                    report = ingest([one], settings=settings)
                    ok = report.ok and bool(report.ingested)
                if prof:
                    prof.disable()
                times.append((_cpu() - t0) * 1000)
                assert ok, f"add {k} to the story of {n} was not ingested"
            if session is not None:
                session.store.close()
            figures[n] = statistics.median(times)
            print(
                f"story of {n:>6} reports: +1 report with 10 floors: median {figures[n]:.1f} ms "
                f"(min {min(times):.1f}, max {max(times):.1f})"
            )
            if prof:
                import pstats

                pstats.Stats(prof).sort_stats("cumulative").print_stats(10)
        rate = 0.0
        if args.stream:
            settings = Settings(db=str(folder / "stream.db"), **settings_kw)
            files = [
                _write(folder / f"s{i:05d}.jsonl", [_report(page, floors, i, with_floors=False)])
                for i in range(args.stream)
            ]
            t0 = _cpu()
            report = ingest(files, settings=settings)
            secs = _cpu() - t0
            assert report.ok, report.summary()
            rate = args.stream / secs
            print(f"{args.stream} reports, one input each, one call: {secs:.1f} s CPU, {rate:.0f} reports/s")
    first = sizes[0]
    parts = ", ".join(f"{n}={figures[n]:.1f}" for n in sizes)
    ratio = figures[sizes[-1]] / figures[first] if figures[first] else float("nan")
    print(f"+1 report ms: {parts}; ratio {sizes[-1]}/{first} = {ratio:.2f}; stream {rate:.0f} reports/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
