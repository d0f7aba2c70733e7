"""Replies per second on one core: the CED Weibo sample's posts with their threads, through ingest.

Each post of ``../shared/data/ced-weibo-threads/original`` (its thread read beside it by the
Weibo reader) is one input to ``storyline.ingest`` into a fresh SQLite store: parse, analyse,
cluster, story (discussion summary, reader stance, claims of the floors), write. CPU time of
this process; the parse alone is timed too, so the figure can be read beside it.

    python benchmarks/ced_replies.py                  # all 224 posts
    python benchmarks/ced_replies.py --limit 40 --profile

The last line is the figure: ``replies/s/core X (parse alone Y/s); peak RSS Z MiB``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

from storyline import Settings
from storyline.pipeline import ingest_inputs
from storyline.records import RawInput
from storyline.sources import parse_input
from storyline.store import open_store


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=224)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--profile", action="store_true", help="cProfile top 10 (tottime) of the ingest")
    args = parser.parse_args(argv)
    folder = args.shared / "data" / "ced-weibo-threads" / "original"
    if not folder.is_dir():
        print(f"CED sample not found at {folder}", file=sys.stderr)
        return 2
    raws = [RawInput(str(p), p.read_bytes()) for p in sorted(folder.glob("*.json"))[: args.limit]]
    c0 = _cpu()
    replies = sum(len(a.comments) for raw in raws for a in parse_input(raw))
    parse = _cpu() - c0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=str(Path(tmp) / "ced.db"), use_encoder=False)
        store = open_store(settings.db)
        prof = None
        if args.profile:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        c0 = _cpu()
        report = ingest_inputs(raws, store, settings)
        cpu = _cpu() - c0
        if prof:
            prof.disable()
        store.close()
    assert report.ok, [o.message for o in report.failed]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(raws)} posts, {replies} replies: ingest {cpu:.2f} s CPU, parse alone {parse:.2f} s")
    if prof:
        import pstats

        pstats.Stats(prof).sort_stats("tottime").print_stats(10)
    print(
        f"replies/s/core {replies / cpu:.0f} (parse alone {replies / parse:.0f}/s); peak RSS {peak:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
