"""Every link a portal page writes: external ones made safe, internal anchors and thread URLs.

External links are only ever http(s) and percent-encoded (:func:`safe_href`), so the 繁/简
conversion of a whole page never touches a URL and no attribute can be broken out of; ids and
fragments are reduced to ``A-Za-z0-9_-`` (:func:`anchor`).

Example::

    >>> safe_href("javascript:alert(1)") is None, anchor("s 1/é"), floor_anchor("a1", "b/2", 4)
    (True, 's-1--', 'floor-4-b-2')
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import quote, urlsplit

from markupsafe import Markup

__all__ = ["anchor", "floor_anchor", "safe_href", "safe_snippet", "thread_url"]

# Characters kept as they are when percent-encoding an external link: RFC 3986 reserved and
# unreserved ones, minus the quote characters (an attribute can never be broken out of).
_URL_SAFE = ":/?#[]@!$&()*+,;=%~-._"

# An absolute http(s) URL made only of characters quote() keeps (so it needs no encoding) and
# without brackets (urlsplit validates bracketed IPv6 hosts): what urlsplit + quote would return
# it unchanged, for a fifth of their cost. The host is whatever precedes the first / ? or #.
_PLAIN_HTTP = re.compile(
    r"https?://[A-Za-z0-9_.~:@!$&()*+,;=%-][A-Za-z0-9_.~:/?#@!$&()*+,;=%-]*", re.ASCII | re.IGNORECASE
)


def safe_href(url: str | None) -> str | None:
    """``url`` percent-encoded to ASCII when it is an absolute http(s) URL, else ``None``.

    ``javascript:``, ``data:``, relative and malformed URLs give ``None`` and are shown as
    text. ``urllib.parse`` does the splitting; the scheme test is the whole policy.

    >>> safe_href("https://例子.cn/新闻?id=1")
    'https://%E4%BE%8B%E5%AD%90.cn/%E6%96%B0%E9%97%BB?id=1'
    >>> safe_href("javascript:alert(1)") is None
    True
    """
    if not url:
        return None
    url = url.strip()
    if _PLAIN_HTTP.fullmatch(url):
        return url
    return _split_and_quote(url)


def _split_and_quote(url: str) -> str | None:
    """:func:`safe_href` the long way (and its reference: tests compare the two)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


_MARK = re.compile(r"(</?mark>)")


def safe_snippet(snippet: str) -> Markup:
    """A search snippet safe to insert as HTML: only balanced ``<mark>`` tags survive.

    The store promises HTML-escaped text with ``<mark>`` around matches. Rather than trust
    that, the snippet is split on the two literal mark tags, every other piece is unescaped
    and escaped again (so correctly escaped text comes out identical, and any stray tag —
    ``<script>``, ``<img onerror=…>`` — comes out as visible text), and the marks are
    re-inserted balanced.

    >>> safe_snippet("a &lt;b&gt; <mark>星际</mark> <i>x</i>")
    Markup('a &lt;b&gt; <mark>星际</mark> &lt;i&gt;x&lt;/i&gt;')
    """
    out: list[str] = []
    open_ = False
    for piece in _MARK.split(snippet or ""):
        if piece == "<mark>":
            if not open_:
                out.append(piece)
                open_ = True
        elif piece == "</mark>":
            if open_:
                out.append(piece)
                open_ = False
        elif piece:
            out.append(html.escape(html.unescape(piece), quote=False))
    if open_:
        out.append("</mark>")
    return Markup("".join(out))


_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


@lru_cache(maxsize=4096)
def anchor(s: str) -> str:
    """``s`` made safe for an HTML id / fragment: anything but ``A-Za-z0-9_-`` becomes ``-``.

    >>> anchor("s 1/é")
    's-1--'
    """
    return _NOT_ID.sub("-", s)


def floor_anchor(primary_id: str | None, article_id: str, floor: int) -> str:
    """The id of a floor on a story page: the biggest thread (``primary_id``) owns the plain
    ``floor-N``; the floors of the other threads get the article id appended, so ids stay
    unique on a page holding several threads."""
    return f"floor-{floor}" if article_id == primary_id else f"floor-{floor}-{anchor(article_id)}"


def thread_url(story_id: str, article_id: str) -> str:
    """The path of a story's thread pages."""
    return f"/story/{quote(story_id, safe='')}/thread/{quote(article_id, safe='')}"
