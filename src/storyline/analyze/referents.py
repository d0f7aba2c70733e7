"""What a figure measures: its referent, denominator, kind and modality, in Chinese and English.

:mod:`storyline.analyze.quantities` finds ``243亿美元``; this module reads the words around it to
say *what* it counts, so the ledger compares a gallon's price with a gallon's price and never
with a household's yearly fuel bill:

- referent: the noun phrase the figure quantifies, as printed (``现金余额``, ``foreign direct
  investment``), and a language-independent key from a small bilingual lexicon (``cash``,
  ``fdi``, ``budget``) so that a claim and its translation meet; a phrase outside the lexicon
  keeps its text but gets no key (unknown referents never make a contradiction);
- denominator: what the figure is *per* or a *share of* (``per gallon``, ``per km``,
  ``of registered voters``); a time period (per year, per month) is a time frame, not a
  denominator (:mod:`quantities` reads those);
- kind: ``level`` (工程预算为120亿元), ``change`` (增加约15亿元, up $2, grew 15%), ``part`` (其中…,
  services ($4.45 billion), 41% of voters) or ``rate`` (每公里18亿, $3 a gallon);
- modality: ``hypothetical`` (如果, if), ``possible`` (也许, 可能, may), ``question``
  (a sentence ending in ? or 吗), else ``""`` (an assertion).

All text is the canonical form (simplified, lower-case) the claims reader works on; offsets
index it. Pure regular expressions: the phrases are short and the lexicon decides the keys.

    >>> t = "根据财报,该公司现金余额为243亿美元。"
    >>> m = read_measure(t, t.index("243"), t.index("。"), (t.index(",") + 1, len(t) - 1), (0, len(t)))
    >>> (m.referent, m.referent_key, m.kind, m.denominator, m.modality)
    ('现金余额', 'cash', 'level', '', '')
    >>> t = "120亿修6.8公里,每公里接近18亿。"
    >>> m = read_measure(t, t.index("18亿"), len(t) - 1, (t.index(",") + 1, len(t) - 1), (0, len(t)))
    >>> (m.kind, m.denominator)
    ('rate', 'per km')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["REFERENT_LABELS_ZH", "REFERENT_LEXICON", "Measure", "denominator_zh", "read_measure"]


@dataclass(frozen=True, slots=True)
class Measure:
    referent: str = ""  # the noun phrase as found in the canonical text ("" when none)
    referent_key: str = ""  # lexicon key ("cash", "fdi"…) or "" when the phrase is unknown
    denominator: str = ""  # "per gallon", "per km", "of registered voters"…
    kind: str = "level"  # level, change, part, rate
    modality: str = ""  # "", hypothetical, possible, question
    earlier: bool = False  # a previous value ("从25%降至4%", "from $903"): another time than the news


# key → terms (simplified Chinese and lower-case English). Longest term wins inside a phrase;
# the term nearest the figure wins between phrases. Keys are what two claims must share.
REFERENT_LEXICON: dict[str, tuple[str, ...]] = {
    "cash": ("现金余额", "现金", "手头资金", "资金", "cash", "funds"),
    "fdi": (
        "外国直接投资",
        "外商直接投资",
        "直接投资",
        "外资",
        "fdi",
        "foreign direct investment",
        "foreign inflows",
    ),
    "investment": ("投资额", "投资", "投入", "investments", "investment", "invest"),
    "budget": ("工程预算", "预算", "造价", "budget"),
    "cost": ("总成本", "成本", "开支", "支出", "花费", "costs", "cost", "spending"),
    "price": ("平均价格", "价格", "油价", "房价", "股价", "票价", "售价", "prices", "price"),
    "fee": ("收费", "费率", "fees", "fee", "charges", "charge"),
    "bill": ("账单", "bills", "bill"),
    "tax": ("税款", "税收", "tax"),
    "tax rate": ("税率", "tax rate"),
    "rebate": ("退税", "返还", "rebate", "refund"),
    "revenue": ("营业收入", "营收", "收入", "销售额", "revenue", "revenues", "sales"),
    "profit": ("净利润", "利润", "盈利", "净利", "profits", "profit", "earnings"),
    "valuation": ("估值", "市值", "valuation", "market value", "market cap"),
    "raised": ("融资", "募资", "筹款", "raised", "fundraising", "haul"),
    "debt": ("债务", "负债", "debt"),
    "loan": ("贷款", "loans", "loan"),
    "salary": ("工资", "薪酬", "年薪", "薪水", "salary", "wages", "wage"),
    "market size": ("市场规模", "market size"),
    "gdp": ("国内生产总值", "gdp"),
    "inflation": ("通货膨胀率", "通胀率", "通货膨胀", "通胀", "inflation"),
    "unemployment": ("失业率", "unemployment"),
    "interest rate": ("利率", "interest rate"),
    "growth": ("增长率", "增速", "growth rate", "growth"),
    "support": ("支持率", "民调支持率", "approval rating", "support"),
    "deaths": ("死亡人数", "遇难人数", "死亡", "遇难", "deaths", "dead", "killed"),
    "injured": ("受伤人数", "受伤", "injured"),
    "population": ("人口", "population"),
    "capacity": ("产能", "capacity"),
    "fine": ("罚款", "罚金", "fine", "penalty"),
    "aid": ("援助", "aid"),
}
#: How a Chinese page names each key (and the count units and measures that serve as keys).
REFERENT_LABELS_ZH: dict[str, str] = {
    "cash": "现金",
    "fdi": "外国直接投资",
    "investment": "投资",
    "budget": "预算",
    "cost": "成本",
    "price": "价格",
    "fee": "收费",
    "bill": "账单",
    "tax": "税款",
    "tax rate": "税率",
    "rebate": "退税",
    "revenue": "收入",
    "profit": "利润",
    "valuation": "估值",
    "raised": "融资",
    "debt": "债务",
    "loan": "贷款",
    "salary": "薪酬",
    "market size": "市场规模",
    "gdp": "国内生产总值",
    "inflation": "通胀",
    "unemployment": "失业率",
    "interest rate": "利率",
    "growth": "增长率",
    "support": "支持率",
    "deaths": "死亡人数",
    "injured": "受伤人数",
    "population": "人口",
    "capacity": "产能",
    "fine": "罚款",
    "aid": "援助",
    "committed capital": "承诺资金",
    "initial investment": "初始投资",
    "jobs": "就业岗位",
    "GPUs": "GPU",
    "chips": "芯片",
    "users": "用户",
    "ships": "飞船",
}
_PER_LABELS_ZH = {
    "km": "公里",
    "mile": "英里",
    "gallon": "加仑",
    "litre": "升",
    "barrel": "桶",
    "ton": "吨",
    "person": "人",
    "household": "户",
    "share": "股",
    "m2": "平方米",
    "user": "用户",
    "vehicle": "辆",
    "trip": "次",
}


def denominator_zh(denominator: str) -> str:
    """ "per km" → "每公里", "of 登记选民" → "占登记选民"; other text as is."""
    if denominator.startswith("per "):
        unit = denominator[4:]
        return "每" + _PER_LABELS_ZH.get(unit, unit)
    if denominator.startswith("of "):
        return "占" + denominator[3:]
    return denominator


_TERM_KEY = {t: k for k, terms in REFERENT_LEXICON.items() for t in terms}
_TERM_RE = re.compile(
    "|".join(
        rf"(?<![a-z]){re.escape(t)}(?![a-z])" if t.isascii() else re.escape(t)
        for t in sorted(_TERM_KEY, key=len, reverse=True)
    )
)

# Words between a referent and its figure: verbs of being, qualifiers, quotes, currency signs.
_ZH_LINK = (
    r"(?:为|是|达到|达|约为|约|共计|共|总计|合计|总额|高达|多达|仅有|只有|仅|只|有|拥有|超过|超|不到|"
    r"低于|远低于|远远低于|高于|近|接近|将近|至少|最多|不超过|大约|大概|将|会|可能|也许|已|了|在|"
    r"增至|增加到|升至|降至|降到|减至|涨至|跌至|提高到|至|到|[:：「“\"'『(（\s$¥￥])"
)
_ZH_LINK_TAIL_RE = re.compile(rf"{_ZH_LINK}+$")
_EN_LINK_TAIL_RE = re.compile(
    r"(?:\b(?:was|is|are|were|be|been|will|would|stood|stands|at|of|to|reached|reach|hit|totaled|totalled|"
    r"totaling|amounting|amounted|about|around|approximately|roughly|nearly|almost|over|more|than|less|"
    r"under|up|some|an|a|the|estimated|expected|worth|average|averaged|averaging|of|by|s)\b|"
    r"[\s,:\"'“$(])+$"
)
_EN_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "and",
        "or",
        "but",
        "as",
        "into",
        "than",
        "that",
        "which",
        "who",
        "its",
        "their",
        "his",
        "her",
    ]
)
_EN_MEASURE_VERB_RE = re.compile(
    r"\b(?:grew|rose|fell|increased|decreased|declined|climbed|jumped|dropped|surged|was|were|is|are|"
    r"stood|reached|hit|totaled|totalled|amounted|came|will be|would be|cost|costs|averaged)\b"
)
_ZH_AFTER_RE = re.compile(r"^[)）」”\"'』\s]*(?:的)?(?P<n>[\u4e00-\u9fff]{1,8})")
_EN_AFTER_RE = re.compile(r"^[)\s]*(?:in\s+|of\s+)?(?P<n>[a-z][a-z\- ]{1,40})")

# A change: the figure is how much something moved, not where it stands.
_ZH_CHANGE_BEFORE_RE = re.compile(
    r"(?:增加|增长|上涨|上升|提高|提升|下降|减少|降低|下跌|下滑|缩减|减|增|涨|跌|多出|多了|少了|增幅|涨幅|降幅)"
    r"(?:了|约|超过|近|逾|达|为)?[\s「“]*$"
)
_ZH_CHANGE_AFTER_RE = re.compile(r"^[)）」”\s]*(?:的)?(?:增幅|涨幅|降幅|增长|增量)")
_EN_CHANGE_BEFORE_RE = re.compile(
    r"\b(?:up|down|increased?|increases|increasing|rose|rise|risen|rising|fell|fall|fallen|falling|grew|grow|"
    r"grown|growing|gained?|jumped?|dropped?|drop|climbed?|declined?|decline|cut|hike|lower|higher|"
    r"surged?|plunged?|slipped|added|lost)\s+(?:by\s+)?(?:about\s+|nearly\s+|almost\s+|close\s+to\s+|"
    r"more\s+than\s+|over\s+|some\s+|roughly\s+|around\s+)?\$?$"
)
_EN_CHANGE_AFTER_RE = re.compile(
    r"^\s*(?:increase|rise|drop|decline|jump|gain|growth|hike|cut|more|less|higher|lower|increment)\b"
)
_EN_GROWTH_RE = re.compile(r"\b(?:cagr|growth|grow(?:ing|th)? at|compounded)\b")
# A previous value: "从25%降至4%", "from $903", "previously".
_ZH_FROM_RE = re.compile(r"(?:从|由)[\s「“]*$")
_EN_FROM_RE = re.compile(r"\bfrom\s+\$?$")
_EARLIER_RE = re.compile(r"previously|此前|以前|原本|原来|上次")

# A part of a larger whole named beside it.
_ZH_PART_RE = re.compile(r"其中|占|当中|之中|包括|包含|分别")
_EN_PART_RE = re.compile(
    r"\bof which\b|\binclud(?:e|es|ing)\b|\bshare of\b|\baccount(?:s|ed)? for\b|\bamong\b"
)
# A breakdown named earlier in the sentence: "新加坡继续成为印度最大的外国直接投资来源,投资额达80亿美元".
_SENTENCE_PART_RE = re.compile(r"其中|来源|分别|\bsources? of\b|\bof which\b|\bamong them\b|\bbreakdown\b")
# "services ($4.45 billion)": a figure in brackets after a noun is that item's part; after another
# figure ("800亿(80B)", "5000亿美元(约3.9万亿港元)") it is the same figure restated.
_PAREN_AFTER_NOUN_RE = re.compile(r"(?:[a-z]|[\u4e00-\u9fff](?<![万亿元币金]))\s?[(（]\s?[$¥￥€£]?$")
_ZH_SHARE_OF_RE = re.compile(
    r"^\s*的(?P<of>[\u4e00-\u9fff]{1,8}?)(?:认为|支持|表示|赞成|反对|选择|是|有|在|的|[,。;、])"
)
_EN_SHARE_OF_RE = re.compile(
    r"^\s*of\s+(?:the\s+|all\s+)?(?P<of>[a-z][a-z\- ]{1,30}?)(?=\s+(?:who|that|said|say|were|are|is|think|want|support|favou?r|backed|polled)\b|[,.;)]|$)"
)

# Per what: 每公里, 人均, $3 a gallon, per user.
_PER_UNITS = {
    "公里": "km",
    "千米": "km",
    "英里": "mile",
    "加仑": "gallon",
    "升": "litre",
    "桶": "barrel",
    "吨": "ton",
    "人": "person",
    "户": "household",
    "家庭": "household",
    "股": "share",
    "平方米": "m2",
    "平米": "m2",
    "用户": "user",
    "辆": "vehicle",
    "次": "trip",
    "km": "km",
    "kilometre": "km",
    "kilometer": "km",
    "mile": "mile",
    "gallon": "gallon",
    "litre": "litre",
    "liter": "litre",
    "barrel": "barrel",
    "ton": "ton",
    "tonne": "ton",
    "person": "person",
    "capita": "person",
    "head": "person",
    "household": "household",
    "family": "household",
    "share": "share",
    "user": "user",
    "passenger": "person",
    "vehicle": "vehicle",
    "trip": "trip",
    "barrels": "barrel",
    "gallons": "gallon",
}
_PER_ZH = "|".join(sorted((k for k in _PER_UNITS if not k.isascii()), key=len, reverse=True))
_PER_EN = "|".join(sorted((k for k in _PER_UNITS if k.isascii()), key=len, reverse=True))
_ZH_PER_BEFORE_RE = re.compile(
    rf"(?:每|单)(?:个|一)?(?P<u>{_PER_ZH})(?:[^,。;]{{0,4}})?$|人均[^,。;]{{0,4}}$"
)
_ZH_PER_AFTER_RE = re.compile(rf"^\s?(?:/|每)(?:个|一)?(?P<u>{_PER_ZH})")
_EN_PER_AFTER_RE = re.compile(rf"^\s?(?:a|an|per|each|/|for each|for every)\s?(?P<u>{_PER_EN})s?\b")
_EN_PER_BEFORE_RE = re.compile(rf"\b(?:per|each|every)\s(?P<u>{_PER_EN})\b[^,.;]{{0,20}}$")

_HYPOTHETICAL_RE = re.compile(
    r"如果|假如|若是|假设|要求|希望|提高到|解读为|误以为|以为|误读|应该|该让|应当|\bif\b|\bshould\b|\bwould\b|\bunless\b"
)
_POSSIBLE_RE = re.compile(
    r"也许|或许|可能|大概是|恐怕|或达|\bmaybe\b|\bperhaps\b|\bmight\b|\bcould\b|\bmay\b"
)
_QUESTION_END_RE = re.compile(r"(?:[?？]|吗|呢|么)[」”\"'』)）\s]*$")


def _lexicon_key(phrase: str, nearest_end: bool = True) -> tuple[str, int, int]:
    """(key, start, end) of the lexicon term nearest the phrase's end (or start), else ("", -1, -1)."""
    found = [(m.start(), m.end(), _TERM_KEY[m.group(0)]) for m in _TERM_RE.finditer(phrase)]
    if not found:
        return "", -1, -1
    s, e, key = max(found, key=lambda f: f[1]) if nearest_end else min(found)
    return key, s, e


