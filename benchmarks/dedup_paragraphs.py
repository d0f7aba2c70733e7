"""Paragraph dedup throughput (one core) and memory of the paragraph index.

Generates Chinese-like paragraphs (Zipf-distributed characters from 3,500 ideographs, 80-200
characters, a full stop every 20-45 characters), in articles of 20 paragraphs, then measures, in process CPU time (the machine is shared; wall time would measure the others)
1. shingling + MinHash + LSH band keys + LSH insert, paragraph level, batches of 1,000, paragraphs/s;
2. ParagraphIndex.add_article end to end (tokens, sentences, MinHash, LSH query, exact
   verification, insert of paragraph and sentence bands), paragraphs/s;
3. memory held by the index: bytes it reports holding, and RSS growth while building,
   per paragraph and per million paragraphs by extrapolation.

    python benchmarks/dedup_paragraphs.py --paragraphs 100000
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import time

import numpy as np

from storyline.dedup.groups import ParagraphIndex
from storyline.dedup.minhash import LSHIndex, band_keys, signatures


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def malloc_in_use() -> int:
    """Bytes allocated through malloc and not freed (glibc's mallinfo2), or -1 elsewhere."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return -1

    class MallInfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in [
                "arena",
                "ordblks",
                "smblks",
                "hblks",
                "hblkhd",
                "usmblks",
                "fsmblks",
                "uordblks",
                "fordblks",
                "keepcost",
            ]
        ]

    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    return info.uordblks + info.hblkhd


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

    # the index is built first, in a fresh process: a big array freed earlier raises glibc's
    # mmap threshold and would leave later arrays fragmenting the heap
    gc.collect()
    before, used_before = rss_bytes(), malloc_in_use()
    idx = ParagraphIndex()
    t0 = time.process_time()
    for a, start in enumerate(range(0, n, args.per_article)):
        chunk = paras[start : start + args.per_article]
        idx.add_article(f"a{a}", "outlet", "zh-Hans", chunk, chunk)
    add_rate = n / (time.process_time() - t0)
    gc.collect()
    grown = rss_bytes() - before
    in_use = malloc_in_use() - used_before

    t0 = time.process_time()
    lsh = LSHIndex()
    for start in range(0, n, 1000):
        keys = band_keys(signatures(paras[start : start + 1000]))
        lsh.insert(np.arange(start, start + len(keys), dtype=np.uint32), keys)
    sig_rate = n / (time.process_time() - t0)
    print(f"shingles + MinHash + band keys + LSH insert (paragraph level): {sig_rate:,.0f} paragraphs/s")
    del lsh

    text_bytes = sum(len(p.encode("utf-16-le")) for p in paras)  # lower bound of str storage
    print(
        f"index: {len(idx.all_groups())} groups, {len(idx.groups())} multi-article (expected 0 on random text)"
    )
    print(
        f"held: {idx.nbytes / n:,.0f} B/paragraph (LSH arrays {idx.nbytes_lsh / n:,.0f}); the texts alone "
        f"as UTF-16 (canonical, display equal here): {text_bytes / n:,.0f} B/paragraph"
    )
    print(
        f"RSS growth: {grown / 2**20:,.1f} MiB for {n} paragraphs = {grown / n:,.0f} B/paragraph; "
        f"malloc in use: {in_use / n:,.0f} B/paragraph"
    )
    print(
        f"ParagraphIndex.add_article (paragraph + sentence LSH, verification, insert): {add_rate:,.0f} paragraphs/s"
    )
    per_million = 1e6 / n / 2**30
    print(
        f"one core, CPU time: shingles+MinHash+LSH insert {sig_rate:,.0f} paragraphs/s; add_article "
        f"{add_rate:,.0f} paragraphs/s; index memory per million paragraphs: {in_use * per_million:,.2f} GiB "
        f"allocated, {grown * per_million:,.2f} GiB RSS growth (small runs: fixed costs inflate both)"
    )


if __name__ == "__main__":
    main()
