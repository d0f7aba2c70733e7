"""Reader threads in page dumps: numbered floors, their authors, replies and the quotes inside them.

A thread as copy-pasted from a forum-style comment section looks like::

    s                      <- optional one-letter avatar (the author's initial)
    supernova13            <- author line
    3 楼                   <- floor header (also ``3楼``, ``#3``, ``第3楼``)
    reply text …           <- until the next floor's author block

A reply may quote an earlier one: ``NAME 发表评论于 2025-01-22 13:40:20 QUOTED``, before or after
the reply's own words, with or without a ``-----``/``=====`` separator, the time sometimes glued
to the quoted text. Each quote is moved out of the reply text into a :class:`Quote` and resolved
to the earlier floor by that author whose text contains it (quotes are often truncated). A
resolved quote gives the quoted floor's posted time and the quoting reply's ``parent_floor``.
``回复@name:`` replies point at that author's latest earlier floor.

Example::

    >>> cs = parse_thread(["甲", "1 楼", "今天天气不错", "乙", "2 楼",
    ...                    "甲 发表评论于 2025-01-22 13:40:20 今天天气不错 ----- 同意"])
    >>> cs[1].text, cs[1].parent_floor, cs[0].posted_at.isoformat()
    ('同意', 1, '2025-01-22T13:40:20+08:00')
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from storyline.records import Comment, Quote
from storyline.sources.dates import find_dates, parse_date

__all__ = [
    "find_floor_headers",
    "link_thread",
    "parse_thread",
    "resolve_quote",
    "split_quotes",
    "thread_start",
]

log = logging.getLogger(__name__)

_HEADER_RE = re.compile(
    r"^(?:第\s*(?P<a>\d{1,5})\s*[楼樓]|(?P<b>\d{1,5})\s*[楼樓]|#\s*(?P<c>\d{1,5}))(?:\s+(?P<rest>.+))?$"
)
# Found by its keyword, then the author is read backwards from it: a regex that starts at the
# author (``\S{0,40}?\s*发表评论于``) retries at every character and was 90% of thread parse time.
_QUOTE_KEY_RE = re.compile(
    r"(?:发表评论于|發表評論於|发表于|發表於|评论于|評論於)\s*"
    r"(?P<date>\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[T\s]*\d{1,2}:\d{2}(?::\d{2})?)?)\s*"
)
_SEP_CHARS = "-=_—─═"

# Separator runs between a quote and the reply's own words; "*" and "~" are left out because
# readers mask names with them ("wri*****").
_SEP_RUN_RE = re.compile(r"[-=_—─═]{3,}")
_SEP_TAIL_RE = re.compile(r"[-=_—─═]{3,}\s*$")
_REPLY_RE = re.compile(r"^\s*(?:回复|回覆|回復|Reply to|reply to)\s*@?\s*(?P<name>[^:：\s]{1,40})\s*[:：]\s*")
_AUTHOR_DATE_TAIL_RE = re.compile(r"\s*(?:发表于|發表於|发表评论于|發表評論於|于|於|@)?\s*$")
_TRAILING_ELLIPSIS_RE = re.compile(r"(?:\.{2,}|…+|。{2,})$")


def _header(line: str) -> tuple[int, str] | None:
    """``(floor, rest)`` when ``line`` is a floor header; a rest must be a date (``3 楼 2025-01-22``)."""
    m = _HEADER_RE.match(line.strip())
    if not m:
        return None
    floor = int(m["a"] or m["b"] or m["c"])
    rest = (m["rest"] or "").strip()
    if rest:
        dates = find_dates(rest)
        if not dates or len(dates[0][0]) < len(rest) * 0.6:
            return None
    return floor, rest


def _words(text: str) -> str:
    """Whitespace-free, case-folded form used to compare a quote with the floor it quotes."""
    return "".join(text.split()).casefold()


@dataclass(slots=True)
class _Floor:
    floor: int
    author: str
    posted_at: datetime | None = None
    lines: list[str] = field(default_factory=list)


def find_floor_headers(lines: Sequence[str]) -> list[tuple[int, int, int, str]]:
    """Floor headers as ``(line index, floor, author-block start, author)``, floors strictly rising.

    A header needs a non-empty author line above it; an avatar line is a single character equal
    (case-insensitively) to the author's first character.
    """
    stripped = [line.strip() for line in lines]
    out: list[tuple[int, int, int, str]] = []
    last_floor = 0
    prev_header = -1
    for i, line in enumerate(stripped):
        head = _header(line)
        if head is None:
            continue
        floor = head[0]
        j = i - 1
        while j > prev_header and not stripped[j]:
            j -= 1
        if j <= prev_header or floor <= last_floor or _header(stripped[j]) is not None:
            continue
        author = stripped[j]
        start = j
        k = j - 1
        while k > prev_header and not stripped[k]:
            k -= 1
        if k > prev_header and len(stripped[k]) == 1 and author[:1].casefold() == stripped[k].casefold():
            start = k
        out.append((i, floor, start, author))
        last_floor, prev_header = floor, i
    if len(out) == 1 and stripped[out[0][0]].startswith("#"):
        return []  # one "#1" line is more likely a heading in the body than a one-reply thread
    return out


def thread_start(lines: Sequence[str]) -> int | None:
    """Index of the first line of the thread (the first floor's author block), or None."""
    headers = find_floor_headers(lines)
    return headers[0][2] if headers else None


def _split_author_date(author: str, default_tz: str) -> tuple[str, datetime | None]:
    """``令胡冲 2025-01-22 13:40:20`` → (``令胡冲``, the time); a plain name is returned as is."""
    dates = find_dates(author, default_tz=default_tz)
    if dates:
        text, when = dates[-1]
        at = author.rfind(text)
        if at > 0 and not author[at + len(text) :].strip():
            name = _AUTHOR_DATE_TAIL_RE.sub("", author[:at]).strip()
            if name:
                return name, when
    return author, None


def _quote_author(before: str, candidate: str, known: Sequence[str]) -> tuple[str, int]:
    """The quoted author and how many characters of ``before`` it takes.

    The author is normally the token before ``发表评论于``; when it is glued to the reply's words
    (``…了令胡冲 发表评论于``), the longest known thread author the text ends with wins.
    """
    for name in sorted(known, key=len, reverse=True):
        if name and before.endswith(name):
            return name, len(name)
    return candidate, len(candidate)


@dataclass(slots=True)
class _QuoteHead:
    start: int  # where the quote header begins (its separator run, else the author's name)
    end: int  # where the quoted text begins
    author: str
    date: str


def _quote_heads(text: str, known_authors: Sequence[str]) -> list[_QuoteHead]:
    if "于" not in text and "於" not in text:
        return []
    heads: list[_QuoteHead] = []
    floor = 0
    for k in _QUOTE_KEY_RE.finditer(text):
        author_end = k.start()
        while author_end > floor and text[author_end - 1].isspace():
            author_end -= 1
        i = author_end
        while i > floor and not text[i - 1].isspace() and author_end - i < 40:
            i -= 1
        token = text[i:author_end]
        bare = token.lstrip(_SEP_CHARS)
        if len(token) - len(bare) >= 3:  # "=====ScottGu 发表评论于": the run is glued to the name
            heads.append(_QuoteHead(i, k.end(), bare, k["date"]))
        else:
            author, taken = _quote_author(text[floor:author_end], token, known_authors)
            start = author_end - taken
            window = max(floor, start - 400)
            run = _SEP_TAIL_RE.search(text, window, start)
            heads.append(_QuoteHead(run.start() if run else start, k.end(), author, k["date"]))
        floor = k.end()
    return heads


def split_quotes(
    text: str, *, known_authors: Sequence[str] = (), default_tz: str = "Asia/Shanghai"
) -> tuple[str, list[tuple[str, str, datetime | None, bool]]]:
    """Move ``NAME 发表评论于 TIME TEXT`` quotes out of a reply.

    Returns the reply's own words and ``(author, quoted text, time, open_ended)`` per quote;
    ``open_ended`` means the quote ran to the end with no separator, so some of it may be the
    reply's own words (:func:`parse_thread` splits it against the quoted floor).

    >>> split_quotes("同意 ===== 甲 发表评论于 2025-01-22 13:40:20 原话")[0]
    '同意'
    """
    heads = _quote_heads(text, known_authors)
    if not heads:
        return text.strip(), []
    starts = [h.start for h in heads]
    own_parts = [text[: starts[0]]]
    quotes: list[tuple[str, str, datetime | None, bool]] = []
    for n, m in enumerate(heads):
        last = n + 1 == len(heads)
        limit = len(text) if last else starts[n + 1]
        sep = _SEP_RUN_RE.search(text, m.end, limit)
        if sep:
            quoted = text[m.end : sep.start()]
            own_parts.append(text[sep.end() : limit])
        else:
            quoted = text[m.end : limit]
        when = parse_date(m.date, default_tz=default_tz)
        quotes.append((m.author.strip(), quoted.strip(), when, sep is None and last))
    own = " ".join(part.strip() for part in own_parts if part.strip())
    return own, quotes


def resolve_quote(author: str, text: str, earlier: Sequence[Comment]) -> Comment | None:
    """The latest earlier floor by ``author`` whose text contains (or starts with) the quoted text.

    Comparison is on whitespace-free, case-folded text; a trailing ``...``/``…`` is ignored.
    """
    q = _words(_TRAILING_ELLIPSIS_RE.sub("", text.strip()))
    name = author.strip().casefold()
    if not name:
        return None
    for c in reversed(earlier):
        if c.author.strip().casefold() != name:
            continue
        f = _words(c.text)
        if not q or not f:
            continue
        if q in f or (len(f) >= 4 and q.startswith(f)):
            return c
    return None


def _cut_after_prefix(text: str, prefix_words: str) -> tuple[str, str]:
    """Split ``text`` after as many characters as make up ``prefix_words`` (whitespace ignored)."""
    need = len(prefix_words)
    seen = 0
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        seen += 1
        if seen == need:
            return text[: i + 1].strip(), text[i + 1 :].strip()
    return text.strip(), ""


def _reply_target(text: str) -> tuple[str | None, str]:
    m = _REPLY_RE.match(text)
    if not m:
        return None, text
    return m["name"], text[m.end() :].strip()


def link_thread(comments: Sequence[Comment]) -> tuple[Comment, ...]:
    """Resolve quote floors and parents that are missing, and learn quoted floors' times.

    For comments read from structured input (JSONL) whose quotes carry no floor: each quote is
    resolved like :func:`parse_thread` does; a resolved quote sets the quoting comment's
    ``parent_floor`` (when unset) and the quoted floor's ``posted_at`` (when unknown).
    """
    done: list[Comment] = []
    learned: dict[int, datetime] = {}
    for c in comments:
        quotes: list[Quote] = []
        parent = c.parent_floor
        for q in c.quotes:
            floor = q.floor
            if floor is None:
                target = resolve_quote(q.author, q.text, done)
                floor = target.floor if target else None
            if floor is not None:
                if parent is None:
                    parent = floor
                if q.posted_at is not None:
                    learned.setdefault(floor, q.posted_at)
            quotes.append(replace(q, floor=floor))
        if parent is None:
            name, _ = _reply_target(c.text)
            if name:
                parent = _latest_by(name, done)
        done.append(replace(c, quotes=tuple(quotes), parent_floor=parent))
    return tuple(
        replace(c, posted_at=learned[c.floor]) if c.posted_at is None and c.floor in learned else c
        for c in done
    )


def _latest_by(name: str, earlier: Sequence[Comment]) -> int | None:
    key = name.strip().casefold()
    for c in reversed(earlier):
        if c.author.strip().casefold() == key:
            return c.floor
    return None


def parse_thread(
    lines: Sequence[str], *, name: str = "", default_tz: str = "Asia/Shanghai"
) -> tuple[Comment, ...]:
    """Read the reader thread out of a page's lines; no floor headers means an empty tuple.

    ``name`` is the input's name (for log messages); ``default_tz`` the zone of times printed
    without one (a forum in California prints Pacific time).
    """
    headers = find_floor_headers(lines)
    if not headers:
        return ()
    stripped = [line.strip() for line in lines]
    floors: list[_Floor] = []
    for n, (index, floor, _start, author) in enumerate(headers):
        end = headers[n + 1][2] if n + 1 < len(headers) else len(stripped)
        author, when = _split_author_date(author, default_tz)
        rest = _header(stripped[index])
        if rest and rest[1]:
            when = parse_date(rest[1], default_tz=default_tz) or when
        body = [line for line in stripped[index + 1 : end] if line]
        floors.append(_Floor(floor, author, when, body))
    known = sorted({f.author for f in floors})

    done: list[Comment] = []
    learned: dict[int, datetime] = {}
    for f in floors:
        text = "\n".join(f.lines)
        target_name, text = _reply_target(text)
        own, raw_quotes = split_quotes(text, known_authors=known, default_tz=default_tz)
        quotes: list[Quote] = []
        parent: int | None = None
        for author, quoted, when, open_ended in raw_quotes:
            target = resolve_quote(author, quoted, done)
            if target is not None and open_ended and not own:
                # Quote first, no separator: the words after the quoted floor's text are the reply's.
                cut = _words(target.text)
                if _words(quoted).startswith(cut) and len(_words(quoted)) > len(cut):
                    quoted, own = _cut_after_prefix(quoted, cut)
            floor = target.floor if target else None
            if floor is not None:
                parent = parent if parent is not None else floor
                if when is not None:
                    learned.setdefault(floor, when)
            quotes.append(Quote(author=author, text=quoted, posted_at=when, floor=floor))
        if parent is None and target_name:
            parent = _latest_by(target_name, done)
        if not own and not quotes:
            log.debug("%s: floor %d has no text", name or "thread", f.floor)
        done.append(Comment(floor=f.floor, author=f.author, text=own, posted_at=f.posted_at,
                            quotes=tuple(quotes), parent_floor=parent))  # fmt: skip
    return tuple(
        replace(c, posted_at=learned[c.floor]) if c.posted_at is None and c.floor in learned else c
        for c in done
    )
