"""JSONL input: storyline's schema and news-please's, bad lines reported by number, rest kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storyline.errors import InputError, ParseError
from storyline.records import RawInput
from storyline.sources import jsonl, textdump

SH = ZoneInfo("Asia/Shanghai")


def _raw(*lines: object, name: str = "batch.jsonl", encoding: str = "utf-8") -> RawInput:
    text = "\n".join(
        line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines
    )
    return RawInput(name, text.encode(encoding))


FULL = {
    "url": "https://example.org/news/1",
    "outlet": "示例日报",
    "site": "示例门户",
    "title": "软银的现金",
    "published_at": "2025年1月23日 6点43分 PT",
    "language": "zh-Hans",
    "author": "记者甲",
    "paragraphs": ["第一段", "  ", "第二段"],
    "stats": {"reads": "1,024", "comments": 2, "likes": None},
    "comments": [
        {"floor": 1, "author": "甲", "posted_at": "2025-01-22 13:40:20", "text": "软银没钱", "likes": 3},
        {
            "floor": 2,
            "author": "乙",
            "text": "有钱的",
            "quotes": [{"author": "甲", "posted_at": "2025-01-22 13:40:20", "text": "软银没钱"}],
        },
    ],
}


def test_full_record_maps_every_field() -> None:
    [a] = jsonl.parse(_raw(FULL))
    assert (a.url, a.outlet, a.site, a.title, a.author) == (
        "https://example.org/news/1",
        "示例日报",
        "示例门户",
        "软银的现金",
        "记者甲",
    )
    assert a.published_at == datetime(2025, 1, 23, 6, 43, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert a.script == "zh-Hans"
    assert a.paragraphs == ("第一段", "第二段")
    assert (a.stats.reads, a.stats.comments, a.stats.likes, a.stats.reposts) == (1024, 2, None, None)
    c1, c2 = a.comments
    assert (c1.floor, c1.author, c1.likes, c1.posted_at) == (
        1,
        "甲",
        3,
        datetime(2025, 1, 22, 13, 40, 20, tzinfo=SH),
    )
    assert c2.quotes[0].floor == 1 and c2.parent_floor == 1
    assert a.source_name == "batch.jsonl"
    assert a.id == jsonl.parse(_raw(FULL))[0].id


def test_news_please_field_names() -> None:
    record = {
        "maintext": "First paragraph.\nSecond paragraph.",
        "date_publish": "2025-01-22 05:40:20",
        "source_domain": "www.reuters.com",
        "title": "SoftBank cash",
        "url": "https://www.reuters.com/x",
        "language": "en",
        "authors": ["A. Writer", "B. Writer"],
    }
    [a] = jsonl.parse(_raw(record))
    assert (a.outlet, a.title, a.script, a.author) == (
        "www.reuters.com",
        "SoftBank cash",
        "en",
        "A. Writer, B. Writer",
    )
    assert a.paragraphs == ("First paragraph.", "Second paragraph.")
    assert a.published_at == datetime(2025, 1, 22, 5, 40, 20, tzinfo=SH)


def test_body_splits_on_blank_lines_before_newlines() -> None:
    [a] = jsonl.parse(_raw({"title": "t", "body": "一行\n续行\n\n第二段\r\n\r\n第三段"}))
    assert a.paragraphs == ("一行 续行", "第二段", "第三段")


@pytest.mark.parametrize(
    ("language", "script"),
    [("zh", "und"), ("zh-TW", "zh-Hant"), ("zh_CN", "zh-Hans"), ("fr", "und"), (None, "und")],
)
def test_language_maps_to_script(language: str | None, script: str) -> None:
    [a] = jsonl.parse(_raw({"title": "t", "body": "b", "language": language}))
    assert a.script == script


def test_script_field_wins_and_unix_seconds_are_dates() -> None:
    [a] = jsonl.parse(
        _raw({"title": "t", "body": "b", "script": "zh-Hant", "language": "zh", "published_at": 1737500000})
    )
    assert a.script == "zh-Hant"
    assert a.published_at == datetime(2025, 1, 21, 22, 53, 20, tzinfo=UTC)


def test_missing_floors_are_numbered_and_quotes_resolved() -> None:
    record = {
        "title": "t",
        "body": "b",
        "comments": [
            {"author": "甲", "text": "第一句 第二句"},
            {"author": "乙", "text": "回复@甲: 同意"},
            {
                "author": "丙",
                "text": "不同意",
                "quotes": [{"author": "甲", "text": "第二句", "posted_at": "2025-01-22T08:00:00+00:00"}],
            },
        ],
    }
    [a] = jsonl.parse(_raw(record))
    assert [c.floor for c in a.comments] == [1, 2, 3]
    assert a.comments[1].parent_floor == 1
    assert a.comments[2].quotes[0].floor == 1 and a.comments[2].parent_floor == 1
    assert a.comments[0].posted_at.utcoffset() == timedelta(0)


def test_bad_lines_are_reported_by_number_and_the_rest_kept() -> None:
    raw = _raw(
        {"title": "one", "body": "b"},
        "",
        "{not json",
        "[1, 2]",
        {"url": "u"},
        {"title": "two", "body": "c"},
        name="in/x.jsonl",
    )
    errors: list[InputError] = []
    articles = jsonl.parse(raw, errors)
    assert [a.title for a in articles] == ["one", "two"]
    assert [(e.name, e.line) for e in errors] == [("in/x.jsonl", 3), ("in/x.jsonl", 4), ("in/x.jsonl", 5)]
    assert all(isinstance(e, ParseError) for e in errors)
    assert (
        "not JSON" in str(errors[0])
        and "not an object" in str(errors[1])
        and "neither a title" in str(errors[2])
    )
    assert str(errors[0]).startswith("in/x.jsonl line 3:")


def test_bad_line_raises_when_no_error_list_is_given() -> None:
    with pytest.raises(ParseError, match=r"x\.jsonl line 2"):
        jsonl.parse(_raw({"title": "ok", "body": "b"}, "nope", name="x.jsonl"))


def test_empty_file_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"empty\.jsonl"):
        jsonl.parse(RawInput("empty.jsonl", b""))


def test_title_only_and_body_only_records_are_kept() -> None:
    a, b = jsonl.parse(_raw({"title": "只有标题"}, {"body": "只有正文的一段话"}))
    assert (a.title, a.paragraphs) == ("只有标题", ())
    assert b.title == "只有正文的一段话" and b.paragraphs == ("只有正文的一段话",)


def test_gbk_encoded_jsonl() -> None:
    [a] = jsonl.parse(_raw({"title": "软银的现金", "body": "正文"}, encoding="gbk"))
    assert a.title == "软银的现金"


def test_seed_article_round_trips_through_jsonl(seed_paths: list[Path]) -> None:
    """A text dump written out in the JSONL schema reads back to the same article."""
    src = textdump.parse(RawInput(str(seed_paths[1]), seed_paths[1].read_bytes()))[0]
    record = {
        "outlet": src.outlet,
        "title": src.title,
        "paragraphs": list(src.paragraphs),
        "stats": {"reads": src.stats.reads, "comments": src.stats.comments},
        "comments": [
            {
                "author": c.author,
                "text": c.text,
                "posted_at": c.posted_at.isoformat() if c.posted_at else None,
                "quotes": [
                    {"author": q.author, "text": q.text, "posted_at": q.posted_at.isoformat()}
                    for q in c.quotes
                ],
            }
            for c in src.comments
        ],
    }
    [a] = jsonl.parse(_raw(record))
    assert (a.id, a.title, a.paragraphs, a.stats) == (src.id, src.title, src.paragraphs, src.stats)
    assert [(c.floor, c.author, c.text, c.parent_floor, c.posted_at) for c in a.comments] == [
        (c.floor, c.author, c.text, c.parent_floor, c.posted_at) for c in src.comments
    ]
    assert [q.floor for c in a.comments for q in c.quotes] == [4, 33, 19]
