"""The claims ledger: every figure of a story, grouped, with agreements and contradictions linked.

Claims about the same subject and measure are compared in one base unit (money in USD through
a dated rate table, counts in their own unit):

- two claims *agree* when their values match within the tolerance (the nine "$500B" mentions,
  and 3.64万亿人民币 / 3.9万亿港元 / 78万亿日元 beside them, are one claim with many sources);
- two claims *contradict* when the ranges their qualifiers allow cannot overlap ("远低于100亿美元"
  vs "243亿美元"), including order-of-magnitude slips (80亿 vs 800亿);
- a claim with measure ``"refutation"`` (a speaker saying another's words are wrong) and a
  figure marked ``qualifier="denied"`` are linked into ``refuted_by`` of what they deny.

Example::

    >>> from storyline.records import Claim
    >>> a = Claim("软银", "cash", 1e10, "USD", "100亿美元", qualifier="far under", speaker="A", paragraph=1, id="a")
    >>> b = Claim("软银", "cash", 2.43e10, "USD", "243亿美元", speaker="B", paragraph=2, id="b")
    >>> [c.contradicts for c in build_ledger([a, b])]
    [('b',), ('a',)]
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from storyline.records import Claim

__all__ = [
    "RATES",
    "RATE_TOLERANCE",
    "TOLERANCE",
    "LedgerRow",
    "build_ledger",
    "contradiction_kind",
    "ledger_rows",
    "to_base",
]

# Units of currency per 1 USD, by the date they were read (reference rates, rounded). The
# nearest date to a claim's year is used; a claim without a year uses the latest table.
RATES: dict[str, dict[str, float]] = {
    "2015-06-30": {
        "USD": 1.0,
        "CNY": 6.21,
        "HKD": 7.75,
        "JPY": 122.0,
        "EUR": 0.90,
        "GBP": 0.64,
        "TWD": 30.9,
        "KRW": 1120.0,
    },
    "2020-06-30": {
        "USD": 1.0,
        "CNY": 7.07,
        "HKD": 7.75,
        "JPY": 107.0,
        "EUR": 0.89,
        "GBP": 0.81,
        "TWD": 29.5,
        "KRW": 1200.0,
    },
    "2025-01-22": {
        "USD": 1.0,
        "CNY": 7.28,
        "HKD": 7.79,
        "JPY": 156.0,
        "EUR": 0.96,
        "GBP": 0.81,
        "TWD": 32.8,
        "KRW": 1440.0,
    },
}
#: Two figures agree when within this relative distance (printed figures are rounded: 3.64万亿).
TOLERANCE = {"": 0.05, "about": 0.25, "nearly": 0.25}
#: Added when a figure is converted between currencies (rates move within a story's days).
RATE_TOLERANCE = 0.05

_NO_COMPARE = {"hypothetical", "denied", "denies"}
_UNDER = {"under", "far under", "at most", "up to"}
_OVER = {"over", "far over", "at least"}
_YEAR_RE = re.compile(r"(19|20)\d\d")


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One line of the story page's claims table: a figure and every claim that states it."""

    subject: str
    measure: str
    value: float
    unit: str
    claims: tuple[Claim, ...]
    speakers: tuple[str, ...]
    contradicted: bool
    refuted: bool = False
    base_value: float = 0.0  # the value in the group's base unit (USD for money)


def _rate_table(timeframe: str) -> dict[str, float]:
    year = _YEAR_RE.search(timeframe or "")
    if not year:
        return RATES[max(RATES)]
    y = int(year.group(0))
    return RATES[min(RATES, key=lambda d: abs(int(d[:4]) - y))]


def to_base(claim: Claim) -> tuple[float, str, bool]:
    """(value, base unit, converted?) — money in USD at the dated rate, anything else as is."""
    table = _rate_table(claim.timeframe)
    if claim.unit in table:
        return claim.value / table[claim.unit], "USD", claim.unit != "USD"
    return claim.value, claim.unit, False


def _tolerance(c: Claim, converted: bool) -> float:
    return TOLERANCE.get(c.qualifier, TOLERANCE[""]) + (RATE_TOLERANCE if converted else 0.0)


