"""Extraction quality and cost on real pages: body F1, publication day and minute, titles, and the
time of a full ingest beside trafilatura's own extraction of the same pages.

Pages: GNE's 62 test pages (``../shared/data/gne-pages/tests/SITE/N.html``, never copied), hand
labels in ``tests/fixtures/gne_labels.json`` (title, the date/time the page shows, anchors inside
the first and last paragraph of the body). The true body is the page's visible text from the line
holding ``body_start`` to the line holding ``body_end``, rendered here by a plain block walk that
owes nothing to storyline or trafilatura; F1 is over characters (CJK characters and Latin words
counted as a bag), the usual measure for Chinese extraction.

For each page the script times, in the same run and process:

* ``trafilatura``: ``trafilatura.extract`` with its defaults on the page's text (what "trafilatura
  alone" costs);
* ``parse``: ``storyline.sources.html.parse`` (decode, metadata, body, thread);
* ``ingest``: the page's share of ``storyline.pipeline.ingest_inputs`` into a fresh SQLite file
  (parse + normalise + analyse + cluster + dedup + write), encoder off.

Each is timed by the wall clock and by this process's CPU time (the pipeline is single-threaded);
on a machine shared with other work the wall clock charges a one-shot ingest for the other work
while trafilatura keeps its best of ``--repeat``, so the CPU ratio is the one to read there.

    python benchmarks/page_extraction.py
    python benchmarks/page_extraction.py --pages 20 --no-ingest

The last line is the figure: ``body F1 X, day Y%, minute Z%, ... ingest/trafilatura R, peak RSS M MiB``.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import lxml.html
import trafilatura

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "fixtures" / "gne_labels.json"

_BLOCK = {
    "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "br", "section", "article",
    "table", "dd", "dt", "header", "footer", "ul", "ol", "blockquote", "pre", "form", "nav", "aside",
}  # fmt: skip
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+")


def page_text(data: bytes) -> str:
    """The page's characters: its declared charset or UTF-8 when either reads cleanly, else the
    declared charset with bad bytes replaced (as a browser shows them)."""
    m = _CHARSET.search(data[:4096])
    label = m.group(1).decode("ascii", "replace").lower() if m else "utf-8"
    label = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}.get(label, label)
    text = None
    # Saved pages are often re-encoded to UTF-8 under their original label: strict reads first.
    for enc in (label, "utf-8"):
        try:
            text = data.decode(enc)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if text is None:
        try:
            text = data.decode(label, "replace")
        except LookupError:
            text = data.decode("utf-8", "replace")
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text)


def visible_lines(html: str) -> list[str]:
    """Visible text, one line per block element (scripts, styles and comments dropped)."""
    tree = lxml.html.document_fromstring(html)
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = " ".join("".join(buf).split())
        if line:
            out.append(line)
        buf.clear()

    def walk(el) -> None:
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "template"):
            if el.tail:
                buf.append(el.tail)
            return
        block = el.tag in _BLOCK
        if block:
            flush()
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush()
        if el.tail:
            buf.append(el.tail)

    body = tree.find("body")
    walk(body if body is not None else tree)
    flush()
    return out


def true_body(lines: list[str], start: str, end: str) -> str | None:
    first = next((i for i, line in enumerate(lines) if start in line), None)
    if first is None:
        return None
    last = next((i for i in range(first, len(lines)) if end in lines[i]), None)
    return None if last is None else "\n".join(lines[first : last + 1])


def f1(got: str, want: str) -> tuple[float, float, float]:
    g, w = Counter(_TOKEN.findall(got)), Counter(_TOKEN.findall(want))
    overlap = sum((g & w).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    p, r = overlap / sum(g.values()), overlap / sum(w.values())
    return p, r, 2 * p * r / (p + r)


def shown(article) -> str | None:
    """The article's publication time as storyline would show it: minute, or the day alone."""
    at = article.published_at
    if at is None:
        return None
    local = at.astimezone(_SHANGHAI)
    if getattr(article, "published_day_only", False):
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")


from zoneinfo import ZoneInfo  # noqa: E402

