"""Weibo posts and their repost/comment threads (the CED dataset layout) as Articles.

A CED sample pairs ``original/NAME.json`` (the post: ``text``, ``time`` in unix seconds,
``comments``, ``reposts``, ``likes``, ``user``) with ``threads/NAME.json`` (a list of replies, each
``{"uid", "text", "date": "2014-07-24 14:37:38", "mid", "parent", "kids"}``), where ``NAME`` is
``<n>_<post mid>_<post uid>``. ``parent`` is the mid of the reply's parent inside the thread, or
``""`` for a reply to the post itself.

One :class:`~storyline.records.RawInput` reaches :func:`parse`, so it accepts three shapes:

* a combined object ``{"post": {...}, "thread": [...]}``;
* a post object — its thread is read from the sibling ``threads/`` folder when ``raw.name`` is a
  path ``…/original/NAME.json`` and ``…/threads/NAME.json`` exists, else the post has no thread;
* a thread list whose ``raw.name`` is ``…/threads/NAME.json`` with ``…/original/NAME.json`` beside
  it (the post is read from there; either file of a pair yields the same Article id).

:func:`parse_pair` takes the two files' bytes directly.

Replies are numbered as floors in time order (oldest first). ``parent_floor`` comes from the
``parent`` mid; ``//@name: …`` repost chains become :class:`Quote` records.

Names: CED replies carry a ``uid`` (a number, or for some accounts the screen name itself), while
``回复@name:`` and ``//@name:`` name users by screen name. Every ``回复@name:`` reply keeps the
name in ``reply_to``; where the data shows whose it is (a uid equal to the name) it resolves to
that user's latest earlier floor (``reply_to_floor``, and ``parent_floor`` for a reply to the
post), else the target stays unknown and the export says so. A reply's ``parent`` mid is not
the addressee: in the 224 CED threads 215 of the 270 ``回复@`` replies with a parent mid hang
under the replier's own repost.

Times: a Weibo mid embeds its own time (for ids from 2012 on, ``(mid >> 22) + 515483463`` is the
unix time, the mid read from its base-62 URL form); a reply dated ``08月02日 05:10`` takes its
year from its mid (a 2013 post's thread holds 2016 replies), and a reply without a readable date
gets its mid's time.

Example::

    >>> raw = RawInput("p.json", b'{"post": {"text": "hi", "time": 0}, "thread": []}')
    >>> parse(raw)[0].paragraphs
    ('hi',)
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from storyline.errors import InputError, ParseError
from storyline.records import Article, Comment, Quote, RawInput, Stats
from storyline.sources.decode import decode_bytes

__all__ = ["mid_number", "mid_time", "parse", "parse_pair"]

log = logging.getLogger(__name__)

# Weibo shows and stores times in Beijing time; the CED thread dates carry no offset.
WEIBO_TZ = ZoneInfo("Asia/Shanghai")
_NAME_RE = re.compile(r"^\d+_(?P<mid>[0-9A-Za-z]+)_(?P<uid>\d+)$")
_REPLY_RE = re.compile(r"^\s*回复\s*@(?P<name>[^:：\s]{1,40})\s*[:：]")
_CHAIN_RE = re.compile(r"//\s*@(?P<name>[^:：\s/]{1,40})\s*[:：]")
# CED's reply date, 2014-07-24 14:37:38: matched here (ASCII digits only; anything else goes to
# strptime itself) and read by datetime.fromisoformat, as strptime reads it, at a tenth of its cost.
_CED_TIME_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_MONTH_DAY_RE = re.compile(r"^\s*(\d{1,2})月(\d{1,2})日\s+(\d{1,2}):(\d{2})")
_TITLE_CHARS = 60
# Weibo's base-62 alphabet; a URL mid is read in groups of 4 characters from the right, each
# group worth 7 decimal digits of the numeric mid.
_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_B62_INDEX = {c: i for i, c in enumerate(_B62)}
_MID_EPOCH = 515483463
# Mids before 2012 do not embed a time this way; below this numeric mid the rule is not used.
_MID_TIMED_FROM = (1325376000 - _MID_EPOCH) << 22  # 2012-01-01 UTC


def parse(raw: RawInput, errors: list[InputError] | None = None) -> list[Article]:
    """Read a Weibo post (with its thread when one is found) as one Article; see the module doc."""
    obj = _load_json(raw.data, raw.name)
    if isinstance(obj, dict) and "post" in obj:
        thread = obj.get("thread", [])
        return [_build(obj["post"], thread, raw.name, raw.sha256, errors)]
    if isinstance(obj, dict):
        thread_obj: Any = []
        sibling = _sibling(raw.name, "original", "threads")
        if sibling is not None:
            thread_obj = _load_json(_read(sibling), str(sibling))
        return [_build(obj, thread_obj, raw.name, raw.sha256, errors)]
    if isinstance(obj, list):
        sibling = _sibling(raw.name, "threads", "original")
        if sibling is None:
            raise ParseError(
                raw.name,
                "a Weibo thread list without its post; pass the post (original/NAME.json), "
                'keep threads/ beside original/, or wrap both as {"post": …, "thread": […]}',
            )
        post = _load_json(_read(sibling), str(sibling))
        return [_build(post, obj, str(sibling), raw.sha256, errors)]
    raise ParseError(
        raw.name, f"expected a Weibo post object or thread list, found JSON {type(obj).__name__}"
    )


def parse_pair(
    post_bytes: bytes, thread_bytes: bytes, name: str, errors: list[InputError] | None = None
) -> Article:
    """The post and thread files of one CED pair, already read; ``name`` names the post file."""
    raw = RawInput(name, post_bytes)
    post = _load_json(post_bytes, name)
    thread = _load_json(thread_bytes, name + " (thread)")
    return _build(post, thread, name, raw.sha256, errors)


# --------------------------------------------------------------------------------------------


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the paired Weibo file: {exc.strerror}") from None


def _sibling(name: str, here: str, there: str) -> Path | None:
    """``…/here/NAME.json`` → ``…/there/NAME.json`` when that file exists."""
    if "://" in name:
        return None
    path = Path(name)
    if path.parent.name != here:
        return None
    other = path.parent.parent / there / path.name
    return other if other.is_file() else None


def _load_json(data: bytes, name: str) -> Any:
    text, _ = decode_bytes(data, name)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(name, f"not valid JSON ({exc.msg}, column {exc.colno})", line=exc.lineno) from None
    except RecursionError:
        raise ParseError(name, "JSON nested too deeply to read") from None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _post_time(value: Any) -> datetime | None:
    """Unix seconds (most CED posts) or the Weibo API's ``Mon Jan 28 20:25:04 +0800 2013``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str) and not value.strip().replace(".", "", 1).isdigit():
        try:
            return datetime.strptime(value.strip(), "%a %b %d %H:%M:%S %z %Y").astimezone(WEIBO_TZ)
        except ValueError:
            return None
    try:
        return datetime.fromtimestamp(float(value), tz=WEIBO_TZ)
    except (ValueError, OverflowError, OSError):
        return None


