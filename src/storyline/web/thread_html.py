"""A story page's reader threads as HTML: the one part of the page written without Jinja.

A story page can hold several threads of hundreds of floors; through a Jinja template each floor
cost ≈16 µs (attribute lookups, escapes and a generator step per piece of output), which was
over half of a page's render time. Here every floor is one f-string with :func:`esc` on every text taken from the data — the
same five replacements as Jinja's autoescape (:func:`markupsafe.escape`), so the output is
byte-for-byte what ``templates/story.html`` rendered (tests/test_web.py checks floors, anchors,
quote links and escaping through the DOM).

Anchors: the biggest thread of a page owns the plain ``floor-N`` ids; the floors of the other
threads get the article id appended, so ids stay unique on a page holding several threads.

Example::

    >>> floor_anchor("a1", "a1", 4), floor_anchor("a1", "b/2", 4)
    ('floor-4', 'floor-4-b-2')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from markupsafe import Markup

from storyline.records import Article, Comment, FloorStance, Quote

__all__ = [
    "PAGE_FLOORS",
    "PAGE_MAX",
    "VIEWS",
    "anchor",
    "conversations",
    "esc",
    "floor_anchor",
    "iso",
    "local_minute",
    "page_of_floor",
    "paginate",
    "split_bar",
    "thread_html",
    "thread_page_html",
    "tree_parent",
]

_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


def _esc_replace(s: str) -> str:
    return (
        s.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _fast_escape() -> Callable[[str], str] | None:
    """MarkupSafe's C escaper returning ``str`` (private API: used only if it gives our bytes)."""
    try:
        from markupsafe._speedups import _escape_inner  # type: ignore[import-not-found]
    except ImportError:
        return None
    probe = "<a href='x' title=\"y\">&amp;中文</a>"
    ok = isinstance(_escape_inner(probe), str) and _escape_inner(probe) == _esc_replace(probe)
    return _escape_inner if ok else None


#: HTML-escape text exactly as :func:`markupsafe.escape` does (``&#39;``, ``&#34;`` included),
#: returning ``str``: ``markupsafe.escape`` builds a Markup object per call, and a page escapes
#: a few thousand short strings. MarkupSafe's C routine when present (≈6x the chained
#: ``str.replace`` fallback, measured), so ``esc("<a href='x'>&")`` is
#: ``'&lt;a href=&#39;x&#39;&gt;&amp;'`` either way (tests/test_web.py compares with Jinja's).
esc: Callable[[str], str] = _fast_escape() or _esc_replace


@lru_cache(maxsize=4096)
def anchor(s: str) -> str:
    """``s`` made safe for an HTML id / fragment: anything but ``A-Za-z0-9_-`` becomes ``-``.

    >>> anchor("s 1/é")
    's-1--'
    """
    return _NOT_ID.sub("-", s)


def floor_anchor(primary_id: str | None, article_id: str, floor: int) -> str:
    return f"floor-{floor}" if article_id == primary_id else f"floor-{floor}-{anchor(article_id)}"


# "00".."99": formatting with a table is ≈4x cheaper than a ":02d" spec, and a thread formats
# two times per floor (its datetime attribute and the local minute shown).
_2D = tuple(f"{i:02d}" for i in range(100))


def local_minute(at: datetime, tz: ZoneInfo) -> str:
    """``at`` in ``tz`` as ``YYYY-MM-DD HH:MM`` (``strftime("%Y-%m-%d %H:%M")``, 8x cheaper).

    >>> local_minute(datetime(2025, 1, 22, 13, 5, tzinfo=UTC), ZoneInfo("Asia/Shanghai"))
    '2025-01-22 21:05'
    """
    t = at.astimezone(tz)
    if t.year < 1000:  # strftime does not pad such years: say exactly what the template's dt() says
        return t.strftime("%Y-%m-%d %H:%M")
    return f"{t.year}-{_2D[t.month]}-{_2D[t.day]} {_2D[t.hour]}:{_2D[t.minute]}"


def iso(at: datetime) -> str:
    """``at.isoformat()``, written from the table for UTC times (what the store decodes).

    >>> iso(datetime(2025, 1, 22, 13, 5, 0, 7, tzinfo=UTC))
    '2025-01-22T13:05:00.000007+00:00'
    """
    if at.tzinfo is not UTC or at.year < 1000:
        return at.isoformat()
    us = f".{at.microsecond:06d}" if at.microsecond else ""
    return (
        f"{at.year}-{_2D[at.month]}-{_2D[at.day]}T{_2D[at.hour]}:{_2D[at.minute]}:{_2D[at.second]}{us}+00:00"
    )


def _time(at: datetime | None, tz: ZoneInfo, lead: str = "") -> str:
    if at is None:
        return ""
    return f'{lead}<time datetime="{iso(at)}">{local_minute(at, tz)}</time>'


