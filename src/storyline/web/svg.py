"""A story's timeline as a server-side SVG chart: reports per hour (or day) per outlet.

Stacked bars count the articles each outlet published in each time bin; a lane under them marks
claims (◆) and one marks discussion bursts (●), each with a ``<title>`` tooltip. The geometry is
worked out here (:func:`timeline_chart`) and ``templates/_timeline.svg`` writes it like every
other part of a page, so every label (outlet names and labels are input text) is escaped by
the templates' autoescape; the chart needs no JavaScript and survives the 繁/简 pass.

Hand-written rather than matplotlib/pygal: neither is a dependency, and the chart is a few dozen
rectangles — a plotting library would add megabytes and inline styles the CSP forbids.

Example::

    >>> svg = timeline_svg([("RFI", datetime(2025, 1, 22, 8, tzinfo=UTC))], [], ())
    >>> svg.startswith("<svg")
    True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from storyline.records import TimelineEvent
from storyline.web.render import partial

__all__ = ["TimelineChart", "timeline_chart", "timeline_svg"]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
OTHER = "其他"
W, H = 720, 240
LEFT, RIGHT, TOP = 36, 12, 12
BARS_H = 120
LANE_H = 18
MIN_BINS = 12


def _floor(at: datetime, step: timedelta, tz: tzinfo = UTC) -> datetime:
    # Bins and the axis in the reader's zone (the page's times are), not UTC.
    at = at.astimezone(tz)
    if step >= timedelta(days=1):
        return at.replace(hour=0, minute=0, second=0, microsecond=0)
    return at.replace(minute=0, second=0, microsecond=0)


def _bursts(activity: Sequence[tuple[datetime, int]]) -> list[tuple[datetime, int]]:
    """Hours with at least half the busiest hour's comments (and at least 3): the bursts."""
    if not activity:
        return []
    peak = max(n for _, n in activity)
    return [(h, n) for h, n in activity if n >= max(3, peak / 2)]


@dataclass(frozen=True, slots=True)
class TimelineChart:
    """What ``_timeline.svg`` draws; every number already written as the SVG attribute shows it."""

    title: str
    width: int  # the viewBox's
    height: int  # the viewBox's: grows with the legend's rows
    left: int  # x of the plot's left edge (the scale's labels end 4 left of it)
    right: int  # x of its right edge
    top: int
    peak: int
    base: int  # y of the bars' axis
    bars: list[tuple[str, str, str, str, str, str]]  # x, y, width, height, fill, tooltip
    lane_claims: int
    lane_bursts: int
    claims: list[tuple[str, str]]  # the diamond's path, its label
    bursts: list[tuple[str, str]]  # cx, label
    axis_y: int
    start: str  # the first bin's label (with the zone)
    end: str  # the last bin's, "" when one bin
    legend: list[tuple[int, int, str, str]]  # x, y, colour, label


