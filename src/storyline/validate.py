"""Values valid by construction: what every record is checked against before it reaches the store.

A hostile or careless input must never put into the store a value the store cannot read back,
a feed cannot carry or a terminal would obey. :func:`clean_article` and :func:`clean_analysis`
run at the boundary between the parse/analyze stages and the store (``pipeline.parse_and_analyze``)
and return the record made valid plus one warning per thing they had to drop:

* numbers are finite and in range: a claim whose value overflowed (``"9"*400 + "亿美元"`` reads
  as ``inf``) is dropped with a warning naming the input and line; counts (reads, likes, floors)
  outside ``0..2**53`` become unknown (``None``) — JavaScript readers of the API lose precision
  above 2**53, and SQLite cannot store integers past 2**63;
* text holds no character XML 1.0 forbids (C0 controls but tab/newline/CR, lone surrogates,
  U+FFFE/U+FFFF) nor C1 controls, so every feed stays well-formed and no terminal escape survives;
* the fields shown in lists and feeds (title, outlet, site, author) are capped in length; the
  raw input itself is kept whole in the store, so nothing is lost for good;
* times are within years 1900..2200 (beyond, timezone arithmetic overflows).

Example::

    >>> clean_text("a\\x01b\\x1b[31mc")
    'abc'
    >>> finite_in_range(float("inf"), 1e21) is None
    True
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import datetime

from storyline.records import Analysis, Article, Claim, Comment, Keyword, Quote, Stats

__all__ = [
    "ESCAPE_SEQUENCES",
    "MAX_CLAIM_VALUE",
    "MAX_COUNT",
    "TEXT_CAPS",
    "cap_text",
    "clean_analysis",
    "clean_article",
    "clean_text",
    "count_or_none",
    "finite_in_range",
    "where",
]

# Beyond any figure a report states in any currency (world GDP is ~1e14 USD, ~2.5e18 VND); a
# larger value is a typo or an attack, and past ~1.8e308 it is not a number at all.
MAX_CLAIM_VALUE = 1e21
# The largest integer a JSON reader in JavaScript holds exactly.
MAX_COUNT = 2**53
# Display caps, in characters: long enough for any real headline or byline (the longest title in
# the SemEval and gne data is under 200 characters), short enough that one input cannot make
# every visitor of the hot list or every feed subscriber download a megabyte.
TEXT_CAPS = {"title": 300, "outlet": 120, "site": 120, "author": 120, "url": 4096}
_MIN_YEAR, _MAX_YEAR = 1900, 2200

# XML 1.0 §2.2 allows #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. C1 controls
# (U+007F-U+009F) are allowed but are terminal escapes (CSI is U+009B), so they go too.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A terminal escape sequence goes whole, not only its ESC: "\x1b[31mred" is "red", not "[31mred".
# CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC strings, and two-byte escapes.
ESCAPE_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
# In a one-line field (title, author) every line break or tab becomes a space.
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029\x85]+")


def clean_text(text: str) -> str:
    """``text`` without the characters XML forbids and without C0/C1 control characters (tab,
    newline and carriage return are kept)."""
    if not _INVALID.search(text):
        return text
    if "\x1b" in text or "\x9b" in text:
        text = ESCAPE_SEQUENCES.sub("", text)
    return _INVALID.sub("", text)


def cap_text(text: str, cap: int) -> str:
    """One-line ``text`` (breaks folded to spaces, invalid characters dropped), at most ``cap``
    characters: a longer one is cut and ends in "…"."""
    text = _LINE_BREAKS.sub(" ", clean_text(text)).strip()
    return text if len(text) <= cap else text[: cap - 1].rstrip() + "…"


def finite_in_range(value: float, limit: float) -> float | None:
    """``value`` when it is a finite number with ``|value| <= limit``, else None."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and abs(number) <= limit else None


