"""The claims ledger's links at the cost of its buckets: what a story's update uses.

:func:`storyline.stories.ledger.build_ledger` is the reference: it groups claims that may
restate one another, puts the restatements of one figure in one bucket and decides each pair of
buckets from one representative each, then writes the decision onto every pair of members.
This module gives the same output (a test holds it to that on the seeds and on generated
streams) with two changes of cost only:

- a pair of buckets is decided once per process, not once per rebuild: the decision reads only
  fields every member of a bucket shares (see :func:`_signature`), so it is kept in a
  :class:`BucketDecisions` memo and a story that grows by one report decides only the pairs its
  new figures open;
- agreements are written per bucket, not per pair of members: the members of the buckets a
  bucket agrees with form one sorted tuple, which every member of the bucket carries as its
  ``agreement`` (the same object: ``agrees_with`` is derived from it on reading), so a figure
  restated n times costs n ids, not n².

Claims that already carry links (a ledger fed its own output) or share an id are handed to the
reference, which merges old links with new ones.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence

from storyline.records import Claim
from storyline.stories import ledger as _ref

__all__ = ["BucketDecisions", "link_ledger"]

_AGREE = "agree"
_DENY = "deny"


def _signature(c: Claim) -> tuple:
    """Every field the reference's bucket-pair decision reads from a representative.

    The group key (subject, measure, kind, denominator, base unit) and the bucket key (value,
    unit, qualifier, time frame, referent, modality), with the kind as written: the reference
    asks whether a kind is set at all, and "" and "level" share a group.
    """
    return (
        c.subject,
        c.measure,
        c.kind,
        c.denominator,
        c.value,
        c.unit,
        c.qualifier,
        c.timeframe,
        c.referent_key,
        c.modality,
    )


class BucketDecisions:
    """Memo of bucket-pair decisions, keyed by the two representatives' signatures.

    A decision is a pure function of the signatures, so the memo may be shared by every story
    of a process; it is bounded (cleared when full) so a long-running ingest stays small.
    """

    MAX = 200_000

    def __init__(self) -> None:
        self._memo: dict[tuple, tuple[str, str, bool, bool]] = {}

    def decide(self, a0: Claim, b0: Claim) -> tuple[str, str, bool, bool]:
        """(action, reason, disjoint, differ) for two buckets (``a0`` sorts first).

        action is "agree", "deny" (non-asserted buckets where a denial meets its figure), or "".
        """
        key = (_signature(a0), _signature(b0))
        got = self._memo.get(key)
        if got is None:
            got = self._decide(a0, b0)
            if len(self._memo) >= self.MAX:
                self._memo.clear()
            self._memo[key] = got
        return got

    @staticmethod
    def _decide(a0: Claim, b0: Claim) -> tuple[str, str, bool, bool]:
        if not (_ref._asserted(a0) and _ref._asserted(b0)):
            if "denied" in {a0.qualifier, b0.qualifier} and _ref._agree_ignoring_qualifier(a0, b0):
                return (_DENY, "", False, False)
            return ("", "", False, False)
        if _ref._agree(a0, b0) and _ref._referents_meet(a0, b0):
            return (_AGREE, "", False, False)
        why = _ref._bucket_reason(a0, b0)
        disjoint = bool(why) and _ref._disjoint(a0, b0)
        differ = bool(a0.referent_key) and a0.referent_key == b0.referent_key
        return ("", why, disjoint, differ)


_DEFAULT = BucketDecisions()


def _plain(claims: Sequence[Claim]) -> bool:
    """No claim carries links yet and ids are unique: the fast path's preconditions."""
    ids = set()
    for c in claims:
        if c.agreement or c.contradicts or c.refuted_by or c.contradiction_reasons or c.differs_from:
            return False
        ids.add(c.id)
    return len(ids) == len(claims)