def timeline_chart(
    reports: Sequence[tuple[str, datetime | None]],
    events: Sequence[TimelineEvent],
    activity: Sequence[tuple[datetime, int]] = (),
    *,
    title: str = "时间线",
    tz: tzinfo = UTC,
    tz_label: str = "UTC",
) -> TimelineChart | None:
    """The chart of ``reports`` (outlet, published_at) plus claim and discussion-burst marks.

    ``events`` are the story's timeline events (kinds ``claim`` and ``discussion_burst`` are
    marked); ``activity`` is comments per hour (bursts derived from it when the timeline has
    none). ``None`` when nothing has a time.
    """
    dated = [(o or "?", t) for o, t in reports if t is not None]
    claims = [e for e in events if e.kind == "claim"]
    bursts: list[tuple[datetime, str]] = [(e.at, e.label) for e in events if e.kind == "discussion_burst"]
    if not bursts:
        bursts = [(h, f"{n} 条评论") for h, n in _bursts(activity)]
    times = [t for _, t in dated] + [e.at for e in claims] + [t for t, _ in bursts]
    if not times:
        return None
    lo, hi = min(times), max(times)
    step = timedelta(hours=1) if hi - lo <= timedelta(hours=72) else timedelta(days=1)
    start = _floor(lo, step, tz)
    n_bins = int((_floor(hi, step, tz) - start) / step) + 1
    if n_bins < MIN_BINS:
        # pad a short story with empty bins on both sides, so one report is a bar, not a wall
        pad = (MIN_BINS - n_bins) // 2
        start -= pad * step
        n_bins = MIN_BINS

    # Outlets by volume; beyond the palette they share one "other" colour so the legend fits.
    by_outlet = Counter(o for o, _ in dated)
    ranked = [o for o, _ in by_outlet.most_common()]
    shown = ranked[: len(PALETTE) - 1] if len(ranked) > len(PALETTE) else ranked
    colour = {o: PALETTE[i] for i, o in enumerate(shown)}
    series = [*shown, OTHER] if len(ranked) > len(shown) else shown

    counts: dict[int, Counter[str]] = {}
    for o, t in dated:
        # whole steps since start (a step boundary, at or before t): the bin _floor(t) opens
        b = (t - start) // step
        c = counts.get(b)
        if c is None:
            c = counts[b] = Counter()
        c[o if o in colour else OTHER] += 1
    peak = max((sum(c.values()) for c in counts.values()), default=1)

    plot_w = W - LEFT - RIGHT
    bw = plot_w / n_bins
    base = TOP + BARS_H
    fmt = "%m-%d %H:00" if step < timedelta(days=1) else "%Y-%m-%d"
    width = f"{max(bw - 1, 1):.1f}"
    bars = []
    for b, c in sorted(counts.items()):
        y = base
        # once per bin, not per bar: strftime is the dearest call here
        at = f"{start + b * step:{fmt}}"
        x = f"{LEFT + b * bw + 0.5:.1f}"
        for o in series:
            n = c.get(o, 0)
            if not n:
                continue
            h = BARS_H * n / peak
            y -= h
            bars.append(
                (x, f"{y:.1f}", width, f"{h:.1f}", colour.get(o, "#999"), f"{o} · {at} {tz_label} · {n}")
            )
    lane_claims = base + 8
    lane_bursts = lane_claims + LANE_H
    claim_marks = []
    for e in claims:
        x = LEFT + ((_floor(e.at, step, tz) - start) / step + 0.5) * bw
        y = lane_claims + 6
        claim_marks.append(
            (f"M{x:.1f} {y - 5} L{x + 5:.1f} {y} L{x:.1f} {y + 5} L{x - 5:.1f} {y} Z", e.label)
        )
    burst_marks = [
        (f"{LEFT + ((_floor(at, step, tz) - start) / step + 0.5) * bw:.1f}", label) for at, label in bursts
    ]
    axis_y = lane_bursts + LANE_H + 8
    end = start + (n_bins - 1) * step
    # legend: one swatch per outlet series, wrapped into rows
    legend = []
    lx, ly = LEFT, axis_y + 16
    for o in series:
        label = o if len(o) <= 18 else o[:17] + "…"
        item_w = 16 + 12 * min(len(o), 18)
        if lx + item_w > W - RIGHT:
            lx, ly = LEFT, ly + 16
        legend.append((lx, ly, colour.get(o, "#999"), label))
        lx += item_w
    return TimelineChart(
        title=title,
        width=W,
        height=max(H, ly + 8),
        left=LEFT,
        right=W - RIGHT,
        top=TOP,
        peak=peak,
        base=base,
        bars=bars,
        lane_claims=lane_claims,
        lane_bursts=lane_bursts,
        claims=claim_marks,
        bursts=burst_marks,
        axis_y=axis_y,
        start=f"{start:{fmt}} {tz_label}",
        end=f"{end:{fmt}} {tz_label}" if n_bins > 1 else "",
        legend=legend,
    )


def timeline_svg(
    reports: Sequence[tuple[str, datetime | None]],
    events: Sequence[TimelineEvent],
    activity: Sequence[tuple[datetime, int]] = (),
    **kw: Any,
) -> str:
    """:func:`timeline_chart` written as SVG text by ``_timeline.svg`` ("" when nothing has a time)."""
    chart = timeline_chart(reports, events, activity, **kw)
    return partial("_timeline.svg", chart=chart) if chart else ""
