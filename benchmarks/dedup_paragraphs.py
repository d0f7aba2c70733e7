"""Paragraph dedup throughput (one core) and memory of the paragraph index.

Generates Chinese-like paragraphs (Zipf-distributed characters from 3,500 ideographs, 80-200
characters, a full stop every 20-45 characters), in articles of 20 paragraphs, then measures
1. shingling + MinHash + LSH band keys, paragraphs/s;
2. ParagraphIndex.add_article end to end (LSH query, exact verification, insert), paragraphs/s;
3. memory held by the index (RSS growth while building), per million paragraphs by extrapolation.

    python benchmarks/dedup_paragraphs.py --paragraphs 100000
"""

from __future__ import annotations

import argparse
import gc
import os
import time

import numpy as np

from storyline.dedup.groups import ParagraphIndex
from storyline.dedup.minhash import band_keys, signatures_of_shingles
from storyline.dedup.shingles import shingles


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make_paragraphs(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    alphabet = np.array([chr(0x4E00 + i) for i in range(3500)])
    weights = 1.0 / np.arange(1, 3501) ** 0.9
    weights /= weights.sum()
    out = []
    for _ in range(n):
        length = int(rng.integers(80, 201))
        chars = alphabet[rng.choice(3500, size=length, p=weights)].tolist()
        pos = 0
        while True:
            pos += int(rng.integers(20, 46))
            if pos >= length:
                break
            chars[pos] = "。"
        out.append("".join(chars) + "。")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=20_000)
    ap.add_argument("--per-article", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    paras = make_paragraphs(args.paragraphs, args.seed)
    n = len(paras)
    print(
        f"paragraphs: {n}, per article: {args.per_article}, mean chars: {np.mean([len(p) for p in paras]):.0f}"
    )

    t0 = time.process_time()
    for start in range(0, n, 1000):
        band_keys(signatures_of_shingles([shingles(p) for p in paras[start : start + 1000]]))
    sig_rate = n / (time.process_time() - t0)
    print(f"shingles + MinHash + band keys (paragraph level): {sig_rate:,.0f} paragraphs/s")

    gc.collect()
    before = rss_bytes()
    idx = ParagraphIndex()
    t0 = time.process_time()
    for a, start in enumerate(range(0, n, args.per_article)):
        chunk = paras[start : start + args.per_article]
        idx.add_article(f"a{a}", "outlet", "zh-Hans", chunk, chunk)
    add_rate = n / (time.process_time() - t0)
    gc.collect()
    grown = rss_bytes() - before
    text_bytes = sum(len(p.encode("utf-16-le")) for p in paras)  # lower bound of str storage
    print(
        f"index: {len(idx.all_groups())} groups, {len(idx.groups())} multi-article (expected 0 on random text)"
    )
    print(
        f"LSH arrays: {idx.nbytes_lsh / n:,.0f} B/paragraph; texts held twice (canonical + display): "
        f"{2 * text_bytes / n:,.0f} B/paragraph at least"
    )
    print(
        f"RSS growth: {grown / 2**20:,.1f} MiB for {n} paragraphs -> {grown / n * 1e6 / 2**30:,.2f} GiB per million"
    )
    print(
        f"ParagraphIndex.add_article (sentence LSH + verification + insert): {add_rate:,.0f} paragraphs/s on one core"
    )


if __name__ == "__main__":
    main()
