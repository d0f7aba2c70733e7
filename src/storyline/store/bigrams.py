"""Search tokenisation shared by both stores: script-folded CJK character pairs and Latin words.

Why not the engines' own n-gram support: SQLite FTS5's ``trigram`` tokenizer cannot match a
two-character query (特朗, 川普 are whole words in Chinese), and PostgreSQL's ``pg_trgm`` pads and
lower-cases by byte-oriented rules that ignore CJK. So the text is tokenised here, once, in
Python, and the engines only see space-separated tokens: FTS5 reads them with ``unicode61``,
PostgreSQL gets a ready-made ``tsvector``.

Both sides of a search are *folded* the same way — NFKC (full-width → half-width), OpenCC
``t2s`` (traditional → simplified) and lower case — so 川普 finds 川普 whichever script
either side was printed in.

Every run of CJK characters of length *n* becomes *n* tokens: the pair starting at each
position, the last one truncated to a single character::

    >>> index_tokens("特朗普说 TRUMP")
    ['特朗', '朗普', '普说', '说', 'trump']

A query of two or more CJK characters is the *phrase* of its pairs (adjacent positions, so
特朗普 matches exactly that substring); a one-character query is a prefix search on the
tokens (every occurrence of a character begins some token). Latin words are matched whole.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import add

import opencc

__all__ = [
    "QueryUnit",
    "fold",
    "fold_all",
    "fold_with_offsets",
    "index_text",
    "index_tokens",
    "parse_query",
    "snippet",
]

# Han ideographs (BMP + extensions), kana and hangul: scripts written without spaces.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af\U00020000-\U0003134f"
# Latin (and other spaced scripts): runs of letters/digits, no underscore, because FTS5's
# unicode61 splits on "_" and both engines must see the same tokens.
_TOKEN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """The canonical search form: NFKC, traditional → simplified, lower case.

    >>> fold("川普說ＴＲＵＭＰ")
    '川普说trump'
    """
    return _t2s().convert(unicodedata.normalize("NFKC", text)).lower()


def fold_all(texts: Sequence[str]) -> list[str]:
    """``[fold(t) for t in texts]`` with one OpenCC call for them all (joined by newlines, which
    no dictionary entry spans; a text holding one is folded alone): an article's replies are
    indexed by the thousand."""
    normal = [unicodedata.normalize("NFKC", t) for t in texts]
    joined = [i for i, t in enumerate(normal) if t and "\n" not in t]
    pieces = _t2s().convert("\n".join(normal[i] for i in joined)).split("\n") if joined else []
    if len(pieces) != len(joined):  # never expected; the one-text path is exact
        return [fold(t) for t in texts]
    out = [fold(t) if "\n" in n else n for t, n in zip(texts, normal, strict=True)]
    for i, piece in zip(joined, pieces, strict=True):
        out[i] = piece.lower()
    return out


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` plus, for each folded character, the index of the original it came from.

    t2s, NFKC and ``lower`` keep the length in nearly every case, and then the map is the
    identity. When they do not (NFKC expands ㈱ to (株), t2s rewrites a phrase to a different
    length, İ lower-cases to two characters), the text is folded character by character so each
    output character still points at its source — phrase-level t2s is lost only for that text.
    """
    folded = fold(text)
    if len(folded) == len(text):
        return folded, list(range(len(text)))
    parts: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
        parts.append(f)
        offsets.extend([i] * len(f))
    return "".join(parts), offsets


def index_tokens(text: str, *, folded: bool = False) -> list[str]:
    """The tokens to index for ``text`` (folded first unless ``folded``), in text order."""
    if not folded:
        text = fold(text)
    tokens: list[str] = []
    for m in _TOKEN.finditer(text):
        cjk, word = m.group(1), m.group(2)
        if cjk:
            # Every pair, then the last character alone (cjk[i : i + 2] for every i), paired
            # by map in C: a reply thread is indexed character by character.
            tokens.extend(map(add, cjk, cjk[1:]))
            tokens.append(cjk[-1])
        else:
            tokens.append(word)
    return tokens


