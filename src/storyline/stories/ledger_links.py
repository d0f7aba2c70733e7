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

import operator
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence

from storyline.records import Claim
from storyline.stories import ledger as _ref

__all__ = ["BucketDecisions", "KeptLedger", "link_ledger"]

_AGREE = "agree"
_ID = operator.attrgetter("id")
_SPEAKER = operator.attrgetter("speaker")
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
    links = _Links()
    groups: dict[tuple, list[Claim]] = defaultdict(list)
    figures = [c for c in claims if c.measure != "refutation"]
    base_units: dict[tuple[str, str], str] = {}
    for c in figures:
        groups[_group_of(c, base_units)].append(c)
    for gkey in sorted(groups):
        _link_group(groups[gkey], decisions, links)
    refutations = [r for r in claims if r.measure == "refutation"]
    by_report: dict[tuple[str, str], list[Claim]] = defaultdict(list)
    if refutations:
        for c in figures:
            by_report[(c.speaker, c.article_id)].append(c)
    speakers = {c.id: c.speaker for c in figures} if refutations else {}
    _refute(refutations, by_report, speakers, links.agreed, links.refuted)
    joined: dict[tuple[int, ...], tuple[str, ...]] = {}
    out = []
    for c in claims:
        cid = c.id
        linked = _linked(
            c,
            links.agreed.get(cid, ()),
            links.contra.get(cid),
            links.differs.get(cid),
            _refuted_of(links.refuted.get(cid), joined),
        )
        out.append(linked if linked is not None else c)
    return tuple(out)


def _group_of(c: Claim, base_units: dict[tuple[str, str], str]) -> tuple:
    """_ref._group_key, its base unit looked up once per (unit, time frame): the only fields
    to_base reads for it, and a big story has thousands of claims but a few of those."""
    unit = base_units.get((c.unit, c.timeframe))
    if unit is None:
        unit = base_units[(c.unit, c.timeframe)] = _ref.to_base(c)[1]
    return (c.subject, c.measure, c.kind or "level", c.denominator, unit)


class _Links:
    """The links of a set of claims as the ledger collects them (claim id -> …).

    ``refuted`` holds the sets of claim ids refuting a claim: a denial of a figure refutes each
    of its n restatements with the same set, so the sets are shared and joined once per
    combination. ``agreed`` is each claim's agreement group (see records.Claim).
    """

    __slots__ = ("agreed", "contra", "differs", "refuted")

    def __init__(self) -> None:
        self.agreed: dict[str, tuple[str, ...]] = {}
        self.contra: dict[str, dict[str, str]] = defaultdict(dict)
        self.differs: dict[str, set[str]] = defaultdict(set)
        self.refuted: dict[str, list[frozenset[str]]] = defaultdict(list)


def _bucket_of(c: Claim) -> tuple:
    """The reference's bucket within a group: the restatements of one figure."""
    return (c.value, c.unit, c.qualifier, c.timeframe, c.referent_key, c.modality)


def _link_group(members: Sequence[Claim], decisions: BucketDecisions, links: _Links) -> None:
    """The links among one group's claims (the reference's per-group loop, per bucket pair)."""
    buckets: dict[tuple, list[Claim]] = defaultdict(list)
    for c in members:
        buckets[_bucket_of(c)].append(c)
    _link_buckets(buckets, decisions, links)


def _link_buckets(buckets: dict[tuple, list[Claim]], decisions: BucketDecisions, links: _Links) -> None:
    """:func:`_link_group` of a group already put in buckets (each in the claims' order)."""
    contra, differs, refuted, agreed = links.contra, links.differs, links.refuted, links.agreed
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


def _refute(
    refutations: Sequence[Claim],
    by_report: dict[tuple[str, str], list[Claim]],
    speakers: dict[str, str],
    agreed: dict[str, tuple[str, ...]],
    refuted: dict[str, list[frozenset[str]]],
) -> None:
    """ "X's claim is wrong": X's asserted figures in the same report, and their restatements by X
    elsewhere (the reference's rule, with figures looked up by speaker and report).

    ``by_report``: the figures by (speaker, article id); ``speakers``: each figure's speaker.
    """
    single: dict[str, frozenset[str]] = {}
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
            if speakers[oid] == speaker:
                refuted[oid].append(shared_ids)


def _refuted_of(
    parts: list[frozenset[str]] | None, joined: dict[tuple[int, ...], tuple[str, ...]]
) -> tuple[str, ...]:
    """The sorted union of ``parts``, joined once per combination (``joined``: by the parts' ids,
    which stay stable while the parts live in the caller's links)."""
    if not parts:
        return ()
    key = tuple(map(id, parts))
    got = joined.get(key)
    if got is None:
        got = joined[key] = tuple(sorted(frozenset().union(*parts)))
    return got


