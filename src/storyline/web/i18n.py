"""The 繁/简 switch: render a whole page in traditional or simplified script with OpenCC.

The portal renders a page as stored (each outlet in its own script), then, when the reader
asked for ``?script=hant`` or ``?script=hans``, converts the *finished HTML* in one OpenCC
pass. Converting the whole document (rather than each field) is what guarantees that every
visible string — labels, headlines, comments, SVG labels — ends up in one script. It is safe
because OpenCC only rewrites CJK characters and markup is ASCII; the one place CJK could occur
inside markup, link targets, is percent-encoded by :func:`storyline.web.views.safe_href`.

``s2twp`` gives Taiwan phrasing (软件 → 軟體) for 繁; ``t2s`` gives 简.

Example::

    >>> to_script("软件信息", "hant")
    '軟體資訊'
    >>> to_script("軟體資訊", "hans")
    '软体资讯'
"""

from __future__ import annotations

from functools import lru_cache

import opencc

__all__ = ["SCRIPT_CHOICES", "normalize_choice", "to_script"]

# URL value → OpenCC config. "orig" shows each text as its outlet printed it.
SCRIPT_CHOICES: dict[str, str | None] = {"hant": "s2twp", "hans": "t2s", "orig": None}


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    # Building a converter loads its dictionaries (~10 ms); one per config for the process.
    return opencc.OpenCC(config)


def normalize_choice(value: str | None) -> str:
    """``hant``/``hans``/``orig`` from a query parameter or cookie; anything else is ``orig``."""
    v = (value or "").strip().lower()
    return v if v in SCRIPT_CHOICES else "orig"


def to_script(text: str, choice: str) -> str:
    """``text`` converted to the script ``choice`` names (unchanged for ``orig``)."""
    config = SCRIPT_CHOICES.get(normalize_choice(choice))
    if config is None or not text:
        return text
    return _converter(config).convert(text)
