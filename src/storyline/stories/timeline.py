"""A story's timeline: first report, each outlet joining, each new claim, bursts of discussion.

Events, sorted by time (ties: the order of the list below):

- ``first_report``: the earliest dated report;
- ``outlet_joined``: the first dated report of every further outlet;
- ``claim``: the first time a figure (subject, measure, value, unit) is asserted, at the time of
  the report it was read from — or, for a reader's claim, of the comment it was posted in;
- ``discussion_burst``: an hour of the threads with at least ``burst_min`` comments and at least
  twice the median comments per hour over the thread's active span (first to last comment,
  quiet hours included, so a steady trickle is not a burst). Comments without ``posted_at`` are
  skipped.

Example::

    >>> events = build_timeline(articles, claims)        # doctest: +SKIP
    >>> [e.kind for e in events][:2]                     # doctest: +SKIP
    ['first_report', 'outlet_joined']
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from storyline.records import Article, Claim, TimelineEvent

__all__ = ["BURST_MIN_COMMENTS", "KeptTimeline", "build_timeline"]

BURST_MIN_COMMENTS = 5
_KIND_ORDER = {
    "first_report": 0,
    "outlet_joined": 1,
    "article": 2,
    "undated_report": 2,
    "claim": 3,
    "discussion_burst": 4,
}


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _outlet(a: Article) -> str:
    return a.outlet or a.site or a.url


def _claim_label(c: Claim, outlet: str) -> str:
    # Words the source printed only (speaker, subject, the figure as written): the measure is a
    # code (``cash``) that the page labels in the reader's language, not text to show as is.
    who = c.speaker or outlet
    what = f"{c.subject} {c.text}".strip() if c.subject else c.text
    return f"{who}: {what}" if who else what


def first_evidence(article: Article) -> datetime | None:
    """When an undated report existed at the latest: its first dated comment (or quoted floor).

    ``None`` when the article is dated (its ``published_at`` says it) or nothing in it is dated.
    The clusterer weighs proximity by it, the timeline, the source list and the feeds place an
    undated report by it.
    """
    if article.published_at is not None:
        return None
    times = [c.posted_at for c in article.comments if c.posted_at is not None]
    times += [q.posted_at for c in article.comments for q in c.quotes if q.posted_at is not None]
    return min(times) if times else None


def _first_statements(
    claims: Sequence[Claim],
    start: int,
    by_id: dict[str, Article],
    floor_times: dict[str, dict[int, datetime | None]],
    first_of: dict[tuple[str, str, float, str], tuple[datetime, str, int, Claim, Article, bool]],
) -> list[tuple[str, str, float, str]]:
    """Keep in ``first_of`` each figure's first dated statement among ``claims[start:]``.

    (time, claim id, place) first: one pass keeping the earliest per figure instead of sorting
    every claim of a big story (thousands of restatements). A floor's claim is dated by its
    floor. ``floor_times`` caches each article's floor times between calls (the kept timeline
    passes its own). Returns the figures whose first statement changed.
    """
    changed = []
    for i in range(start, len(claims)):
        c = claims[i]
        a = by_id.get(c.article_id)
        if a is None:
            continue
        at = a.published_at
        day_only = a.published_day_only
        if c.floor is not None:
            floors = floor_times.get(a.id)
            if floors is None:
                floors = floor_times[a.id] = {}
                for m in a.comments:
                    floors.setdefault(m.floor, m.posted_at)  # the first floor of that number
            floor_time = floors.get(c.floor)
            at, day_only = (floor_time, False) if floor_time else (at, day_only)
        if at is None:
            continue
        at = _aware(at)
        key = (c.subject, c.measure, c.value, c.unit)
        best = first_of.get(key)
        if best is None or (at, c.id, i) < best[:3]:
            first_of[key] = (at, c.id, i, c, a, day_only)
            changed.append(key)
    return changed


def build_timeline(
    articles: Sequence[Article], claims: Sequence[Claim] = (), *, burst_min: int = BURST_MIN_COMMENTS
) -> tuple[TimelineEvent, ...]:
    """The events above for one story, sorted by time."""
    events: list[TimelineEvent] = []
    dated = sorted(
        (a for a in articles if a.published_at is not None), key=lambda a: (_aware(a.published_at), a.id)
    )
    seen_outlets: set[str] = set()
    for a in dated:
        outlet = _outlet(a)
        if outlet in seen_outlets:
            continue
        kind = "first_report" if not seen_outlets else "outlet_joined"
        seen_outlets.add(outlet)
        events.append(
            TimelineEvent(
                at=_aware(a.published_at),
                kind=kind,
                label=f"{outlet}: {a.title}",
                article_id=a.id,
                outlet=outlet,
                day_only=a.published_day_only,
            )
        )

    # A report that prints no time still existed by its first dated reader comment: placed there,
    # and marked as such (kind undated_report), rather than left off the timeline.
    for a in sorted((a for a in articles if a.published_at is None), key=lambda a: a.id):
        first = first_evidence(a)
        if first is not None:
            events.append(
                TimelineEvent(
                    at=_aware(first),
                    kind="undated_report",
                    label=f"{_outlet(a)}: {a.title}",
                    article_id=a.id,
                    outlet=_outlet(a),
                )
            )

    # Each figure's first dated statement, (time, claim id) first: one pass keeping the earliest
    # per figure instead of sorting every claim of a big story (thousands of restatements).
    by_id = {a.id: a for a in articles}
    first_of: dict[tuple[str, str, float, str], tuple[datetime, str, int, Claim, Article, bool]] = {}
    _first_statements(claims, 0, by_id, {}, first_of)
    for at, _, _, c, a, day_only in sorted(first_of.values(), key=lambda x: x[:3]):
        events.append(
            TimelineEvent(
                at=at,
                kind="claim",
                label=_claim_label(c, _outlet(a)),
                article_id=a.id,
                outlet=_outlet(a),
                day_only=day_only,
            )
        )

    events.extend(_bursts(articles, burst_min))
    events.sort(key=lambda e: (e.at, _KIND_ORDER.get(e.kind, 9), e.article_id))
    return tuple(events)


def _median_with_quiet_hours(counts: list[int], span: int) -> float:
    """``statistics.median`` of ``span`` hourly counts: ``counts`` (sorted) and zeros for the rest.

    A Weibo thread can run for years: listing every quiet hour was most of a thread's story.
    """
    zeros = span - len(counts)

    def at(k: int) -> int:
        return 0 if k < zeros else counts[k - zeros]

    if span % 2:
        return at(span // 2)
    return (at(span // 2 - 1) + at(span // 2)) / 2


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR = timedelta(hours=1)


def _bursts(articles: Sequence[Article], burst_min: int) -> list[TimelineEvent]:
    # Hours are counted as whole hours since the epoch (exact timedelta arithmetic, the same
    # bucket as the UTC time cut to its hour), an article's floors at once: a datetime and a
    # Counter made per floor were most of the cost on a thread of thousands.
    per_hour: Counter[int] = Counter()
    per_hour_article: dict[int, Counter[str]] = {}
    for a in articles:
        hours = Counter(
            (_aware(m.posted_at) - _EPOCH) // _HOUR for m in a.comments if m.posted_at is not None
        )
        for h, n in hours.items():
            per_hour[h] += n
            if h in per_hour_article:
                per_hour_article[h][a.id] += n
            else:
                per_hour_article[h] = Counter({a.id: n})
    if not per_hour:
        return []
    span = max(per_hour) - min(per_hour) + 1
    median = _median_with_quiet_hours(sorted(per_hour.values()), span)
    out = []
    by_id = {a.id: a for a in articles}
    for h, n in sorted(per_hour.items()):
        if n >= burst_min and n >= 2 * median:
            hour = _EPOCH + h * _HOUR
            aid = per_hour_article[h].most_common(1)[0][0]
            outlet = _outlet(by_id[aid])
            out.append(
                TimelineEvent(
                    at=hour,
                    kind="discussion_burst",
                    label=f"{n} comments in one hour",
                    article_id=aid,
                    outlet=outlet,
                )
            )
    return out


class KeptTimeline:
    """One story's timeline kept between its updates: a new report adds only its own events.

    :meth:`build` gives :func:`build_timeline` of the articles and claims it is handed. When they
    begin with the articles and claims of the last call (the same article objects: an ingest
    keeps its members' digests between inputs) and the new dated reports are the latest, only
    the new ones are read; otherwise everything is read again. A figure's first statement, the
    outlets seen and the comments per hour are kept; the events are sorted on every call.
    """

    def __init__(self, *, burst_min: int = BURST_MIN_COMMENTS) -> None:
        self._burst_min = burst_min
        self._reset()

    def _reset(self) -> None:
        self._articles: list[Article] = []
        self._claims = 0
        self._last_claim = ""
        self._last_dated: tuple[datetime, str] | None = None
        self._outlets: set[str] = set()
        self._reports: list[TimelineEvent] = []  # first report, outlets joining, undated reports
        self._by_id: dict[str, Article] = {}
        self._floor_times: dict[str, dict[int, datetime | None]] = {}
        self._first_of: dict[tuple[str, str, float, str], tuple] = {}
        self._claim_events: dict[tuple[str, str, float, str], TimelineEvent] = {}
        self._commented: list[Article] = []  # the articles with comments (for the bursts)

    def _extends(self, articles: Sequence[Article], claims: Sequence[Claim]) -> bool:
        n, k = len(self._articles), self._claims
        if len(articles) < n or len(claims) < k or not all(map(operator.is_, self._articles, articles[:n])):
            return False
        if k and claims[k - 1].id != self._last_claim:
            return False
        fresh = [a for a in articles[n:] if a.published_at is not None]
        if fresh and self._last_dated is not None:
            return min((_aware(a.published_at), a.id) for a in fresh) > self._last_dated  # type: ignore[arg-type]
        return True

    def build(self, articles: Sequence[Article], claims: Sequence[Claim] = ()) -> tuple[TimelineEvent, ...]:
        """:func:`build_timeline` of ``articles`` and ``claims`` (see the class docstring)."""
        if not self._extends(articles, claims):
            self._reset()
        new = articles[len(self._articles) :]
        self._articles.extend(new)
        for a in new:
            self._by_id[a.id] = a
            if a.comments:
                self._commented.append(a)
        dated = sorted(
            (a for a in new if a.published_at is not None), key=lambda a: (_aware(a.published_at), a.id)
        )
        for a in dated:
            self._last_dated = (_aware(a.published_at), a.id)  # type: ignore[arg-type]
            outlet = _outlet(a)
            if outlet in self._outlets:
                continue
            kind = "first_report" if not self._outlets else "outlet_joined"
            self._outlets.add(outlet)
            self._reports.append(
                TimelineEvent(
                    at=_aware(a.published_at),  # type: ignore[arg-type]
                    kind=kind,
                    label=f"{outlet}: {a.title}",
                    article_id=a.id,
                    outlet=outlet,
                    day_only=a.published_day_only,
                )
            )
        for a in sorted((a for a in new if a.published_at is None), key=lambda a: a.id):
            first = first_evidence(a)
            if first is not None:
                self._reports.append(
                    TimelineEvent(
                        at=_aware(first),
                        kind="undated_report",
                        label=f"{_outlet(a)}: {a.title}",
                        article_id=a.id,
                        outlet=_outlet(a),
                    )
                )
        by_id, floor_times, first_of = self._by_id, self._floor_times, self._first_of
        for key in _first_statements(claims, self._claims, by_id, floor_times, first_of):
            self._claim_events.pop(key, None)
        self._claims = len(claims)
        self._last_claim = claims[-1].id if claims else ""
        events = list(self._reports)
        made = self._claim_events
        for key, (at, _, _, c, a, day_only) in sorted(first_of.items(), key=lambda kv: kv[1][:3]):
            event = made.get(key)
            if event is None:
                event = made[key] = TimelineEvent(
                    at=at,
                    kind="claim",
                    label=_claim_label(c, _outlet(a)),
                    article_id=a.id,
                    outlet=_outlet(a),
                    day_only=day_only,
                )
            events.append(event)
        events.extend(_bursts(self._commented, self._burst_min))
        events.sort(key=_event_order)
        return tuple(events)


def _event_order(e: TimelineEvent) -> tuple:
    return (e.at, _KIND_ORDER.get(e.kind, 9), e.article_id)
