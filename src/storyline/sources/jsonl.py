"""JSONL: the universal input — one article per line, in storyline's schema or news-please's.

Schema (every field optional except a ``title`` or a body; unknown fields are ignored)::

    {
      "url": "https://example.org/news/1",          # the article's address ("" when none)
      "outlet": "RFI华语",                           # who published it
      "site": "文学城",                              # where it was read, when that is another brand
      "title": "马斯克向川普支持的AI计划泼冷水",
      "published_at": "2025-01-22T13:40:20+08:00",  # ISO 8601 or any form storyline.sources.dates reads
                                                     # ("2025年1月23日 6点43分 PT", RFC 2822, unix seconds…)
      "language": "zh-Hans",                         # or "script": zh-Hans | zh-Hant | en | zh | und
      "author": "记者甲",
      "paragraphs": ["第一段", "第二段"],              # or "body": text split on blank lines, else lines
      "stats": {"reads": 44192, "comments": 48, "likes": 0, "reposts": 0},
      "comments": [
        {"floor": 1, "author": "令胡冲", "posted_at": "2025-01-22 13:40:20", "text": "…",
         "parent_floor": null, "likes": 3,
         "quotes": [{"author": "甲", "posted_at": "…", "text": "…", "floor": null}]}
      ]
    }

news-please output maps onto it: ``maintext`` → body, ``date_publish`` → published_at,
``source_domain`` → outlet, and ``title``, ``url``, ``language`` as they are (``description`` is
used as the body when ``maintext`` is empty; ``authors`` [list] → author). A record with a body
but no title takes the first 60 characters of its first paragraph as title.

Missing floors are numbered 1..n in order; quotes without a floor are resolved against earlier
floors by author and text (:func:`storyline.sources.threads.link_thread`). A language of ``zh``
(script unknown) or anything unrecognised becomes ``und`` for the normalize stage to detect.

Bad lines (not JSON, not an object, no title and no body) become an :class:`InputError` naming
the line, appended to ``errors`` when given (else raised); the other lines are still read. Blank
lines are skipped; an empty file is an :class:`InputError`.

Example::

    >>> from storyline.records import RawInput
    >>> raw = RawInput("a.jsonl", '{"title": "T", "paragraphs": ["一", "二"], "outlet": "O"}'.encode())
    >>> [a] = parse(raw)
    >>> a.paragraphs
    ('一', '二')
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import msgspec

from storyline.errors import EncodingError, InputError, ParseError
from storyline.records import Article, Comment, Quote, RawInput, Stats
from storyline.sources.dates import parse_date
from storyline.sources.decode import canonical_encoding, decode_bytes, looks_binary
from storyline.sources.threads import link_thread

__all__ = ["parse", "parse_record"]

log = logging.getLogger(__name__)

_SCRIPTS = {
    "zh-hans": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
}
_BLANK_LINES_RE = re.compile(r"\n\s*\n")
# msgspec rather than the json module: the same strictness, several times the speed on big dumps.
_decoder = msgspec.json.Decoder()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if v)
    return str(value).strip()


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(float(str(value).replace(",", "").strip()))
    except (ValueError, OverflowError):  # "abc", "nan"; "1e999" and "inf" overflow int()
        return None


def _when(value: Any, default_tz: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value))
    return parse_date(str(value), default_tz=default_tz)


def _paragraphs(record: Mapping[str, Any]) -> tuple[str, ...]:
    paras = record.get("paragraphs")
    if isinstance(paras, list):
        return tuple(p for p in (_text(x) for x in paras) if p)
    body = _text(
        record.get("body") or record.get("maintext") or record.get("text") or record.get("description")
    )
    if not body:
        return ()
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    parts = _BLANK_LINES_RE.split(body) if _BLANK_LINES_RE.search(body) else body.split("\n")
    # Within a blank-line paragraph, hard line wraps are joined back (Chinese needs no space).
    return tuple(
        p for p in (" ".join(x.strip() for x in part.split("\n") if x.strip()) for part in parts) if p
    )


def _script(record: Mapping[str, Any]) -> str:
    raw = _text(record.get("script") or record.get("language")).replace("_", "-").casefold()
    return _SCRIPTS.get(raw, "und")


def _comments(values: Any, default_tz: str) -> tuple[Comment, ...]:
    if not isinstance(values, list):
        return ()
    out: list[Comment] = []
    used: set[int] = set()
    top = 0
    for item in values:
        if not isinstance(item, Mapping):
            continue
        floor = _int(item.get("floor"))
        if floor is None or floor in used:
            floor = top + 1
        used.add(floor)
        top = max(top, floor)
        quotes = tuple(
            Quote(
                author=_text(q.get("author")),
                text=_text(q.get("text")),
                posted_at=_when(q.get("posted_at"), default_tz),
                floor=_int(q.get("floor")),
            )
            for q in item.get("quotes") or ()
            if isinstance(q, Mapping)
        )
        out.append(
            Comment(
                floor=floor,
                author=_text(item.get("author")),
                text=_text(item.get("text")),
                posted_at=_when(item.get("posted_at"), default_tz),
                quotes=quotes,
                parent_floor=_int(item.get("parent_floor")),
                likes=_int(item.get("likes")),
            )
        )
    return link_thread(out)


def parse_record(
    record: Mapping[str, Any], *, name: str, line: int | None = None, raw_sha256: str = "",
    default_tz: str = "Asia/Shanghai",
) -> Article:  # fmt: skip
    """One JSON object → :class:`Article`; :class:`ParseError` when it has neither title nor body."""
    title = _text(record.get("title"))
    paragraphs = _paragraphs(record)
    if not title and not paragraphs:
        raise ParseError(name, "object has neither a title nor a body (paragraphs/body/maintext)", line=line)
    stats_in = record.get("stats") if isinstance(record.get("stats"), Mapping) else {}
    stats = Stats(**{k: _int(stats_in.get(k)) for k in ("reads", "comments", "likes", "reposts")})
    return Article(
        url=_text(record.get("url")),
        outlet=_text(record.get("outlet") or record.get("source_domain") or record.get("source")),
        site=_text(record.get("site")),
        title=title or paragraphs[0][:60],
        paragraphs=paragraphs,
        published_at=_when(record.get("published_at") or record.get("date_publish"), default_tz),
        script=_script(record),
        author=_text(record.get("author") or record.get("authors")),
        stats=stats,
        comments=_comments(record.get("comments"), default_tz),
        source_name=name,
        raw_sha256=raw_sha256,
        source_line=line,
    )


def parse(
    raw: RawInput, errors: list[InputError] | None = None, *, default_tz: str = "Asia/Shanghai"
) -> list[Article]:
    """Every article of a JSONL input; a bad line goes to ``errors`` (or is raised) and the rest is read."""
    articles: list[Article] = []
    for number, line in _lines(raw, errors):
        if not line.strip():
            continue
        try:
            try:
                record = _decoder.decode(line)
            except msgspec.DecodeError as exc:
                raise ParseError(raw.name, f"not JSON ({exc}); line skipped", line=number) from None
            if not isinstance(record, dict):
                raise ParseError(
                    raw.name, f"a JSON {type(record).__name__}, not an object; line skipped", line=number
                )
            articles.append(
                parse_record(record, name=raw.name, line=number, raw_sha256=raw.sha256, default_tz=default_tz)
            )
        except InputError as err:
            _report(err, errors)
        except RecursionError:
            # msgspec refuses nesting past the interpreter's depth; the line is that line's error.
            _report(ParseError(raw.name, "JSON nested too deeply to read; line skipped", line=number), errors)
        except Exception as exc:  # any other fault of one line stays that line's: the rest is read
            log.debug("%s line %d", raw.name, number, exc_info=True)
            reason = str(exc).splitlines()[0][:200] if str(exc) else ""
            _report(
                ParseError(
                    raw.name, f"unreadable record ({type(exc).__name__}: {reason}); line skipped", line=number
                ),
                errors,
            )
    return articles


def _lines(raw: RawInput, errors: list[InputError] | None) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each line. JSON is UTF-8 (RFC 8259 §8.1): a file that is UTF-8
    but for a few lines keeps its other lines, each broken one being that line's error; a file
    in another encoding throughout (GB18030, Big5) is decoded whole as any text input is."""
    declared = canonical_encoding(raw.encoding) if raw.encoding else None
    if (declared not in (None, "utf-8", "utf-8-sig") or _binary(raw.data)
            or raw.data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):  # fmt: skip
        text, _ = decode_bytes(raw.data, raw.name, raw.encoding or None)  # its errors name the input
        yield from enumerate(text.splitlines(), start=1)
        return
    try:
        text = raw.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        if not text.strip():
            raise InputError(raw.name, "empty input (0 bytes of text); nothing to ingest")
        yield from enumerate(text.splitlines(), start=1)
        return
    lines = raw.data.split(b"\n")
    readable = sum(1 for b in lines if not b.isascii() and _utf8(b) is not None)
    if not readable:  # not UTF-8 anywhere: a legacy encoding, decoded with the usual evidence
        text, _ = decode_bytes(raw.data, raw.name, raw.encoding or None)
        yield from enumerate(text.splitlines(), start=1)
        return
    for number, data in enumerate(lines, start=1):
        line = _utf8(data)
        if line is None:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                where = exc.start
            _report(
                EncodingError(
                    raw.name, f"not valid UTF-8 (byte {where + 1} of the line); line skipped", line=number
                ),
                errors,
            )
            continue
        yield number, line


def _binary(data: bytes) -> bool:
    """A binary file (or UTF-16 without a BOM): a stray NUL in one line is only that line's fault."""
    head = data[:4096]
    if not looks_binary(head):
        return False
    if b"\x00" not in head:  # a binary signature
        return True
    lines = head.split(b"\n")
    return 2 * sum(1 for line in lines if b"\x00" in line) > len(lines)


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        return None


def _report(err: InputError, errors: list[InputError] | None) -> None:
    """Raise ``err`` when the caller keeps no list; else hand it over (the caller prints it once)."""
    if errors is None:
        raise err
    errors.append(err)
