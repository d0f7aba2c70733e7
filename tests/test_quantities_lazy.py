"""parse_quantities reads a numeral's value only where the span can be a figure.

``_read_match`` used to read every number's value first (chinese2digits for 一个, 三楼 …) and
then rule most of them out by what stands around them; it now rules first and reads the value
last, and ``parse_quantities`` returns early when no span is left. The reference below is the
old order, kept here verbatim: both must give the same quantities on every CED reply and on
generated texts full of numerals, magnitudes, units and date words.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from storyline.analyze import quantities as q
from storyline.normalize.text import fold_comments
from storyline.records import RawInput
from storyline.sources import parse_input


def _old_read_match(folded: str, m: re.Match[str]):
    if m.group("digits") is None and m.group("cn") is None:
        return None
    value = q._value_of(m)
    if value is None:
        return None
    start, end = m.start(), m.end()
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
        unit = q._CURRENCY_PREFIX[prefix]
    scale = q._AFTER_SCALE_RE.match(folded, end) if m.group("digits") is not None and not has_mag else None
    if scale:
        value *= q._SCALE_EN[scale.group(1)]
        end = scale.end()
        has_mag = True
    cur = q._AFTER_CURRENCY_RE.match(folded, end)
    if cur:
        unit = unit or q._CURRENCY_WORDS[cur.group(1)]
        end = cur.end()
    if not unit:
        cnt = q._AFTER_COUNT_RE.match(folded, end)
        if cnt:
            for i, (name, _) in enumerate(q._COUNT_NOUNS):
                if cnt.group(f"u{i}"):
                    unit = name
                    break
            end = cnt.end()
    if not unit and not (has_mag and value >= 1e4):
        return None
    if folded[start:end].endswith(" "):
        end -= 1
    return (start, end, value, unit, approx)


def _old_parse_quantities(text: str) -> list[q.Quantity]:
    if not q._ANY_DIGIT_UNFOLDED_RE.search(text):
        return []
    folded = text.translate(q._FOLD)
    found = []
    for m in q._NUMBER_RE.finditer(folded):
        got = _old_read_match(folded, m)
        if got is not None:
            found.append(got)
    for m in q._PERCENT_RE.finditer(folded):
        raw = m.group("pcn") if m.group("pcn") is not None else m.group("pd")
        value = q._percent_value(raw)
        if value is not None:
            found.append((m.start(), m.end(), value, "%", False))
    found.sort()
    kept: list = []
    for item in found:
        if kept and item[0] < kept[-1][1]:
            if item[1] - item[0] > kept[-1][1] - kept[-1][0]:
                kept[-1] = item
            continue
        kept.append(item)
    kept = q._join_compounds(folded, kept)
    frames = q._timeframes(folded)
    sentences = q.sentence_spans(folded)
    return [
        q.Quantity(
            value=value,
            unit=unit,
            text=text[start:end],
            start=start,
            end=end,
            qualifier=q._qualifier(folded, start, end, approx),
            timeframe=q._timeframe_for(folded, frames, sentences, start),
        )
        for start, end, value, unit, approx in kept
    ]


def test_the_ced_replies_give_the_quantities_of_the_old_order(weibo_dir: Path) -> None:
    paths = sorted((weibo_dir / "original").glob("*.json"))
    texts = [
        t
        for p in paths
        for a in parse_input(RawInput(str(p), p.read_bytes()))
        for t in fold_comments([c.text for c in a.comments])
    ]
    assert len(texts) == 85481
    new = [q.parse_quantities(t) for t in texts]
    assert new == [_old_parse_quantities(t) for t in texts]
    assert sum(1 for t in texts if q._ANY_DIGIT_UNFOLDED_RE.search(t)) == 9018
    assert sum(1 for found in new if found) == 432


def test_generated_texts_give_the_quantities_of_the_old_order() -> None:
    numerals = [
        *"零〇一二两兩三四五六七八九十百千万萬亿億兆",
        "1",
        "3.5",
        "1,000",
        "2.3.4",
        "十十",
        "一十万亿",
    ]
    around = [
        *"个名台块年月日号点时楼岁分秒多余 ,。%$",
        "美元", "亿美元", "港元", "元", "岗位", "就业机会", "用户", "芯片", "gpus", "飞船",
        "billion", "bn", "k", "m", "million", "trillion", "us$", "hk$", "￥", "百分之", "约", "超过",
        "2025年", "未来四年", "每年", "的", "a", "x",
    ]  # fmt: skip
    rng = random.Random(19)
    texts = [
        "".join(rng.choice(numerals if rng.random() < 0.5 else around) for _ in range(rng.randint(1, 9)))
        for _ in range(30000)
    ]
    new = [q.parse_quantities(t) for t in texts]
    assert new == [_old_parse_quantities(t) for t in texts]
    assert sum(1 for found in new if found) > 5000  # the figures are many, not only the misses
