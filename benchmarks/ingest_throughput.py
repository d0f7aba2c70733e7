"""Parse-only ingest throughput of the text-dump and JSONL sources, on one core.

Builds ``--articles`` inputs from the seed pages (varied per copy so ids differ) or, without the
seeds, from an invented page with a thread; parses them with ``sources.textdump`` (one file per
article) and ``sources.jsonl`` (one JSONL file), and reports articles per second for each path,
then peak RSS. Decoding is included; normalize/analyze/store are not.

    python benchmarks/ingest_throughput.py --articles 2000
    python benchmarks/ingest_throughput.py --articles 50000 --shared ../shared

The last line is the figure: ``articles/s/core: <both paths together>``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

from storyline.records import RawInput
from storyline.sources import jsonl, textdump

INVENTED = "\n".join(
    ["示例标题 {i}", "", "1024 阅读", "3 评论", "示例日报", ""]
    + ["第{p}段正文,讲述软银、甲骨文和OpenAI的投资计划,金额高达5000亿美元,编号{i}。\n" for p in range(12)]
    + [
        "甲",
        "1 楼",
        "没钱。",
        "乙",
        "2 楼",
        "甲 发表评论于 2025-01-22 13:40:20 没钱。 ----- 有钱。",
        "丙",
        "3 楼",
        "回复@乙: 说不准。",
    ]
)


def _pages(shared: Path) -> list[str]:
    seeds = sorted((shared / "seeds").glob("*.txt"))
    if seeds:
        return [p.read_text(encoding="utf-8") for p in seeds]
    return [INVENTED]


def _vary(page: str, i: int) -> str:
    if "{i}" in page:
        return page.replace("{i}", str(i))
    lines = page.split("\n")
    for n, line in enumerate(lines):  # vary the title (first real content line) so ids differ
        if len(line.strip()) > 8:
            lines[n] = f"({i}) {line}"
            break
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=1000, help="articles per path (default 1000)")
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    ap.add_argument(
        "--encoding", default="utf-8", help="encoding the text dumps are saved in (utf-8, gbk, big5)"
    )
    args = ap.parse_args(argv)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}) if hasattr(os, "sched_setaffinity") else None

    pages = _pages(args.shared)
    dumps = []
    for i in range(args.articles):
        text = _vary(pages[i % len(pages)], i)
        try:
            data = text.encode(args.encoding)
        except UnicodeEncodeError:
            data = text.encode("utf-8")
        dumps.append(RawInput(f"dump_{i}.txt", data))

    t0 = time.perf_counter()
    articles = [a for raw in dumps for a in textdump.parse(raw)]
    t_dump = time.perf_counter() - t0

    lines = []
    for a in articles:
        record = {
            "outlet": a.outlet,
            "title": a.title,
            "published_at": a.published_at.isoformat() if a.published_at else None,
            "paragraphs": list(a.paragraphs),
            "stats": {"reads": a.stats.reads, "comments": a.stats.comments},
            "comments": [
                {
                    "floor": c.floor,
                    "author": c.author,
                    "text": c.text,
                    "quotes": [{"author": q.author, "text": q.text} for q in c.quotes],
                }
                for c in a.comments
            ],
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    blob = RawInput("batch.jsonl", "\n".join(lines).encode("utf-8"))
    t0 = time.perf_counter()
    parsed = jsonl.parse(blob)
    t_jsonl = time.perf_counter() - t0
    assert len(parsed) == len(articles)

    comments = sum(len(a.comments) for a in articles)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"python {sys.version.split()[0]}; pages: {len(pages)} ({'seeds' if len(pages) > 1 else 'invented'});"
          f" articles per path: {len(articles)}; comments per pass: {comments}; dump encoding: {args.encoding}")  # fmt: skip
    print(f"textdump: {len(articles) / t_dump:,.0f} articles/s ({t_dump:.2f} s)")
    print(
        f"jsonl:    {len(parsed) / t_jsonl:,.0f} articles/s ({t_jsonl:.2f} s, {len(blob.data) / 1e6:.1f} MB)"
    )
    print(f"peak RSS: {rss_mb:.0f} MB")
    print(f"articles/s/core: {(len(articles) + len(parsed)) / (t_dump + t_jsonl):,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
