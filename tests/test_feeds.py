"""RSS/Atom feeds: items kept with their own times, bad items reported, broken feeds named."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.errors import InputError, ParseError
from storyline.records import RawInput
from storyline.sources import feeds, parse_input

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def _read(name: str) -> RawInput:
    path = FIXTURES / name
    return RawInput(str(path), path.read_bytes())


def test_rss_items_become_articles_with_outlet_link_author_and_paragraphs() -> None:
    raw = _read("feed_rss.xml")
    first, second, third = feeds.parse(raw)
    assert first.title == "虚构港口扩建计划公布"
    assert first.url == "https://news.example.org/2025/01/port-plan.html"
    assert first.outlet == "晨星新闻 - 国际" and first.site == "news.example.org"
    assert first.author == "林晓"
    assert first.paragraphs == (
        "晨星市政府周三宣布，将在未来四年内投入三百亿元扩建东港码头。",
        "预计新增两万个就业岗位。",
    )
    assert first.published_at.isoformat() == "2025-01-22T05:40:20+00:00"
    assert first.source_name == raw.name and first.raw_sha256 == raw.sha256 and first.script == "und"
    # content:encoded is preferred to the summary, and the item's own +0800 offset survives
    assert second.paragraphs == ("经过半年整修，山城老夜市于周六晚重新开放。", "首晚接待游客约一万二千人次。")
    assert second.published_at.isoformat() == "2024-11-03T19:45:00+08:00"
    # a relative link is resolved against the channel link; no date stays None
    assert third.url == "https://news.example.org/2025/02/brief.html"
    assert third.published_at is None


def test_atom_entry_keeps_its_pacific_offset() -> None:
    (entry,) = feeds.parse(_read("feed_atom.xml"))
    assert entry.outlet == "Harbour Times"
    assert entry.author == "Mei Chan"
    assert entry.published_at.isoformat() == "2025-01-23T06:43:00-08:00"
    assert entry.paragraphs == ("The tram company will run overnight trams on Fridays and Saturdays.",)


def test_gbk_feed_declared_gb2312_is_read_as_gb18030() -> None:
    # 镕 is outside GB2312; feeds labelled gb2312 routinely carry such characters.
    xml = (
        '<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>山城日报</title>'
        "<item><title>朱镕基旧居开放</title><link>https://e.org/a</link><description>旧居今日起开放参观。</description></item>"
        "</channel></rss>"
    )
    (a,) = feeds.parse(RawInput("gb.xml", xml.encode("gb18030")))
    assert a.title == "朱镕基旧居开放" and a.outlet == "山城日报"
    assert a.paragraphs == ("旧居今日起开放参观。",)


def test_big5_feed_is_read() -> None:
    xml = (
        '<?xml version="1.0" encoding="big5"?><rss version="2.0"><channel><title>維港時報</title>'
        "<item><title>電車夜班</title><link>https://e.org/b</link><description>試驗三個月。</description></item>"
        "</channel></rss>"
    )
    (a,) = feeds.parse(RawInput("b5.xml", xml.encode("big5")))
    assert a.title == "電車夜班" and a.paragraphs == ("試驗三個月。",)


def test_item_without_title_or_text_is_reported_and_others_kept() -> None:
    xml = (
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><title>Good</title><link>https://e.org/1</link></item>\n"
        b"<item><link>https://e.org/2</link></item>\n"
        b"</channel></rss>"
    )
    errors: list[InputError] = []
    (good,) = feeds.parse(RawInput("mixed.xml", xml), errors)
    assert good.title == "Good"
    assert [str(e) for e in errors] == [
        "mixed.xml line 2: feed item 2: no title and no text; skipped, 1 other items kept"
    ]


def test_truncated_feed_keeps_the_items_read_before_the_break() -> None:
    xml = (
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><title>One</title><link>https://e.org/1</link></item>"
        b"<item><title>Two</title><link>https://e.org/2</link></item><item><tit"
    )
    assert [a.title for a in feeds.parse(RawInput("cut.xml", xml))] == ["One", "Two"]


def test_unreadable_feed_raises_with_feedparsers_reason() -> None:
    with pytest.raises(ParseError, match=r"^junk\.xml line 1: not a readable RSS/Atom feed"):
        feeds.parse(RawInput("junk.xml", b"<rss><<<>>>"))


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="no RSS/Atom feed found"):
        feeds.parse(RawInput("page.xml", b"<html><body><p>hello</p></body></html>"))


def test_empty_channel_is_an_empty_feed() -> None:
    assert (
        feeds.parse(RawInput("e.xml", b'<rss version="2.0"><channel><title>T</title></channel></rss>')) == []
    )


def test_html_paragraphs_split_blocks_and_line_breaks() -> None:
    assert feeds.html_paragraphs("<p>a</p><p>b<br>c</p>") == ["a", "b", "c"]
    assert feeds.html_paragraphs("plain\n\nline") == ["plain", "line"]


def test_dispatch_sends_rss_files_to_the_feed_reader() -> None:
    assert len(parse_input(_read("feed_rss.xml"))) == 3
