"""The claims ledger as the story page shows it: one row per set of agreeing claims.

A restated figure is ONE row with every source that printed it; contradictions and refutations
are links between rows, each flag with the fields both figures share (why they cannot both
hold). The grouping is :func:`storyline.stories.ledger.ledger_rows`, a pure function over the
Claim records the story already holds (no store or stage state), so the page and the stage
can never disagree about what "the same claim" means; what is added here is only how the page
shows it: row order and numbers, Chinese labels, figures in 万/亿, and the link of each source
(a paragraph of the body or a floor of a thread — which depend on the page). It runs once per
rendered page, and a page is kept by the response cache (and the page store) until the story
changes, so a reader's view does not recompute it. ``templates/_ledger.html`` writes the rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from storyline.analyze.referents import REFERENT_LABELS_ZH, denominator_zh
from storyline.export import contradiction_export
from storyline.records import Article, Claim
from storyline.stories.ledger import ledger_rows
from storyline.web.formats import fmt_value
from storyline.web.labels import measure_label, qualifier_label, timeframe_label
from storyline.web.links import anchor, floor_anchor

__all__ = ["CLAIM_KIND_LABELS", "MODALITY_LABELS", "claim_rows"]

# How the page names what the ledger matched (Chinese UI; the export keeps the field names).
MODALITY_LABELS = {"hypothetical": "假设", "possible": "推测", "question": "疑问", "denied": "被否认"}
CLAIM_KIND_LABELS = {"level": "数额", "change": "变化量", "part": "部分", "rate": "比率"}
_REASON_FIELDS = (
    ("subject", "对象"),
    ("referent", "所指"),
    ("denominator", "分母"),
    ("timeframe", "时间"),
    ("kind", "类型"),
)
_TIMEFRAME_RE = re.compile(r"^(?:per (?P<per>\w+)|(?P<n>\d+) (?P<u>\w+?)s?|in (?P<y>\d{4})|(?P<e>earlier))$")
_TIME_UNITS_ZH = {"year": "年", "month": "个月", "week": "周", "day": "天"}


def claim_rows(
    claims: Iterable[Claim],
    by_id: dict[str, Article],
    passage: dict[tuple[str, int], str],
    primary: str | None,
    floor_link: Callable[[str, int], str] | None = None,
) -> list[dict[str, Any]]:
    """The ledger table's rows, in the order shown and numbered so (the # column counts down).

    ``by_id``: the story's articles; ``passage``: (article, paragraph) → the anchor of its place
    in the body; ``floor_link(article, floor)``: the href of a floor (default: its anchor on a
    page whose biggest thread is ``primary``). ``claims`` are linked (a built story's, or
    :func:`~storyline.stories.ledger.build_ledger` output).
    """
    claims = list(claims)
    by_claim = {c.id: c for c in claims if c.id}
    # The disputes first: that is what a reader of this table is looking for; hypotheticals,
    # guesses and questions last, apart from the figures asserted as facts.
    rows_in = sorted(
        ledger_rows(claims),
        key=lambda r: (
            not r.contradicted,
            not r.refuted,
            all(c.modality for c in r.claims),
            -len(r.claims),
        ),
    )
    row_of: dict[str, int] = {}
    for n, row in enumerate(rows_in, 1):
        for c in row.claims:
            row_of[c.id] = n

    def where(c: Claim) -> tuple[str, str]:
        art = by_id.get(c.article_id)
        outlet = art.outlet if art else ""
        if c.floor is not None:
            href = (
                floor_link(c.article_id, c.floor)
                if floor_link
                else "#" + floor_anchor(primary, c.article_id, c.floor)
            )
            return href, f"{outlet} {c.floor}楼"
        if c.paragraph >= 0:
            href = "#" + passage.get((c.article_id, c.paragraph), "art-" + anchor(c.article_id))
            return href, f"{outlet} 第{c.paragraph + 1}段"
        return "#art-" + anchor(c.article_id), outlet or "?"

    def links(ids: Iterable[str], own: int) -> list[tuple[int, str]]:
        targets = sorted({row_of[i] for i in ids if i in row_of and row_of[i] != own})
        return [(t, f"claim-row-{t}") for t in targets]

    out = []
    for n, row in enumerate(rows_in, 1):
        sources = []
        for c in row.claims:
            href, label = where(c)
            art = by_id.get(c.article_id)
            sources.append(
                {
                    "c": c,
                    "href": href,
                    "where": label.strip() or "?",
                    "value": fmt_value(c.value, c.unit),
                    "lang": art.script if art else "",
                }
            )
        qualifiers = sorted({qualifier_label(c.qualifier) for c in row.claims if c.qualifier})
        timeframes = sorted({timeframe_label(c.timeframe) for c in row.claims if c.timeframe})
        contradicts = links((i for c in row.claims for i in c.contradicts), n)
        refuted = [
            {"c": by_claim[i], "href": where(by_claim[i])[0], "where": where(by_claim[i])[1]}
            for i in dict.fromkeys(i for c in row.claims for i in c.refuted_by)
            if i in by_claim
        ]
        if contradicts:
            cls = "contradicted"
        elif refuted:
            cls = "refuted"
        else:
            cls = "agreed" if len(sources) > 1 else ""
        value = fmt_value(row.value, row.unit)
        out.append(
            {
                "n": n,
                "anchor": f"claim-row-{n}",
                "class": cls,
                "row": row,
                "measure": measure_label(row.measure) if row.measure else "",
                "value": value,
                "qualifier": " / ".join(qualifiers),
                "timeframe": " / ".join(timeframes),
                "speakers": list(row.speakers),
                "sources": sources,
                # outlet names may hold spaces (The Meridian Post): taken from the articles, not the label
                "outlets": sorted(
                    {
                        by_id[c.article_id].outlet
                        for c in row.claims
                        if c.article_id in by_id and by_id[c.article_id].outlet
                    }
                ),
                "contradicts": contradicts,
                "why": _contradiction_reasons(row.claims, row_of, n),
                "differs": [
                    t
                    for t in links((i for c in row.claims for i in c.differs_from), n)
                    if t not in contradicts
                ],
                "apart": " / ".join(
                    sorted({MODALITY_LABELS.get(c.modality, c.modality) for c in row.claims if c.modality})
                ),
                "refuted": refuted,
            }
        )
    return out


def _reason_value_zh(key: str, value: str) -> str:
    """A matched field as the Chinese page shows it ("" for none)."""
    if value in {"", "-"}:
        return ""
    if key == "kind":
        return CLAIM_KIND_LABELS.get(value, value)
    if key == "referent":
        return REFERENT_LABELS_ZH.get(value, value)
    if key == "denominator":
        return denominator_zh(value)
    if key == "timeframe":
        frame, _, note = value.partition(" (")
        m = _TIMEFRAME_RE.match(frame)
        if m and m["per"]:
            frame = "每" + _TIME_UNITS_ZH.get(m["per"], m["per"])
        elif m and m["n"]:
            frame = m["n"] + _TIME_UNITS_ZH.get(m["u"], m["u"])
        elif m and m["y"]:
            frame = m["y"] + "年"
        elif m and m["e"]:
            frame = "此前"
        return frame + ("（一方未说明）" if note else "")
    return value


def _contradiction_reasons(
    claims: Iterable[Claim], row_of: dict[str, int], own: int
) -> list[tuple[int, str]]:
    """(other row, "对象 软银 · 所指 cash · …") for each contradiction of the row, once per row."""
    out: dict[int, str] = {}
    for c in claims:
        for other, reason in c.contradiction_reasons:
            target = row_of.get(other)
            if target is None or target == own or target in out:
                continue
            matched = contradiction_export(other, reason)["matched"]
            parts = []
            for key, label in _REASON_FIELDS:
                value = _reason_value_zh(key, matched.get(key, ""))
                parts.append(f"{label} {value or '—'}")
            out[target] = "相同：" + " · ".join(parts)
    return sorted(out.items())
