"""Hostile inputs in every format storyline reads, and the checks a store built from them must pass.

Shared by ``tests/test_hostile.py`` (a short CI run) and ``benchmarks/hostile_fuzz.py`` (a long
profile). Every value is generated; no seed or data text. The strings mix what broke the
portal before (``"9"*400 + "亿美元"``, ``\\x01`` in a title, ``[/x]``, ANSI escapes, lone
surrogates, 1e999) with ordinary Chinese and English, in every field of every format.

:func:`hostile_batch` draws one batch: a few hostile inputs, each beside a good article (in the
same JSONL file, or as a file of its own), so a check can ask that every good one landed.
:func:`check_store` then walks the export, every page, API route and feed of the store.
"""

from __future__ import annotations

import json
import xml.sax.saxutils as sx
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import strategies as st
from lxml import etree

NASTY = [
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1b[31m", "\x1b[2J", "\x1b]0;pwn\x07", "\x7f",
    "\x85", "\x9b", "\x9b31m", "\u2028", "\u202e", "\ufeff", "\ufffe", "\uffff", "\ud800", "\udfff",
    "[/x]", "[bold red]", "[link=http://e]", "\\", "<script>alert(1)</script>", "]]>", "&", "&amp;",
    "<", ">", '"', "'", "\n", "\r\n", "\t", " ", "亿", "万", "兆", "9" * 400, "亿美元", "万亿元",
    "1e999", "-1e999", "NaN", "Infinity", "%s%n", "{}", "[]", "楼", "1 楼", "发表评论于",
    "回复@甲:", "//@乙:", "http://127.0.0.1/", "javascript:alert(1)", "𠀀", "é", "\u0301",
]  # fmt: skip
_ALPHA = "软银投资美元亿万特朗普港口隧道預算資金 abcXYZ0123456789.,:;/#@-_=+%"

ODD_DATES = [
    "2025-01-22T13:40:20+08:00", "2025-13-45T99:99:99", "0000-00-00", "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00", "Wed, 32 Foo 2025 25:61:00 GMT", "昨天 12:30", "3小时前",
    "99999999999999999999", "-62135596800", "253402300800", "", "2025年1月23日 6点43分 PT", "1e999",
]  # fmt: skip


def hostile_text(max_parts: int = 10) -> st.SearchStrategy[str]:
    return st.lists(
        st.one_of(st.sampled_from(NASTY), st.text(alphabet=_ALPHA, max_size=8)), max_size=max_parts
    ).map("".join)


def hostile_number() -> st.SearchStrategy[object]:
    return st.one_of(
        st.integers(-(2**70), 2**70),
        st.sampled_from([2**53 + 1, 2**63, -(2**63) - 1, 10**400]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["1e999", "-1e999", "nan", "inf", "9" * 400, "1,000", " 12 ", "", "abc"]),
        st.none(),
        st.booleans(),
    )


def _date() -> st.SearchStrategy[object]:
    return st.one_of(st.sampled_from(ODD_DATES), hostile_text(3), hostile_number())


def _comment() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {},
        optional={
            "floor": hostile_number(),
            "author": hostile_text(4),
            "posted_at": _date(),
            "text": hostile_text(),
            "parent_floor": hostile_number(),
            "likes": hostile_number(),
            "quotes": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={"author": hostile_text(3), "text": hostile_text(4), "floor": hostile_number()},
                ),
                max_size=2,
            ),
        },
    )


def jsonl_record() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {},
        optional={
            "url": st.one_of(hostile_text(4), st.sampled_from(["https://e.invalid/a", "javascript:x"])),
            "outlet": hostile_text(4),
            "site": hostile_text(3),
            "title": hostile_text(),
            "published_at": _date(),
            "language": st.sampled_from(["zh-Hans", "zh-Hant", "en", "zh", "xx", "", "\x00"]),
            "author": st.one_of(hostile_text(4), st.lists(hostile_text(2), max_size=3)),
            "paragraphs": st.lists(st.one_of(hostile_text(), hostile_number()), max_size=4),
            "body": hostile_text(),
            "stats": st.dictionaries(
                st.sampled_from(["reads", "comments", "likes", "reposts"]), hostile_number()
            ),
            "comments": st.lists(_comment(), max_size=3),
        },
    )


def _json_line(draw: st.DrawFn, value: object) -> bytes:
    try:
        text = json.dumps(value, ensure_ascii=draw(st.booleans()), allow_nan=True)
    except (ValueError, OverflowError):
        text = "{}"
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate stays: invalid UTF-8 on purpose


