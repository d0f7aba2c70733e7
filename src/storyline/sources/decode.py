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

from charset_normalizer import from_bytes

from storyline.errors import EncodingError, InputError

__all__ = ["canonical_encoding", "decode_bytes", "looks_binary"]

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