def count_or_none(value: int | None) -> int | None:
    """A count in ``0..MAX_COUNT``, else None (unknown)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_COUNT else None


def _when(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not _MIN_YEAR <= value.year <= _MAX_YEAR:
        return None
    return value


def _quote(q: Quote) -> Quote:
    return Quote(
        author=cap_text(q.author, TEXT_CAPS["author"]),
        text=clean_text(q.text),
        posted_at=_when(q.posted_at),
        floor=count_or_none(q.floor),
    )


_AUTHOR_CAP = TEXT_CAPS["author"]


def _comment(c: Comment, texts_clean: bool = False) -> Comment:
    """``c`` valid; ``texts_clean``: its text is known to hold nothing :func:`clean_text` drops."""
    author = c.author
    # Every character cap_text drops or folds (controls, surrogates, U+FFFE/U+FFFF, line breaks)
    # is non-printable: a printable name that fits needs only the strip (a thread has thousands).
    if author.isprintable() and len(author) <= _AUTHOR_CAP:
        author = author.strip()
    else:
        author = cap_text(author, _AUTHOR_CAP)
    text = c.text if texts_clean else clean_text(c.text)
    # _when and count_or_none, spelled out for the values a valid floor holds (None, or a plain
    # int in range: each returns it as it is); anything else takes the functions themselves.
    posted_at = c.posted_at
    if posted_at is not None and not _MIN_YEAR <= posted_at.year <= _MAX_YEAR:
        posted_at = None
    parent_floor = c.parent_floor
    if parent_floor is not None and not (type(parent_floor) is int and 0 <= parent_floor <= MAX_COUNT):
        parent_floor = count_or_none(parent_floor)
    likes = c.likes
    if likes is not None and not (type(likes) is int and 0 <= likes <= MAX_COUNT):
        likes = count_or_none(likes)
    if (
        author is c.author
        and text is c.text
        and posted_at is c.posted_at
        and parent_floor is c.parent_floor
        and likes is c.likes
        and not c.quotes
        and not c.reply_to
        and c.reply_to_floor is None
    ):
        return c  # valid as it is, and frozen: the record itself, not a copy
    return Comment(
        floor=c.floor,
        author=author,
        text=text,
        posted_at=posted_at,
        quotes=tuple(map(_quote, c.quotes)) if c.quotes else (),
        parent_floor=parent_floor,
        likes=likes,
        # The name a 回复@ reply addresses is a user name, capped and cleaned as the author is.
        reply_to=cap_text(c.reply_to, _AUTHOR_CAP) if c.reply_to else "",
        reply_to_floor=count_or_none(c.reply_to_floor),
    )


def where(article: Article) -> str:
    """How a warning names the article: its input, and its line when the input has lines."""
    name = article.source_name or article.url or article.id
    return f"{name} line {article.source_line}" if article.source_line is not None else name


def clean_article(article: Article) -> tuple[Article, list[str]]:
    """``article`` with every field valid (see the module doc), and a warning per dropped part.

    The id is kept: it was computed from the fields as read, so reading the same report again
    maps to the same row whatever cleaning did.
    """
    warnings: list[str] = []
    comments: list[Comment] = []
    # One search over the thread for what clean_text drops (a newline is kept, so no match
    # spans two texts): most threads hold none, and then no text is searched again.
    texts_clean = not _INVALID.search("\n".join(c.text for c in article.comments))
    for c in article.comments:
        floor = c.floor
        if not (type(floor) is int and 0 <= floor <= MAX_COUNT) and count_or_none(floor) is None:
            warnings.append(f"{where(article)}: comment floor {c.floor} is out of range; comment dropped")
            continue
        comments.append(_comment(c, texts_clean))
    published = _when(article.published_at)
    if published is None and article.published_at is not None:
        warnings.append(
            f"{where(article)}: publication time {article.published_at.isoformat()} is outside years "
            f"{_MIN_YEAR}-{_MAX_YEAR}; treated as unknown"
        )
    paragraphs = tuple(p for p in (clean_text(p).strip() for p in article.paragraphs) if p)
    title = cap_text(article.title, TEXT_CAPS["title"])
    cleaned = replace(
        article,
        url=cap_text(article.url, TEXT_CAPS["url"]),
        outlet=cap_text(article.outlet, TEXT_CAPS["outlet"]),
        site=cap_text(article.site, TEXT_CAPS["site"]),
        title=title or (cap_text(paragraphs[0], 60) if paragraphs else ""),
        author=cap_text(article.author, TEXT_CAPS["author"]),
        paragraphs=paragraphs,
        published_at=published,
        stats=Stats(**{k: count_or_none(getattr(article.stats, k)) for k in Stats.__slots__}),
        comments=tuple(comments),
        source_name=clean_text(article.source_name),
        id=article.id,
    )
    return cleaned, warnings


def _claim_ok(c: Claim) -> bool:
    return finite_in_range(c.value, MAX_CLAIM_VALUE) is not None


def clean_analysis(article: Article, analysis: Analysis) -> tuple[Analysis, list[str]]:
    """``analysis`` with its claims' values finite and in range and keyword weights finite.

    A claim out of range is dropped (never stored as inf/null, which the store could not read
    back) with a warning naming the input, the line and the span.
    """
    warnings: list[str] = []
    claims: list[Claim] = []
    for c in analysis.claims:
        if _claim_ok(c):
            claims.append(c)
            continue
        span = cap_text(c.text, 40)
        place = f"paragraph {c.paragraph + 1}" if c.paragraph >= 0 else f"floor {c.floor}"
        warnings.append(
            f"{where(article)}: claim {span!r} ({place}) has a value beyond ±{MAX_CLAIM_VALUE:.0e} "
            f"({c.value!r}); claim dropped"
        )
    # A dropped claim may be named by another's agreement/contradiction lists: keep them consistent.
    kept = {c.id for c in claims}
    if len(claims) != len(analysis.claims):
        claims = [
            replace(
                c,
                contradicts=tuple(i for i in c.contradicts if i in kept),
                agrees_with=tuple(i for i in c.agrees_with if i in kept),
                refuted_by=tuple(i for i in c.refuted_by if i in kept),
            )
            for c in claims
        ]
    keywords = tuple(
        Keyword(k.word, k.weight) for k in analysis.keywords if finite_in_range(k.weight, 1e300) is not None
    )
    cleaned = replace(analysis, claims=tuple(claims), keywords=keywords)
    return cleaned, warnings