def link_ledger(claims: Sequence[Claim], decisions: BucketDecisions | None = None) -> tuple[Claim, ...]:
    """Exactly :func:`storyline.stories.ledger.build_ledger` of ``claims``, decided per bucket pair."""
    if not _plain(claims):
        return _ref.build_ledger(claims)
    decisions = decisions or _DEFAULT
    contra: dict[str, dict[str, str]] = defaultdict(dict)
    differs: dict[str, set[str]] = defaultdict(set)
    # claim id -> the sets of claim ids refuting it: a denial of a figure refutes each of its
    # n restatements with the same set, so the sets are shared and joined once per combination.
    refuted: dict[str, list[frozenset[str]]] = defaultdict(list)
    agreed: dict[str, tuple[str, ...]] = {}  # claim id -> its agreement group (see records.Claim)
    groups: dict[tuple, list[Claim]] = defaultdict(list)
    figures = [c for c in claims if c.measure != "refutation"]
    # _ref._group_key, its base unit looked up once per (unit, time frame): the only fields
    # to_base reads for it, and a big story has thousands of claims but a few of those.
    base_units: dict[tuple[str, str], str] = {}
    for c in figures:
        unit = base_units.get((c.unit, c.timeframe))
        if unit is None:
            unit = base_units[(c.unit, c.timeframe)] = _ref.to_base(c)[1]
        groups[(c.subject, c.measure, c.kind or "level", c.denominator, unit)].append(c)

    for gkey in sorted(groups):
        buckets: dict[tuple, list[Claim]] = defaultdict(list)
        for c in groups[gkey]:
            buckets[(c.value, c.unit, c.qualifier, c.timeframe, c.referent_key, c.modality)].append(c)
        keys = sorted(buckets)
        # Which buckets each bucket agrees with (itself when asserted: restatements).
        agree_with: dict[tuple, list[tuple]] = {k: [] for k in keys}
        for i, ka in enumerate(keys):
            xs = buckets[ka]
            a0 = xs[0]
            if _ref._asserted(a0):
                agree_with[ka].append(ka)
            # A non-asserted bucket's members never deny one another: within a bucket both
            # sides carry the same qualifier, and a denial is never itself "denied".
            for kb in keys[i + 1 :]:
                ys = buckets[kb]
                action, why, disjoint, differ = decisions.decide(a0, ys[0])
                if action == _AGREE:
                    agree_with[ka].append(kb)
                    agree_with[kb].append(ka)
                elif action == _DENY:
                    _deny_buckets(xs, ys, refuted)
                elif disjoint or differ:
                    for a in xs:
                        for b in ys:
                            if _ref._same_report(a, b):
                                continue
                            if disjoint and _ref._sure(a) and _ref._sure(b):
                                why_pair = f"{why}; values {_ref._fmt(a)} vs {_ref._fmt(b)} cannot both hold"
                                contra[a.id][b.id] = contra[b.id][a.id] = why_pair
                            elif differ:
                                differs[a.id].add(b.id)
                                differs[b.id].add(a.id)
        shared: dict[tuple, tuple[str, ...]] = {}
        for k in keys:
            if not agree_with[k]:
                continue
            mates = tuple(sorted(agree_with[k]))
            ids = shared.get(mates)
            if ids is None:
                ids = shared[mates] = tuple(sorted(c.id for m in mates for c in buckets[m]))
            if len(ids) < 2:
                continue  # a restatement of nothing: the group is () (records.agreement_group)
            for c in buckets[k]:
                agreed[c.id] = ids

    # "X's claim is wrong": X's asserted figures in the same report, and their restatements by X
    # elsewhere (the reference's rule, with figures looked up by speaker and report).
    refutations = [r for r in claims if r.measure == "refutation"]
    single: dict[str, frozenset[str]] = {}
    if refutations:
        by_report: dict[tuple[str, str], list[Claim]] = defaultdict(list)
        by_id = {c.id: c for c in figures}
        for c in figures:
            by_report[(c.speaker, c.article_id)].append(c)
        # Each refuted figure's restatements by its speaker share one set per (group, speaker),
        # filled by every refutation and handed out once: a denial printed in every report of a
        # big story refutes the same restatements each time (refutations x group was n²).
        by_group: dict[tuple[int, str], tuple[tuple[str, ...], set[str]]] = {}
        for r in refutations:
            for c in by_report.get((r.subject, r.article_id), ()):
                if c.speaker == r.speaker or not _ref._asserted(c):
                    continue
                group = agreed.get(c.id, ())
                if group:
                    by_group.setdefault((id(group), c.speaker), (group, set()))[1].add(r.id)
                if not _holds(group, c.id):  # else the group's set reaches it (one part, not two)
                    refuted[c.id].append(single.setdefault(r.id, frozenset((r.id,))))
        for (_, speaker), (group, ids) in by_group.items():
            shared_ids = frozenset(ids)
            for oid in group:
                if by_id[oid].speaker == speaker:
                    refuted[oid].append(shared_ids)

    joined: dict[tuple[int, ...], tuple[str, ...]] = {}

    def refuted_of(cid: str) -> tuple[str, ...]:
        parts = refuted.get(cid)
        if not parts:
            return ()
        key = tuple(map(id, parts))  # the parts live in ``refuted`` until the end: ids are stable
        got = joined.get(key)
        if got is None:
            got = joined[key] = tuple(sorted(frozenset().union(*parts)))
        return got

    out = []
    for c in claims:
        reasons = contra.get(c.id)
        differ = differs.get(c.id)
        if reasons:
            contradicts = tuple(sorted(reasons))
            pairs = tuple(sorted(reasons.items()))
            differ = differ - set(contradicts) if differ else differ
        else:
            contradicts = pairs = ()
        agreement, refuted_by = agreed.get(c.id, ()), refuted_of(c.id)
        if not (agreement or contradicts or refuted_by or differ):
            out.append(c)  # linked to nothing: the claim as given (it carries no links, see _plain)
            continue
        out.append(
            c.with_links(agreement, contradicts, refuted_by, pairs, tuple(sorted(differ)) if differ else ())
        )
    return tuple(out)


def _holds(group: tuple[str, ...], cid: str) -> bool:
    """``cid`` is in the sorted ``group``."""
    i = bisect_left(group, cid)
    return i < len(group) and group[i] == cid


def _deny_buckets(xs: Sequence[Claim], ys: Sequence[Claim], refuted: dict[str, list[frozenset[str]]]) -> None:
    """The reference's ``_deny`` over every pair of members, decided per bucket where it can be.

    Which side denies and whether the other may be refuted depend on the qualifier and
    modality (bucket fields); only "not the denied claim's own speaker" is per member, so each
    denied claim gets the deniers' set, or that set without its own speaker's (made once per
    speaker).
    """
    deniers, denied = (xs, ys) if xs[0].qualifier == "denied" else (ys, xs)
    d0 = denied[0]
    if d0.qualifier in _ref._NO_COMPARE or d0.modality or d0.qualifier in {"under", "far under", "at most"}:
        return
    everyone = frozenset(r.id for r in deniers)
    by_speaker: dict[str, set[str]] = defaultdict(set)
    for r in deniers:
        by_speaker[r.speaker].add(r.id)
    others: dict[str, frozenset[str]] = {}
    for c in denied:
        ids = everyone
        if c.speaker in by_speaker:
            ids = others.get(c.speaker)
            if ids is None:
                ids = others[c.speaker] = everyone - by_speaker[c.speaker]
        if ids:
            refuted[c.id].append(ids)
