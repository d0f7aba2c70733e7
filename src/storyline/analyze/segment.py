"""Word segmentation of canonical text, entity aliases kept whole.

rjieba (jieba's algorithm in Rust, ~10x the speed of jieba) cuts the text. It does accept new
words (``Jieba.add_word``), but a dictionary cannot keep aliases that contain spaces or
punctuation whole — jieba splits on those before it looks anything up, so ``elon musk`` and
``山姆·奥尔特曼`` always fall apart. So entity aliases are found first with the Aho-Corasick
automaton of :mod:`storyline.analyze.entities` and only the gaps between them are cut.

Tokens are returned as they appear in the text (an alias stays the alias: 川普 is not rewritten
to 特朗普 here — :func:`cut` with ``entity_names=True`` does that, for similarity measures that
should see one name). Tokens without any letter, digit or CJK character (spaces, punctuation)
are dropped.

Example::

    >>> cut("elon musk称星际之门计划没钱")
    ['elon musk', '称', '星际之门计划', '没', '钱']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

import rjieba

from storyline.analyze.entities import entity_spans

__all__ = ["cut"]


# A word holds a letter or digit (spaces and punctuation are no words). [^\W_] is str.isalnum()
# character for character (re's Unicode \w is isalnum() or "_"), so the test is one C call a
# token, not a loop per character.
_HAS_ALNUM = re.compile(r"[^\W_]").search


def _extra_spans(text: str, extra: Mapping[str, str], taken: list[tuple[int, int, str]]):
    """Spans of ``extra`` aliases (folded alias -> name) outside the table's spans.

    A handful of names per article (what the tagger found in it), so plain ``str.find`` beats
    building an automaton; Latin aliases only at word boundaries, longest first.
    """
    spans = list(taken)
    for alias in sorted(extra, key=lambda a: (-len(a), a)):
        start = text.find(alias)
        while start >= 0:
            end = start + len(alias)
            bounded = not (
                (alias[0].isascii() and start > 0 and text[start - 1].isascii() and text[start - 1].isalnum())
                or (alias[-1].isascii() and end < len(text) and text[end].isascii() and text[end].isalnum())
            )
            if bounded and all(end <= s or start >= e for s, e, _ in spans):
                spans.append((start, end, extra[alias]))
            start = text.find(alias, end)
    spans.sort()
    return spans


def cut(text: str, *, entity_names: bool = False, extra: Mapping[str, str] | None = None) -> list[str]:
    """Words of ``text`` (canonical form expected), entity aliases as single tokens.

    ``entity_names=True`` replaces each alias by its entity's canonical name. ``extra`` maps
    more aliases (folded: simplified, lower case) to names: the names recognised in this text.

    >>> cut("川普宣布", entity_names=True)
    ['特朗普', '宣布']
    """
    if not text:
        return []
    tokens: list[str] = []
    last = 0
    spans = entity_spans(text)
    if extra:
        spans = _extra_spans(text, extra, spans)
    for start, end, name in spans:
        tokens.extend(_words(text[last:start]))
        tokens.append(name if entity_names else text[start:end])
        last = end
    tokens.extend(_words(text[last:]))
    return tokens


@functools.lru_cache(maxsize=512)
def _words(gap: str) -> tuple[str, ...]:
    """The words jieba cuts a text between two aliases into. Kept for the gaps cut last: an
    article's body is cut twice (its tokens, then its keywords), mostly along the same gaps.
    512 gaps hold an article's (one per name it mentions, plus one); 2,048 held 12 MB of words
    of articles already done, on a batch of long texts."""
    # rjieba's module-level cut: its one instance, which names.py tags with too. A Jieba() of our
    # own loaded the same dictionary a second time (~25 MB, ~0.1 s); nothing adds words to either.
    return tuple(filter(_HAS_ALNUM, rjieba.cut(gap)))