@st.composite
def _jsonl_input(draw: st.DrawFn, good: bytes) -> bytes:
    lines = [good]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["record", "record", "record", "nest", "garbage", "scalar"]))
        if kind == "record":
            lines.append(_json_line(draw, draw(jsonl_record())))
        elif kind == "nest":
            depth = draw(st.sampled_from([50, 5_000, 100_000]))
            lines.append(
                b"[" * depth + b"]" * depth if draw(st.booleans()) else b'{"a":' * depth + b"1" + b"}" * depth
            )
        elif kind == "garbage":
            lines.append(draw(hostile_text()).encode("utf-8", "surrogatepass"))
        else:
            lines.append(_json_line(draw, draw(hostile_number())))
    order = draw(st.permutations(range(len(lines))))
    return b"\n".join(lines[i] for i in order) + b"\n"


def _esc(draw: st.DrawFn, text: str) -> str:
    """Escaped as markup would be, or raw (a hostile page need not escape anything)."""
    return sx.escape(text) if draw(st.booleans()) else text


@st.composite
def _text_dump(draw: st.DrawFn) -> bytes:
    lines = [draw(hostile_text()), draw(hostile_text(3)), f"{draw(hostile_number())} 阅读", ""]
    lines += [draw(hostile_text()) + "。" for _ in range(draw(st.integers(1, 3)))]
    for floor in range(1, draw(st.integers(0, 3)) + 1):
        lines += [
            draw(hostile_text(2)),
            f"{draw(st.sampled_from([floor, 10**30, -1]))} 楼",
            draw(hostile_text()),
        ]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@st.composite
def _html_page(draw: st.DrawFn) -> bytes:
    title = _esc(draw, draw(hostile_text()))
    metas = "".join(
        f'<meta property="{k}" content="{_esc(draw, draw(hostile_text(3)))}">'
        for k in draw(
            st.lists(
                st.sampled_from(["og:site_name", "article:published_time", "author", "og:url"]), max_size=3
            )
        )
    )
    paras = "".join(f"<p>{_esc(draw, draw(hostile_text()))}</p>" for _ in range(draw(st.integers(1, 4))))
    page = f"<!DOCTYPE html><html><head><title>{title}</title>{metas}</head><body><article><h1>{title}</h1>{paras}</article></body></html>"
    return page.encode("utf-8", "surrogatepass")


@st.composite
def _feed(draw: st.DrawFn) -> bytes:
    items = []
    for _ in range(draw(st.integers(1, 3))):
        items.append(
            f"<item><title>{_esc(draw, draw(hostile_text()))}</title>"
            f"<link>{_esc(draw, draw(hostile_text(2)))}</link>"
            f"<description>{_esc(draw, draw(hostile_text()))}</description>"
            f"<author>{_esc(draw, draw(hostile_text(2)))}</author>"
            f"<pubDate>{_esc(draw, str(draw(_date())))}</pubDate></item>"
        )
    body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{_esc(draw, draw(hostile_text(3)))}</title>{"".join(items)}</channel></rss>'
    return body.encode("utf-8", "surrogatepass")


@st.composite
def _weibo(draw: st.DrawFn) -> bytes:
    post = {"text": draw(hostile_text()), "time": draw(hostile_number()), "user": draw(hostile_text(2))}
    for k in ("comments", "reposts", "likes"):
        post[k] = draw(hostile_number())
    thread = [
        {"uid": draw(hostile_text(1)), "text": draw(hostile_text()), "date": str(draw(_date())),
         "mid": str(i), "parent": draw(st.sampled_from(["", "0", "1", "x"]))}
        for i in range(draw(st.integers(0, 3)))
    ]  # fmt: skip
    return _json_line(draw, {"post": post, "thread": thread})


FORMATS = {"jsonl": ".jsonl", "txt": ".txt", "html": ".html", "rss": ".xml", "weibo": ".json"}


@dataclass
class Batch:
    files: list[tuple[str, bytes]]  # (file name, bytes), hostile ones and good ones
    good_urls: list[str] = field(default_factory=list)


def good_record(n: int) -> tuple[str, bytes]:
    """The n-th good article: ten days after the one before, so each is a story of its own (one
    story growing with every example would make every rebuild slower than the last)."""
    url = f"https://example.invalid/good/{n}"
    when = datetime(2020, 1, 1, 9, tzinfo=UTC) + timedelta(days=10 * n)
    record = {
        "url": url,
        "outlet": f"晨星日报{n % 3}",
        "title": f"港口隧道项目获批 第{n}篇",
        "published_at": when.isoformat(),
        "paragraphs": ["市政府周一批准了跨港隧道项目，预算为120亿元，预计五年内完工。", f"这是第{n}篇报道。"],
    }
    return url, json.dumps(record, ensure_ascii=False).encode("utf-8")


