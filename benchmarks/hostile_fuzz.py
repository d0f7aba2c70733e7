"""Long hostile-input profile: the fuzz suite of tests/test_hostile.py, run for minutes.

Generates batches of hostile inputs in every format (tests/hostile_data.py), each beside good
articles, ingests them into one SQLite store, and after every batch walks the export, the hot
list, search, every page, API route and feed of each changed story (feeds parsed with lxml).
Failures are recorded, not shrunk, and printed once per distinct message.

    PYTHONPATH=src python benchmarks/hostile_fuzz.py --seconds 300

Prints its settings, per-format counts, the distinct failures, then the figure on the last line.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings

from hostile_data import FORMATS, check_store, hostile_batch, write_batch
from storyline.pipeline import ingest
from storyline.settings import Settings
from storyline.store import open_store
from storyline.web.app import create_app

_PATHS = re.compile(r"'?" + re.escape(tempfile.gettempdir()) + r"/\S+?'?(?=[:\s]|$)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--chunk", type=int, default=25, help="examples per hypothesis run")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--folder", default=None, help="where the store and inputs go (default: a temp dir)")
    args = parser.parse_args()
    # The harness reads every outcome itself; the pipeline's own traceback logging is noise here.
    logging.getLogger("storyline").setLevel(logging.CRITICAL)
    formats = tuple(f for f in args.formats.split(",") if f)
    folder = Path(args.folder or tempfile.mkdtemp(prefix="hostile-"))
    conf = Settings(db=str(folder / "s.db"), use_encoder=False, fetch_rate_per_host=0)
    print(
        f"seconds={args.seconds:g} chunk={args.chunk} formats={','.join(formats)} store={conf.db}", flush=True
    )

    store = open_store(conf.db)
    client = TestClient(create_app(store, conf))
    counter, seen = [0], {}
    tried: Counter[str] = Counter()
    examples = 0
    failures: Counter[str] = Counter()
    first_input: dict[str, list[tuple[str, bytes]]] = {}
    started = time.perf_counter()
    run = 0

    while time.perf_counter() - started < args.seconds:
        fmt_set = (formats[run % len(formats)],) if run % (len(formats) + 1) < len(formats) else formats

        @seed(run)
        @settings(max_examples=args.chunk, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(batch=hostile_batch(counter, fmt_set))
        def one(batch) -> None:  # type: ignore[no-untyped-def]
            nonlocal examples
            if time.perf_counter() - started >= args.seconds:
                return
            examples += 1
            paths = write_batch(batch, folder / f"b{examples}")
            for name, _ in batch.files:
                tried[name.rsplit(".", 1)[-1]] += 1
            try:
                report = ingest(paths, settings=conf, store=store)
                found = check_store(store, client, report, batch.good_urls, seen)
            except Exception as exc:  # the harness must keep going: a crash is a finding too
                found = [f"uncaught {type(exc).__name__}: {str(exc)[:200]}"]
            for failure in found:
                # One key per kind of failure: input paths and story ids vary between examples.
                key = _PATHS.sub("<input>", failure)
                key = key.split(":", 1)[0] if key.startswith("GET ") else key[:200]
                failures[key] += 1
                first_input.setdefault(key, batch.files)

        one()
        run += 1

    elapsed = time.perf_counter() - started
    store.close()
    stories = len(seen)
    print(f"examples: {examples} in {elapsed:.0f} s ({examples / elapsed:.2f}/s); stories checked: {stories}")
    print("inputs tried by file type: " + ", ".join(f"{k}={v}" for k, v in sorted(tried.items())))
    print(f"inputs tried: {sum(tried.values())}")
    for key, n in failures.most_common():
        print(f"FAILURE x{n}: {key}")
        for name, data in first_input[key][:4]:
            print(f"    {name!r}: {data[:300]!r}")
    print(f"failures found: {sum(failures.values())} ({len(failures)} distinct)")


if __name__ == "__main__":
    main()
