"""How a story's record and saved aggregate grow with its size: bytes and the time to build them.

Builds the story of N reports (made as ``big_story.py`` makes them, from the seed page's
paragraphs read from ``--shared``) with :func:`storyline.stories.build.build_story` on the
members' digests, then encodes the record as the stores write it
(:func:`storyline.store.codec.story_record`) and the aggregate (its head and one digest per
member, :mod:`storyline.stories.state`). The claims' ``agrees_with`` lists (derived from one
shared agreement group per claim) still name every restatement, ``ids`` counts them: the record
writes each distinct list once, so it grows with N and not with N².

    python benchmarks/story_record_size.py --sizes 30,100,300
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import big_story

from storyline.pipeline import analyze_article
from storyline.records import RawInput
from storyline.sources import parse_input
from storyline.store.codec import read_story, story_record
from storyline.stories.build import build_story
from storyline.stories.state import StoryState, digest, member_bytes, member_from_bytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,100,300")
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    page, floors = big_story._seed(args.shared)
    members = []
    for i in range(max(sizes) + 1):
        row = big_story._report(page, floors, i, with_floors=i == 0)
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode()
        members.append(digest(*analyze_article(parse_input(RawInput(f"r{i}.jsonl", data))[0])))
    for n in sizes:
        part = members[: n + 1]
        t0 = time.process_time()
        story = build_story("s", part, groups=())
        t1 = time.process_time()
        record = story_record(story)
        t2 = time.process_time()
        read_story(record, "story s")
        t3 = time.process_time()
        head = StoryState("s", (), tuple(part)).to_bytes()
        digests = [member_bytes(m) for m in part]
        t4 = time.process_time()
        for d in digests:
            member_from_bytes(d)
        t5 = time.process_time()
        ids = sum(len(c.agrees_with) for c in story.claims)
        print(
            f"n={n}: build_story {1000 * (t1 - t0):.0f} ms; record {len(record) / 1e6:.2f} MB "
            f"(encode {1000 * (t2 - t1):.0f} ms, decode {1000 * (t3 - t2):.0f} ms; {len(story.claims)} claims, "
            f"{ids} agrees_with ids); aggregate head {len(head) / 1e3:.1f} kB + {len(digests)} digests "
            f"{sum(map(len, digests)) / 1e6:.1f} MB (encode {1000 * (t4 - t3):.0f} ms, decode {1000 * (t5 - t4):.0f} ms)"
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
