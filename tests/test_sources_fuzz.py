"""Malformed inputs thrown at the HTML, feed and Weibo readers (hypothesis, 1,000 each).

The contract: a reader returns Articles or raises a :class:`StorylineError` naming the input; no
lxml, feedparser, json or codec error escapes raw, and what comes back is well-typed.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.errors import StorylineError
from storyline.records import Article, RawInput
from storyline.sources import feeds, html, weibo

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_TEXT = st.text(alphabet="特朗普星际之門資金 abcXYZ019<>&\"'/=;:#楼@\n\t\x00é", max_size=40)
_ODD_DATES = st.sampled_from(
    [
        "2025-01-22T13:40:20+08:00",
        "2025-13-45T99:99:99",
        "0000-00-00",
        "Wed, 32 Foo 2025 25:61:00 GMT",
        "昨天 12:30",
        "3小时前",
        "99999999999999999999",
        "",
        "2025年1月23日 6点43分 PT",
        "-1",
    ]
)
_ENCODINGS = st.sampled_from(["utf-8", "gbk", "big5", "latin-1", "utf-16", "shift_jis"])


def _check(articles: list[Article]) -> None:
    assert isinstance(articles, list)
    for a in articles:
        assert isinstance(a, Article)
        assert isinstance(a.title, str) and isinstance(a.outlet, str)
        assert all(isinstance(p, str) for p in a.paragraphs)
        assert a.published_at is None or a.published_at.tzinfo is not None
        for c in a.comments:
            assert isinstance(c.text, str) and isinstance(c.floor, int)
            assert c.posted_at is None or c.posted_at.tzinfo is not None


def _run(reader, raw: RawInput) -> None:
    try:
        result = reader(raw, [])
    except StorylineError as exc:
        assert raw.name in str(exc)
        return
    _check(result)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="ignore")


@st.composite
def html_pages(draw: st.DrawFn) -> bytes:
    parts = ["<!DOCTYPE html><html><head>"]
    if draw(st.booleans()):
        parts.append(f'<meta charset="{draw(st.sampled_from(["utf-8", "gbk", "big5", "bogus", ""]))}">')
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(["article:published_time", "og:site_name", "og:url", "author", "pubdate"]))
        parts.append(f'<meta property="{key}" content="{draw(st.one_of(_ODD_DATES, _TEXT))}">')
    if draw(st.booleans()):
        parts.append(f"<title>{draw(_TEXT)}</title>")
    if draw(st.booleans()):
        parts.append(f'<script type="application/ld+json">{draw(_TEXT)}</script>')
    parts.append("</head><body>")
    huge = "x" * draw(st.sampled_from([0, 10, 30_000]))
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["p", "comment", "quote", "time", "nested", "junk"]))
        text = draw(_TEXT)
        if kind == "p":
            parts.append(f'<p title="{huge}">{text}</p>')
        elif kind == "comment":
            parts.append(
                f'<div class="comment" data-floor="{draw(st.sampled_from(["1", "-3", "x", "999999999"]))}">'
                f'<span class="author">{text}</span><div class="content">{draw(_TEXT)}</div></div>'
            )
        elif kind == "quote":
            parts.append(
                f'<div class="comment"><cite>{text}</cite><blockquote><b>{draw(_TEXT)}</b>{text}</blockquote></div>'
            )
        elif kind == "time":
            parts.append(f'<time datetime="{draw(_ODD_DATES)}">{text}</time>')
        elif kind == "nested":
            parts.append("<div>" * 50 + text + "</div>" * draw(st.integers(0, 50)))
        else:
            parts.append(text)
    parts.append("</body></html>")
    page = _encode("".join(parts), draw(_ENCODINGS))
    cut = draw(st.integers(0, len(page)))
    return page[:cut] if draw(st.booleans()) else page


@st.composite
def feeds_xml(draw: st.DrawFn) -> bytes:
    atom = draw(st.booleans())
    enc = draw(_ENCODINGS)
    parts = [f'<?xml version="1.0" encoding="{enc}"?>'] if draw(st.booleans()) else []
    parts.append('<feed xmlns="http://www.w3.org/2005/Atom">' if atom else '<rss version="2.0"><channel>')
    if draw(st.booleans()):
        parts.append(f"<title>{draw(_TEXT)}</title>")
    for _ in range(draw(st.integers(0, 4))):
        tag = "entry" if atom else "item"
        date_tag = "published" if atom else "pubDate"
        link = f'<link href="{draw(_TEXT)}"/>' if atom else f"<link>{draw(_TEXT)}</link>"
        body = draw(_TEXT)
        if draw(st.booleans()):
            body = f"<![CDATA[<p>{body}</p>]]>"
        parts.append(
            f"<{tag}><title>{draw(_TEXT)}</title>{link}<{date_tag}>{draw(_ODD_DATES)}</{date_tag}>"
            f"<description>{body}</description></{tag}>"
        )
    parts.append("</feed>" if atom else "</channel></rss>")
    data = _encode("".join(parts), enc)
    cut = draw(st.integers(0, len(data)))
    return data[:cut] if draw(st.booleans()) else data


_JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _TEXT)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(_TEXT, kids, max_size=3),
    max_leaves=8,
)


@st.composite
def weibo_json(draw: st.DrawFn) -> bytes:
    def field(good: st.SearchStrategy) -> object:
        # mostly the right type, sometimes any JSON scalar in its place
        return draw(_JSON_LEAF) if draw(st.integers(0, 4)) == 0 else draw(good)

    post = {
        "text": field(_TEXT),
        "time": field(st.sampled_from([1349768694, "Mon Jan 28 20:25:04 +0800 2013", -1, 10**20])),
        "comments": field(st.integers(0, 100)),
        "user": field(st.dictionaries(st.sampled_from(["screen_name", "id"]), _TEXT, max_size=2)),
    }
    thread = [
        {
            "uid": field(_TEXT),
            "text": field(_TEXT),
            "date": field(_ODD_DATES),
            "mid": field(st.sampled_from(["m1", "m2", "m3", ""])),
            "parent": field(st.sampled_from(["m1", "m2", "m3", "", "missing"])),
            "kids": [],
        }
        for _ in range(draw(st.integers(0, 4)))
    ]
    shape = draw(st.sampled_from(["combined", "post", "list", "junk"]))
    if shape == "combined":
        obj: object = {"post": post, "thread": thread if draw(st.booleans()) else draw(_JSON_LEAF)}
    elif shape == "post":
        obj = post
    elif shape == "list":
        obj = thread
    else:
        obj = draw(_JSON)
    data = json.dumps(obj, ensure_ascii=draw(st.booleans())).encode(
        draw(st.sampled_from(["utf-8", "utf-16", "gbk"])), "ignore"
    )
    cut = draw(st.integers(0, len(data)))
    return data[:cut] if draw(st.booleans()) else data


@FUZZ
@given(html_pages())
def test_malformed_html_raises_only_storyline_errors(page: bytes) -> None:
    _run(html.parse, RawInput("fuzz.html", page))


@FUZZ
@given(feeds_xml())
def test_malformed_feeds_raise_only_storyline_errors(data: bytes) -> None:
    _run(feeds.parse, RawInput("fuzz.xml", data))


@FUZZ
@given(weibo_json())
def test_malformed_weibo_json_raises_only_storyline_errors(data: bytes) -> None:
    _run(weibo.parse, RawInput("fuzz.json", data))


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["html", "feed", "weibo"]))
def test_random_bytes_raise_only_storyline_errors(data: bytes, reader: str) -> None:
    parse = {"html": html.parse, "feed": feeds.parse, "weibo": weibo.parse}[reader]
    _run(parse, RawInput(f"bytes.{reader}", data))
