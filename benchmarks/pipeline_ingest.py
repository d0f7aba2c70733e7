"""Full ingest throughput — parse, normalise, analyse, claims, cluster, dedup, ledger, SQLite write —
for the text-dump and JSONL paths, articles/s on one core, and peak memory.

Text-dump path: ``--dumps`` copies of the seed pages (title varied per copy so ids differ; seeds
read from ``--shared``, never copied), one file each — all one story, so this is the worst case:
every input rebuilds a story that keeps growing. JSONL path: ``--articles`` reports of the
synthetic stream (``stream_generator``: many stories of ~10 reports, both scripts and English, in
publication order), 50 per file. Each path runs ``storyline.ingest`` into a fresh SQLite file. CPU time of this process is reported (the
pipeline is single-threaded), so other load on the machine affects the figure little.

    python benchmarks/pipeline_ingest.py --articles 200
    python benchmarks/pipeline_ingest.py --articles 200 --encoder

The last line is the figure: ``articles/s/core: textdump X, jsonl Y; peak RSS Z MiB``.

Real texts: ``--semeval`` ingests every distinct zh and en article of the SemEval-2022 Task 8
training set (read from ``--shared``; title = first line, paragraphs = the other lines) as one
JSONL, and times the bare OpenCC t2s + rjieba cut of the same texts in the same run;
``--profile`` prints a cProfile top 10 (tottime) of that ingest. It runs as ``storyline ingest``
does without the sentence encoder (``--no-encoder`` on the CLI) and then as it does by default,
with it (``use_encoder``), each in a fresh process, and it times the encoder alone on the same
texts: the two lines and the encoder's own cost show how much of the figure is the model's
forward pass. The figure of the issue's bar is the second line (the CLI's default).

    python benchmarks/pipeline_ingest.py --semeval --dumps 0 --articles 0
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_throughput import _pages, _vary
from stream_generator import stream

from storyline import Settings, ingest


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumps", type=int, default=60)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--encoder", action="store_true", help="use the multilingual sentence encoder")
    parser.add_argument("--semeval", action="store_true", help="also ingest the SemEval zh/en articles")
    parser.add_argument("--profile", action="store_true", help="cProfile top 10 of the SemEval ingest")
    parser.add_argument("--profile-callers", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--semeval-mode", choices=("off", "on", "alone"), help=argparse.SUPPRESS
    )  # one SemEval measurement in this process (the parent runs each in its own)
    args = parser.parse_args(argv)
    if args.semeval_mode:
        _semeval(args, args.semeval_mode)
        return 0
    if args.semeval:
        # Each in a fresh process: its own peak RSS, and its own first-use costs (jieba's
        # dictionary, the IDF table, the encoder's weights), as a CLI call pays them.
        import subprocess

        for mode in ("off", "on", "alone"):
            cmd = [sys.executable, __file__, "--semeval-mode", mode, "--shared", str(args.shared)]
            cmd += ["--profile"] * args.profile + ["--encoder"] * args.encoder
            subprocess.run(cmd, check=True)
        if not (args.dumps or args.articles):
            return 0

    pages = _pages(args.shared)
    print(f"dumps={args.dumps} jsonl_articles={args.articles} encoder={args.encoder} store=sqlite")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dumps = []
        for i in range(args.dumps):
            path = folder / f"dump{i:05d}.txt"
            path.write_text(_vary(pages[i % len(pages)], i), encoding="utf-8")
            dumps.append(path)
        files: list[Path] = []
        rows: list[str] = []
        for article, _analysis, _truth in stream(args.articles):
            rows.append(
                json.dumps(
                    {
                        "url": f"https://example.invalid/{article.id}",
                        "outlet": article.outlet,
                        "title": article.title,
                        "published_at": article.published_at.isoformat() if article.published_at else None,
                        "paragraphs": list(article.paragraphs),
                    },
                    ensure_ascii=False,
                )
            )
            if len(rows) == 50:
                files.append(folder / f"stream{len(files):04d}.jsonl")
                files[-1].write_text("\n".join(rows), encoding="utf-8")
                rows = []
        if rows:
            files.append(folder / f"stream{len(files):04d}.jsonl")
            files[-1].write_text("\n".join(rows), encoding="utf-8")

        # Warm the dictionaries (jieba IDF, OpenCC, the encoder) once, as a long-running ingest would.
        ingest([dumps[0]], settings=Settings(db=str(folder / "warm.db"), use_encoder=args.encoder))

        figures = {}
        for label, inputs in (("textdump", dumps), ("jsonl", files)):
            settings = Settings(db=str(folder / f"{label}.db"), use_encoder=args.encoder)
            t0, c0 = time.perf_counter(), _cpu()
            report = ingest(inputs, settings=settings)
            wall, cpu = time.perf_counter() - t0, _cpu() - c0
            assert report.ok, [o.message for o in report.failed]
            n = sum(o.articles for o in report.ingested)
            figures[label] = n / cpu
            print(f"{label}: {n} articles, {cpu:.1f} s CPU, {wall:.1f} s wall, {n / cpu:.1f} articles/s/core")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"articles/s/core: textdump {figures['textdump']:.1f}, jsonl {figures['jsonl']:.1f}; peak RSS {peak:.0f} MiB"
    )
    return 0


def _semeval_rows(shared: Path) -> list[dict]:
    import csv

    path = shared / "data" / "semeval2022-task8" / "training_set.csv"
    if not path.exists():
        raise SystemExit(f"SemEval data not found at {path}")
    csv.field_size_limit(1 << 30)
    texts: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for lang, text in ((row["lang1"], row["text1"]), (row["lang2"], row["text2"])):
                if lang in ("zh", "en") and text.strip():
                    texts.setdefault(text, lang)
    rows = []
    for i, text in enumerate(texts):
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        rows.append(
            {
                "url": f"https://semeval.invalid/{i}",
                "outlet": f"SemEval {i % 50}",
                "title": lines[0][:200],
                "paragraphs": lines[1:] or lines[:1],
            }
        )
    return rows


def _semeval(args, mode: str) -> None:
    import opencc
    import rjieba

    rows = _semeval_rows(args.shared)
    if mode == "alone":
        _encoder_alone(rows)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "semeval.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        c0 = _cpu()
        t2s = opencc.OpenCC("t2s")
        for r in rows:
            list(rjieba.cut(t2s.convert("\n".join([r["title"], *r["paragraphs"]]))))
        bare = _cpu() - c0
        encoder = mode == "on"
        label = "encoder on (the CLI default)" if encoder else "encoder off (--no-encoder)"
        settings = Settings(db=str(folder / "semeval.db"), use_encoder=encoder)
        prof = None
        if args.profile and encoder == args.encoder:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        c0 = _cpu()
        report = ingest([path], settings=settings)
        cpu = _cpu() - c0
        if prof:
            prof.disable()
        assert report.ok, [o.message for o in report.failed]
        n = sum(o.articles for o in report.ingested)
    print(
        f"semeval, {label}: {n} distinct zh/en articles, {cpu:.2f} s CPU, {n / cpu:.1f} articles/s/core;"
        f" bare t2s+cut of the same texts {bare:.2f} s ({n / bare:.0f}/s), ratio {cpu / bare:.1f}x;"
        f" peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
        flush=True,
    )
    if prof:
        import pstats

        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(10)
        if args.profile_callers:
            stats.sort_stats("cumulative").print_stats("storyline", 40)
            stats.print_callers(r"re/__init__.py:(225|173|218)")


def _encoder_alone(rows: list[dict]) -> None:
    """The sentence encoder's forward pass on title + lead of each row (what the clusterer embeds, up to
    its display forms), one text
    per call as the clusterer makes it and in one batch, after its weights are loaded."""
    from storyline.stories.similarity import _EMBED_CHARS, embed_texts

    texts = []
    for r in rows:
        text = r["title"]
        for p in r["paragraphs"]:
            if len(text) >= _EMBED_CHARS:
                break
            text = f"{text}\n{p}"
        texts.append(text[:_EMBED_CHARS])
    embed_texts(texts[:1])
    c0 = _cpu()
    for t in texts:
        embed_texts([t])
    one = _cpu() - c0
    c0 = _cpu()
    embed_texts(texts)
    batch = _cpu() - c0
    n = len(texts)
    print(
        f"semeval, encoder alone: {one / n * 1000:.1f} ms/article one text per call ({n / one:.0f}/s),"
        f" {batch / n * 1000:.1f} ms/article in one batch ({n / batch:.0f}/s)",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
