"""Chinese labels for the codes the stages store (measures, qualifiers, time frames, scripts).

The stages keep language-neutral codes (``cash``, ``far under``, ``4 years``, ``zh-Hant``) so the
export stays stable for programs; the portal is a Chinese page, and a reader must not meet
English in it. Every code the page shows goes through one of these functions; a code nobody
mapped yet is shown as it is (never dropped), and a test lists the codes the stages produce so a
new one cannot slip in unlabelled.

    >>> measure_label("cash"), qualifier_label("far under"), timeframe_label("4 years")
    ('现金', '远低于', '4年')
    >>> timeframe_label("per year"), timeframe_label("in 2015"), script_label("zh-Hant")
    ('每年', '2015年', '繁体中文')
"""

from __future__ import annotations

import re

__all__ = [
    "MEASURES",
    "QUALIFIERS",
    "SCRIPTS",
    "kind_label",
    "measure_label",
    "qualifier_label",
    "script_label",
    "timeframe_label",
    "unit_label",
    "zone_label",
]

MEASURES = {
    "investment": "投资",
    "initial investment": "初始投资",
    "committed capital": "承诺资金",
    "raised": "融资",
    "cash": "现金",
    "valuation": "估值",
    "share": "比例",
    "jobs": "就业岗位",
    "GPUs": "GPU",
    "users": "用户",
    "ships": "舰船",
    "refutation": "否认",
    "rate": "比率",
    "change": "变化",
    "price": "价格",
    "count": "数量",
}

QUALIFIERS = {
    "over": "超过",
    "far over": "远超",
    "under": "低于",
    "far under": "远低于",
    "at least": "至少",
    "at most": "至多",
    "up to": "高达",
    "nearly": "近",
    "about": "约",
    "hypothetical": "假设",
    "denied": "被否认",
    "denies": "否认",
    "question": "疑问",
    "maybe": "也许",
}

SCRIPTS = {"zh-Hans": "简体中文", "zh-Hant": "繁体中文", "en": "英文", "und": "未知", "zh": "中文"}

KINDS = {
    "level": "总量",
    "change": "变化",
    "rate": "比率",
    "part": "部分",
    "share": "占比",
    "hypothetical": "假设",
    "question": "疑问",
}

_UNITS = {
    "week": "周",
    "weeks": "周",
    "month": "个月",
    "months": "个月",
    "year": "年",
    "years": "年",
    "day": "天",
    "days": "天",
}
_SPAN = re.compile(r"^(\d+(?:\.\d+)?) (days?|weeks?|months?|years?)$")
_IN = re.compile(r"^in (\d{4})$")
_PER = re.compile(r"^per (\w+)$")
_PER_UNITS = {
    "year": "每年",
    "month": "每月",
    "week": "每周",
    "day": "每天",
    "km": "每公里",
    "user": "每用户",
    "person": "每人",
}


def measure_label(code: str) -> str:
    return MEASURES.get(code, code)


def qualifier_label(code: str) -> str:
    return QUALIFIERS.get(code, code)


def kind_label(code: str) -> str:
    return KINDS.get(code, code)


def script_label(code: str) -> str:
    return SCRIPTS.get(code, code)


def unit_label(code: str) -> str:
    """Units that are words (``jobs``) in Chinese; currency codes and symbols as they are."""
    return MEASURES.get(code, code) if code and not (len(code) == 3 and code.isupper()) else code


def timeframe_label(code: str) -> str:
    """``4 years`` → ``4年``, ``per year`` → ``每年``, ``in 2015`` → ``2015年``; others unchanged."""
    if not code:
        return ""
    m = _SPAN.match(code)
    if m:
        return f"{m.group(1)}{_UNITS[m.group(2)]}"
    m = _IN.match(code)
    if m:
        return f"{m.group(1)}年"
    m = _PER.match(code)
    if m and m.group(1) in _PER_UNITS:
        return _PER_UNITS[m.group(1)]
    return code


_ZONES = {
    "Asia/Shanghai": "北京时间",
    "Asia/Chongqing": "北京时间",
    "Asia/Harbin": "北京时间",
    "PRC": "北京时间",
    "Asia/Hong_Kong": "香港时间",
    "Asia/Taipei": "台北时间",
    "Asia/Tokyo": "东京时间",
    "UTC": "UTC",
    "Etc/UTC": "UTC",
}


def zone_label(name: str, offset: str = "") -> str:
    """How the page names its time zone: 北京时间 for Asia/Shanghai, else ``UTC+hh:mm``.

    >>> zone_label("Asia/Shanghai"), zone_label("Europe/Paris", "+01:00")
    ('北京时间', 'UTC+01:00')
    """
    return _ZONES.get(name) or (f"UTC{offset}" if offset else name)
