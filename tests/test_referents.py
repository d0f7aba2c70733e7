"""What a figure measures: referent, denominator, kind and modality, in Chinese and English.

Sentences are short variants of ones in the seeds, the demo corpus and the SemEval articles.
"""

from __future__ import annotations

import pytest

from storyline.analyze.quantities import parse_quantities, sentence_spans
from storyline.analyze.referents import read_measure


def _measure(text: str, figure: str):
    """read_measure for the figure ``figure`` of ``text``, with claims.py's clause bounds."""
    from storyline.analyze.claims import _clause_bounds, _own_stretch

    quantities = parse_quantities(text)
    (q,) = [q for q in quantities if q.text == figure]
    s_lo, s_hi = next((a, b) for a, b in sentence_spans(text) if a <= q.start < b)
    clause = _clause_bounds(text, s_lo, s_hi, q.start)
    return read_measure(text, q.start, q.end, clause, (s_lo, s_hi), q.unit, _own_stretch(q, quantities, text))


@pytest.mark.parametrize(
    ("text", "figure", "referent", "key"),
    [
        ("根据软银最新的财报,该公司现金余额为243亿美元。", "243亿美元", "现金余额", "cash"),
        ("软银现在的资金远低于100亿美元。", "100亿美元", "资金", "cash"),
        ("澄湾市议会通过跨海铁路隧道方案,工程预算为120亿元,计划5年内建成。", "120亿元", "工程预算", "budget"),
        ("专项债券利息未计入120亿元预算。", "120亿元", "预算", "budget"),
        (
            "foreign direct investment into india grew close to 15% to $26 billion.",
            "$26 billion",
            "foreign direct investment",
            "fdi",
        ),
        (
            "inflow of fdi during april-september of 2018-19 stood at $22.66 billion.",
            "$22.66 billion",
            "fdi",
            "fdi",
        ),
        ("the highest national average price of gas was $4.", "$4", "price", "price"),
        (
            "新费率还将帮助支付价值6750万美元的新中央图书馆和分配1000万美元的路边有机物计划。",
            "1000万美元",
            "",
            "",
        ),
    ],
)
def test_referent_and_its_key(text: str, figure: str, referent: str, key: str) -> None:
    m = _measure(text, figure)
    assert (m.referent_key, m.referent if key else "") == (key, referent)


def test_a_claim_and_its_translation_share_the_referent_key() -> None:
    zh = _measure("2018年流入印度的外国直接投资增长6%至420亿美元。", "420亿美元")
    en = _measure("foreign direct investment into india grew close to 15% to $26 billion.", "$26 billion")
    assert zh.referent_key == en.referent_key == "fdi"
    assert (zh.kind, en.kind) == ("level", "level")  # "增长…至" and "grew … to": where it stands


@pytest.mark.parametrize(
    ("text", "figure", "kind", "denominator"),
    [
        ("120亿修6.8公里,每公里接近18亿。", "18亿", "rate", "per km"),
        ("若计入,总成本将增加约15亿元。", "15亿元", "change", ""),
        ("mooring fees have increased $50 to cover the costs.", "$50", "change", ""),
        ("expected to pay $1,935 on gas in 2020, up $2 from 2019.", "$2", "change", ""),
        ("the last time gas topped $3 per gallon.", "$3", "rate", "per gallon"),
        ("drivers paid $3 a gallon.", "$3", "rate", "per gallon"),
        ("其中100亿美元将立即部署。", "100亿美元", "part", ""),
        ("sectors include services ($4.45 billion), software ($4 billion).", "$4.45 billion", "part", ""),
        ("只有41%的登记选民认为特朗普值得连任。", "41%", "part", "of 登记选民"),
        ("the amendment passed with 55% of the vote.", "55%", "part", "of vote"),
        ("微软已经宣布每年800亿(80B)投入到AI中。", "80B", "level", ""),  # a restatement, not a part
        ("工程预算为120亿元。", "120亿元", "level", ""),
    ],
)
def test_kind_and_denominator(text: str, figure: str, kind: str, denominator: str) -> None:
    m = _measure(text, figure)
    assert (m.kind, m.denominator) == (kind, denominator)


@pytest.mark.parametrize(
    ("text", "figure", "modality"),
    [
        ("也许不到5000亿,但也绝对不是小数点了。", "5000亿", "possible"),
        ("真实成本可能达到180亿元。", "180亿元", "possible"),
        ("有人看到港湾时报写的是12亿吗?", "12亿", "question"),
        ("why has the average cost of gas been below $3 for so long?", "$3", "question"),
        ("如果nvidia愿意出该项目剩下的三千多亿美元。", "三千多亿美元", "hypothetical"),
        ("the module would cost about $35 million.", "$35 million", "hypothetical"),
        ("议会文件写的是120亿元。", "120亿元", ""),
    ],
)
def test_modality(text: str, figure: str, modality: str) -> None:
    assert _measure(text, figure).modality == modality


def test_a_previous_value_is_marked_earlier() -> None:
    assert _measure("公司税率从6.25%降至4%。", "6.25%").earlier
    assert not _measure("公司税率从6.25%降至4%。", "4%").earlier
    assert _measure("down from $2,489 in 2014.", "$2,489").earlier


def test_english_sentences_end_at_full_stops_but_not_at_abbreviations_or_decimals() -> None:
    text = "prices averaged $3.05 in the u.s. market. mr. smith paid $4. the end"
    assert [text[a:b].strip() for a, b in sentence_spans(text)] == [
        "prices averaged $3.05 in the u.s. market.",
        "mr. smith paid $4.",
        "the end",
    ]


def test_a_bracketed_restatement_shares_the_words_after_it() -> None:
    text = "微软已经宣布每年800亿(80b)投入到ai中。"
    assert (_measure(text, "800亿").referent_key, _measure(text, "80b").referent_key) == (
        "investment",
        "investment",
    )
