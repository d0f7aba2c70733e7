"""Quantities in Chinese (simplified or traditional) and English news text: number, unit, span.

A *quantity* is a figure a reader would check: an amount of money (``5000亿美元``, ``US$100bn``,
``3.64萬億人民幣``), a count with a known noun (``10万个就业岗位``, ``10万台GPU``), a share
(``百分之一``), or a bare large number (``5000 亿``, ``80B``) whose currency the caller may infer
from context. Years, dates, clock times and small bare numbers are not quantities.

Each quantity carries the qualifier printed next to it (超过 → "over", 远低于 → "far under",
至少 → "at least", 约 → "about", 高达 → "up to" …) and the time frame of its clause or sentence
(未来四年 → "4 years", 每年 → "per year", "in 2015").

Example::

    >>> [(q.value, q.unit, q.qualifier, q.timeframe) for q in parse_quantities("未来四年投资高达5000亿美元")]
    [(500000000000.0, 'USD', 'up to', '4 years')]

Libraries: Chinese numerals (``两千``, ``三千``) are read by ``chinese2digits`` (a trial found it
right on every seed form; ``cn2an`` fails on ``3.64万亿``). Spans are found here because
chinese2digits returns no offsets and does not know 兆; an Arabic number times 万/亿/兆 is an
exact multiplication. English amounts are matched here too: ``quantulum3`` reads ``$500 billion``
right but ``US$100bn`` as "dollar barn newton", ``80B`` as bytes and ``500 billions`` as a bare
500, and its first call takes ~3 s. Currency and unit mapping is ours and tested.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import chinese2digits

__all__ = ["Quantity", "parse_number", "parse_quantities", "sentence_spans"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Quantity:
    """One figure found in a text.

    value: the number in ``unit`` (5000亿美元 → 5e11, unit "USD").
    unit: ISO currency code, "jobs", "GPUs", "users", "ships", "%", or "" for a bare number.
    text: the span exactly as it appears in the input; ``start``/``end`` index the input.
    qualifier: "", "over", "far over", "under", "far under", "at least", "at most", "up to",
        "nearly", "about".
    timeframe: "", "per year", "4 years", "2 months", "in 2015".
    """

    value: float
    unit: str
    text: str
    start: int
    end: int
    qualifier: str = ""
    timeframe: str = ""


# Traditional → simplified for the few characters numbers and currencies use, plus full-width
# digits; one char for one char so offsets into the caller's text stay valid.
_FOLD = str.maketrans(
    {
        "萬": "万",
        "億": "亿",
        "兩": "两",
        "圓": "元",
        "圆": "元",
        "幣": "币",
        "約": "约",
        "達": "达",
        "於": "于",
        "過": "过",
        "來": "来",
        "內": "内",
        "個": "个",
        "臺": "台",
        "崗": "岗",
        "，": ",",
        "．": ".",
        "％": "%",
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **{chr(ord("A") + i): chr(ord("a") + i) for i in range(26)},
    }
)

_MAG = {"十": 10.0, "百": 100.0, "千": 1e3, "万": 1e4, "亿": 1e8, "兆": 1e12}
_SCALE_EN = {
    "trillion": 1e12,
    "tn": 1e12,
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "million": 1e6,
    "millions": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "thousand": 1e3,
    "k": 1e3,
}

# Longest first: 美元 before 元, 港元 before 元.
_CURRENCY_WORDS = {
    "美元": "USD",
    "美金": "USD",
    "usd": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "人民币": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "港元": "HKD",
    "港币": "HKD",
    "hkd": "HKD",
    "日元": "JPY",
    "円": "JPY",
    "yen": "JPY",
    "jpy": "JPY",
    "欧元": "EUR",
    "euros": "EUR",
    "euro": "EUR",
    "eur": "EUR",
    "英镑": "GBP",
    "gbp": "GBP",
    "新台币": "TWD",
    "台币": "TWD",
    "韩元": "KRW",
    "元": "CNY",
}
_CURRENCY_PREFIX = {
    "us$": "USD",
    "hk$": "HKD",
    "nt$": "TWD",
    "$": "USD",
    "¥": "CNY",
    "￥": "CNY",
    "€": "EUR",
    "£": "GBP",
}

_COUNT_NOUNS = (
    ("jobs", r"就业岗位|工作岗位|就业机会|工作机会|岗位|就业|jobs?"),
    ("GPUs", r"gpus?|显卡|图形处理器"),
    ("chips", r"芯片|chips?"),
    ("users", r"用户|users?"),
    ("ships", r"飞船|星舰|starships?"),
)

_CN_DIGITS = "零〇一二两三四五六七八九十"
_NUMBER_RE = re.compile(
    r"(?P<prefix>(?:us\$|hk\$|nt\$|\$|¥|￥|€|£)\s?)?"
    r"(?:(?<![a-z0-9.])(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)*)"
    rf"|(?P<cn>[{_CN_DIGITS}][{_CN_DIGITS}百千万亿]*))"
    r"(?P<approx>\s?[多余])?"
    r"(?P<mags>\s?[十百千万亿兆]+)?"
    r"(?P<approx2>[多余](?![a-z]))?"
)
# Any digit, on text not yet folded: _FOLD makes digits only of full-width digits (\d already)
# and of 兩.
_ANY_DIGIT_UNFOLDED_RE = re.compile(rf"[\d{_CN_DIGITS}兩]")
#: What a text must hold for parse_quantities to find anything (claims gates a thread with it).
ANY_DIGIT_UNFOLDED_RE = _ANY_DIGIT_UNFOLDED_RE
_PERCENT_RE = re.compile(rf"百分之(?P<pcn>[{_CN_DIGITS}百千点.\d]+)|(?<![a-z0-9.])(?P<pd>\d+(?:\.\d+)?)\s?%")
_AFTER_SCALE_RE = re.compile(r"\s?(trillion|tn|billions?|bn|millions?|mn|thousand|[bmk])(?![a-z])")
_AFTER_CURRENCY_RE = re.compile(
    r"\s?(" + "|".join(sorted(map(re.escape, _CURRENCY_WORDS), key=len, reverse=True)) + r")(?![a-z])"
)
_AFTER_COUNT_RE = re.compile(
    r"\s?[个台艘名位部块张颗辆架]?[「“\"'『]?[^\s,。;；:：()（）]{0,4}?("
    + "|".join(f"(?P<u{i}>{rx})" for i, (_, rx) in enumerate(_COUNT_NOUNS))
    + r")"
)

# Qualifiers printed just before the number (longest first) or just after it.
_QUAL_BEFORE = (
    ("far under", r"远远低于|远低于|远少于|远不到"),
    ("far over", r"远远高于|远高于|远超过|远超"),
    ("at least", r"至少|最少|不少于|起码|at least"),
    ("at most", r"最多|至多|不超过|at most|no more than"),
    ("up to", r"高达|多达|up to|as much as"),
    ("over", r"超过|超出|逾|超|多于|高于|不止|more than|over|above"),
    ("under", r"低于|不到|不足|少于|less than|under|below"),
    ("nearly", r"接近|将近|(?<![最附])近|nearly|almost|close to"),
    ("about", r"约合|折合约|折合|大约|大概|约|approximately|about|around|roughly|some"),
)
# A short verb may stand between qualifier and number: 至少投资15万亿日元, 超过拥有….
_QUAL_VERB = r"(?:投资|投入|筹集|筹得|拥有|达到|达|有|为|是|invest|raise|spend)?"
_QUAL_BEFORE_RE = [(q, re.compile(rf"(?:{rx}){_QUAL_VERB}[\s「“\"'『$]*$")) for q, rx in _QUAL_BEFORE]
_QUAL_AFTER_RE = [
    ("over", re.compile(r"^[」”\"'』]?\s?(?:以上|多|有余|plus)")),
    ("under", re.compile(r"^[」”\"'』]?\s?(?:以下|以内)")),
    ("about", re.compile(r"^[」”\"'』]?\s?(?:左右|上下)")),
]

_SMALL = rf"(?:\d+|[{_CN_DIGITS}]+|one|two|three|four|five|six|seven|eight|nine|ten|twenty)"
_TIMEFRAME_RES = (
    ("per", re.compile(r"每年|每一年|年均|annually|per year|a year|each year|every year|/year")),
    ("span", re.compile(rf"(?:未来|今后|在未来)\s?(?P<n>{_SMALL})\s?(?:个)?(?P<u>年|月|周)")),
    (
        "span",
        re.compile(rf"(?<![\d{_CN_DIGITS}])(?P<n>{_SMALL})\s?(?:个)?(?P<u>年|月|周)(?:内|之内|以内|里)"),
    ),
    (
        "span",
        re.compile(
            rf"(?:over|within|in|for) (?:the next |the coming )?(?P<n>{_SMALL}) (?P<u>years?|months?)"
        ),
    ),
    ("year", re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)\s?年")),
)
_EN_SMALL = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
}
_SENTENCE_RE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”」』\"']*|\n|$)")


# An English full stop ends a sentence when a space and a word follow, except after an
# abbreviation ("Mr. Smith", "U.S. adults", "Jan. 1"); a decimal point has no space after it.
_EN_STOP_RE = re.compile(r"\.[\"'”’)]?(?=\s+[\"“‘(]?[a-z0-9$])", re.IGNORECASE)
_ABBREV_RE = re.compile(
    r"(?:\b(?:mr|mrs|ms|dr|st|jr|sr|no|vs|gov|sen|rep|gen|lt|col|prof|inc|corp|co|ltd|jan|feb|mar|apr|"
    r"jun|jul|aug|sep|sept|oct|nov|dec|fig|est|approx|etc|e\.g|i\.e)|\b[a-z]|\b(?:[a-z]\.)+[a-z])$",
    re.IGNORECASE,
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence; closing quotes stay with the sentence they end.

    >>> t = "Sales rose 5% in the U.S. market. Prices fell."
    >>> [t[a:b].strip() for a, b in sentence_spans(t)]
    ['Sales rose 5% in the U.S. market.', 'Prices fell.']
    """
    spans = []
    for m in _SENTENCE_RE.finditer(text):
        lo, hi = m.start(), m.end()
        if hi <= lo:
            continue
        for stop in _EN_STOP_RE.finditer(text, lo, hi):
            if _ABBREV_RE.search(text, max(lo, stop.start() - 12), stop.start()):
                continue
            spans.append((lo, stop.end()))
            lo = stop.end()
        if hi > lo:
            spans.append((lo, hi))
    return spans or [(0, len(text))]