def _link_values(
    agreement: tuple[str, ...],
    reasons: dict[str, str] | None,
    differ: set[str] | None,
    refuted_by: tuple[str, ...],
) -> tuple | None:
    """The five link fields of a claim (``Claim.with_links``' order); None when it has none."""
    if reasons:
        contradicts = tuple(sorted(reasons))
        pairs = tuple(sorted(reasons.items()))
        differ = differ - set(contradicts) if differ else differ
    else:
        contradicts = pairs = ()
    if not (agreement or contradicts or refuted_by or differ):
        return None
    return (agreement, contradicts, refuted_by, pairs, tuple(sorted(differ)) if differ else ())


def _linked(
    c: Claim,
    agreement: tuple[str, ...],
    reasons: dict[str, str] | None,
    differ: set[str] | None,
    refuted_by: tuple[str, ...],
) -> Claim | None:
    """``c`` with its links; None when it has none (the claim as given, see _plain)."""
    values = _link_values(agreement, reasons, differ, refuted_by)
    return None if values is None else c.with_links(*values)


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
    everyone = frozenset(map(_ID, deniers))
    # Only the speakers of both sides need their own set (a denial and the figure it denies are
    # mostly printed by different speakers, so most denied claims get ``everyone``).
    both = set(map(_SPEAKER, deniers)) & set(map(_SPEAKER, denied))
    by_speaker: dict[str, set[str]] = defaultdict(set)
    if both:
        for r in deniers:
            if r.speaker in both:
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


