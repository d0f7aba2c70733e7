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
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from markupsafe import Markup

from storyline.records import Article, Comment, Quote

__all__ = ["anchor", "esc", "floor_anchor", "local_minute", "thread_html"]

_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


def esc(s: str) -> str:
    """HTML-escape text exactly as :func:`markupsafe.escape` does (``&#39;``, ``&#34;`` included).

    Chained ``str.replace`` rather than ``markupsafe.escape``: the latter builds a Markup object
    per call, and a page escapes a few thousand short strings (≈3x the cost, measured).

    >>> esc("<a href='x'>&")
    '&lt;a href=&#39;x&#39;&gt;&amp;'
    """
    return (
        s.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


@lru_cache(maxsize=4096)
def anchor(s: str) -> str:
    """``s`` made safe for an HTML id / fragment: anything but ``A-Za-z0-9_-`` becomes ``-``.

    >>> anchor("s 1/é")
    's-1--'
    """
    return _NOT_ID.sub("-", s)


def floor_anchor(primary_id: str | None, article_id: str, floor: int) -> str:
    return f"floor-{floor}" if article_id == primary_id else f"floor-{floor}-{anchor(article_id)}"


def local_minute(at: datetime, tz: ZoneInfo) -> str:
    """``at`` in ``tz`` as ``YYYY-MM-DD HH:MM`` (an f-string: strftime costs twice as much).

    >>> from datetime import UTC
    >>> local_minute(datetime(2025, 1, 22, 13, 5, tzinfo=UTC), ZoneInfo("Asia/Shanghai"))
    '2025-01-22 21:05'
    """
    t = at.astimezone(tz)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def _time(at: datetime | None, tz: ZoneInfo, lead: str = "") -> str:
    if at is None:
        return ""
    return f'{lead}<time datetime="{at.isoformat()}">{local_minute(at, tz)}</time>'


def _quote(q: Quote, href: str | None, tz: ZoneInfo) -> str:
    link = f'<a class="quote-link" href="{esc(href)}">↑ {q.floor}楼</a> ' if href else ""
    return (
        '      <blockquote class="quote">\n'
        f'        <p class="qmeta">{link}<span class="author">{esc(q.author)}</span>'
        f"{_time(q.posted_at, tz, ' ')}</p>\n"
        f"        <p>{esc(q.text)}</p>\n"
        "      </blockquote>\n"
    )


def _floor(c: Comment, a: Article, primary_id: str | None, floors: set[int], tz: ZoneInfo) -> str:
    own = floor_anchor(primary_id, a.id, c.floor)  # [A-Za-z0-9_-] only
    reply = ""
    if c.parent_floor is not None and c.parent_floor in floors:
        href = "#" + floor_anchor(primary_id, a.id, c.parent_floor)
        reply = f'<a class="reply-to" href="{href}">回复 {c.parent_floor}楼</a>'
    likes = f'<span class="likes">赞 {c.likes}</span>' if c.likes else ""
    quotes = "".join(
        _quote(
            q,
            "#" + floor_anchor(primary_id, a.id, q.floor)
            if q.floor is not None and q.floor in floors
            else None,
            tz,
        )
        for q in c.quotes
    )
    return (
        f'    <li class="floor" id="{own}">\n'
        f'      <p class="fmeta"><a class="fno" href="#{own}">{c.floor}楼</a>'
        f' <span class="author">{esc(c.author)}</span>\n'
        f"{_time(c.posted_at, tz)}{reply}{likes}</p>\n"
        f"{quotes}"
        f'      <p class="ctext">{esc(c.text)}</p>\n'
        "    </li>\n"
    )


def thread_html(a: Article, primary_id: str | None, tz: ZoneInfo) -> Markup:
    """The ``<section class="thread">`` of article ``a``'s comments, times shown in ``tz``."""
    floors = {c.floor for c in a.comments}
    body = "".join(_floor(c, a, primary_id, floors, tz) for c in a.comments)
    return Markup(
        f'<section class="thread" id="thread-{anchor(a.id)}">\n'
        f"  <h3>{esc(a.outlet)} · {esc(a.title)}（{len(a.comments)} 楼）</h3>\n"
        '  <ol class="floors">\n'
        f"{body}"
        "  </ol>\n"
        "</section>"
    )
