"""Articles per second on one core for the HTML, feed and Weibo readers, and peak memory.

HTML: the fixture pages under tests/fixtures/sources (UTF-8 with a thread, GBK, Big5), each copy
made distinct by a counter so nothing is cached. Feed: one generated RSS feed of --feed-items
items, parsed --feed-repeats times. Weibo: the real CED posts with their threads from
../shared/data/ced-weibo-threads (--weibo-limit of them; generated threads when it is absent).
Peak memory is the process's maximum resident set size after each path, and the tracemalloc
peak of the Python heap while that path ran.

    python benchmarks/source_throughput.py --html-pages 300 --feed-items 200 --weibo-limit 224

Prints its settings, one line per path, and the summary on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import tracemalloc
from pathlib import Path

from storyline.records import RawInput
from storyline.sources import feeds, html, weibo

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "sources"
WEIBO = Path(os.environ.get("STORYLINE_SHARED", ROOT.parent / "shared")) / "data" / "ced-weibo-threads"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _html_inputs(n: int) -> list[RawInput]:
    pages = [(p, p.read_bytes()) for p in sorted(FIXTURES.glob("*.html"))]
    out = []
    for i in range(n):
        path, data = pages[i % len(pages)]
        # A distinct page each time: a counter in the body (ASCII, valid in every encoding).
        marked = data.replace(b"</body>", f"<p>copy {i}</p></body>".encode("ascii"), 1)
        out.append(RawInput(f"{path.name}#{i}", marked))
    return out


def _feed_input(items: int) -> RawInput:
    parts = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>晨星新闻</title>']
    for i in range(items):
        parts.append(
            f"<item><title>第{i}条虚构新闻标题</title><link>https://news.example.org/{i}.html</link>"
            f"<pubDate>Wed, 22 Jan 2025 05:{i % 60:02d}:20 GMT</pubDate>"
            f"<description><![CDATA[<p>第{i}段：市政府宣布投入三百亿元扩建码头。</p><p>预计新增两万个岗位。</p>]]></description></item>"
        )
    parts.append("</channel></rss>")
    return RawInput("bench.xml", "".join(parts).encode("utf-8"))


def _weibo_inputs(limit: int) -> list[RawInput]:
    if (WEIBO / "original").is_dir():
        posts = sorted((WEIBO / "original").glob("*.json"))[:limit]
        return [RawInput(str(p), p.read_bytes()) for p in posts]
    out = []
    for i in range(limit):
        thread = [
            {
                "uid": f"u{j % 50}",
                "text": f"回复@u{(j - 1) % 50}:第{j}条评论",
                "date": f"2012-10-10 08:{j % 60:02d}:00",
                "mid": f"m{j}",
                "parent": f"m{j - 1}" if j % 3 else "",
                "kids": [],
            }
            for j in range(380)
        ]
        post = {"text": f"第{i}条微博", "time": 1349768694, "comments": 380}
        out.append(
            RawInput(
                f"gen{i}.json", json.dumps({"post": post, "thread": thread}, ensure_ascii=False).encode()
            )
        )
    return out


def _run(label: str, fn, inputs: list[RawInput], repeats: int = 1) -> tuple[float, int, float]:
    start = time.process_time()  # CPU time of this one process: "per core"
    articles = comments = 0
    for _ in range(repeats):
        for raw in inputs:
            for a in fn(raw, []):
                articles += 1
                comments += len(a.comments)
    cpu = time.process_time() - start
    # The heap peak is taken on a second, shorter pass: tracemalloc slows parsing 3-5x.
    tracemalloc.start()
    for raw in inputs[:20]:
        fn(raw, [])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = articles / cpu if cpu else float("inf")
    print(
        f"{label}: {articles} articles ({comments} comments) in {cpu:.2f} s CPU = {rate:.0f} articles/s/core; "
        f"heap peak {peak / 2**20:.1f} MiB; max RSS {_rss_mib():.0f} MiB"
    )
    return rate, comments, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--html-pages", type=int, default=60)
    ap.add_argument("--feed-items", type=int, default=200)
    ap.add_argument("--feed-repeats", type=int, default=5)
    ap.add_argument("--weibo-limit", type=int, default=40)
    args = ap.parse_args()
    print(
        f"settings: {vars(args)}; weibo data: {'CED sample' if (WEIBO / 'original').is_dir() else 'generated'}"
    )
    html_inputs = _html_inputs(args.html_pages)
    html.parse(html_inputs[0], [])  # warm-up: trafilatura and lxml load their tables once
    html_rate, _, _ = _run("html", html.parse, html_inputs)
    feed_rate, _, _ = _run("feed", feeds.parse, [_feed_input(args.feed_items)], args.feed_repeats)
    weibo_rate, weibo_comments, weibo_cpu = _run("weibo", weibo.parse, _weibo_inputs(args.weibo_limit))
    comment_rate = weibo_comments / max(weibo_cpu, 1e-9)
    print(
        f"articles/s/core: html {html_rate:.0f}, feed {feed_rate:.0f}, weibo {weibo_rate:.0f} "
        f"({comment_rate:.0f} comments/s); peak RSS {_rss_mib():.0f} MiB"
    )


if __name__ == "__main__":
    main()