class KeptLedger:
    """One story's ledger kept between its updates: a new report's claims redo only their groups.

    :meth:`link` gives :func:`link_ledger` of the claims it is handed. When they begin with
    exactly the claims of the last call (the same objects: an ingest keeps its members' digests
    between inputs), only the groups the new claims join are linked again and only their
    members' links are set; anything else (a merge, a late report, claims already linked) is
    linked from nothing.

    The links are set in place on the linked claims this ledger made (never on a claim it was
    handed): a figure restated by every report changes its agreement group on every add, and
    making each restatement anew was most of a big story's update. So a story built with a
    kept ledger holds claims that its next update changes: the ingest writes each story before
    the next input (:class:`storyline.pipeline.Ingestor`), and drops the ledger when a write
    fails.
    """

    __slots__ = (
        "_base",
        "_by_report",
        "_decisions",
        "_group_links",
        "_groups",
        "_links_of",
        "_out",
        "_pending",
        "_pos",
        "_refutations",
        "_refuted",
        "_speakers",
        "_units",
        "agreed",
    )

    def __init__(self, decisions: BucketDecisions | None = None) -> None:
        self._decisions = decisions or _DEFAULT
        self._reset()

    def _reset(self) -> None:
        self._pending: list[Claim] | None = None  # claims linked by link_ledger, state not made
        self._base: list[Claim] = []  # the claims handed in, in order
        self._out: list[Claim] = []  # the linked claims, in the same order
        self._pos: dict[str, int] = {}  # claim id -> its index
        self._groups: dict[tuple, dict[tuple, list[Claim]]] = {}  # group -> its buckets
        self._group_links: dict[tuple, _Links] = {}
        self._units: dict[tuple[str, str], str] = {}
        self._refutations: list[Claim] = []
        self._by_report: dict[tuple[str, str], list[Claim]] = defaultdict(list)
        self._speakers: dict[str, str] = {}
        self._links_of: dict[str, tuple] = {}  # figure id -> its group key
        self._refuted: dict[str, list[frozenset[str]]] = {}  # the refutations' part, last call
        self.agreed: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        """The claims linked at the last call."""
        return len(self._base) if self._pending is None else len(self._pending)

    def extends(self, claims: Sequence[Claim]) -> bool:
        """``claims`` begin with exactly the claims linked so far."""
        n = len(self._base)
        return len(claims) >= n and all(map(operator.is_, self._base, claims[:n]))

    def link(self, claims: Sequence[Claim]) -> tuple[Claim, ...]:
        """:func:`link_ledger` of ``claims`` (see the class docstring for what is redone).

        A first call (or one that starts over) only remembers the claims and hands them to
        :func:`link_ledger`, which costs less than making the kept state: one ingest per process
        links each story once. The state is made from them at the next call that extends them.
        """
        if not (self._base and self.extends(claims)):
            pending = self._pending
            self._reset()
            if (
                pending is None
                or len(claims) <= len(pending)
                or not all(map(operator.is_, pending, claims[: len(pending)]))
            ):
                self._pending = list(claims)
                return link_ledger(claims, self._decisions)
            # They continue the claims remembered: the state is made now, from all of them.
        new = claims[len(self._base) :]
        if not _plain(new) or any(c.id in self._pos for c in new):
            self._reset()
            return link_ledger(claims, self._decisions)
        touched: set[tuple] = set()
        for c in new:
            self._pos[c.id] = len(self._base)
            self._base.append(c)
            self._out.append(c)
            if c.measure == "refutation":
                self._refutations.append(c)
                continue
            gkey = _group_of(c, self._units)
            self._groups.setdefault(gkey, {}).setdefault(_bucket_of(c), []).append(c)
            touched.add(gkey)
            self._by_report[(c.speaker, c.article_id)].append(c)
            self._speakers[c.id] = c.speaker
            self._links_of[c.id] = gkey
        agreed = self.agreed
        for gkey in touched:
            old = self._group_links.get(gkey)
            if old is not None:
                for cid in old.agreed:
                    del agreed[cid]
            links = self._group_links[gkey] = _Links()
            _link_buckets(self._groups[gkey], self._decisions, links)
            agreed.update(links.agreed)
        refuted: dict[str, list[frozenset[str]]] = defaultdict(list)
        _refute(self._refutations, self._by_report, self._speakers, agreed, refuted)
        pos, base = self._pos, self._base
        joined: dict[tuple[int, ...], tuple[str, ...]] = {}
        seen: set[str] = set()
        for gkey in touched:
            links = self._group_links[gkey]
            for members in self._groups[gkey].values():
                self._set_links(members, links, refuted, joined)
                if refuted or self._refuted:
                    seen.update(c.id for c in members)
        # Claims whose refutations may have changed: those refuted now or at the last call.
        for cid in (*refuted, *self._refuted):
            if cid not in seen:
                seen.add(cid)
                self._set_links((base[pos[cid]],), self._group_links[self._links_of[cid]], refuted, joined)
        self._refuted = refuted
        return tuple(self._out)

    def _set_links(
        self,
        claims: Iterable[Claim],
        links: _Links,
        refuted: dict[str, list[frozenset[str]]],
        joined: dict,
    ) -> None:
        """Each claim's linked claim made, or its links set in place (see the class docstring)."""
        agreed, pos, out = self.agreed, self._pos, self._out
        contra, differs, grefuted = links.contra, links.differs, links.refuted
        set_ = object.__setattr__
        if not (contra or differs or refuted):
            # The usual group: agreements and denials only. Each claim costs a few lookups, and
            # a field is set only when its value changed (restatements share their tuples).
            agreed_get, refuted_get = agreed.get, grefuted.get
            for c in claims:
                cid = c.id
                parts = refuted_get(cid) if grefuted else None
                if not parts:
                    refuted_by = ()
                elif len(parts) == 1:
                    one = parts[0]
                    refuted_by = joined.get(id(one))
                    if refuted_by is None:
                        refuted_by = joined[id(one)] = tuple(sorted(one))
                else:
                    refuted_by = _refuted_of(parts, joined)
                agreement = agreed_get(cid, ())
                i = pos[cid]
                mine = out[i]
                if mine is c:  # not linked so far: linked now, or left as given
                    if agreement or refuted_by:
                        out[i] = c.with_links(agreement, (), refuted_by, (), ())
                    continue
                # Made here and held by no one else but the stories built with this ledger: its
                # links are set in place (see the class docstring).
                if mine.agreement is not agreement:
                    set_(mine, "agreement", agreement)
                if mine.refuted_by is not refuted_by:
                    set_(mine, "refuted_by", refuted_by)
                if mine.contradicts:
                    set_(mine, "contradicts", ())
                    set_(mine, "contradiction_reasons", ())
                if mine.differs_from:
                    set_(mine, "differs_from", ())
            return
        for c in claims:
            cid = c.id
            parts = grefuted.get(cid) if grefuted else None
            if refuted:
                more = refuted.get(cid)
                if more:
                    parts = [*parts, *more] if parts else more
            values = _link_values(
                agreed.get(cid, ()),
                contra.get(cid) if contra else None,
                differs.get(cid) if differs else None,
                _refuted_of(parts, joined) if parts else (),
            )
            i = pos[cid]
            mine = out[i]
            if mine is c:
                if values is not None:
                    out[i] = c.with_links(*values)
                continue
            for name, value in zip(_LINK_FIELDS, values or _NO_LINKS, strict=True):
                if getattr(mine, name) is not value:
                    set_(mine, name, value)


_NO_LINKS: tuple = ((), (), (), (), ())
#: Claim.with_links' parameters, in its order.
_LINK_FIELDS = ("agreement", "contradicts", "refuted_by", "contradiction_reasons", "differs_from")
