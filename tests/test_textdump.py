"""Plain-text page dumps: title, meta lines, body, thread; chrome and footers left out."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.errors import EncodingError, InputError, ParseError
from storyline.records import Article, RawInput
from storyline.sources import textdump

LA = ZoneInfo("America/Los_Angeles")


def _read(path: Path) -> Article:
    [article] = textdump.parse(RawInput(str(path), path.read_bytes()))
    return article


@pytest.fixture(scope="module")
def concept_page(seed_paths: list[Path]) -> Article:
    return _read(seed_paths[0])


@pytest.fixture(scope="module")
def thread_page(seed_paths: list[Path]) -> Article:
    return _read(seed_paths[1])


def _nonblank_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- seed 001: one outlet's article and its 48-floor thread ---------------------------------


def test_thread_page_title_outlet_and_counts(thread_page: Article, seed_paths: list[Path]) -> None:
    assert thread_page.title == "马斯克向川普支持的AI计划泼冷水:他们实际上没钱"
    assert thread_page.outlet == "RFI华语"
    assert thread_page.site == ""
    assert (thread_page.stats.reads, thread_page.stats.comments) == (44192, 48)
    assert thread_page.url == "" and thread_page.script == "und"
    assert thread_page.raw_sha256 == RawInput("x", seed_paths[1].read_bytes()).sha256
    assert thread_page.source_name == str(seed_paths[1])
    assert thread_page.id.startswith("a") and len(thread_page.id) == 16


def test_thread_page_body_is_the_twelve_article_paragraphs(
    thread_page: Article, seed_paths: list[Path]
) -> None:
    lines = _nonblank_lines(seed_paths[1])
    first = next(i for i, line in enumerate(lines) if line.startswith("特朗普周二宣布"))
    last = next(i for i, line in enumerate(lines) if line.startswith("微软首席执行官纳德拉"))
    assert thread_page.paragraphs == tuple(lines[first : last + 1])
    assert len(thread_page.paragraphs) == 12
    for chrome in ("今日头条", "Toutiao", "返回列表", "44192 阅读", "48 评论", "RFI华语", "旁观者XWY"):
        assert chrome not in thread_page.paragraphs


def test_thread_page_comments_are_the_48_floors(thread_page: Article) -> None:
    comments = thread_page.comments
    assert [c.floor for c in comments] == list(range(1, 49))
    assert comments[0].author == "旁观者XWY" and comments[2].author == "supernova13"
    assert comments[17].text == "test"
    assert {c.floor: c.parent_floor for c in comments if c.parent_floor} == {11: 4, 36: 33, 37: 19}


def test_thread_times_take_the_zone_the_page_prints(thread_page: Article) -> None:
    # The meta line "最新回复: … PT" says the forum prints Pacific time, so quote times are Pacific.
    floor4 = thread_page.comments[3]
    assert floor4.posted_at == datetime(2025, 1, 22, 13, 40, 20, tzinfo=LA)
    assert floor4.posted_at.utcoffset() == timedelta(hours=-8)
    assert thread_page.published_at is None  # the page prints only the latest reply's time


# ---- seed 000: the auto-assembled concept page ----------------------------------------------


def test_concept_page_title_is_cleaned_of_trailing_chrome(concept_page: Article) -> None:
    assert concept_page.title == "甲骨文如何在AI領域以較低成本參與競爭"
    assert concept_page.published_at is not None
    assert concept_page.published_at.date() == date(2025, 1, 26)
    assert concept_page.comments == ()
    assert concept_page.stats.comments is None


def test_concept_page_body_is_the_18_paragraphs_between_concept_and_footer(
    concept_page: Article, seed_paths: list[Path]
) -> None:
    lines = _nonblank_lines(seed_paths[0])
    concept = next(i for i, line in enumerate(lines) if line.startswith("概念"))
    footer = next(i for i, line in enumerate(lines) if "|" in line)
    assert concept_page.paragraphs == tuple(lines[concept + 1 : footer])
    assert len(concept_page.paragraphs) == 18


def test_concept_page_has_no_keywords_footer_or_disclaimer_in_body(concept_page: Article) -> None:
    body = "\n".join(concept_page.paragraphs)
    for furniture in (
        "關鍵詞",
        "概念:",
        "版權所有",
        "免責聲明",
        "流動版",
        "論壇守則",
        "分享此頁",
        "88iv",
        "Suntek",
    ):
        assert furniture not in body


def test_concept_page_outlet_comes_from_the_footer(concept_page: Article) -> None:
    assert concept_page.outlet == "88iv"
    assert concept_page.site == "Suntek Computer Systems Limited"


# ---- variants --------------------------------------------------------------------------------

DUMP = """\
分享
首页 | 新闻 | 财经 | 科技

软银现金只有两百亿美元? @ 2025-02-03 10:00 返回

1,024 阅读
7 评论
示例日报
财经频道
关键词:软银 现金
这是第一段,讲的是软银的现金余额,以及它能否支付首期投资。