def parse_number(text: str) -> float | None:
    """The value of one number written with Arabic digits or Chinese numerals and 万/亿/兆.

    ``"3.64万亿"`` → 3.64e12, ``"两千亿"`` → 2e11, ``"5,000億"`` → 5e11; None when unreadable
    (``"1.2.3亿"``, ``"亿亿"``).

        >>> parse_number("3.64萬億")
        3640000000000.0
    """
    folded = text.translate(_FOLD).replace(" ", "")
    m = _NUMBER_RE.fullmatch(folded)
    if not m or m.group("prefix"):
        return None
    return _value_of(m)


def _value_of(m: re.Match[str]) -> float | None:
    mags = (m.group("mags") or "").strip()
    if m.group("digits") is not None:
        try:
            value = float(m.group("digits").replace(",", ""))
        except ValueError:
            return None  # 1.2.3 and the like: never guess
    else:
        value = _chinese_numeral(m.group("cn"))
        if value is None:
            return None
    for ch in mags:
        value *= _MAG[ch]
    return value


_TRAILING_MAG_RE = re.compile(r"^([^万亿兆]+)([万亿兆]+)$")


def _chinese_numeral(cn: str) -> float | None:
    # chinese2digits misreads some compound magnitudes (一十万亿 → 1e9); a numeral with only a
    # trailing 万/亿/兆 run is read as head × magnitudes, which is exact.
    trailing = _TRAILING_MAG_RE.match(cn)
    if trailing:
        head = _chinese_numeral(trailing.group(1))
        if head is None:
            return None
        for ch in trailing.group(2):
            head *= _MAG[ch]
        return head
    try:
        found = chinese2digits.takeNumberFromString(cn)
    except Exception:  # the library raises bare TypeErrors on odd input; treat as unreadable
        log.debug("chinese2digits could not read %r", cn)
        return None
    digits = found.get("digitsStringList") or []
    names = found.get("CHNumberStringList") or []
    # The whole numeral must be one number: "十十" or "三两" read as two is not a value.
    if len(digits) != 1 or len(names) != 1 or len(names[0]) != len(cn):
        return None
    try:
        return float(digits[0])
    except ValueError:
        return None


