"""The 繁/简 switch: show a page in traditional or simplified characters, never in other words.

The portal renders a page as stored (each outlet in its own script), then, when the reader
asked for ``?script=hant`` or ``?script=hans``, converts the *finished HTML* in one pass.
Converting the whole document (rather than each field) is what puts every visible string —
labels, headlines, comments, SVG labels — in one script. It is safe because OpenCC only rewrites
CJK characters and markup is ASCII; the one place CJK could occur inside markup, link targets,
is percent-encoded by :func:`storyline.web.links.safe_href`.

Two rules a reader of a news page relies on:

- **Characters only.** The switch uses OpenCC's character tables (``s2t``, ``t2s``), never the
  Taiwan phrase tables (``s2twp`` turns 支持 into 支援, 擴展 into 擴充套件, 數據中心 into
  資料中心): a reader's switch may change how a word is written, never which word it is.
- **The outlet's own text is left alone when it is already in the chosen script.** ``s2t`` on a
  traditional text is not the identity (台灣 → 臺灣), so text a source printed is marked with
  its script when it is rendered (:func:`source`), and the converter skips marked text that is
  already in the target script. ``lang`` attributes are written through :func:`lang` so they
  name the script the reader actually sees.

The marks are private-use characters, removed from every page whatever the choice (also from
any a hostile input carried in).

Example::

    >>> to_script("软件信息", "hant")
    '軟件信息'
    >>> to_script("支持" + source("台灣擴展", "zh-Hant"), "hant")
    '支持台灣擴展'
    >>> to_script(source("台灣", "zh-Hant"), "hans")
    '台湾'
    >>> to_script('<p lang="' + lang_value("zh-Hant") + '">x</p>', "hans")
    '<p lang="zh-Hans">x</p>'
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

__all__ = ["SCRIPT_CHOICES", "lang_value", "normalize_choice", "source", "to_script", "to_script_utf8"]

# URL value → OpenCC config. "orig" shows each text as its outlet printed it.
SCRIPT_CHOICES: dict[str, str | None] = {"hant": "s2t", "hans": "t2s", "orig": None}
_TARGET = {"hant": "zh-Hant", "hans": "zh-Hans"}

# Private-use marks: start of source text in a script, end of it; lang value start/end.
_START = {"zh-Hant": "\ue001", "zh-Hans": "\ue002"}
_SCRIPT_OF = {v: k for k, v in _START.items()}
_END = "\ue003"
_LANG_OPEN, _LANG_CLOSE = "\ue004", "\ue005"
_MARKS = re.compile("[\ue000-\ue005]")
_SEGMENT = re.compile("([\ue001\ue002])([^\ue001-\ue003]*)\ue003")
_LANG = re.compile("\ue004([^\ue004\ue005]*)\ue005")
# The same marks in UTF-8 (EE 80 80 … EE 80 85). UTF-8 is self-synchronising, so these bytes
# match only where a mark is; a regex with a literal prefix finds them far faster in the
# encoded page than the character class does in the text (which scans every character).
_MARKS_UTF8 = re.compile(b"\xee\x80[\x80-\x85]")


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    # Building a converter loads its dictionaries (~10 ms); one per config for the process.
    return opencc.OpenCC(config)


def normalize_choice(value: str | None) -> str:
    """``hant``/``hans``/``orig`` from a query parameter or cookie; anything else is ``orig``."""
    v = (value or "").strip().lower()
    return v if v in SCRIPT_CHOICES else "orig"


def source(text: str, script: str) -> str:
    """``text`` as a source printed it, marked with its script (``zh-Hant``/``zh-Hans``).

    Text in another script (English, unknown) is returned unmarked: converting it is harmless.
    Marks inside ``text`` (from a hostile input) are dropped first, so they cannot nest.
    """
    start = _START.get(script)
    text = _MARKS.sub("", text)
    return f"{start}{text}{_END}" if start and text else text


@lru_cache(maxsize=256)  # a handful of values (zh-Hans, zh-Hant, en, …), ~100 a story page
def lang_value(script: str) -> str:
    """A ``lang`` attribute value that :func:`to_script` rewrites to the script shown."""
    return f"{_LANG_OPEN}{_MARKS.sub('', script)}{_LANG_CLOSE}" if script else ""


def _shown_lang(script: str, choice: str) -> str:
    if choice in _TARGET and script.startswith("zh"):
        return _TARGET[choice]
    return script


def to_script_utf8(text: str, choice: str) -> bytes:
    """``to_script(text, choice).encode("utf-8")``: a page as it is sent.

    For ``orig`` the marks are dropped from the encoded bytes, when there are any (0.15 ms less
    on an 80k-character story page, measured: the page is encoded anyway).

    >>> to_script_utf8("软" + source("台灣", "zh-Hant") + lang_value("en"), "orig").decode()
    '软台灣en'
    """
    if SCRIPT_CHOICES.get(normalize_choice(choice)) is None:
        data = text.encode("utf-8")
        # A page shown as printed carries no marks of its own (web.render's filters): only an
        # input's, rarely. EE 80 is found at memchr speed; the regex runs only then.
        return _MARKS_UTF8.sub(b"", data) if b"\xee\x80" in data else data
    return to_script(text, choice).encode("utf-8")


def to_script(text: str, choice: str) -> str:
    """``text`` in the script ``choice`` names (marks removed; unchanged text for ``orig``)."""
    choice = normalize_choice(choice)
    if not text:
        return text
    config = SCRIPT_CHOICES.get(choice)
    if config is None:
        # Each lang value is shown as written, so dropping every mark is the whole work: one C
        # pass, where rewriting each value first called back into Python per attribute.
        return _MARKS.sub("", text)
    text = _LANG.sub(lambda m: _shown_lang(m.group(1), choice), text)
    convert = _converter(config).convert
    target = _TARGET[choice]
    out: list[str] = []
    pos = 0
    for m in _SEGMENT.finditer(text):
        if m.start() > pos:
            out.append(convert(_MARKS.sub("", text[pos : m.start()])))
        body = m.group(2)
        out.append(body if _SCRIPT_OF[m.group(1)] == target else convert(body))
        pos = m.end()
    if pos < len(text):
        out.append(convert(_MARKS.sub("", text[pos:])))
    return "".join(out)