这是第二段,有一个引语:“我们有钱。”

版权所有 © 2025 示例传媒有限公司
"""


def _dump(text: str, name: str = "dumps/示例.txt", encoding: str = "utf-8") -> Article:
    [article] = textdump.parse(RawInput(name, text.encode(encoding)))
    return article


def test_invented_dump_reads_meta_lines_and_drops_chrome() -> None:
    a = _dump(DUMP)
    assert a.title == "软银现金只有两百亿美元?"
    assert a.published_at == datetime(2025, 2, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert (a.stats.reads, a.stats.comments) == (1024, 7)
    assert (a.outlet, a.site) == ("示例日报", "财经频道")
    assert a.paragraphs == (
        "这是第一段,讲的是软银的现金余额,以及它能否支付首期投资。",
        "这是第二段,有一个引语:“我们有钱。”",
    )


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "big5"])
def test_dumps_in_chinese_legacy_encodings(encoding: str) -> None:
    text = "標題在這裡\n示例日報\n\n第一段正文在這裡,寫得足夠長一些。\n"
    a = _dump(text, encoding=encoding)
    assert (a.title, a.outlet, a.paragraphs) == (
        "標題在這裡",
        "示例日報",
        ("第一段正文在這裡,寫得足夠長一些。",),
    )


def test_outlet_falls_back_to_the_file_stem() -> None:
    a = _dump("一个标题\n\n正文第一段,没有媒体名称的页面。\n", name="/tmp/dumps/环球时报_0001.txt")
    assert a.outlet == "环球时报_0001"
    assert a.site == ""


def test_dump_with_a_thread_and_no_meta() -> None:
    text = "标题\n\n正文很长的一段,讲了一件事情。\n\n甲\n1楼\n沙发\n乙\n2楼\n甲 发表评论于 2025-01-22 08:00:00 沙发 ===== 抢不到\n"
    a = _dump(text)
    assert a.paragraphs == ("正文很长的一段,讲了一件事情。",)
    assert [(c.floor, c.author, c.text, c.parent_floor) for c in a.comments] == [
        (1, "甲", "沙发", None),
        (2, "乙", "抢不到", 1),
    ]


def test_footer_after_the_thread_is_not_a_reply() -> None:
    text = "标题\n\n正文很长的一段,讲了一件事情。\n甲\n1楼\n一楼的话\n关于我们 | 联系我们 | 广告服务\nCopyright 2025 Example Net. All rights reserved.\n"
    a = _dump(text)
    assert a.comments[0].text == "一楼的话"
    assert a.outlet == "Example Net"


def test_dump_without_body_names_the_file() -> None:
    with pytest.raises(ParseError, match=r"only-title\.txt") as info:
        _dump("只有标题\n\n48 评论\n", name="only-title.txt")
    assert "no body" in str(info.value)


def test_dump_of_only_chrome_has_no_title() -> None:
    with pytest.raises(ParseError, match=r"chrome\.txt: no title"):
        _dump("分享此頁\n返回列表\n首页 | 新闻\n", name="chrome.txt")


def test_empty_and_binary_inputs_raise_input_errors() -> None:
    with pytest.raises(InputError, match=r"empty\.txt"):
        textdump.parse(RawInput("empty.txt", b"  \n"))
    with pytest.raises(EncodingError, match=r"pic\.txt"):
        textdump.parse(RawInput("pic.txt", b"\x89PNG\r\n\x1a\n\x00\x00"))


def test_same_dump_twice_gives_the_same_id() -> None:
    assert _dump(DUMP).id == _dump(DUMP, name="other-name.txt").id


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["分享此頁", "48 评论", "关键词:甲", "版權所有 (C) 2025 X", "甲", "1 楼", "a | b | c", ""]
            ),
            st.text(max_size=40),
        ),
        max_size=20,
    )
)
def test_any_text_gives_an_article_or_a_parse_error(lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8")
    try:
        articles = textdump.parse(RawInput("fuzz.txt", data))
    except InputError:
        return
    [a] = articles
    assert a.title and a.paragraphs
    assert all(p.strip() == p and p for p in a.paragraphs)


def test_breadcrumb_date_line_and_inline_source() -> None:
    text = "首页 > 新闻 > 国际\n星际之门计划公布\n2025年1月22日 09:30 来源:示例社\n\n正文第一段,讲述计划的内容与金额。\n"
    a = _dump(text)
    assert a.title == "星际之门计划公布"
    assert a.outlet == "示例社"
    assert a.published_at == datetime(2025, 1, 22, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert a.paragraphs == ("正文第一段,讲述计划的内容与金额。",)


def test_one_word_replies_that_look_like_chrome_are_kept() -> None:
    a = _dump("标题\n\n正文很长的一段,讲了一件事情。\n甲\n1楼\n大\n乙\n2楼\n收藏\n")
    assert [c.text for c in a.comments] == ["大", "收藏"]