def _small_int(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token in _EN_SMALL:
        return _EN_SMALL[token]
    value = _chinese_numeral(token)
    return int(value) if value is not None else None


def _timeframes(folded: str) -> list[tuple[int, int, str, int]]:
    """(start, end, label, priority) of each time frame; a lower priority wins a tie."""
    found: list[tuple[int, int, str, int]] = []
    for kind, rx in _TIMEFRAME_RES:
        for m in rx.finditer(folded):
            if kind == "per":
                found.append((m.start(), m.end(), "per year", 0))
            elif kind == "year":
                found.append((m.start(), m.end(), f"in {m.group('y')}", 1))
            else:
                n = _small_int(m.group("n"))
                if n is None or n <= 0 or n > 100:
                    continue
                unit = {"年": "year", "月": "month", "周": "week"}.get(m.group("u"), m.group("u").rstrip("s"))
                found.append((m.start(), m.end(), f"{n} {unit}{'s' if n != 1 else ''}", 0))
    return found


def _qualifier(folded: str, start: int, end: int, approx: bool) -> str:
    before = folded[max(0, start - 8) : start]
    for name, rx in _QUAL_BEFORE_RE:
        if rx.search(before):
            return name
    after = folded[end : end + 4]
    for name, rx in _QUAL_AFTER_RE:
        if rx.search(after):
            return name
    return "over" if approx else ""


def parse_quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text``, in order of position; never raises on malformed numbers.

    >>> [(q.value, q.unit) for q in parse_quantities("创造10万个就业岗位,约3.9萬億港元")]
    [(100000.0, 'jobs'), (3900000000000.0, 'HKD')]
    """
    # Every number and percent pattern needs a digit: most replies have none. Tested before
    # folding (which only makes 兩 and full-width digits into digits), so they cost one search.
    if not _ANY_DIGIT_UNFOLDED_RE.search(text):
        return []
    folded = text.translate(_FOLD)
    found: list[tuple[int, int, float, str, bool]] = []  # start, end, value, unit, approx
    for m in _NUMBER_RE.finditer(folded):
        q = _read_match(folded, m)
        if q is not None:
            found.append(q)
    for m in _PERCENT_RE.finditer(folded):
        raw = m.group("pcn") if m.group("pcn") is not None else m.group("pd")
        value = _percent_value(raw)
        if value is not None:
            found.append((m.start(), m.end(), value, "%", False))
    if not found:
        return []  # what the steps below make of no span (a reply's 一个 and 三楼 end here)
    found.sort()
    # A percent span may overlap a number span ("百分之一" holds "一"); keep the first, longest.
    kept: list[tuple[int, int, float, str, bool]] = []
    for item in found:
        if kept and item[0] < kept[-1][1]:
            if item[1] - item[0] > kept[-1][1] - kept[-1][0]:
                kept[-1] = item
            continue
        kept.append(item)
    kept = _join_compounds(folded, kept)
    frames = _timeframes(folded)
    sentences = sentence_spans(folded)
    out = []
    for start, end, value, unit, approx in kept:
        out.append(
            Quantity(
                value=value,
                unit=unit,
                text=text[start:end],
                start=start,
                end=end,
                qualifier=_qualifier(folded, start, end, approx),
                timeframe=_timeframe_for(folded, frames, sentences, start),
            )
        )
    return out


def _join_compounds(
    folded: str, kept: list[tuple[int, int, float, str, bool]]
) -> list[tuple[int, int, float, str, bool]]:
    """ "1亿8000万元" is one number (1.8亿), not 1亿 and 8000万: join a bare 亿 run with the 万 after it."""
    out: list[tuple[int, int, float, str, bool]] = []
    for item in kept:
        if out:
            start, end, value, unit, approx = out[-1]
            if (
                end == item[0]
                and not unit
                and folded[end - 1] == "亿"
                and item[2] < 1e8
                and "万" in folded[item[0] : item[1]]
            ):
                out[-1] = (start, item[1], value + item[2], item[3], approx or item[4])
                continue
        out.append(item)
    return out


def _percent_value(raw: str) -> float | None:
    raw = raw.replace("点", ".")
    try:
        return float(raw)
    except ValueError:
        return _chinese_numeral(raw)


def _read_match(folded: str, m: re.Match[str]) -> tuple[int, int, float, str, bool] | None:
    if m.group("digits") is None and m.group("cn") is None:
        return None
    # The value is read last, and only when the span can be a figure: the span alone rules out
    # most matches (一个, 三楼), and reading a Chinese numeral is the costly step. The value has
    # no say in those rulings, so the result is the one reading it first gave.
    start, end = m.start(), m.end()
    # A bare "年"/"月"/"日"/"点"/"楼" after the number makes it a date, a time or a floor.
    small = not m.group("mags") or m.group("mags").strip() in {"十", "百", "千"}
    if small and folded[end : end + 2].lstrip()[:1] in {
        "年",
        "月",
        "日",
        "号",
        "点",
        "时",
        "楼",
        "岁",
        "分",
        "秒",
    }:
        return None
    approx = bool(m.group("approx") or m.group("approx2"))
    unit = ""
    has_mag = bool((m.group("mags") or "").strip()) or (
        m.group("cn") is not None and any(ch in m.group("cn") for ch in "万亿")
    )
    prefix = (m.group("prefix") or "").strip()
    if prefix:
        unit = _CURRENCY_PREFIX[prefix]
    scale = _AFTER_SCALE_RE.match(folded, end) if m.group("digits") is not None and not has_mag else None
    if scale:
        end = scale.end()
        has_mag = True
    cur = _AFTER_CURRENCY_RE.match(folded, end)
    if cur:
        unit = unit or _CURRENCY_WORDS[cur.group(1)]
        end = cur.end()
    if not unit:
        cnt = _AFTER_COUNT_RE.match(folded, end)
        if cnt:
            for i, (name, _) in enumerate(_COUNT_NOUNS):
                if cnt.group(f"u{i}"):
                    unit = name
                    break
            end = cnt.end()
    if not unit and not has_mag:
        return None  # small bare numbers are years, floors, list items: not figures
    value = _value_of(m)
    if value is None:
        return None
    if scale:
        value *= _SCALE_EN[scale.group(1)]
    if not unit and value < 1e4:
        return None  # likewise
    if folded[start:end].endswith(" "):
        end -= 1
    return (start, end, value, unit, approx)


def _timeframe_for(
    folded: str, frames: list[tuple[int, int, str, int]], sentences: list[tuple[int, int]], pos: int
) -> str:
    s_start, s_end = next(((a, b) for a, b in sentences if a <= pos < b), (0, len(folded)))
    inside = [f for f in frames if s_start <= f[0] < s_end]
    if not inside:
        return ""
    # The same clause first, then the nearest in the sentence; a year only when nothing else.
    clause_start = max(folded.rfind(c, s_start, pos) for c in ",;:；：")
    clause_end_candidates = [i for i in (folded.find(c, pos, s_end) for c in ",;:；：") if i != -1]
    clause_end = min(clause_end_candidates) if clause_end_candidates else s_end
    in_clause = [f for f in inside if clause_start <= f[0] < clause_end]
    # A year in a later clause dates another event ("预算120亿元,预计2030年通车"), not the figure;
    # a year earlier in the sentence sets its scene ("2015年,马斯克…投资了50亿日元").
    pool = in_clause or [f for f in inside if f[3] != 1 or f[0] < pos]
    if not pool:
        return ""
    best = min(pool, key=lambda f: (f[3], abs(f[0] - pos)))
    return best[2]
