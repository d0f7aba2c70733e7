"""Text from inputs made safe to print on a terminal through rich.

Titles, outlets, file names and error messages come from inputs anyone can write. Printed raw
they could (a) be read by rich as markup — ``[/x]`` raises ``MarkupError`` after the work is
done, ``[link=…]`` or ``[red]`` restyle the line — and (b) carry terminal escapes: ANSI CSI/OSC
sequences that recolour, retitle or clear the user's terminal, C1 controls (``\\x9b`` is a CSI on
many terminals), and bidi overrides that make a line read differently from its bytes.

:func:`plain` removes all of those and keeps the visible text; :func:`line` builds a rich
``Text`` from plain parts and styled parts (never parsed as markup); :func:`safe` escapes markup,
for the few places rich only takes a markup string (a progress bar's description).

Example::

    >>> safe("[/x] \\x1b[2Jtitle")
    '\\\\[/x] title'
"""

from __future__ import annotations

import re

from rich.markup import escape
from rich.text import Text

from storyline.validate import ESCAPE_SEQUENCES as _ESCAPES

__all__ = ["line", "plain", "safe"]

# What is left: C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain(text: object) -> str:
    """``text`` as a string without terminal escape sequences or control characters."""
    s = str(text)
    if "\x1b" in s or "\x9b" in s:
        s = _ESCAPES.sub("", s)
    return _CONTROLS.sub("", s)


def safe(text: object) -> str:
    """:func:`plain`, with rich markup escaped: prints literally inside a rich markup string."""
    return escape(plain(text))


def line(*parts: object) -> Text:
    """A rich ``Text`` of ``parts``: a ``(text, style)`` pair is styled, anything else is user text
    shown literally (through :func:`plain`, never read as markup)."""
    out = Text()
    for part in parts:
        if isinstance(part, tuple):
            out.append(plain(part[0]), style=part[1])
        else:
            out.append(plain(part))
    return out