@st.composite
def hostile_batch(draw: st.DrawFn, counter: list[int], formats: tuple[str, ...] = tuple(FORMATS)) -> Batch:
    """A few hostile inputs, each beside a good article; ``counter`` numbers the good ones."""
    batch = Batch(files=[])
    for fmt in draw(st.lists(st.sampled_from(formats), min_size=1, max_size=3)):
        counter[0] += 1
        n = counter[0]
        url, good = good_record(n)
        batch.good_urls.append(url)
        if fmt == "jsonl":
            batch.files.append((f"in{n}.jsonl", draw(_jsonl_input(good))))
            continue
        data = draw({"txt": _text_dump(), "html": _html_page(), "rss": _feed(), "weibo": _weibo()}[fmt])
        # Hostile file names too: "[red]a[/x]…" is the folder "[red]a[" and a file "x]…".
        prefix = draw(st.sampled_from(["in", "[red]a[/x]", "\x1b[31m", "[b]"]))
        batch.files.append((f"{prefix}{n}{FORMATS[fmt]}", data))
        batch.files.append((f"good{n}.jsonl", good + b"\n"))
    return batch


def write_batch(batch: Batch, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in batch.files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(str(path))
    return paths


# ---- the checks -------------------------------------------------------------------------------
def routes(story_ids: list[str]) -> list[str]:
    paths = [
        "/", "/feeds/hot.rss", "/feeds/hot.atom", "/api/stories", "/api/stories?limit=100",
        "/search?q=港口", "/api/search?q=隧道", "/search?q=%1B%5B31m%5B%2Fx%5D", "/docs",
    ]  # fmt: skip
    for sid in story_ids:
        paths += [
            f"/story/{sid}",
            f"/story/{sid}?script=hant",
            f"/api/stories/{sid}",
            f"/api/stories/{sid}/articles",
            f"/api/stories/{sid}/thread",
            f"/api/stories/{sid}/claims",
            f"/feeds/story/{sid}.atom",
        ]
    return paths


def check_store(store, client, report, good_urls: list[str], seen: dict[str, str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Every failure of the contract, as readable strings (empty when the store passes).

    The site-wide routes are walked every time; a story's export, pages, API and feed only when
    the story is new or changed since the last call (``seen``: story id -> version, updated).
    """
    from rich.console import Console

    from storyline.export import story_export
    from storyline.records import article_id_for
    from storyline.terminal import line

    failures: list[str] = []
    for outcome in report.outcomes:
        if "internal error" in outcome.message:
            failures.append(f"traceback-level failure on {outcome.name!r}: {outcome.message[:300]}")
        for text in (outcome.message, *outcome.warnings):
            if "\n" in text:
                failures.append(f"multi-line message for {outcome.name!r}: {text[:200]!r}")
    wanted = {article_id_for(u, "", "", ()) for u in good_urls}
    landed = {a.id for a in store.articles(sorted(wanted))}
    if landed != wanted:
        failures.append(f"good articles lost: {len(wanted - landed)} of {len(wanted)}")
    changed = []
    for summary in store.story_summaries(limit=1_000_000):
        version = store.story_version(summary.id) or ""
        if seen.get(summary.id) != version:
            seen[summary.id] = version
            changed.append(summary.id)
    stories = [s for s in (store.story(sid) for sid in changed) if s is not None]
    json.dumps([story_export(store, s) for s in stories], ensure_ascii=False)
    console = Console(record=True, width=120, color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    for s in stories:
        console.print(line(f"{s.id}  {s.concept or '-'}  {s.headline}  ({len(s.article_ids)} article(s))"))
    for outcome in report.outcomes:
        for text in (outcome.message, outcome.name, *outcome.warnings):
            console.print(line(("x", "red"), " ", text))
    printed = console.export_text()
    if any(ch in printed for ch in "\x1b\x9b\x07"):
        failures.append("a terminal escape reached the printed output")
    for path in routes([s.id for s in stories]):
        r = client.get(path)
        if r.status_code >= 500:
            failures.append(f"GET {path}: HTTP {r.status_code}")
            continue
        if path.startswith("/feeds/") and r.status_code == 200:
            try:
                etree.fromstring(r.content)
            except etree.XMLSyntaxError as exc:
                failures.append(f"GET {path}: feed does not parse ({exc})")
        if path.startswith("/api/") and r.status_code == 200:
            try:
                json.loads(r.content)
            except ValueError as exc:
                failures.append(f"GET {path}: not JSON ({exc})")
    return failures