def index_text(texts: Sequence[str], *, folded: bool = False) -> str:
    """Space-joined :func:`index_tokens` of several texts (title, paragraphs…).

    Each text is tokenised on its own, so the end of a title and the start of a paragraph never
    form a pair.
    """
    return " ".join(" ".join(index_tokens(t, folded=folded)) for t in texts if t)


@dataclass(frozen=True, slots=True)
class QueryUnit:
    """One required part of a query: a folded CJK run or a Latin word.

    ``tokens`` are the index tokens that must appear adjacent, in order (a phrase);
    ``prefix`` marks a one-character CJK query, matched as a token prefix.
    """

    text: str
    tokens: tuple[str, ...]
    prefix: bool = False
    cjk: bool = False


def parse_query(query: str) -> list[QueryUnit]:
    """Fold a user's query and split it into units that are all required (AND).

    >>> [u.tokens for u in parse_query("川普 Stargate")]
    [('川普',), ('stargate',)]
    >>> parse_query("特朗普")[0].tokens
    ('特朗', '朗普')
    """
    units: list[QueryUnit] = []
    seen: set[str] = set()
    for m in _TOKEN.finditer(fold(query)):
        cjk, word = m.group(1), m.group(2)
        text = cjk or word
        if text in seen:
            continue
        seen.add(text)
        if cjk and len(cjk) == 1:
            units.append(QueryUnit(cjk, (cjk,), prefix=True, cjk=True))
        elif cjk:
            units.append(QueryUnit(cjk, tuple(cjk[i : i + 2] for i in range(len(cjk) - 1)), cjk=True))
        else:
            units.append(QueryUnit(word, (word,)))
    return units


def _match_spans(folded: str, units: Sequence[QueryUnit]) -> list[tuple[int, int]]:
    """Spans of ``folded`` matching any unit: CJK anywhere, Latin words on word boundaries."""
    spans: list[tuple[int, int]] = []
    for u in units:
        # A Latin word is bounded the way the tokenizer bounds it: by anything but letters/digits
        # of a spaced script (so "川普trump" still marks "trump").
        pattern = re.escape(u.text) if u.cjk else rf"(?<![^\W_{_CJK}]){re.escape(u.text)}(?![^\W_{_CJK}])"
        spans.extend((m.start(), m.end()) for m in re.finditer(pattern, folded))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _mark(text: str, spans: Sequence[tuple[int, int]], lo: int, hi: int) -> str:
    out: list[str] = []
    pos = lo
    for s, e in spans:
        s, e = max(s, lo), min(e, hi)
        if s >= e:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:hi]))
    return "".join(out)


def snippet(texts: Sequence[str], query: str | Sequence[QueryUnit], *, width: int = 120) -> str:
    """An HTML-escaped excerpt of the first text that matches, with ``<mark>`` around matches.

    ``texts`` are the display texts (as published, any script); the match is found in their
    folded form and mapped back, so a simplified query marks the traditional characters it
    matched. Falls back to the start of the first non-empty text when nothing matches.

    >>> snippet(["他說：川普&馬斯克"], "川普")
    '他說：<mark>川普</mark>&amp;馬斯克'
    """
    units = parse_query(query) if isinstance(query, str) else list(query)
    for text in texts:
        if not text:
            continue
        folded, offsets = fold_with_offsets(text)
        fspans = _match_spans(folded, units) if units else []
        if not fspans:
            continue
        # Map folded spans back to the original: start of the first char, end of the last one.
        spans = [(offsets[s], offsets[e - 1] + 1) for s, e in fspans]
        first = spans[0][0]
        lo = max(0, first - width // 3)
        hi = min(len(text), lo + width)
        lo = max(0, min(lo, hi - width))
        prefix = "…" if lo > 0 else ""
        suffix = "…" if hi < len(text) else ""
        return prefix + _mark(text, spans, lo, hi) + suffix
    for text in texts:
        if text:
            return html.escape(text[:width]) + ("…" if len(text) > width else "")
    return ""
