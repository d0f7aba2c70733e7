"""Bytes to text, for inputs in any encoding Chinese news actually arrives in.

Order of evidence: a byte-order mark, then the declared charset (HTTP header or ``<meta charset>``,
passed in by the caller), then strict UTF-8, then ``charset-normalizer``'s guess. Declared or guessed
GBK/GB2312 is read as GB18030 (its superset: pages labelled GBK routinely contain GB18030-only
characters) and Big5 as Big5-HKSCS (Hong Kong pages use HKSCS characters under a plain Big5 label).

Example::

    >>> decode_bytes("特朗普".encode("gbk"), "page.txt")
    ('特朗普', 'gb18030')
"""

from __future__ import annotations

import codecs
import logging
import re
import threading
from dataclasses import dataclass

from charset_normalizer import from_bytes

from storyline.errors import EncodingError, InputError

__all__ = ["Decoded", "canonical_encoding", "decode_bytes", "decode_tolerant", "looks_binary"]

log = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_SUPERSETS = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "euc_cn": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big5-tw": "big5hkscs",
    "cp950": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "big5-hkscs": "big5hkscs",
}

# Share of the decoded text that may be control characters before we call the input binary.
_MAX_CONTROL_SHARE = 0.01


def canonical_encoding(label: str) -> str | None:
    """The Python codec to use for a declared label, or None when the label is unknown."""
    cleaned = label.strip().strip("\"'").lower()
    if not cleaned:
        return None
    if cleaned in _SUPERSETS:
        return _SUPERSETS[cleaned]
    try:
        name = codecs.lookup(cleaned).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def looks_binary(data: bytes) -> bool:
    """NUL bytes outside a UTF-16/32 BOM, or known binary magic, mean this is not a text page."""
    if any(data.startswith(bom) for bom, enc in _BOMS if enc in {"utf-16", "utf-32"}):
        return False
    head = data[:4096]
    if b"\x00" in head:
        return True
    magic = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"%PDF", b"\x7fELF", b"\x1f\x8b")
    return head.startswith(magic)


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:20000]
    return len(_CONTROL.findall(sample)) / len(sample)


