"""A story's timeline as a server-side SVG chart: reports per hour (or day) per outlet.

Stacked bars count the articles each outlet published in each time bin; a lane under them marks
claims (◆) and one marks discussion bursts (●), each with a ``<title>`` tooltip. The chart is
plain SVG text built here, so it needs no JavaScript and survives the 繁/简 pass; every label
goes through :func:`html.escape` (outlet names and labels are input text).

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
from datetime import UTC, datetime, timedelta, tzinfo
from html import escape

from storyline.records import TimelineEvent

__all__ = ["timeline_svg"]

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


def timeline_svg(
    reports: Sequence[tuple[str, datetime | None]],
    events: Sequence[TimelineEvent],
    activity: Sequence[tuple[datetime, int]] = (),
    *,
    title: str = "时间线",
    tz: tzinfo = UTC,
    tz_label: str = "UTC",
) -> str:
    """SVG text for ``reports`` (outlet, published_at) plus claim and discussion-burst marks.

    ``events`` are the story's timeline events (kinds ``claim`` and ``discussion_burst`` are
    marked); ``activity`` is comments per hour (bursts derived from it when the timeline has
    none). Returns an empty string when nothing has a time.
    """
    dated = [(o or "?", t) for o, t in reports if t is not None]
    claims = [e for e in events if e.kind == "claim"]
    bursts: list[tuple[datetime, str]] = [(e.at, e.label) for e in events if e.kind == "discussion_burst"]
    if not bursts:
        bursts = [(h, f"{n} 条评论") for h, n in _bursts(activity)]
    times = [t for _, t in dated] + [e.at for e in claims] + [t for t, _ in bursts]
    if not times:
        return ""
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
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline-chart" viewBox="0 0 {W} {H}" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{base}" x2="{W - RIGHT}" y2="{base}" stroke="#888" stroke-width="1"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 10}" text-anchor="end" font-size="11" fill="#555">{peak}</text>',
        f'<text x="{LEFT - 4}" y="{base}" text-anchor="end" font-size="11" fill="#555">0</text>',
    ]
    fmt = "%m-%d %H:00" if step < timedelta(days=1) else "%Y-%m-%d"
    width = f"{max(bw - 1, 1):.1f}"
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
            fill = colour.get(o, "#999")
            out.append(
                f'<rect x="{x}" y="{y:.1f}" width="{width}" '
                f'height="{h:.1f}" fill="{fill}"><title>{escape(o)} · {at} {escape(tz_label)} · {n}</title></rect>'
            )
    lane_claims = base + 8
    lane_bursts = lane_claims + LANE_H
    out.append(
        f'<text x="{LEFT - 4}" y="{lane_claims + 10}" text-anchor="end" font-size="11" fill="#555">◆</text>'
    )
    out.append(
        f'<text x="{LEFT - 4}" y="{lane_bursts + 10}" text-anchor="end" font-size="11" fill="#555">●</text>'
    )
    for e in claims:
        x = LEFT + ((_floor(e.at, step, tz) - start) / step + 0.5) * bw
        y = lane_claims + 6
        out.append(
            f'<path d="M{x:.1f} {y - 5} L{x + 5:.1f} {y} L{x:.1f} {y + 5} L{x - 5:.1f} {y} Z" fill="#b8860b">'
            f"<title>{escape(e.label)}</title></path>"
        )
    for at, label in bursts:
        x = LEFT + ((_floor(at, step, tz) - start) / step + 0.5) * bw
        out.append(
            f'<circle cx="{x:.1f}" cy="{lane_bursts + 6}" r="5" fill="#6a3d9a">'
            f"<title>{escape(label)}</title></circle>"
        )
    axis_y = lane_bursts + LANE_H + 8
    end = start + (n_bins - 1) * step
    out.append(
        f'<text x="{LEFT}" y="{axis_y}" font-size="11" fill="#333">{start:{fmt}} {escape(tz_label)}</text>'
    )
    if n_bins > 1:
        out.append(
            f'<text x="{W - RIGHT}" y="{axis_y}" text-anchor="end" font-size="11" fill="#333">{end:{fmt}} {escape(tz_label)}</text>'
        )
    # legend: one swatch per outlet series, wrapped into rows
    lx, ly = LEFT, axis_y + 16
    for o in series:
        label = escape(o if len(o) <= 18 else o[:17] + "…")
        width = 16 + 12 * min(len(o), 18)
        if lx + width > W - RIGHT:
            lx, ly = LEFT, ly + 16
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{colour.get(o, "#999")}"/>')
        out.append(f'<text x="{lx + 14}" y="{ly}" font-size="11" fill="#333">{label}</text>')
        lx += width
    out[0] = out[0].replace(f'viewBox="0 0 {W} {H}"', f'viewBox="0 0 {W} {max(H, ly + 8)}"')
    out.append("</svg>")
    return "".join(out)