def mid_number(mid: str) -> int | None:
    """The numeric mid of a base-62 URL mid (``z6AQz0uPP`` → ``3516455226098629``), or None.

    A mid given in decimal already is returned as it is.

    >>> mid_number("E1Dgewfd1")
    4003892507684963
    """
    mid = mid.strip()
    if not mid:
        return None
    if mid.isdigit() and len(mid) >= 12:
        return int(mid)
    digits = ""
    while mid:
        group, mid = mid[-4:], mid[:-4]
        value = 0
        for ch in group:
            if ch not in _B62_INDEX:
                return None
            value = value * 62 + _B62_INDEX[ch]
        digits = (str(value).zfill(7) if mid else str(value)) + digits
    return int(digits)


def mid_time(mid: str) -> datetime | None:
    """The time a (post-2012) Weibo mid embeds, in Beijing time; None for older or odd mids.

    >>> mid_time("E1Dgewfd1").isoformat()
    '2016-08-02T05:10:25+08:00'
    """
    number = mid_number(mid)
    if number is None or number < _MID_TIMED_FROM:
        return None
    try:
        return datetime.fromtimestamp((number >> 22) + _MID_EPOCH, tz=WEIBO_TZ)
    except (OverflowError, OSError, ValueError):
        return None


def _reply_time(text: Any, post_at: datetime | None, mid: str = "") -> datetime | None:
    """``2014-07-24 14:37:38`` (the CED form) or Weibo's short ``08月02日 05:10`` form.

    Hand-parsed rather than through dateutil: 85,000 replies of one fixed form parse ~20× faster
    with strptime. The short form has no year: it comes from the reply's own mid when the mid
    embeds a time on the same day (±1, for the zone), else from the post (the post's year, or
    the next one when that would put the reply before the post). No readable date: the mid's time.
    """
    if isinstance(text, str):
        stripped = text.strip()
        try:
            if _CED_TIME_RE.fullmatch(stripped):
                # That exact form is one fromisoformat reads (in C), to the same datetime.
                return datetime.fromisoformat(stripped).replace(tzinfo=WEIBO_TZ)
            return datetime.strptime(stripped, "%Y-%m-%d %H:%M:%S").replace(tzinfo=WEIBO_TZ)
        except ValueError:
            pass
        m = _MONTH_DAY_RE.match(text)
        if m:
            month, day, hour, minute = (int(g) for g in m.groups())
            embedded = mid_time(mid) if mid else None
            try:
                if embedded is not None:
                    at = datetime(embedded.year, month, day, hour, minute, tzinfo=WEIBO_TZ)
                    if abs(at - embedded) <= timedelta(days=1):
                        return at
                if post_at is not None:
                    at = datetime(post_at.year, month, day, hour, minute, tzinfo=WEIBO_TZ)
                    if at < post_at:
                        at = at.replace(year=post_at.year + 1)
                    return at
            except ValueError:
                pass
        else:
            try:
                return datetime.fromisoformat(text.strip()).astimezone(WEIBO_TZ)
            except (ValueError, OverflowError):  # "0001-01-01T00:00:00+14:00" has no Beijing time
                pass
    return mid_time(mid) if mid else None