def decode_bytes(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` (the input called ``name``) to text; returns ``(text, encoding)``.

    Raises :class:`InputError` for an empty input and :class:`EncodingError` for binary data or
    bytes no encoding reads cleanly, each naming the input.
    """
    if not data or not data.strip():
        raise InputError(name, "empty input (0 bytes of text); nothing to ingest")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise EncodingError(
                    name, f"starts with a {enc} byte-order mark but is not valid {enc}", offset=exc.start
                ) from None
    if looks_binary(data):
        raise EncodingError(
            name, "looks like a binary file (NUL bytes or a binary signature), not a text page"
        )

    candidates: list[str] = []
    if declared:
        enc = canonical_encoding(declared)
        if enc:
            candidates.append(enc)
        else:
            log.info("%s: unknown declared charset %r ignored", name, declared)
    candidates.append("utf-8")
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if _control_share(text) <= _MAX_CONTROL_SHARE:
            return text, enc

    # Fast path: when exactly one of the two Chinese families decodes strictly, it is the one
    # (charset-normalizer costs ~10 ms per page; it is only needed when both decode).
    strict = []
    for enc in ("gb18030", "big5hkscs"):
        try:
            strict.append((data.decode(enc), enc))
        except UnicodeDecodeError:
            continue
    if len(strict) == 1 and _control_share(strict[0][0]) <= _MAX_CONTROL_SHARE:
        return strict[0]

    best = from_bytes(
        data, cp_isolation=["gb18030", "big5", "utf_8", "cp1252", "shift_jis", "euc_kr", "utf_16"]
    )
    guess = best.best()
    if guess is not None and guess.encoding:
        enc = canonical_encoding(guess.encoding) or guess.encoding
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            text = ""
        if text and _control_share(text) <= _MAX_CONTROL_SHARE:
            return text, enc
    # Last resort between the two Chinese families: whichever decodes strictly wins, GB18030 first
    # (it is the larger market); never fall back to a lossy decode, which would put mojibake in the store.
    for enc in ("gb18030", "big5hkscs"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start
    else:  # pragma: no cover - utf-8 succeeded above unless control characters dominate
        offset = None
    raise EncodingError(
        name,
        "not readable as UTF-8, GB18030 or Big5-HKSCS; re-save it as UTF-8 or pass its charset",
        offset=offset,
    )


# A page is "mostly readable" when at most this share of its bytes (and this many in all) do not
# decode: browsers show such pages with a few U+FFFD marks, and so must we.
_MAX_BAD_SHARE = 0.01
_MAX_BAD_BYTES = 2000


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text read from bytes; ``replaced`` counts the bytes shown as U+FFFD (0 for a clean read)."""

    text: str
    encoding: str
    replaced: int = 0
    first_bad: int | None = None
    places: int = 0

    def warning(self, name: str) -> InputError | None:
        """The message a user reads when bytes were replaced (None when none were)."""
        if not self.replaced:
            return None
        return EncodingError(
            name,
            f"{self.replaced} byte(s) in {self.places} place(s) not valid {self.encoding} were shown as U+FFFD; "
            "the rest of the page is kept and the raw bytes are stored unchanged",
            offset=self.first_bad,
        )


class _TooManyBad(Exception):
    pass


_tally = threading.local()


def _count_and_replace(exc: UnicodeError) -> tuple[str, int]:
    # The codec's own resynchronisation (the same as "replace", the WHATWG decoders' behaviour),
    # counting as it goes; past the limit the read is abandoned.
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    tally = _tally.current
    tally[0] += max(1, exc.end - exc.start)
    tally[1] += 1
    if tally[2] is None:
        tally[2] = exc.start
    if tally[0] > tally[3]:
        raise _TooManyBad
    return "\ufffd", exc.end


codecs.register_error("storyline-count", _count_and_replace)


def _replace_counting(data: bytes, enc: str, limit: int) -> tuple[str, int, int | None, int] | None:
    """Decode with U+FFFD for each undecodable run; None once more than ``limit`` bytes are bad.

    Returns ``(text, bad bytes, offset of the first, number of places)``.
    """
    _tally.current = [0, 0, None, limit]
    try:
        text = data.decode(enc, "storyline-count")
    except (_TooManyBad, LookupError):
        return None
    bad, places, first, _ = _tally.current
    return text, bad, first, places


def decode_tolerant(data: bytes, name: str, declared: str | None = None) -> Decoded:
    """:func:`decode_bytes`, but a page with a few undecodable bytes is read, not refused.

    When no encoding reads the bytes cleanly, each candidate (the declared one, UTF-8, GB18030,
    Big5-HKSCS) is read with U+FFFD in place of bad bytes and the one with the fewest wins; the
    count travels in :attr:`Decoded.replaced` so the caller can warn. Empty and binary inputs,
    and bytes mostly unreadable in every candidate, still raise :class:`EncodingError`.

    >>> d = decode_tolerant("新闻".encode("gbk") + b"\\xff" + "正文".encode("gbk"), "p.html", "gbk")
    >>> d.text, d.encoding, d.replaced
    ('新闻\ufffd正文', 'gb18030', 1)
    """
    limit = min(_MAX_BAD_BYTES, max(8, int(len(data) * _MAX_BAD_SHARE)))
    label = canonical_encoding(declared) if declared else None
    if label and data.strip() and not looks_binary(data) and not any(data.startswith(b) for b, _ in _BOMS):
        # The page's own label with a handful of bad bytes beats a detector's guess, which on
        # such bytes tends to be a single-byte codepage that "reads" everything as mojibake.
        for enc in (label, "utf-8"):
            try:
                return Decoded(data.decode(enc), enc)
            except (UnicodeDecodeError, LookupError):
                continue
        got = _replace_counting(data, label, limit)
        if got is not None and _control_share(got[0]) <= _MAX_CONTROL_SHARE:
            log.info("%s: %d undecodable byte(s) replaced reading it as %s", name, got[1], label)
            return Decoded(got[0], label, got[1], got[2], got[3])
    try:
        text, enc = decode_bytes(data, name, declared)
        return Decoded(text, enc)
    except EncodingError as exc:
        if "binary" in exc.reason or "byte-order mark" in exc.reason:
            raise
        refusal = exc
    candidates: list[str] = []
    if declared and canonical_encoding(declared):
        candidates.append(canonical_encoding(declared) or "")
    candidates += [e for e in ("utf-8", "gb18030", "big5hkscs") if e not in candidates]
    best: Decoded | None = None
    for enc in candidates:
        got = _replace_counting(data, enc, limit if best is None else min(limit, best.replaced))
        if got is None:
            continue
        text, bad, first, places = got
        if _control_share(text) > _MAX_CONTROL_SHARE:
            continue
        if best is None or bad < best.replaced:
            best = Decoded(text, enc, bad, first, places)
    if best is None:
        raise refusal
    log.info("%s: %d undecodable byte(s) replaced reading it as %s", name, best.replaced, best.encoding)
    return best
