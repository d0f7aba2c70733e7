"""Reader threads: floors, authors behind avatar lines, quotes moved out and resolved to floors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.records import Comment, Quote
from storyline.sources.threads import (
    find_floor_headers,
    link_thread,
    parse_thread,
    resolve_quote,
    split_quotes,
    thread_start,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def seed_thread(seed_paths: list[Path]) -> tuple[Comment, ...]:
    lines = seed_paths[1].read_text(encoding="utf-8").splitlines()
    return parse_thread(lines, name=seed_paths[1].name)


def test_seed_thread_has_exactly_48_floors_in_order(seed_thread: tuple[Comment, ...]) -> None:
    assert [c.floor for c in seed_thread] == list(range(1, 49))


def test_seed_authors_are_read_past_avatar_letters(seed_thread: tuple[Comment, ...]) -> None:
    by_floor = {c.floor: c for c in seed_thread}
    assert by_floor[1].author == "旁观者XWY"
    assert by_floor[3].author == "supernova13"
    assert by_floor[8].author == "FollowNature"
    assert by_floor[17].author == "areYOUsure"
    assert by_floor[18].author == "ZGBD01"
    assert by_floor[18].text == "test"
    assert not any(len(c.author) == 1 for c in seed_thread)


def test_floor_quote_resolves_to_the_quoted_floor(seed_thread: tuple[Comment, ...]) -> None:
    by_floor = {c.floor: c for c in seed_thread}
    resolved = {c.floor: [q.floor for q in c.quotes] for c in seed_thread if c.quotes}
    assert resolved == {11: [4], 36: [33], 37: [19]}
    assert by_floor[11].quotes[0].author == "令胡冲"
    assert by_floor[36].quotes[0].author == "kingofLiu"
    assert by_floor[37].quotes[0].author == "ScottGu"
    assert (by_floor[11].parent_floor, by_floor[36].parent_floor, by_floor[37].parent_floor) == (4, 33, 19)


def test_quoted_text_is_moved_out_of_the_reply(seed_thread: tuple[Comment, ...]) -> None:
    by_floor = {c.floor: c for c in seed_thread}
    for floor in (11, 36, 37):
        text = by_floor[floor].text
        assert "发表评论于" not in text
        assert "-----" not in text and "=====" not in text
        assert text
    # Floor 36 quotes first and answers after the separator; its own words start after the run.
    assert by_floor[36].text.startswith("10年之内")
    assert by_floor[36].quotes[0].text.startswith("孙正义")  # the time glued to the text is cut off
    # Floor 11 answers first and quotes after; the quote is the whole of floor 4.
    assert by_floor[11].quotes[0].text == by_floor[4].text
    assert by_floor[37].quotes[0].text in by_floor[19].text


def test_resolved_quotes_date_the_quoted_floors(seed_thread: tuple[Comment, ...]) -> None:
    by_floor = {c.floor: c for c in seed_thread}
    assert by_floor[4].posted_at == datetime(2025, 1, 22, 13, 40, 20, tzinfo=SH)
    assert by_floor[33].posted_at == datetime(2025, 1, 22, 18, 14, 49, tzinfo=SH)
    assert by_floor[19].posted_at == datetime(2025, 1, 22, 15, 49, 24, tzinfo=SH)
    dated = {c.floor for c in seed_thread if c.posted_at is not None}
    assert dated == {4, 19, 33}


def test_thread_start_is_the_first_author_line(seed_paths: list[Path]) -> None:
    lines = seed_paths[1].read_text(encoding="utf-8").splitlines()
    start = thread_start(lines)
    assert start is not None
    assert lines[start + 1].strip() == "1 楼"


# ---- variants written for these tests -------------------------------------------------------

PLAIN = ["王五", "1楼", "第一条回复", "第二行", "赵六", "2楼", "第二条"]


def test_thread_without_quotes_or_avatars() -> None:
    cs = parse_thread(PLAIN)
    assert [(c.floor, c.author, c.text) for c in cs] == [
        (1, "王五", "第一条回复\n第二行"),
        (2, "赵六", "第二条"),
    ]
    assert all(c.quotes == () and c.parent_floor is None and c.posted_at is None for c in cs)


@pytest.mark.parametrize("header", ["{n} 楼", "{n}楼", "#{n}", "第{n}楼", "{n} 樓"])
def test_floor_header_forms(header: str) -> None:
    lines = ["m", "mallory", header.format(n=1), "hello", "trent", header.format(n=2), "world"]
    cs = parse_thread(lines)
    assert [(c.floor, c.author, c.text) for c in cs] == [(1, "mallory", "hello"), (2, "trent", "world")]


def test_avatar_line_that_does_not_match_the_author_stays_in_the_previous_reply() -> None:
    cs = parse_thread(["alice", "1 楼", "first", "x", "bob", "2 楼", "second"])
    assert cs[0].text == "first\nx"
    assert cs[1].author == "bob"


QUOTED_AFTER = [
    "alice",
    "1 楼",
    "The budget   is fantasy, nobody has that money.",
    "b",
    "bob",
    "2 楼",
    "I disagree completely alice 发表评论于 2024-03-05 09:10:11 The budget is fantasy, nobody has",
]


def test_quote_after_the_reply_without_separator_is_truncated_and_resolved() -> None:
    cs = parse_thread(QUOTED_AFTER)
    bob = cs[1]
    assert bob.text == "I disagree completely"
    assert bob.quotes == (
        Quote(
            author="alice",
            text="The budget is fantasy, nobody has",
            posted_at=datetime(2024, 3, 5, 9, 10, 11, tzinfo=SH),
            floor=1,
        ),
    )
    assert bob.parent_floor == 1
    assert cs[0].posted_at == datetime(2024, 3, 5, 9, 10, 11, tzinfo=SH)


@pytest.mark.parametrize("sep", ["-----", "==========", ""])
def test_quote_before_the_reply_with_any_separator(sep: str) -> None:
    lines = [
        "张三",
        "1 楼",
        "软银的现金只有两百多亿。",
        "李四",
        "2 楼",
        "完全同意。",
        "王五",
        "3 楼",
        f"张三 发表评论于 2025-01-22 08:00:00软银的现金只有两百多亿。 {sep} 那也够付首期了。",
    ]
    cs = parse_thread(lines)
    wang = cs[2]
    assert wang.text == "那也够付首期了。"
    assert wang.quotes[0].text == "软银的现金只有两百多亿。"
    assert wang.quotes[0].floor == 1 and wang.parent_floor == 1
    assert cs[0].posted_at == datetime(2025, 1, 22, 8, 0, tzinfo=SH)


def test_quote_after_an_equals_run() -> None:
    lines = [
        "张三",
        "1 楼",
        "第一句。第二句。第三句。",
        "王五",
        "2 楼",
        "我的看法。 ===== 张三 发表评论于 2025-01-22 08:00:00 第二句。第三句。",
    ]
    cs = parse_thread(lines)
    assert cs[1].text == "我的看法。"
    assert (cs[1].quotes[0].text, cs[1].quotes[0].floor) == ("第二句。第三句。", 1)


def test_unresolvable_quote_is_kept_without_a_floor() -> None:
    lines = [
        "张三",
        "1 楼",
        "一些话",
        "王五",
        "2 楼",
        "不对 ----- 陌生人 发表评论于 2025-01-22 08:00:00 别处说的话",
    ]
    cs = parse_thread(lines)
    q = cs[1].quotes[0]
    assert (q.author, q.text, q.floor) == ("陌生人", "别处说的话", None)
    assert cs[1].parent_floor is None
    assert cs[1].text == "不对"
    assert cs[0].posted_at is None


def test_quote_by_a_known_author_but_other_text_does_not_resolve() -> None:
    lines = [
        "张三",
        "1 楼",
        "一些话",
        "王五",
        "2 楼",
        "张三 发表评论于 2025-01-22 08:00:00 完全不同的内容 ----- 嗯",
    ]
    assert parse_thread(lines)[1].quotes[0].floor is None


def test_quote_resolves_to_the_latest_matching_floor_by_that_author() -> None:
    lines = [
        "甲",
        "1 楼",
        "同一句话",
        "甲",
        "2 楼",
        "同一句话",
        "乙",
        "3 楼",
        "嗯 ===== 甲 发表评论于 2025-01-22 08:00:00 同一句话",
    ]
    assert parse_thread(lines)[2].quotes[0].floor == 2


def test_reply_marker_points_at_the_authors_latest_floor() -> None:
    lines = [
        "甲",
        "1 楼",
        "一",
        "乙",
        "2 楼",
        "二",
        "甲",
        "3 楼",
        "三",
        "丙",
        "4 楼",
        "回复@甲: 说得对",
        "丁",
        "5 楼",
        "回复 乙：不对",
    ]
    cs = parse_thread(lines)
    assert (cs[3].parent_floor, cs[3].text) == (3, "说得对")
    assert (cs[4].parent_floor, cs[4].text) == (2, "不对")


def test_author_line_with_a_time_gives_posted_at() -> None:
    cs = parse_thread(["甲 2025-01-22 08:00", "1 楼", "一"])
    assert (cs[0].author, cs[0].posted_at) == ("甲", datetime(2025, 1, 22, 8, 0, tzinfo=SH))


def test_glued_quote_author_is_matched_against_thread_authors() -> None:
    lines = ["令狐", "1 楼", "原来的话", "乙", "2 楼", "我的回答令狐 发表评论于 2025-01-22 08:00:00 原来的话"]
    cs = parse_thread(lines)
    assert cs[1].text == "我的回答"
    assert (cs[1].quotes[0].author, cs[1].quotes[0].floor) == ("令狐", 1)


def test_no_floors_no_comments_and_falling_numbers_are_not_floors() -> None:
    assert parse_thread(["正文一段", "另一段"]) == ()
    headers = find_floor_headers(["甲", "2 楼", "x", "乙", "1 楼", "y"])
    assert [h[1] for h in headers] == [2]


def test_split_quotes_keeps_text_without_quotes() -> None:
    assert split_quotes("普通的回复") == ("普通的回复", [])


def test_link_thread_fills_quote_floors_parents_and_times() -> None:
    when = datetime(2025, 1, 22, 8, 0, tzinfo=SH)
    cs = link_thread(
        [
            Comment(floor=1, author="甲", text="软银没钱"),
            Comment(
                floor=2, author="乙", text="对", quotes=(Quote(author="甲", text="软银没钱", posted_at=when),)
            ),
            Comment(floor=3, author="丙", text="回复@乙: 不对"),
        ]
    )
    assert cs[1].quotes[0].floor == 1 and cs[1].parent_floor == 1
    assert cs[0].posted_at == when
    assert cs[2].parent_floor == 2


def test_resolve_quote_ignores_trailing_ellipsis_and_whitespace() -> None:
    earlier = [Comment(floor=7, author="Bob", text="a  long\nsentence here")]
    assert resolve_quote("bob", "a long sentence...", earlier) is earlier[0]
    assert resolve_quote("alice", "a long sentence", earlier) is None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["1 楼", "2楼", "#3", "第4楼", "s", "supernova13", "-----", "=====", "回复@甲:", "甲"]
            ),
            st.sampled_from(
                ["甲 发表评论于 2025-01-22 13:40:20", "乙 发表评论于 2025-01-22 13:40:20原话 ===== 嗯"]
            ),
            st.text(max_size=30),
        ),
        max_size=25,
    )
)
def test_parse_thread_never_raises_and_floors_rise(lines: list[str]) -> None:
    comments = parse_thread(lines)
    floors = [c.floor for c in comments]
    assert floors == sorted(set(floors))
    for c in comments:
        assert c.parent_floor is None or c.parent_floor < c.floor
        assert all(q.floor is None or q.floor < c.floor for q in c.quotes)


def test_a_lone_hash_number_line_is_not_a_thread() -> None:
    assert parse_thread(["正文", "#1", "更多正文"]) == ()
    assert [c.floor for c in parse_thread(["甲", "1楼", "大"])] == [1]