def _interval(c: Claim) -> tuple[float, float]:
    v, _, conv = to_base(c)
    t = _tolerance(c, conv)
    q = c.qualifier
    if q in {"far under"}:
        return (0.0, v)
    if q in _UNDER:
        return (0.0, v * (1 + t))
    if q in _OVER:
        return (v * (1 - t), math.inf)
    if q == "nearly":
        return (v * (1 - t), v * (1 + TOLERANCE[""]))
    return (v * (1 - t), v * (1 + t))


def _agree(a: Claim, b: Claim) -> bool:
    va, _, ca = to_base(a)
    vb, _, cb = to_base(b)
    if va <= 0 or vb <= 0:
        return va == vb
    # "不到5000亿" does not restate "5000亿": a claim of shortfall agrees only with another.
    if (a.qualifier in {"under", "far under"}) != (b.qualifier in {"under", "far under"}):
        return False
    tol = max(_tolerance(a, ca), _tolerance(b, cb))
    return abs(math.log(va / vb)) <= math.log(1 + tol)


def _same_place(a: Claim, b: Claim) -> bool:
    return a.article_id == b.article_id and a.paragraph == b.paragraph and a.floor == b.floor


def _contradict(a: Claim, b: Claim) -> bool:
    if _same_place(a, b):
        return False  # one speaker in one breath ("800亿(80B)") is an equivalence, not a dispute
    return _disjoint(a, b)


def _disjoint(a: Claim, b: Claim) -> bool:
    """The two values cannot both hold, given their qualifiers and time frames."""
    if a.timeframe and b.timeframe and a.timeframe != b.timeframe:
        return False  # "per year" and "4 years" measure different things
    lo_a, hi_a = _interval(a)
    lo_b, hi_b = _interval(b)
    return hi_a < lo_b or hi_b < lo_a


def contradiction_kind(a: Claim, b: Claim) -> str:
    """ "magnitude" when the two values differ by a power of ten (80亿 vs 800亿), else "range"."""
    va, _, _ = to_base(a)
    vb, _, _ = to_base(b)
    if va > 0 and vb > 0:
        ratio = math.log10(max(va, vb) / min(va, vb))
        if ratio >= 0.95 and abs(ratio - round(ratio)) <= 0.05:
            return "magnitude"
    return "range"


def _group_key(c: Claim) -> tuple[str, str, str]:
    return (c.subject, c.measure, to_base(c)[1])