def _quote(q: Quote, href: str | None, tz: ZoneInfo) -> str:
    link = f'<a class="quote-link" href="{esc(href)}">↑ {q.floor}楼</a> ' if href else ""
    return (
        '      <blockquote class="quote">\n'
        f'        <p class="qmeta">{link}<span class="author">{esc(q.author)}</span>'
        f"{_time(q.posted_at, tz, ' ')}</p>\n"
        f"        <p>{esc(q.text)}</p>\n"
        "      </blockquote>\n"
    )


STANCE_LABELS = {"agree": "赞同", "disagree": "反对", "other": "其他"}


def _badge(st: FloorStance | None) -> str:
    if st is None or st.stance not in ("agree", "disagree"):
        return ""
    title = f' title="{esc(st.evidence)}"' if st.evidence else ""
    return f'<span class="stance stance-{st.stance}"{title}>{STANCE_LABELS[st.stance]}</span>'


def _floor(
    c: Comment,
    own: str,
    href: Callable[[int], str | None],
    tz: ZoneInfo,
    stance: FloorStance | None = None,
    inner: str = "",
) -> str:
    """One floor ``<li id=own>``; ``href(n)`` is the link to floor ``n`` (``None``: not linked).

    ``inner`` (a conversation's folded replies) goes after the floor's text, inside its ``<li>``.
    """
    parent = c.parent_floor
    parent_href = href(parent) if parent is not None else None
    reply = f'<a class="reply-to" href="{esc(parent_href)}">回复 {parent}楼</a>' if parent_href else ""
    likes = f'<span class="likes">赞 {c.likes}</span>' if c.likes else ""
    quotes = (
        "".join([_quote(q, href(q.floor) if q.floor is not None else None, tz) for q in c.quotes])
        if c.quotes
        else ""
    )
    return (
        f'    <li class="floor" id="{own}">\n'
        f'      <p class="fmeta"><a class="fno" href="#{own}">{c.floor}楼</a>'
        f' <span class="author">{esc(c.author)}</span>\n'
        f"{_time(c.posted_at, tz)}{reply}{likes}{_badge(stance)}</p>\n"
        f"{quotes}"
        f'      <p class="ctext">{esc(c.text)}</p>\n'
        f"{inner}"
        "    </li>\n"
    )


def thread_html(
    a: Article,
    primary_id: str | None,
    tz: ZoneInfo,
    *,
    stances: dict[int, FloorStance] | None = None,
    shown: Sequence[Comment] | None = None,
    elsewhere: Callable[[int], str] | None = None,
    more: str = "",
) -> Markup:
    """The ``<section class="thread">`` of article ``a``'s comments, times shown in ``tz``.

    ``shown`` (default: every floor) are the floors written here, in that order; a link to a
    floor of the thread that is not shown goes to ``elsewhere(floor)`` (its thread page).
    ``more`` is HTML put under the floors (the links to the thread's pages).
    """
    floors = {c.floor for c in a.comments}
    suffix = "" if a.id == primary_id else "-" + anchor(a.id)  # as floor_anchor() writes it
    items = a.comments if shown is None else shown
    here = floors if shown is None else {c.floor for c in shown}
    stances = stances or {}

    def href(f: int) -> str | None:
        if f in here:
            return f"#floor-{f}{suffix}"
        if f in floors and elsewhere is not None:
            return elsewhere(f)
        return None

    body = "".join([_floor(c, f"floor-{c.floor}{suffix}", href, tz, stances.get(c.floor)) for c in items])
    return Markup(
        f'<section class="thread" id="thread-{anchor(a.id)}">\n'
        f"  <h3>{esc(a.outlet)} · {esc(a.title)}（{len(a.comments)} 楼）</h3>\n"
        '  <ol class="floors">\n'
        f"{body}"
        "  </ol>\n"
        f"{more}"
        "</section>"
    )


# --------------------------------------------------------------------------------------------
# A thread on its own pages: arrival order, best first, or conversations
# --------------------------------------------------------------------------------------------

#: Floors per page (a conversation is kept whole up to PAGE_MAX floors).
PAGE_FLOORS = 50
PAGE_MAX = 100
VIEWS = {"time": "按时间", "best": "精华在前", "talk": "按对话"}
_NEST_MAX = 6  # deeper replies are listed at this depth (a phone has no room for more indents)


def tree_parent(c: Comment, floors: set[int]) -> int | None:
    """The earlier floor a reply hangs under: the floor it answers, else the first it quotes."""
    if c.parent_floor is not None and c.parent_floor in floors and c.parent_floor < c.floor:
        return c.parent_floor
    for q in c.quotes:
        if q.floor is not None and q.floor in floors and q.floor < c.floor:
            return q.floor
    return None


