"""Dates as news pages print them: Chinese forms, zone labels, ISO/RFC forms, relative forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.sources.dates import (
    find_dates,
    find_timed_dates,
    parse_date,
    parse_timed_date,
    zone_from_label,
)

SH = ZoneInfo("Asia/Shanghai")
LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
NOW = datetime(2025, 1, 23, 10, 0, tzinfo=SH)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025年1月23日 6点43分 PT", datetime(2025, 1, 23, 6, 43, tzinfo=LA)),
        ("最新回复:2025年1月23日 6点43分 PT", datetime(2025, 1, 23, 6, 43, tzinfo=LA)),
        ("2025年1月23日 6点43分 ET", datetime(2025, 1, 23, 6, 43, tzinfo=NY)),
        ("美东时间2025年1月23日凌晨1点", datetime(2025, 1, 23, 1, 0, tzinfo=NY)),
        ("北京时间2025年1月23日 下午3点20分", datetime(2025, 1, 23, 15, 20, tzinfo=SH)),
        ("2025年1月23日", datetime(2025, 1, 23, tzinfo=SH)),
        ("@ 2025-01-26T", datetime(2025, 1, 26, tzinfo=SH)),
        ("2025-01-22 13:40:20", datetime(2025, 1, 22, 13, 40, 20, tzinfo=SH)),
        ("2025/1/22", datetime(2025, 1, 22, tzinfo=SH)),
        ("2025.01.22 08:05", datetime(2025, 1, 22, 8, 5, tzinfo=SH)),
        ("２０２５－０１－２２ １３：４０", datetime(2025, 1, 22, 13, 40, tzinfo=SH)),
        ("1/22/2025 3:04 PM", datetime(2025, 1, 22, 15, 4, tzinfo=SH)),
        ("22/01/2025", datetime(2025, 1, 22, tzinfo=SH)),
        ("2025年1月22日(周三) 下午1:40", datetime(2025, 1, 22, 13, 40, tzinfo=SH)),
        ("2025-01-22 13:40（美东时间）", datetime(2025, 1, 22, 13, 40, tzinfo=NY)),
    ],
)
def test_printed_dates_read_in_their_zone(text: str, expected: datetime) -> None:
    got = parse_date(text, now=NOW)
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()


def test_pacific_time_follows_daylight_saving() -> None:
    winter = parse_date("2025年1月23日 6点43分 PT")
    summer = parse_date("2025年7月23日 6点43分 PT")
    assert winter.utcoffset() == timedelta(hours=-8)
    assert summer.utcoffset() == timedelta(hours=-7)
    assert summer.astimezone(UTC) == datetime(2025, 7, 23, 13, 43, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-01-22T13:40:20+08:00", datetime(2025, 1, 22, 5, 40, 20, tzinfo=UTC)),
        ("2025-01-22T05:40:20Z", datetime(2025, 1, 22, 5, 40, 20, tzinfo=UTC)),
        ("2025-01-22 13:40:20 +0800", datetime(2025, 1, 22, 5, 40, 20, tzinfo=UTC)),
        ("2025-01-22T13:40:20.250-05:00", datetime(2025, 1, 22, 18, 40, 20, 250000, tzinfo=UTC)),
        ("Wed, 22 Jan 2025 13:40:20 GMT", datetime(2025, 1, 22, 13, 40, 20, tzinfo=UTC)),
        ("Wed, 22 Jan 2025 13:40:20 -0500", datetime(2025, 1, 22, 18, 40, 20, tzinfo=UTC)),
        ("January 23, 2025 6:43 PM ET", datetime(2025, 1, 23, 23, 43, tzinfo=UTC)),
        ("1737500000", datetime(2025, 1, 21, 22, 53, 20, tzinfo=UTC)),
        ("1737500000000", datetime(2025, 1, 21, 22, 53, 20, tzinfo=UTC)),
    ],
)
def test_offsets_rfc2822_and_unix_seconds(text: str, utc: datetime) -> None:
    assert parse_date(text) == utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3小时前", NOW - timedelta(hours=3)),
        ("4時間前", NOW - timedelta(hours=4)),
        ("5分钟前", NOW - timedelta(minutes=5)),
        ("半小时前", NOW - timedelta(minutes=30)),
        ("两天前", NOW - timedelta(days=2)),
        ("2 hours ago", NOW - timedelta(hours=2)),
        ("an hour ago", NOW - timedelta(hours=1)),
        ("刚刚", NOW),
        ("昨天 12:30", datetime(2025, 1, 22, 12, 30, tzinfo=SH)),
        ("昨天下午3点", datetime(2025, 1, 22, 15, 0, tzinfo=SH)),
        ("前天", datetime(2025, 1, 21, tzinfo=SH)),
        ("yesterday", datetime(2025, 1, 22, tzinfo=SH)),
        ("1月20日 09:15", datetime(2025, 1, 20, 9, 15, tzinfo=SH)),
    ],
)
def test_relative_forms_count_back_from_now(text: str, expected: datetime) -> None:
    assert parse_date(text, now=NOW) == expected


def test_naive_now_is_read_in_the_default_zone() -> None:
    got = parse_date("1小时前", now=datetime(2025, 1, 23, 10, 0), default_tz="America/New_York")
    assert got == datetime(2025, 1, 23, 9, 0, tzinfo=NY)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "48 评论",
        "今日头条",
        "刚刚宣布",
        "特朗普21日前往白宫",
        "44192 阅读",
        "没有日期的一句话",
        "2025-13-45",
        "2025年2月30日",
        "3 楼",
        "18:14:49",
    ],
)
def test_text_without_a_valid_date_gives_none(text: str) -> None:
    assert parse_date(text, now=NOW) is None


def test_find_dates_returns_every_date_with_its_span_in_order() -> None:
    found = find_dates("甲 发表评论于 2025-01-22 13:40:20原话,乙于2025年1月23日 6点43分 PT 回复", now=NOW)
    assert [text for text, _ in found] == ["2025-01-22 13:40:20", "2025年1月23日 6点43分 PT"]
    assert found[1][1] == datetime(2025, 1, 23, 6, 43, tzinfo=LA)


def test_zone_labels_name_iana_zones() -> None:
    assert zone_from_label("最新回复:2025年1月23日 6点43分 PT") == "America/Los_Angeles"
    assert zone_from_label("美東時間 凌晨1點") == "America/New_York"
    assert zone_from_label("CHAPTER 12") is None


def test_default_zone_applies_to_unlabelled_times() -> None:
    got = parse_date("2025-01-22 13:40:20", default_tz="America/Los_Angeles")
    assert got.utcoffset() == timedelta(hours=-8)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_date_never_raises_on_arbitrary_text(text: str) -> None:
    result = parse_date(text, now=NOW)
    assert result is None or result.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "2025",
                "年",
                "月",
                "日",
                "点",
                "分",
                "-",
                "/",
                ":",
                "T",
                " ",
                "PT",
                "前",
                "小时",
                "昨天",
                "99",
                "0",
                "+0800",
            ]
        ),
        max_size=14,
    ).map("".join)
)
def test_parse_date_never_raises_on_date_shaped_noise(text: str) -> None:
    result = parse_date(text, now=NOW)
    assert result is None or result.tzinfo is not None


def test_timed_dates_say_whether_the_text_gave_a_time_of_day() -> None:
    found = find_timed_dates("发布日期：2019-03-06 · 2019年09月09日 20:52 · 2019-09-3007:42 · 昨天", now=NOW)
    assert [(span.strip(), at.isoformat(), timed) for span, at, timed in found] == [
        ("2019-03-06", "2019-03-06T00:00:00+08:00", False),
        ("2019年09月09日 20:52", "2019-09-09T20:52:00+08:00", True),
        ("2019-09-3007:42", "2019-09-30T07:42:00+08:00", True),  # date and time run together
        ("昨天", (NOW.date() - timedelta(days=1)).isoformat() + "T00:00:00+08:00", False),
    ]
    assert parse_timed_date("2019-05-17 · 苏皖城市报道")[1] is False
    assert parse_timed_date("1581517074") == (datetime(2020, 2, 12, 14, 17, 54, tzinfo=UTC), True)
    assert parse_timed_date("no date") == (None, False)
