"""Floors as the templates show them: one row of formatted fields per floor, replies nested.

``templates/_floors.html`` writes the rows; everything here is data (times already formatted
in the reader's zone, the link each reference goes to), never HTML, so autoescape covers every
text a reader wrote. A thread shows hundreds of floors, so the rows are plain slotted objects
and the template a single loop.

Example::

    >>> from storyline.records import Comment
    >>> rows = floor_rows([Comment(floor=1, author="<b>", text="hi")], lambda c: f"floor-{c.floor}",
    ...                   lambda f: None, ZoneInfo("UTC"))
    >>> rows[0].own, rows[0].author, rows[0].minute
    ('floor-1', '<b>', '')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from storyline.records import Comment, FloorStance
from storyline.web.formats import iso, local_minute
from storyline.web.thread_pages import tree_parent

__all__ = ["STANCE_LABELS", "FloorRow", "QuoteRow", "SplitBar", "floor_rows", "split_bar", "talk_rows"]

STANCE_LABELS = {"agree": "赞同", "disagree": "反对", "other": "其他"}
_NEST_MAX = 6  # deeper replies are listed at this depth (a phone has no room for more indents)

Href = Callable[[int], "str | None"]


class QuoteRow(NamedTuple):
    floor: int | None
    href: str | None
    author: str
    text: str
    iso: str
    minute: str


class FloorRow(NamedTuple):
    """One floor as ``_floors.html`` writes it. A tuple, unpacked by name in the template's
    ``for`` (the names there must be these fields, in this order: tests/test_web_render.py checks)
    — local variables instead of an attribute lookup per field, a third of the template's time."""

    own: str  # the floor's id on the page
    floor: int
    author: str
    text: str
    iso: str  # "" when the floor has no time
    minute: str
    parent: int | None
    reply_href: str | None  # the floor it answers, when that is linkable
    likes: int | None
    stance: str  # "agree", "disagree" or "" (no badge)
    stance_label: str
    evidence: str
    quotes: list[QuoteRow]
    n_replies: int = 0  # replies folded under it (conversation view): they follow, nested
    closes: range = range(0)  # the reply blocks this floor is the last of (conversation view)


_SIDES = ("agree", "disagree")
_NO_CLOSE = range(0)
# The rows are built with tuple.__new__: a NamedTuple's own __new__ is a Python function taking
# every field by name (a third of a row's cost, measured); the row is the same FloorRow.
_tuple = tuple.__new__


def _row(
    c: Comment,
    own: str,
    href: Href,
    tz: ZoneInfo,
    stance: FloorStance | None,
    n_replies: int = 0,
    closes: range = _NO_CLOSE,
) -> FloorRow:
    at = c.posted_at
    parent = c.parent_floor
    side = stance.stance if stance is not None and stance.stance in _SIDES else ""
    quotes = c.quotes
    return _tuple(
        FloorRow,
        (
            own,
            c.floor,
            c.author,
            c.text,
            iso(at) if at is not None else "",
            local_minute(at, tz) if at is not None else "",
            parent,
            href(parent) if parent is not None else None,
            c.likes,
            side,
            STANCE_LABELS[side] if side else "",
            stance.evidence if side else "",  # type: ignore[union-attr]  (side: a stance)
            [
                _tuple(
                    QuoteRow,
                    (
                        q.floor,
                        href(q.floor) if q.floor is not None else None,
                        q.author,
                        q.text,
                        iso(q.posted_at) if q.posted_at is not None else "",
                        local_minute(q.posted_at, tz) if q.posted_at is not None else "",
                    ),
                )
                for q in quotes
            ]
            if quotes
            else [],
            n_replies,
            closes,
        ),
    )


def floor_rows(
    comments: Sequence[Comment],
    own: Callable[[Comment], str],
    href: Href,
    tz: ZoneInfo,
    stances: dict[int, FloorStance] | None = None,
) -> list[FloorRow]:
    """One row per floor in ``comments``' order; ``href(n)`` is the link to floor ``n`` (``None``:
    not linked), ``own(c)`` the floor's id."""
    stances = stances or {}
    return [_row(c, own(c), href, tz, stances.get(c.floor)) for c in comments]


def talk_rows(
    page: Sequence[Comment], href: Href, tz: ZoneInfo, stances: dict[int, FloorStance] | None = None
) -> list[FloorRow]:
    """A page's conversations in reading order: each top-level floor, then its replies folded
    under it (``n_replies`` opens the fold, ``closes`` ends it), nested up to ``_NEST_MAX`` deep
    and listed flat below that. One flat list, so the template needs no recursion."""
    stances = stances or {}
    here = {c.floor for c in page}
    kids: dict[int | None, list[Comment]] = {}
    for c in page:
        p = tree_parent(c, here)
        kids.setdefault(p if p in here else None, []).append(c)

    def descendants(f: int) -> list[Comment]:
        out, stack = [], list(reversed(kids.get(f, [])))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(reversed(kids.get(c.floor, [])))
        return out

    # The reading order first — [floor, its folded replies, the folds it closes] — then one row
    # each, so no row is built twice.
    order: list[list] = []

    def add(c: Comment, depth: int) -> None:
        if c.floor not in kids:
            order.append([c, 0, 0])
            return
        below = descendants(c.floor)
        order.append([c, len(below), 0])
        if depth >= _NEST_MAX:
            order.extend([k, 0, 0] for k in below)
        else:
            for k in kids[c.floor]:
                add(k, depth + 1)
        order[-1][2] += 1

    for c in kids.get(None, []):
        add(c, 0)
    return [
        _row(c, f"floor-{c.floor}", href, tz, stances.get(c.floor), n, range(k) if k else _NO_CLOSE)
        for c, n, k in order
    ]


@dataclass(frozen=True, slots=True)
class SplitBar:
    """How floors split (agree / disagree / other) as the bar ``_split_bar.html`` draws: an inline
    SVG, so no style attribute (the Content-Security-Policy allows no inline style) and its label
    is read by screen readers. ``rects`` are (class, x, width) in a 100-wide box."""

    label: str
    rects: tuple[tuple[str, str, str], ...]


def split_bar(agree: int, disagree: int, other: int) -> SplitBar | None:
    """The bar for these counts, or ``None`` when there is nothing to split."""
    total = agree + disagree + other
    if total == 0:
        return None
    x = 0.0
    rects = []
    for cls, n in (("agree", agree), ("disagree", disagree), ("other", other)):
        w = 100.0 * n / total
        if w > 0:
            rects.append((cls, f"{x:.2f}", f"{w:.2f}"))
        x += w
    return SplitBar(f"赞同 {agree} 楼，反对 {disagree} 楼，其他 {other} 楼", tuple(rects))
