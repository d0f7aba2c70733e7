"""Dates as Chinese and English news pages print them, read into timezone-aware datetimes.

A ground-floor utility every stage may use. :func:`parse_date` reads the first date in a string,
:func:`find_dates` every date with the span it was read from. Forms understood:

- ISO 8601 and its everyday variants: ``2025-01-22 13:40:20``, ``2025/1/22``, ``2025-01-26T``,
  ``1/22/2025 3:04 PM`` (month first unless the first number is over 12),
  ``2025-01-22T13:40:20+08:00``, ``… 13:40:20 +0800``, ``…Z``;
- RFC 2822 and English prose dates (feeds): ``Wed, 22 Jan 2025 13:40:20 GMT``, ``January 23, 2025``;
- Chinese: ``2025年1月23日 6点43分``, ``1月23日 下午3时``, ``2025年1月23日``;
- zone labels after or before a date: ``PT``/``PST``/``PDT``/``太平洋时间`` (America/Los_Angeles,
  DST from zoneinfo), ``ET``/``美东时间`` (America/New_York), ``北京时间`` (Asia/Shanghai), ``UTC``…;
- unix seconds (or milliseconds) when the whole text is the number;
- relative forms measured from ``now``: ``3小时前``, ``4時間前``, ``5分钟前``, ``昨天 12:30``,
  ``刚刚``, ``yesterday``, ``2 hours ago``.

A date without a zone is read in ``default_tz``. A date without a time is midnight of that day
(``yesterday`` too). Odd input never raises: no date means ``None``.

Example::

    >>> parse_date("2025年1月23日 6点43分 PT").isoformat()
    '2025-01-23T06:43:00-08:00'
    >>> parse_date("2025-01-22 13:40:20").isoformat()
    '2025-01-22T13:40:20+08:00'
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateutil_parser
from dateutil.relativedelta import relativedelta

__all__ = ["find_dates", "find_timed_dates", "parse_date", "parse_timed_date", "zone_from_label"]

log = logging.getLogger(__name__)

# Full-width digits and colon as printed on Chinese pages; same length, so match spans stay valid.
_WIDTH = str.maketrans("０１２３４５６７８９：／－", "0123456789:/-")

_ZONE_LABELS: dict[str, str] = {
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CT": "America/Chicago",
    "CDT": "America/Chicago",
    "MT": "America/Denver",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "UTC": "UTC",
    "GMT": "UTC",
    "UT": "UTC",
    "Z": "UTC",
    "HKT": "Asia/Hong_Kong",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "SGT": "Asia/Singapore",
    "BJT": "Asia/Shanghai",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "BST": "Europe/London",
    "太平洋时间": "America/Los_Angeles",
    "太平洋時間": "America/Los_Angeles",
    "美西时间": "America/Los_Angeles",
    "美西時間": "America/Los_Angeles",
    "美东时间": "America/New_York",
    "美東時間": "America/New_York",
    "东部时间": "America/New_York",
    "東部時間": "America/New_York",
    "美中时间": "America/Chicago",
    "美中時間": "America/Chicago",
    "北京时间": "Asia/Shanghai",
    "北京時間": "Asia/Shanghai",
    "香港时间": "Asia/Hong_Kong",
    "香港時間": "Asia/Hong_Kong",
    "台北时间": "Asia/Taipei",
    "台北時間": "Asia/Taipei",
    "台湾时间": "Asia/Taipei",
    "台灣時間": "Asia/Taipei",
    "东京时间": "Asia/Tokyo",
    "東京時間": "Asia/Tokyo",
    "日本时间": "Asia/Tokyo",
    "日本時間": "Asia/Tokyo",
    "伦敦时间": "Europe/London",
    "倫敦時間": "Europe/London",
    "巴黎时间": "Europe/Paris",
    "巴黎時間": "Europe/Paris",
    "格林尼治时间": "UTC",
    "格林威治時間": "UTC",
}
# Latin labels need letter boundaries ("PT" must not match inside "CHAPTER"); CST is left out on
# purpose: it is China Standard Time on Chinese pages and US Central on American ones.
_LATIN_LABELS = sorted((k for k in _ZONE_LABELS if k.isascii() and k != "Z"), key=len, reverse=True)
_CJK_LABELS = sorted((k for k in _ZONE_LABELS if not k.isascii()), key=len, reverse=True)
_ZONE_RE = re.compile(
    r"(?<![A-Za-z])(?:" + "|".join(_LATIN_LABELS) + r")(?![A-Za-z])|" + "|".join(_CJK_LABELS)
)
_OFFSET_RE = re.compile(r"^\s*(?:(Z)(?![A-Za-z])|(?:UTC|GMT)?\s*([+-])(\d{2}):?(\d{2})(?!\d))")

_TIME = r"(?:[T\s]+|T)?(?:(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,6})\d*)?)?)?"
_NUMERIC_RE = re.compile(
    r"(?<![\d.])(?P<y>(?:19|20)\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?:(?!\d)|(?=\d{1,2}:\d{2}))"
    + _TIME
    + r"T?"
)
# 1/22/2025: month first as US feeds print it; a first number over 12 can only be a day (22/01/2025).
_SLASH_RE = re.compile(
    r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])"
    r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<ap>[AaPp])\.?[Mm]\.?)?)?"
)
_CN_PERIOD = r"(?P<ap>上午|下午|早上|早晨|中午|晚上|傍晚|凌晨|夜间|夜間|深夜|AM|PM|am|pm)?"
_CHINESE_RE = re.compile(
    r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号號]"
    r"(?:\s*(?:[(（]?[周星][期]?[一二三四五六日天][)）]?))?"
    r"(?:\s*" + _CN_PERIOD + r"\s*(?P<H>\d{1,2})\s*(?:[点點时時]|:(?=\d))\s*(?:(?P<M>\d{1,2})\s*分?)?"
    r"(?:\s*:?\s*(?P<S>\d{1,2})\s*秒?)?)?"
)
_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_EN_TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}(?::\d{2}){1,2}(?:\s*[AaPp]\.?[Mm]\.?)?)?"
_ENGLISH_RE = re.compile(
    r"(?<![A-Za-z])(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"
    r"(?:\d{1,2}\s+" + _MONTHS + r"\.?,?\s+(?:19|20)\d{2}"
    r"|" + _MONTHS + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2})" + _EN_TIME + r"(?![A-Za-z])",
    re.IGNORECASE,
)
_CN_NUM = {
    "一": 1,
    "两": 2,
    "兩": 2,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "半": 0.5,
}
_REL_UNITS = {
    "秒": "seconds",
    "分钟": "minutes",
    "分鐘": "minutes",
    "分": "minutes",
    "小时": "hours",
    "小時": "hours",
    "个小时": "hours",
    "個小時": "hours",
    "時間": "hours",
    "钟头": "hours",
    "鐘頭": "hours",
    "天": "days",
    "日": "days",
    "周": "weeks",
    "週": "weeks",
    "星期": "weeks",
    "个星期": "weeks",
    "個星期": "weeks",
    "个月": "months",
    "個月": "months",
    "ヶ月": "months",
    "か月": "months",
    "年": "years",
}
_REL_CJK_RE = re.compile(
    r"(?P<n>\d+|[一二两兩三四五六七八九十半])\s*(?P<u>"
    + "|".join(sorted(map(re.escape, _REL_UNITS), key=len, reverse=True))
    + r")\s*(?:之前|以前|前)(?![往进進行夕景提面])"  # "21日前往" is "went on the 21st", not "21 days ago"
)
_REL_EN_RE = re.compile(
    r"(?<![A-Za-z])(?P<n>\d+|an?|one)\s+(?P<u>sec(?:ond)?|min(?:ute)?|hour|hr|day|week|month|year)s?\s+ago(?![A-Za-z])",
    re.IGNORECASE,
)
_EN_UNITS = {"sec": "seconds", "second": "seconds", "min": "minutes", "minute": "minutes", "hour": "hours",
             "hr": "hours", "day": "days", "week": "weeks", "month": "months", "year": "years"}  # fmt: skip
_DAY_WORD_RE = re.compile(
    r"(?P<w>大前天|前天|昨天|昨日|今天|今日|刚刚|剛剛|刚才|剛才|just now|yesterday|today)"
    r"(?:\s*"
    + _CN_PERIOD
    + r"\s*(?P<H>\d{1,2})\s*(?:[:点點时時])\s*(?P<M>\d{1,2})?\s*分?(?::(?P<S>\d{2}))?)?",
    re.IGNORECASE,
)
_DAY_OFFSETS = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "yesterday": -1,
    "今天": 0,
    "今日": 0,
    "today": 0,
}
_MAYBE_DATE_RE = re.compile(r"\d|[昨今刚剛前]|ago|just now|yesterday|today", re.IGNORECASE)
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_UNIX_RE = re.compile(r"^\s*(\d{9,10}|\d{12,13})(?:\.\d+)?\s*$")


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; reading dates as UTC", name)
        return UTC


def zone_from_label(text: str) -> str | None:
    """The IANA zone a label such as ``PT``, ``美东时间`` or ``北京時間`` names, if the text holds one.

    >>> zone_from_label("最新回复:2025年1月23日 6点43分 PT")
    'America/Los_Angeles'
    """
    m = _ZONE_RE.search(text.translate(_WIDTH))
    return _ZONE_LABELS[m.group(0).upper() if m.group(0).isascii() else m.group(0)] if m else None


def _hour24(hour: int, period: str | None) -> int:
    if not period:
        return hour
    p = period.lower()
    if p in {"下午", "晚上", "傍晚", "夜间", "夜間", "深夜", "pm"} and hour < 12:
        return hour + 12
    if p in {"凌晨", "am", "上午", "早上", "早晨"} and hour == 12:
        return 0
    return hour


def _zone_near(text: str, start: int, end: int) -> tuple[tzinfo | None, int]:
    """An explicit offset or a zone label right after the date (or a label right before it)."""
    after = text[end : end + 14]
    m = _OFFSET_RE.match(after)
    if m:
        if m.group(1):
            return UTC, end + m.end()
        sign = 1 if m.group(2) == "+" else -1
        hours, minutes = int(m.group(3)), int(m.group(4))
        if hours <= 18 and minutes < 60:
            return timezone(sign * timedelta(hours=hours, minutes=minutes)), end + m.end()
    skip = len(after) - len(after.lstrip(" (（"))
    m = _ZONE_RE.match(after, skip)
    if m:
        label = m.group(0)
        close = 1 if after[m.end() : m.end() + 1] in {")", "）"} else 0
        return _zone(_ZONE_LABELS[label.upper() if label.isascii() else label]), end + m.end() + close
    before = text[max(0, start - 8) : start].rstrip(" :：(（")
    for label in _CJK_LABELS:
        if before.endswith(label):
            return _zone(_ZONE_LABELS[label]), end
    return None, end


def _build(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int, tz: tzinfo) -> datetime | None:
    try:
        return datetime(y, mo, d, h, mi, s, us, tzinfo=tz)
    except (ValueError, OverflowError):
        return None


def _as_int(value: str | None, default: int = 0) -> int:
    return int(value) if value else default


def _now(now: datetime | None, tz: tzinfo) -> datetime:
    if now is None:
        return datetime.now(tz)
    return now.replace(tzinfo=tz) if now.tzinfo is None else now


def find_dates(
    text: str, *, default_tz: str = "Asia/Shanghai", now: datetime | None = None
) -> list[tuple[str, datetime]]:
    """Every date in ``text``, in reading order, as ``(matched text, aware datetime)``.

    >>> [d.isoformat() for _, d in find_dates("发表于 2025-01-22 13:40:20 回复于 2025/1/23")]
    ['2025-01-22T13:40:20+08:00', '2025-01-23T00:00:00+08:00']
    """
    return [(span, value) for span, value, _ in find_timed_dates(text, default_tz=default_tz, now=now)]


def find_timed_dates(
    text: str, *, default_tz: str = "Asia/Shanghai", now: datetime | None = None
) -> list[tuple[str, datetime, bool]]:
    """Like :func:`find_dates`, with a third item: True when the text gave a time of day.

    A date printed without a time is midnight in the datetime but False here, so a caller can
    keep it a date (a page that says ``2019-05-17`` did not say ``00:00``).

    >>> [(d.date().isoformat(), timed) for _, d, timed in find_timed_dates("2019-05-17 · 2019年09月09日 20:52")]
    [('2019-05-17', False), ('2019-09-09', True)]
    """
    if not isinstance(text, str) or not text.strip():
        return []
    s = text.translate(_WIDTH)
    if not _MAYBE_DATE_RE.search(s):  # most strings handed in (names, counts) hold no date at all
        return []
    tz = _zone(default_tz)
    found: list[tuple[int, int, datetime, bool]] = []

    def take(start: int, end: int, value: datetime | None, timed: bool = True) -> None:
        if value is not None and not any(start < e and end > b for b, e, _, _ in found):
            found.append((start, end, value, timed))

    for m in _NUMERIC_RE.finditer(s):
        zone, end = _zone_near(s, m.start(), m.end())
        frac = (m.group("F") or "").ljust(6, "0")[:6]
        take(m.start(), end, _build(int(m["y"]), int(m["m"]), int(m["d"]), _as_int(m["H"]), _as_int(m["M"]),
                                    _as_int(m["S"]), _as_int(frac), zone or tz), m["H"] is not None)  # fmt: skip
    for m in _SLASH_RE.finditer(s):
        zone, end = _zone_near(s, m.start(), m.end())
        a, b = int(m["a"]), int(m["b"])
        month, day = (b, a) if a > 12 else (a, b)
        hour = _hour24(_as_int(m["H"]), (m["ap"] or "").lower() + "m" if m["ap"] else None)
        take(
            m.start(),
            end,
            _build(int(m["y"]), month, day, hour, _as_int(m["M"]), _as_int(m["S"]), 0, zone or tz),
            m["H"] is not None,
        )
    for m in _ENGLISH_RE.finditer(s):
        zone, end = _zone_near(s, m.start(), m.end())
        try:
            value = dateutil_parser.parse(m.group(0), default=datetime(2000, 1, 1))
        except (ValueError, OverflowError, TypeError):
            continue
        take(m.start(), end, value.replace(tzinfo=zone or tz), ":" in m.group(0))
    for m in _CHINESE_RE.finditer(s):
        zone, end = _zone_near(s, m.start(), m.end())
        zone = zone or tz
        year = int(m["y"]) if m["y"] else _now(now, zone).year
        hour = _hour24(_as_int(m["H"]), m["ap"])
        take(
            m.start(),
            end,
            _build(year, int(m["m"]), int(m["d"]), hour, _as_int(m["M"]), _as_int(m["S"]), 0, zone),
            m["H"] is not None,
        )
    for m in _REL_CJK_RE.finditer(s):
        n = m["n"]
        amount = float(n) if n.isdigit() else _CN_NUM.get(n, 1)
        unit = _REL_UNITS[m["u"]]
        take(m.start(), m.end(), _ago(_now(now, tz), amount, unit), unit in {"seconds", "minutes", "hours"})
    for m in _REL_EN_RE.finditer(s):
        n = m["n"].lower()
        amount = float(n) if n.isdigit() else 1.0
        unit = _EN_UNITS[m["u"].lower()]
        take(m.start(), m.end(), _ago(_now(now, tz), amount, unit), unit in {"seconds", "minutes", "hours"})
    for m in _DAY_WORD_RE.finditer(s):
        word = m["w"].lower() if m["w"].isascii() else m["w"]
        if not m["H"] and _CJK_RE.match(s, m.end()):
            continue  # "今日头条", "刚刚宣布": a word inside a sentence, not a date
        current = _now(now, tz).astimezone(tz)
        if word not in _DAY_OFFSETS:  # 刚刚 / just now
            take(m.start(), m.end(), current)
            continue
        day = current.date() + timedelta(days=_DAY_OFFSETS[word])
        clock = time(0)
        if m["H"]:
            try:
                clock = time(_hour24(int(m["H"]), m["ap"]), _as_int(m["M"]), _as_int(m["S"]))
            except ValueError:
                continue
        take(m.start(), m.end(), datetime.combine(day, clock, tzinfo=tz), bool(m["H"]))
    found.sort(key=lambda item: item[0])
    return [(text[b:e], value, timed) for b, e, value, timed in found]


def _ago(now: datetime, amount: float, unit: str) -> datetime | None:
    try:
        if unit in {"months", "years"}:
            return now - relativedelta(**{unit: int(amount)})
        return now - timedelta(**{unit: amount})
    except (OverflowError, ValueError):
        return None


def parse_timed_date(
    text: str, *, default_tz: str = "Asia/Shanghai", now: datetime | None = None
) -> tuple[datetime | None, bool]:
    """:func:`parse_date` and whether the text gave a time of day (unix times always do).

    >>> parse_timed_date("发布日期：2019-03-06")[1], parse_timed_date("2019-03-06 09:53")[1]
    (False, True)
    """
    if not isinstance(text, str) or not text.strip():
        return None, False
    if _UNIX_RE.match(text):
        return parse_date(text, default_tz=default_tz, now=now), True
    dates = find_timed_dates(text, default_tz=default_tz, now=now)
    if dates:
        return dates[0][1], dates[0][2]
    return None, False


def parse_date(
    text: str, *, default_tz: str = "Asia/Shanghai", now: datetime | None = None
) -> datetime | None:
    """The first date in ``text`` as an aware datetime, or ``None`` when it holds none.

    ``default_tz`` is the zone of dates printed without one; ``now`` anchors relative forms
    (``3小时前``, ``昨天 12:30``, ``2 hours ago``) and year-less dates (``1月23日``).

    >>> parse_date("2025年1月23日 6点43分 PT").isoformat()
    '2025-01-23T06:43:00-08:00'
    >>> parse_date("no date here") is None
    True
    """
    if not isinstance(text, str) or not text.strip():
        return None
    m = _UNIX_RE.match(text)
    if m:
        digits = m.group(1)
        seconds = int(digits) / (1000 if len(digits) > 10 else 1)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    # A bounded regex locator first, then the libraries on the located span: dateutil's fuzzy mode on
    # a whole line invents dates from stray numbers ("48 评论" becomes the 48th… or today's date).
    dates = find_dates(text, default_tz=default_tz, now=now)
    if dates:
        return dates[0][1]
    return None
