"""Paragraph texts held compactly: canonical and display forms of many paragraphs in byte buffers.

A Python ``str`` per paragraph costs ~75 bytes of header and pointer on top of 2 bytes per CJK
character, and the paragraph index holds two forms of each (canonical, for verification, and
display, what the page shows) — ~700 bytes for a 140-character paragraph. Here the canonical
form is UTF-16 in one growing buffer (2 bytes a character, 8 bytes of offset), and the display
form is kept as its difference from the canonical one: nothing when they are equal, the changed
positions and characters (2 + 2 bytes each) when fewer than half differ (NFKC punctuation,
script conversion character by character), the whole text otherwise (lengths differ).

Example::

    >>> t = ParagraphTexts()
    >>> t.append("他说:没有钱。", "他說:沒有錢。")
    0
    >>> t.canonical(0), t.display(0), len(t)
    ('他说:没有钱。', '他說:沒有錢。', 1)
"""

from __future__ import annotations

from array import array

import numpy as np

__all__ = ["ParagraphTexts"]

_SAME, _PATCH, _WHOLE, _PATCH16 = 0, 1, 2, 3
_UTF16 = "utf-16-le"
_UTF32 = "utf-32-le"
_ERRORS = "surrogatepass"  # a lone surrogate in scraped text must survive the round trip


def _patched(canonical: str, kind: int, payload: bytes) -> str:
    """The display form: ``canonical`` with the patch's characters put at its positions."""
    width = 2 if kind == _PATCH16 else 4
    dtype = np.uint16 if kind == _PATCH16 else np.uint32
    n = len(payload) // (2 * width)
    cps = np.frombuffer(canonical.encode(_UTF32, _ERRORS), dtype=np.uint32).copy()
    cps[np.frombuffer(payload[: width * n], dtype=dtype)] = np.frombuffer(payload[width * n :], dtype=dtype)
    return cps.tobytes().decode(_UTF32, _ERRORS)


# Display forms made from a patch, by (kind, canonical bytes, patch): a story's groups are copies
# of a few paragraphs printed by many outlets, and a story's index read back shows every member.
_PATCHED: dict[tuple[int, bytes, bytes], str] = {}
_PATCHED_KEPT = 8192


class ParagraphTexts:
    """An append-only list of (canonical, display) paragraph texts in a few byte buffers."""

    __slots__ = ("_canon", "_canon_end", "_disp", "_disp_end", "_kind")

    def __init__(self) -> None:
        self._canon = bytearray()
        self._canon_end = array("Q")
        self._disp = bytearray()
        self._disp_end = array("Q")
        self._kind = bytearray()

    def __len__(self) -> int:
        return len(self._kind)

    @property
    def nbytes(self) -> int:
        """Bytes held (buffers and offsets)."""
        return (
            len(self._canon)
            + len(self._disp)
            + len(self._kind)
            + 8 * (len(self._canon_end) + len(self._disp_end))
        )

    def append(self, canonical: str, display: str) -> int:
        """Store one paragraph's two forms; returns its number."""
        self._canon += canonical.encode(_UTF16, _ERRORS)
        self._canon_end.append(len(self._canon))
        if display == canonical:
            kind, payload = _SAME, b""
        else:
            kind, payload = _WHOLE, display.encode(_UTF16, _ERRORS)
            if len(display) == len(canonical):
                a = np.frombuffer(canonical.encode(_UTF32, _ERRORS), dtype=np.uint32)
                b = np.frombuffer(display.encode(_UTF32, _ERRORS), dtype=np.uint32)
                pos = np.flatnonzero(a != b)
                if len(a) < 0x10000 and (not len(pos) or b[pos].max() < 0x10000):
                    if 4 * len(pos) < len(payload):  # 2-byte position + 2-byte character per change
                        kind = _PATCH16
                        payload = pos.astype(np.uint16).tobytes() + b[pos].astype(np.uint16).tobytes()
                elif 8 * len(pos) < len(payload):  # the same in 4 + 4 bytes
                    kind, payload = _PATCH, pos.astype(np.uint32).tobytes() + b[pos].tobytes()
        self._kind.append(kind)
        self._disp += payload
        self._disp_end.append(len(self._disp))
        return len(self._kind) - 1

    def canonical(self, i: int) -> str:
        start = self._canon_end[i - 1] if i else 0
        return self._canon[start : self._canon_end[i]].decode(_UTF16, _ERRORS)

    def display(self, i: int) -> str:
        kind = self._kind[i]
        if kind == _SAME:
            return self.canonical(i)
        start = self._disp_end[i - 1] if i else 0
        payload = bytes(self._disp[start : self._disp_end[i]])
        if kind == _WHOLE:
            return payload.decode(_UTF16, _ERRORS)
        start = self._canon_end[i - 1] if i else 0
        key = (kind, bytes(self._canon[start : self._canon_end[i]]), payload)
        got = _PATCHED.get(key)
        if got is None:
            got = _patched(key[1].decode(_UTF16, _ERRORS), kind, payload)
            if len(_PATCHED) >= _PATCHED_KEPT:
                _PATCHED.pop(next(iter(_PATCHED)))
            _PATCHED[key] = got
        return got

    def to_parts(self) -> tuple[bytes, bytes, bytes, bytes, bytes]:
        """The five buffers, for saving (see :meth:`from_parts`)."""
        return (
            bytes(self._canon),
            self._canon_end.tobytes(),
            bytes(self._disp),
            self._disp_end.tobytes(),
            bytes(self._kind),
        )

    def parts_since(self, n: int) -> tuple[bytes, bytes, bytes, bytes, bytes]:
        """:meth:`to_parts` of the paragraphs from number ``n`` on (see :meth:`extend_parts`)."""
        canon_from = self._canon_end[n - 1] if n else 0
        disp_from = self._disp_end[n - 1] if n else 0
        return (
            bytes(self._canon[canon_from:]),
            self._canon_end[n:].tobytes(),
            bytes(self._disp[disp_from:]),
            self._disp_end[n:].tobytes(),
            bytes(self._kind[n:]),
        )

    def extend_parts(self, parts: tuple[bytes, bytes, bytes, bytes, bytes]) -> None:
        """Append the paragraphs of :meth:`parts_since` (taken from this list grown further)."""
        canon, canon_end, disp, disp_end, kind = parts
        self._canon += canon
        self._canon_end.frombytes(canon_end)
        self._disp += disp
        self._disp_end.frombytes(disp_end)
        self._kind += kind
        ends = (self._canon_end, len(self._canon)), (self._disp_end, len(self._disp))
        if any(end and end[-1] != size for end, size in ends) or len(self._canon_end) != len(self._kind):
            raise ValueError("paragraph texts: the parts do not continue this list")

    @classmethod
    def from_parts(cls, parts: tuple[bytes, bytes, bytes, bytes, bytes]) -> ParagraphTexts:
        texts = cls()
        canon, canon_end, disp, disp_end, kind = parts
        texts._canon = bytearray(canon)
        texts._canon_end.frombytes(canon_end)
        texts._disp = bytearray(disp)
        texts._disp_end.frombytes(disp_end)
        texts._kind = bytearray(kind)
        return texts
