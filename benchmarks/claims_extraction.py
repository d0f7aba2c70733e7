"""Claims extraction speed: milliseconds per article on one core (seed pages, repeated).

Usage: python benchmarks/claims_extraction.py [--repeat 20] [--shared ../shared]
Prints its settings, then the figure on the last line: ``ms/article/core: N``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from storyline.analyze.claims import extract_claims  # noqa: E402
from storyline.stories.ledger import build_ledger  # noqa: E402
from test_claims import _analysis_for, read_seed  # noqa: E402  (the tests' plain seed reader)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    paths = sorted((args.shared / "seeds").glob("*.txt"))
    pairs = [(a, _analysis_for(a)) for a in map(read_seed, paths)]
    for a, an in pairs:  # warm caches (regex compile, OpenCC)
        extract_claims(a, an)
    claims = []
    t0 = time.process_time()
    for _ in range(args.repeat):
        claims = [c for a, an in pairs for c in extract_claims(a, an)]
    spent = time.process_time() - t0
    t1 = time.process_time()
    for _ in range(args.repeat):
        build_ledger(claims)
    ledger_ms = (time.process_time() - t1) / args.repeat * 1000
    n = args.repeat * len(pairs)
    paragraphs = sum(len(a.paragraphs) + len(a.comments) for a, _ in pairs)
    print(
        f"seeds: {len(paths)} articles, {paragraphs} paragraphs+comments, {len(claims)} claims; repeat {args.repeat}"
    )
    print(f"build_ledger on {len(claims)} claims: {ledger_ms:.2f} ms")
    print(f"ms/article/core: {spent / n * 1000:.2f}")


if __name__ == "__main__":
    main()
