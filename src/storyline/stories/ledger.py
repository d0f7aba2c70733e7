"""The claims ledger: every figure of a story, grouped, with agreements and contradictions linked.

Claims about the same subject, measure, kind and denominator are compared in one base unit
(money in USD through a dated rate table, counts in their own unit):

- two claims *agree* when their values match within the tolerance (the nine "$500B" mentions,
  and 3.64万亿人民币 / 3.9万亿港元 / 78万亿日元 beside them, are one claim with many sources);
- two claims *contradict* only when the ranges their qualifiers allow cannot overlap ("远低于
  100亿美元" vs "243亿美元", a tenfold slip 80亿 vs 800亿) AND everything else says they measure
  one thing: both asserted (not hypothetical, a guess, a question or denied), from two reports
  (one article's own text or one reader's comment never contradicts itself), the same subject
  read in the figure's clause or sentence (or the article's one project), the same
  :func:`match_key` (subject, measure, referent, denominator, kind, unit; a part never), and
  matching time frames. The fields that matched are kept in ``contradiction_reasons``;
- figures on the same subject and referent that differ but are not certain enough to accuse are
  linked in ``differs_from`` (shown side by side as "different figures");
- a claim with measure ``"refutation"`` (a speaker saying another's words are wrong) and a
  figure marked ``qualifier="denied"`` are linked into ``refuted_by`` of what they deny.

Example::

    >>> from storyline.records import Claim
    >>> same = dict(subject="软银", measure="cash", referent_key="cash", kind="level", subject_basis="clause")
    >>> a = Claim(value=1e10, unit="USD", text="100亿美元", qualifier="far under", speaker="A", article_id="x", id="a", **same)
    >>> b = Claim(value=2.43e10, unit="USD", text="243亿美元", speaker="B", article_id="y", id="b", **same)
    >>> [c.contradicts for c in build_ledger([a, b])]
    [('b',), ('a',)]
    >>> build_ledger([a, b])[0].contradiction_reasons[0][1].split("; ")[:3]
    ['subject=软银', 'measure=cash', 'referent=cash']
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
    "match_key",
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


def _group_key(c: Claim) -> tuple[str, str, str, str, str]:
    """Claims that may restate one another: same subject, measure, kind, denominator, base unit.

    A rate (每公里18亿), a change (增加约15亿元) and a part (其中100亿) are their own kinds, so
    they are never set against a total.
    """
    return (c.subject, c.measure, c.kind or "level", c.denominator, to_base(c)[1])


def match_key(c: Claim) -> tuple[str, str, str, str, str, str]:
    """The bucket a claim is compared in: two claims can contradict only inside one bucket.

    (subject, measure, referent key, denominator, kind, base unit). The time frame is checked
    inside the bucket (an unstated one may be a restatement of a stated yearly figure), so an
    incremental ledger compares a new claim with its bucket's representatives only.
    """
    return (c.subject, c.measure, c.referent_key, c.denominator, c.kind or "level", to_base(c)[1])


_SURE_SUBJECT = {"clause", "sentence", "article"}
_OPEN_TIMEFRAME_RE = re.compile(r"^(?:per \w+|\d+ \w+)$")  # "per year", "4 years": often left unsaid


def _asserted(c: Claim) -> bool:
    return not c.modality and c.qualifier not in _NO_COMPARE


def _comparable(a: Claim, b: Claim) -> str:
    """Why the two claims may be set against each other ("" when they may not)."""
    why = _bucket_reason(a, b)
    if not why or not (_sure(a) and _sure(b)) or _same_report(a, b):
        return ""
    return why


def _sure(c: Claim) -> bool:
    return c.subject_basis in _SURE_SUBJECT  # whose figure it is was read, not inferred


def _bucket_reason(a: Claim, b: Claim) -> str:
    """The fields two buckets' claims share, when they may contradict at all ("" when not).

    Only what all members of a bucket share is checked here (everything but where each was
    said and how its subject was found), so that one call serves a whole pair of buckets.
    """
    if not (a.kind and b.kind):
        return ""  # records read before kinds existed: too little is known to accuse anyone
    if not (_asserted(a) and _asserted(b)):
        return ""  # hypotheticals, possibilities, questions and denials are shown apart
    if not a.subject or a.subject != b.subject:
        return ""
    if not a.referent_key or match_key(a) != match_key(b) or a.kind == "part":
        return ""
    tf = _timeframes_match(a.timeframe, b.timeframe)
    if not tf:
        return ""
    return (
        f"subject={a.subject}; measure={a.measure}; referent={a.referent_key}; "
        f"denominator={a.denominator or '-'}; timeframe={tf}; kind={a.kind}"
    )


def _timeframes_match(x: str, y: str) -> str:
    if x == y:
        return x or "-"
    if not x and _OPEN_TIMEFRAME_RE.match(y):
        return f"{y} (one side unstated)"
    if not y and _OPEN_TIMEFRAME_RE.match(x):
        return f"{x} (one side unstated)"
    return ""


def _same_report(a: Claim, b: Claim) -> bool:
    """One article's own text (or one reader's comment) never contradicts itself."""
    return a.article_id == b.article_id and a.floor == b.floor


def _fmt(c: Claim) -> str:
    q = f"{c.qualifier} " if c.qualifier else ""
    return f"{q}{c.text}"


def build_ledger(claims: Sequence[Claim]) -> tuple[Claim, ...]:
    """The same claims, in the same order, with ``agrees_with``, ``contradicts`` and ``refuted_by``.

    Also ``contradiction_reasons`` (for each contradiction, the fields that matched) and
    ``differs_from`` (same subject and referent, a different figure, not certain enough to be a
    contradiction: shown side by side). Deterministic: groups and pairs are visited in sorted order.
    """
    agrees: dict[str, set[str]] = defaultdict(set)
    contra: dict[str, dict[str, str]] = defaultdict(dict)
    differs: dict[str, set[str]] = defaultdict(set)
    refuted: dict[str, set[str]] = defaultdict(set)
    groups: dict[tuple[str, str, str, str, str], list[Claim]] = defaultdict(list)
    figures = [c for c in claims if c.measure != "refutation"]
    for c in figures:
        groups[_group_key(c)].append(c)

    def relate(xs: Sequence[Claim], ys: Sequence[Claim], same_bucket: bool) -> None:
        a0, b0 = xs[0], ys[0]
        if not (_asserted(a0) and _asserted(b0)):
            # A denial ("号称投资5000亿美元不实") refutes the claims it denies; whether it
            # denies a bucket is decided once per pair of buckets, who said what per member.
            if "denied" in {a0.qualifier, b0.qualifier} and _agree_ignoring_qualifier(a0, b0):
                for a in xs:
                    for b in ys:
                        if a is not b:
                            _deny(a, b)
            return
        if same_bucket or (_agree(a0, b0) and _referents_meet(a0, b0)):
            for a in xs:
                agrees[a.id].update(b.id for b in ys if b.id != a.id)
            for b in ys:
                agrees[b.id].update(a.id for a in xs if a.id != b.id)
            return
        # Everything but the speakers' places and subject bases is shared by each bucket.
        why = _bucket_reason(a0, b0)
        disjoint = bool(why) and _disjoint(a0, b0)
        differ = bool(a0.referent_key) and a0.referent_key == b0.referent_key
        if not (disjoint or differ):
            return
        for a in xs:
            for b in ys:
                if _same_report(a, b):
                    continue  # one article's own figures, one reader's comment: never a dispute
                if disjoint and _sure(a) and _sure(b):
                    why_pair = f"{why}; values {_fmt(a)} vs {_fmt(b)} cannot both hold"
                    contra[a.id][b.id] = contra[b.id][a.id] = why_pair
                elif differ:
                    differs[a.id].add(b.id)
                    differs[b.id].add(a.id)

    def _deny(a: Claim, b: Claim) -> None:
        denier, denied = (a, b) if a.qualifier == "denied" else (b, a)
        # "也许不到5000亿" or "不到5000亿" agrees with a denial of 5000亿 rather than being refuted.
        if (
            denied.qualifier not in _NO_COMPARE
            and not denied.modality
            and denied.qualifier not in {"under", "far under", "at most"}
            and denier.speaker != denied.speaker
        ):
            refuted[denied.id].add(denier.id)

    for gkey in sorted(groups):
        members = groups[gkey]
        # Restatements are the bulk of a big story (the $500B printed by every outlet): claims
        # with the same value, unit, qualifier, time frame and referent relate to every other
        # claim in the same way, so one representative per bucket is compared, not every pair
        # (a story of 60 reprints of the seed pages went from 2.1 s to well under 0.1 s here).
        buckets: dict[tuple, list[Claim]] = defaultdict(list)
        for c in members:
            buckets[(c.value, c.unit, c.qualifier, c.timeframe, c.referent_key, c.modality)].append(c)
        keys = sorted(buckets, key=lambda k: (k[0], k[1], k[2], k[3], k[4], k[5]))
        for i, ka in enumerate(keys):
            relate(buckets[ka], buckets[ka], True)
            for kb in keys[i + 1 :]:
                relate(buckets[ka], buckets[kb], False)
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
            and _asserted(c)
        ]
        for c in hit:
            refuted[c.id].add(r.id)
            for other in figures:
                if other.speaker == c.speaker and other.id in agrees.get(c.id, set()):
                    refuted[other.id].add(r.id)

    def ordered(ids: set[str]) -> tuple[str, ...]:
        return tuple(sorted(ids))

    out = []
    for c in claims:
        reasons = dict(c.contradiction_reasons)
        reasons.update(contra.get(c.id, {}))
        contradicts = set(contra.get(c.id, {})) | set(c.contradicts)
        out.append(
            replace(
                c,
                agrees_with=ordered(agrees.get(c.id, set()) | set(c.agrees_with)),
                contradicts=ordered(contradicts),
                refuted_by=ordered(refuted.get(c.id, set()) | set(c.refuted_by)),
                contradiction_reasons=tuple(sorted(reasons.items())),
                differs_from=ordered((differs.get(c.id, set()) | set(c.differs_from)) - contradicts),
            )
        )
    return tuple(out)


def _referents_meet(a: Claim, b: Claim) -> bool:
    """Equal figures restate one claim unless both name what they count and the names differ."""
    return not (a.referent_key and b.referent_key and a.referent_key != b.referent_key)


def _agree_ignoring_qualifier(a: Claim, b: Claim) -> bool:
    return _agree(replace(a, qualifier=""), replace(b, qualifier=""))


def ledger_rows(claims: Sequence[Claim]) -> list[LedgerRow]:
    """Rows for the story page: each set of agreeing claims on one subject and measure is one row.

    ``claims`` are :func:`build_ledger` output, as a built story holds them: their links are
    final even when there are none (claims never linked are grouped one a row; link them with
    ``build_ledger`` first). Rows are ordered by subject and measure, then by how many claims
    state them.
    """
    by_id = {c.id: c for c in claims}
    seen: set[str] = set()
    rows: list[LedgerRow] = []
    for c in claims:
        if c.measure == "refutation" or c.id in seen:
            continue
        # the connected set of agreeing claims
        # Depth first over each claim's agreement group, as over its ``agrees_with`` (the claim's
        # own id in the group is seen already). Seen ids are not pushed, and a group pushed last
        # is not pushed again: its unseen members are the top of the stack, in its order, so the
        # visit order is the same, but a figure restated n times costs n steps, not n².
        component, stack = [], [c.id]
        last: tuple[str, ...] | None = None
        while stack:
            cid = stack.pop()
            if cid in seen or cid not in by_id:
                continue
            seen.add(cid)
            member = by_id[cid]
            component.append(member)
            group = member.agreement
            if group is last or group == last:
                continue
            stack.extend(i for i in group if i not in seen)
            last = group
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