_SHANGHAI = ZoneInfo("Asia/Shanghai")


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--pages", type=int, default=0, help="first N labelled pages only (0 = all)")
    parser.add_argument("--no-ingest", action="store_true", help="skip the full-ingest timing")
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats (best is kept)")
    parser.add_argument("--verbose", action="store_true", help="one line per page")
    args = parser.parse_args(argv)

    from storyline.records import RawInput
    from storyline.sources import html as html_source

    folder = args.shared / "data" / "gne-pages" / "tests"
    if not folder.is_dir():
        print(f"GNE pages not found under {folder}")
        return 2
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["pages"]
    keys = sorted(labels)[: args.pages or None]
    print(f"pages={len(keys)} labels={LABELS.name} repeat={args.repeat} ingest={not args.no_ingest}")

    raws = {k: RawInput(str(folder / f"{k}.html"), (folder / f"{k}.html").read_bytes()) for k in keys}
    # Warm both libraries up (imports, lazy tables) before anything is timed.
    trafilatura.extract(page_text(raws[keys[0]].data))
    html_source.parse(raws[keys[0]])

    rows = []
    for k in keys:
        raw, label = raws[k], labels[k]
        text = page_text(raw.data)
        best_t = best_p = best_tc = float("inf")
        traf_body = ""
        articles = []
        refused = ""
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            traf_body = trafilatura.extract(text) or ""
            best_t = min(best_t, time.perf_counter() - t0)
            best_tc = min(best_tc, time.process_time() - c0)
            t0 = time.perf_counter()
            try:
                articles = html_source.parse(raw, [])
            except Exception as exc:  # a refusal is a figure here, not a crash
                refused = str(exc)
                articles = []
            best_p = min(best_p, time.perf_counter() - t0)
        art = articles[0] if articles else None
        want = None
        if label["body_start"]:
            want = true_body(visible_lines(text), label["body_start"], label["body_end"])
        got_body = "\n".join(art.paragraphs) if art else ""
        row = {
            "key": k,
            "traf_s": best_t,
            "traf_cpu": best_tc,
            "parse_s": best_p,
            "refused": refused,
            "title_ok": art is not None and art.title == label["title"],
            "title": art.title if art else None,
            "want_when": label["published"],
            "when": shown(art) if art else None,
        }
        if want:
            row["prf"] = f1(got_body, want)
            row["traf_prf"] = f1(traf_body, want)
        rows.append(row)

    ingest_s: dict[str, float] = {}
    ingest_cpu: dict[str, float] = {}
    if not args.no_ingest:
        from storyline import Settings
        from storyline.pipeline import ingest_inputs
        from storyline.store import open_store

        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(db=str(Path(tmp) / "bench.db"), use_encoder=False)
            store = open_store(settings.db)
            try:
                marks = [(time.perf_counter(), time.process_time())]
                report = ingest_inputs(
                    [raws[k] for k in keys],
                    store,
                    settings,
                    on_outcome=lambda _o: marks.append((time.perf_counter(), time.process_time())),
                )
            finally:
                store.close()
            for k, a, b in zip(keys, marks, marks[1:], strict=False):
                ingest_s[k] = b[0] - a[0]
                ingest_cpu[k] = b[1] - a[1]
            silent = [
                o.name
                for o in report.outcomes
                if o.status == "ingested" and o.articles == 0 and not o.warnings
            ]
            print(f"ingest: {report.summary()}; ingested with 0 articles and no message: {len(silent)}")

    dated = [r for r in rows if r["want_when"]]
    timed = [r for r in dated if len(r["want_when"]) > 10]
    day_ok = sum(1 for r in dated if r["when"] and r["when"][:10] == r["want_when"][:10])
    minute_ok = sum(1 for r in timed if r["when"] == r["want_when"])
    exact_ok = sum(1 for r in dated if r["when"] == r["want_when"])
    scored = [r for r in rows if "prf" in r]
    mean = lambda xs: statistics.fmean(xs) if xs else 0.0  # noqa: E731
    body_f1 = mean([r["prf"][2] for r in scored])
    traf_f1 = mean([r["traf_prf"][2] for r in scored])
    titles_ok = sum(1 for r in rows if r["title_ok"])
    refused = [r["key"] for r in rows if r["refused"]]

    if args.verbose:
        for r in rows:
            prf = r.get("prf")
            body = f"P={prf[0]:.2f} R={prf[1]:.2f} F={prf[2]:.2f}" if prf else "body -"
            flag = "" if r["when"] == r["want_when"] else f"  [want {r['want_when']}]"
            ttl = "" if r["title_ok"] else f"  title={r['title']!r}"
            ing = f" ingest {ingest_s[r['key']] * 1000:.0f} ms" if r["key"] in ingest_s else ""
            print(
                f"{r['key']:<18} {body}  when={r['when']}{flag}{ttl}"
                f"  traf {r['traf_s'] * 1000:.0f} ms parse {r['parse_s'] * 1000:.0f} ms{ing}"
            )
    traf_ms = 1000 * mean([r["traf_s"] for r in rows])
    parse_ms = 1000 * mean([r["parse_s"] for r in rows])
    print(
        f"body F1 (mean over {len(scored)} pages): storyline {body_f1:.3f}, trafilatura defaults {traf_f1:.3f}"
    )
    print(
        f"publication day right {day_ok}/{len(dated)}, minute right {minute_ok}/{len(timed)}, shown exactly {exact_ok}/{len(dated)}"
    )
    print(f"titles exact {titles_ok}/{len(rows)}; refused pages {len(refused)} {refused}")
    ratio = ""
    if ingest_s:
        ingest_ms = 1000 * mean(list(ingest_s.values()))
        per_page = [
            ingest_s[r["key"]] / r["traf_s"] for r in rows if r["key"] in ingest_s and r["traf_s"] > 0
        ]
        per_page_cpu = [
            ingest_cpu[r["key"]] / r["traf_cpu"] for r in rows if r["key"] in ingest_cpu and r["traf_cpu"] > 0
        ]
        ratio = (
            f", ingest {ingest_ms:.1f} ms/page, ingest/trafilatura median {statistics.median(per_page):.2f}"
            f" max {max(per_page):.2f} (CPU time: ingest {1000 * mean(list(ingest_cpu.values())):.1f} ms/page,"
            f" trafilatura {1000 * mean([r['traf_cpu'] for r in rows]):.1f} ms/page,"
            f" ingest/trafilatura median {statistics.median(per_page_cpu):.2f} max {max(per_page_cpu):.2f})"
        )
    print(
        f"body F1 {body_f1:.3f}, day {100 * day_ok / max(1, len(dated)):.0f}%, "
        f"minute {100 * minute_ok / max(1, len(timed)):.0f}%, titles {titles_ok}/{len(rows)}, "
        f"trafilatura {traf_ms:.1f} ms/page, parse {parse_ms:.1f} ms/page{ratio}, peak RSS {_maxrss_mib():.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