# Where a reply without a readable time sorts: after every dated one.
_FAR = datetime.max.replace(tzinfo=WEIBO_TZ)


def _ids_from_name(name: str) -> tuple[str, str]:
    m = _NAME_RE.match(Path(name).stem) if "://" not in name else None
    return (m["mid"], m["uid"]) if m else ("", "")


def _build(post: Any, thread: Any, name: str, sha256: str, errors: list[InputError] | None) -> Article:
    if not isinstance(post, dict):
        raise ParseError(name, f"the Weibo post must be a JSON object, found {type(post).__name__}")
    text = post.get("text")
    if not isinstance(text, str):
        raise ParseError(name, 'the Weibo post has no "text" string')
    if not isinstance(thread, list):
        raise ParseError(name, f"the Weibo thread must be a JSON list, found {type(thread).__name__}")
    mid, uid = _ids_from_name(name)
    mid = str(post.get("mid") or post.get("id") or mid)
    user = post.get("user") if isinstance(post.get("user"), dict) else {}
    uid = str(post.get("uid") or user.get("id") or uid)
    author = str(user.get("screen_name") or user.get("name") or uid)
    published = _post_time(post.get("time"))
    paragraphs = tuple(p.strip() for p in text.splitlines() if p.strip())
    first = paragraphs[0] if paragraphs else ""
    title = first if len(first) <= _TITLE_CHARS else first[:_TITLE_CHARS] + "…"
    comments = _thread(thread, name, published, errors)
    return Article(
        url=f"https://weibo.com/{uid}/{mid}" if uid and mid else "",
        outlet="微博",
        site="weibo.com",
        title=title,
        paragraphs=paragraphs,
        published_at=published,
        author=author,
        stats=Stats(
            comments=_int(post.get("comments")),
            reposts=_int(post.get("reposts")),
            likes=_int(post.get("likes")),
        ),
        comments=comments,
        source_name=name,
        raw_sha256=sha256,
    )


def _thread(
    items: list[Any], name: str, post_at: datetime | None, errors: list[InputError] | None
) -> tuple[Comment, ...]:
    # (sort time, minus file position, time, mid, reply): sorted as they stand, oldest first.
    rows: list[tuple[datetime, int, datetime | None, str, dict[str, Any]]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
            err = ParseError(name, f"thread item {index}: not a reply object; skipped")
            if errors is None:
                log.warning("%s", err)
            else:
                errors.append(err)
            continue
        mid = str(item.get("mid") or "")
        at = _reply_time(item.get("date"), post_at, mid)
        rows.append((_FAR if at is None else at, -index, at, mid, item))
    # CED threads list newest first: order oldest first, ties by file position reversed (older).
    # No two rows tie on (time, -position), so the rest of a row is never compared.
    rows.sort()

    floor_of_mid: dict[str, int] = {}
    for floor, row in enumerate(rows, start=1):
        if row[3]:
            floor_of_mid.setdefault(row[3], floor)

    last_floor_of: dict[str, int] = {}
    comments: list[Comment] = []
    for floor, (_, _, at, _, item) in enumerate(rows, start=1):
        author = str(item.get("uid") or "")
        text = item.get("text") or ""
        parent = item.get("parent")
        parent_floor = (floor_of_mid.get(parent if type(parent) is str else str(parent))) if parent else None
        if parent_floor == floor:
            parent_floor = None
        own, quotes = _split_chain(text, last_floor_of)
        m = _REPLY_RE.match(own) if "回复" in own else None  # the mark holds 回复
        reply_to = m["name"] if m else ""
        # A name is knowable only where the data carries it: CED's uid is the screen name for
        # some accounts. (A parent mid does not name the addressee: in CED it is the repost whose
        # comments hold the exchange, most often the replier's own.)
        reply_to_floor = last_floor_of.get(reply_to) if reply_to else None
        if parent_floor is None:
            if reply_to:
                parent_floor = reply_to_floor
            elif quotes and quotes[0].floor is not None:
                parent_floor = quotes[0].floor
        # Positional, in Comment's field order: floor, author, text, posted_at, quotes,
        # parent_floor, likes, reply_to, reply_to_floor (a keyword call costs a third more).
        comments.append(
            Comment(
                floor,
                author,
                own,
                at,
                quotes,
                parent_floor,
                _int(likes) if (likes := item.get("likes")) is not None else None,  # CED has none
                reply_to,
                reply_to_floor,
            )
        )
        if author:
            last_floor_of[author] = floor
    return tuple(comments)


def _split_chain(text: str, last_floor_of: dict[str, int]) -> tuple[str, tuple[Quote, ...]]:
    """``own words//@B: B's words//@C: C's`` → own words, quotes of B then C (nearest first)."""
    marks = list(_CHAIN_RE.finditer(text)) if "//" in text else []  # every mark starts "//"
    if not marks:
        return text.strip(), ()
    own = text[: marks[0].start()].strip()
    quotes: list[Quote] = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        author = m["name"]
        quotes.append(Quote(author=author, text=text[m.end() : end].strip(), floor=last_floor_of.get(author)))
    return own, tuple(quotes)
