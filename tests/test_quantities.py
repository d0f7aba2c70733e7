"""Number and unit parsing: Chinese (both scripts) and English forms, qualifiers, time frames."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.analyze.quantities import parse_number, parse_quantities


def _one(text: str):
    found = parse_quantities(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("投资5000亿美元", 5e11, "USD"),
        ("折合约3.64萬億人民幣", 3.64e12, "CNY"),
        ("涉資高達5,000億美元", 5e11, "USD"),
        ("约3.9万亿港元", 3.9e12, "HKD"),
        ("两千亿美元", 2e11, "USD"),
        ("78万亿日元", 7.8e13, "JPY"),
        ("78兆円", 7.8e13, "JPY"),
        ("投资了50亿日元", 5e9, "JPY"),
        ("约合5千万美元", 5e7, "USD"),
        ("$500 billion", 5e11, "USD"),
        ("US$100bn", 1e11, "USD"),
        ("HK$3.9 trillion", 3.9e12, "HKD"),
        ("10萬個工作崗位", 1e5, "jobs"),
        ("10 万个就业机会", 1e5, "jobs"),
        ("100,000 jobs", 1e5, "jobs"),
        ("10万台GPU", 1e5, "GPUs"),
        ("1亿活跃用户", 1e8, "users"),
        ("百分之一", 1.0, "%"),
        ("5000 亿太多", 5e11, ""),
        ("每年800亿", 8e10, ""),
        ("(80B)", 8e10, ""),
        ("500 billions", 5e11, ""),
    ],
)
def test_amounts_and_counts_are_read_with_their_unit(text: str, value: float, unit: str) -> None:
    q = _one(text)
    assert q.value == pytest.approx(value)
    assert q.unit == unit


def test_span_points_into_the_original_text() -> None:
    text = "计划未来四年投资高达5000億美元(折合約3.64萬億人民幣)。"
    got = [(q.text, text[q.start : q.end]) for q in parse_quantities(text)]
    assert got == [("5000億美元", "5000億美元"), ("3.64萬億人民幣", "3.64萬億人民幣")]


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("资金远低于100亿美元", "far under"),
        ("已筹集超过100亿美元", "over"),
        ("逾100亿美元", "over"),
        ("至少投资15万亿日元", "at least"),
        ("筹集了接近1万亿日元", "nearly"),
        ("约3.9万亿港元", "about"),
        ("投资高达5000亿美元", "up to"),
        ("剩下三千多亿美元", "over"),
        ("up to $500 billion", "up to"),
        ("over $100bn", "over"),
        ("under 5 billion dollars", "under"),
        ("100亿美元以上", "over"),
        ("最近宣布100亿美元", ""),
    ],
)
def test_qualifier_printed_beside_the_number(text: str, qualifier: str) -> None:
    assert _one(text).qualifier == qualifier


@pytest.mark.parametrize(
    ("text", "timeframe"),
    [
        ("计划未来四年投资5000亿美元", "4 years"),
        ("四年内计划投资5000亿美元", "4 years"),
        ("在未来4年内投入高达5000亿美元", "4 years"),
        ("每年800亿投入", "per year"),
        ("US$500bn over four years", "4 years"),
        ("2015年投资了50亿日元", "in 2015"),
        ("投资5000亿美元", ""),
    ],
)
def test_time_frame_of_the_sentence(text: str, timeframe: str) -> None:
    assert _one(text).timeframe == timeframe


@pytest.mark.parametrize(
    "text",
    [
        "2015 年成立",
        "1月21日晚间",
        "凌晨1点补充",
        "48 楼",
        "一家公司",
        "千万别用",
        "亿万富翁",
        "有参考价值 2087",
        "B200",
    ],
)
def test_dates_times_floors_and_words_are_not_figures(text: str) -> None:
    assert parse_quantities(text) == []


@pytest.mark.parametrize(
    "text", ["1.2.3亿", "亿亿", "¥¥", "十十亿", "..亿美元", "$$$", ",,,000亿", "三两亿万", ""]
)
def test_malformed_numbers_never_crash(text: str) -> None:
    for q in parse_quantities(text):
        assert q.value == q.value  # not NaN
    assert parse_number("1.2.3亿") is None
    assert parse_number("亿亿") is None


def test_parse_number_reads_both_scripts() -> None:
    assert parse_number("3.64萬億") == pytest.approx(3.64e12)
    assert parse_number("两千亿") == pytest.approx(2e11)
    assert parse_number("5,000億") == pytest.approx(5e11)


_CN = "零一二三四五六七八九"


def _chinese_numeral(n: int) -> str:
    """Write 0 < n < 10000 in Chinese numerals (一千二百零五)."""
    out, zero = "", False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero and out:
                out += "零"
            out += _CN[d] + name
            zero = False
        elif out:
            zero = True
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=9999),
    st.sampled_from([("万", 1e4), ("亿", 1e8), ("万亿", 1e12), ("萬億", 1e12), ("億", 1e8)]),
    st.booleans(),
)
def test_round_trip_integers_with_magnitudes(n: int, mag: tuple[str, float], chinese: bool) -> None:
    digits = _chinese_numeral(n) if chinese else f"{n:,}"
    text = f"投资{digits}{mag[0]}美元。"
    q = _one(text)
    assert q.value == pytest.approx(n * mag[1])
    assert q.unit == "USD"
    assert text[q.start : q.end] == q.text


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=99999), st.integers(min_value=1, max_value=2))
def test_round_trip_decimals_before_units(n: int, places: int) -> None:
    value = n / 10**places
    text = f"约{value:.{places}f}万亿人民币"
    q = _one(text)
    assert q.value == pytest.approx(value * 1e12)
    assert q.qualifier == "about"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.,亿万萬億兆千百十一二两三多余美元日港$bnm %年月 ", max_size=30))
def test_any_string_of_number_characters_parses_without_error(text: str) -> None:
    for q in parse_quantities(text):
        assert 0 <= q.start < q.end <= len(text)
        assert q.text == text[q.start : q.end]


def test_a_yi_run_followed_by_wan_is_one_number() -> None:
    q = _one("恒大开出1亿8000万rmb年薪")
    assert (q.text, q.value, q.unit) == ("1亿8000万rmb", 1.8e8, "CNY")
    assert [(q.text, q.value) for q in parse_quantities("1亿,8000万")] == [("1亿", 1e8), ("8000万", 8e7)]