def conversations(comments: Sequence[Comment]) -> list[list[Comment]]:
    """Each top-level floor with every reply under it (depth first, replies in floor order)."""
    floors = {c.floor for c in comments}
    kids: dict[int | None, list[Comment]] = {}
    for c in sorted(comments, key=lambda c: c.floor):
        kids.setdefault(tree_parent(c, floors), []).append(c)
    out: list[list[Comment]] = []
    for root in kids.get(None, []):
        conv: list[Comment] = []
        stack = [root]
        while stack:
            c = stack.pop()
            conv.append(c)
            stack.extend(reversed(kids.get(c.floor, [])))
        out.append(conv)
    return out


def paginate(
    comments: Sequence[Comment], view: str, best: Sequence[Comment] | None = None
) -> list[list[Comment]]:
    """The thread cut into pages for ``view`` (``time``, ``best`` or ``talk``), never empty.

    ``best`` is the best-first order (``stories.discussion.best_floors``). Conversations are not
    split across pages unless one alone has more than :data:`PAGE_MAX` floors.
    """
    if view == "talk":
        pages: list[list[Comment]] = [[]]
        for conv in conversations(comments):
            if pages[-1] and (len(pages[-1]) >= PAGE_FLOORS or len(pages[-1]) + len(conv) > PAGE_MAX):
                pages.append([])
            while len(conv) > PAGE_MAX:
                if pages[-1]:
                    pages.append([])
                pages[-1].extend(conv[:PAGE_MAX])
                conv = conv[PAGE_MAX:]
                pages.append([])
            pages[-1].extend(conv)
        return [p for p in pages if p] or [[]]
    order = list(best) if view == "best" and best is not None else sorted(comments, key=lambda c: c.floor)
    return [order[i : i + PAGE_FLOORS] for i in range(0, len(order), PAGE_FLOORS)] or [[]]


def page_of_floor(pages: Sequence[Sequence[Comment]]) -> dict[int, int]:
    """floor → its page number (1-based)."""
    return {c.floor: n for n, page in enumerate(pages, 1) for c in page}


def _talk_html(
    page: Sequence[Comment],
    href: Callable[[int], str | None],
    tz: ZoneInfo,
    stances: dict[int, FloorStance],
) -> str:
    here = {c.floor for c in page}
    floors_all = here
    kids: dict[int | None, list[Comment]] = {}
    for c in page:
        p = tree_parent(c, floors_all)
        kids.setdefault(p if p in here else None, []).append(c)

    def descendants(f: int) -> list[Comment]:
        out, stack = [], list(reversed(kids.get(f, [])))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(reversed(kids.get(c.floor, [])))
        return out

    def render(c: Comment, depth: int) -> str:
        children = kids.get(c.floor, [])
        if depth >= _NEST_MAX:
            children = descendants(c.floor)
            inner_items = "".join(
                [_floor(k, f"floor-{k.floor}", href, tz, stances.get(k.floor)) for k in children]
            )
        else:
            inner_items = "".join([render(k, depth + 1) for k in children])
        inner = (
            f'      <details class="replies"><summary>{len(descendants(c.floor))} 条回复</summary>\n'
            f'      <ol class="floors">\n{inner_items}      </ol></details>\n'
            if children
            else ""
        )
        return _floor(c, f"floor-{c.floor}", href, tz, stances.get(c.floor), inner)

    return "".join([render(c, 0) for c in kids.get(None, [])])


def thread_page_html(
    a: Article,
    page: Sequence[Comment],
    view: str,
    href: Callable[[int], str | None],
    tz: ZoneInfo,
    stances: dict[int, FloorStance] | None = None,
) -> Markup:
    """One page of a thread: its floors as ``floor-N`` (one thread per page), in ``view``'s shape."""
    stances = stances or {}
    if view == "talk":
        body = _talk_html(page, href, tz, stances)
    else:
        body = "".join([_floor(c, f"floor-{c.floor}", href, tz, stances.get(c.floor)) for c in page])
    return Markup(f'<ol class="floors view-{esc(view)}">\n{body}</ol>\n')


def split_bar(agree: int, disagree: int, other: int) -> Markup:
    """How a thread's (or a story's) floors split, as a bar: an inline SVG, so no style attribute
    (the Content-Security-Policy allows no inline style) and its label is read by screen readers.
    """
    total = agree + disagree + other
    label = f"赞同 {agree} 楼，反对 {disagree} 楼，其他 {other} 楼"
    if total == 0:
        return Markup("")
    x = 0.0
    rects = []
    for cls, n in (("agree", agree), ("disagree", disagree), ("other", other)):
        w = 100.0 * n / total
        if w > 0:
            rects.append(f'<rect class="{cls}" x="{x:.2f}" y="0" width="{w:.2f}" height="8"/>')
        x += w
    return Markup(
        f'<svg class="split" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label="{label}">'
        f"<title>{label}</title>{''.join(rects)}</svg>"
    )