def build_ledger(claims: Sequence[Claim]) -> tuple[Claim, ...]:
    """The same claims, in the same order, with ``agrees_with``, ``contradicts`` and ``refuted_by``."""
    agrees: dict[str, set[str]] = defaultdict(set)
    contra: dict[str, set[str]] = defaultdict(set)
    refuted: dict[str, set[str]] = defaultdict(set)
    groups: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    figures = [c for c in claims if c.measure != "refutation"]
    for c in figures:
        groups[_group_key(c)].append(c)

    def compare_pairwise(xs: Sequence[Claim], ys: Sequence[Claim] | None) -> None:
        pairs = (
            ((a, b) for i, a in enumerate(xs) for b in xs[i + 1 :])
            if ys is None
            else ((a, b) for a in xs for b in ys)
        )
        for a, b in pairs:
            if a.qualifier in _NO_COMPARE or b.qualifier in _NO_COMPARE:
                if "denied" in {a.qualifier, b.qualifier} and _agree_ignoring_qualifier(a, b):
                    denier, denied = (a, b) if a.qualifier == "denied" else (b, a)
                    if denied.qualifier != "denied" and denier.speaker != denied.speaker:
                        refuted[denied.id].add(denier.id)
                continue
            if _agree(a, b):
                agrees[a.id].add(b.id)
                agrees[b.id].add(a.id)
            elif _contradict(a, b):
                contra[a.id].add(b.id)
                contra[b.id].add(a.id)

    for members in groups.values():
        # Restatements are the bulk of a big story (the $500B printed by every outlet): claims
        # with the same value, unit, qualifier and time frame relate to every other claim in the
        # same way, so compare one representative per bucket instead of every pair (a story of
        # 60 reprints of the seed pages went from 2.1 s to well under 0.1 s here).
        buckets: dict[tuple[float, str, str, str], list[Claim]] = defaultdict(list)
        for c in members:
            buckets[(c.value, c.unit, c.qualifier, c.timeframe)].append(c)
        keys = list(buckets)
        for k in keys:
            same = buckets[k]
            if k[2] in _NO_COMPARE:
                compare_pairwise(same, None)
            elif len(same) > 1:
                ids = {c.id for c in same}
                for c in same:
                    agrees[c.id].update(ids - {c.id})
        for i, ka in enumerate(keys):
            for kb in keys[i + 1 :]:
                xs, ys = buckets[ka], buckets[kb]
                if ka[2] in _NO_COMPARE or kb[2] in _NO_COMPARE:
                    compare_pairwise(xs, ys)
                    continue
                a0, b0 = xs[0], ys[0]
                if _agree(a0, b0):
                    for a in xs:
                        agrees[a.id].update(b.id for b in ys)
                    for b in ys:
                        agrees[b.id].update(a.id for a in xs)
                elif _disjoint(a0, b0):
                    for a in xs:
                        for b in ys:
                            if not _same_place(a, b):
                                contra[a.id].add(b.id)
                                contra[b.id].add(a.id)
    # "X's claim is wrong" covers X's figures in the same report, and X's restatements of them
    # elsewhere in the story; not every figure X ever gave.
    for r in claims:
        if r.measure != "refutation":
            continue
        hit = [
            c
            for c in figures
            if c.speaker == r.subject
            and c.speaker != r.speaker
            and c.article_id == r.article_id
            and c.qualifier not in _NO_COMPARE
        ]
        for c in hit:
            refuted[c.id].add(r.id)
            for other in figures:
                if other.speaker == c.speaker and other.id in agrees.get(c.id, set()):
                    refuted[other.id].add(r.id)

    def ordered(ids: set[str]) -> tuple[str, ...]:
        return tuple(sorted(ids))

    return tuple(
        replace(
            c,
            agrees_with=ordered(agrees.get(c.id, set()) | set(c.agrees_with)),
            contradicts=ordered(contra.get(c.id, set()) | set(c.contradicts)),
            refuted_by=ordered(refuted.get(c.id, set()) | set(c.refuted_by)),
        )
        for c in claims
    )


def _agree_ignoring_qualifier(a: Claim, b: Claim) -> bool:
    return _agree(replace(a, qualifier=""), replace(b, qualifier=""))


def ledger_rows(claims: Sequence[Claim]) -> list[LedgerRow]:
    """Rows for the story page: each set of agreeing claims on one subject and measure is one row.

    Call on :func:`build_ledger` output (links are recomputed when missing). Rows are ordered by
    subject and measure, then by how many claims state them.
    """
    if claims and not any(c.agrees_with or c.contradicts or c.refuted_by for c in claims):
        claims = build_ledger(claims)
    by_id = {c.id: c for c in claims}
    seen: set[str] = set()
    rows: list[LedgerRow] = []
    for c in claims:
        if c.measure == "refutation" or c.id in seen:
            continue
        # the connected set of agreeing claims
        component, stack = [], [c.id]
        while stack:
            cid = stack.pop()
            if cid in seen or cid not in by_id:
                continue
            seen.add(cid)
            component.append(by_id[cid])
            stack.extend(by_id[cid].agrees_with)
        component.sort(key=lambda x: (x.article_id, x.paragraph if x.floor is None else 10_000 + x.floor))
        # the row shows the figure printed most often, in its own unit
        counts: dict[tuple[float, str], int] = defaultdict(int)
        for m in component:
            counts[(m.value, m.unit)] += 1
        (value, unit), _ = max(counts.items(), key=lambda kv: (kv[1], kv[0][1] == "USD"))
        speakers = tuple(dict.fromkeys(m.speaker for m in component if m.speaker))
        rows.append(
            LedgerRow(
                subject=c.subject,
                measure=c.measure,
                value=value,
                unit=unit,
                claims=tuple(component),
                speakers=speakers,
                contradicted=any(m.contradicts for m in component),
                refuted=any(m.refuted_by for m in component),
                base_value=to_base(component[0])[0],
            )
        )
    rows.sort(key=lambda r: (r.subject, r.measure, -len(r.claims)))
    return rows