def _modality(text: str, clause: tuple[int, int], sentence: tuple[int, int]) -> str:
    clause_text = text[clause[0] : clause[1]]
    if _HYPOTHETICAL_RE.search(clause_text):
        return "hypothetical"
    if _POSSIBLE_RE.search(clause_text):
        return "possible"
    if _QUESTION_END_RE.search(text[sentence[0] : sentence[1]]):
        return "question"
    return ""


def _zh(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _referent(before: str, after: str, zh: bool) -> tuple[str, str]:
    """(noun phrase, lexicon key): the phrase just before the figure, else the noun right after it."""
    if zh:
        tail = re.split(r"[,，;；、。!?！？]", _ZH_LINK_TAIL_RE.sub("", before))[-1][-12:]
        m = _ZH_AFTER_RE.match(re.sub(r"^[(（][^)）]{0,16}[)）]", "", after))
        candidates = [tail, m.group("n") if m else ""]
    else:
        tail = " ".join(_EN_LINK_TAIL_RE.sub("", before).split()[-5:])
        m = _EN_AFTER_RE.match(after)
        candidates = [tail, " ".join(m.group("n").split()[:3]) if m else ""]
        # "Foreign direct investment into India grew close to 15% to $26 billion": the noun
        # phrase before the clause's verb of measure.
        verbs = list(_EN_MEASURE_VERB_RE.finditer(before))
        if verbs:
            candidates.insert(1, " ".join(before[: verbs[-1].start()].split()[-6:]))
    for phrase in candidates:
        key, s, e = _lexicon_key(phrase)
        if key:
            return phrase[s:e], key
    # Outside the lexicon: the head words, shown but never matched.
    if zh:
        head = tail.rsplit("的", 1)[-1][-6:]
        return (head if re.fullmatch(r"[\u4e00-\u9fff]{2,6}", head) else ""), ""
    words = [w for w in tail.split() if w.isalpha()]
    while words and words[-1] in _EN_STOPWORDS:
        words.pop()
    return " ".join(words[-2:]), ""


def read_measure(
    text: str,
    start: int,
    end: int,
    clause: tuple[int, int],
    sentence: tuple[int, int],
    unit: str = "",
    own: tuple[int, int] | None = None,
) -> Measure:
    """What the figure at ``text[start:end]`` measures, read from its clause and sentence.

    ``own`` is the stretch of the clause that belongs to this figure (up to the neighbouring
    figures of its kind): "6750万美元的新中央图书馆和分配1000万美元" gives each its own words.
    """
    lo, hi = own if own is not None else clause
    before = text[max(clause[0], lo) : start]
    after = text[end : min(clause[1], hi)]
    zh = _zh(before[-12:] + after[:12])
    # -- kind --------------------------------------------------------------------------------
    kind = "level"
    if (
        (
            (_ZH_CHANGE_BEFORE_RE.search(before) or _ZH_CHANGE_AFTER_RE.match(after))
            and not re.search(r"(?:至|到)[\s「“]*$", before)
        )
        or _EN_CHANGE_BEFORE_RE.search(before)
        or _EN_CHANGE_AFTER_RE.match(after)
        or (
            unit == "%" and _EN_GROWTH_RE.search(text[sentence[0] : sentence[1]][:200]) and not before.strip()
        )
    ):
        kind = "change"
    # -- denominator ---------------------------------------------------------------------------
    denominator = ""
    per = (
        _ZH_PER_AFTER_RE.match(after)
        or _EN_PER_AFTER_RE.match(after)
        or _ZH_PER_BEFORE_RE.search(before)
        or _EN_PER_BEFORE_RE.search(before)
    )
    if per is not None:
        u = per.groupdict().get("u")
        denominator = "per " + (_PER_UNITS.get(u, u) if u else "person")
        if kind == "level":
            kind = "rate"
    if unit == "%" and not denominator:
        share = _ZH_SHARE_OF_RE.match(after) or _EN_SHARE_OF_RE.match(after)
        if share is not None:
            denominator = "of " + share.group("of").strip()
            if kind == "level":
                kind = "part"
    if kind == "level" and (
        _ZH_PART_RE.search(before)
        or _EN_PART_RE.search(before)
        or _PAREN_AFTER_NOUN_RE.search(before)
        or _SENTENCE_PART_RE.search(text, sentence[0], start)
    ):
        kind = "part"  # "其中100亿", "services ($4.45 billion)", "including $8 billion"
    # -- referent --------------------------------------------------------------------------------
    phrase, key = _referent(before, after, zh)
    # -- modality, and a previous value -------------------------------------------------------------
    modality = _modality(text, clause, sentence)
    earlier = bool(_ZH_FROM_RE.search(before) or _EN_FROM_RE.search(before) or _EARLIER_RE.search(before))
    return Measure(
        referent=phrase,
        referent_key=key,
        denominator=denominator,
        kind=kind,
        modality=modality,
        earlier=earlier,
    )
