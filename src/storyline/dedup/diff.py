"""Word-level diff between two versions of a paragraph: what one outlet adds or drops.

Tokens are CJK characters one by one, Latin words and numbers whole, and every run of spaces
or punctuation as its own token, so the ops' texts concatenate back to the inputs exactly.
Per character rather than per rjieba word for Chinese: two versions that differ in one
character are often segmented differently around it, which would turn a one-character change
into a multi-word one.

Tokens are *compared* through a fold (NFKC, lower case, OpenCC t2s per token, the variant
fold of :mod:`.shingles`), so a traditional
version diffed against a simplified one shows only real wording changes; the *text* of each op
is taken as printed (``equal`` and ``insert`` from ``b``, ``delete`` from ``a``).

Why difflib: it is the standard library, paragraphs are short (the quadratic worst case is
microseconds here) and its Ratcliff/Obershelp matching gives the human-looking runs a reader
expects; diff-match-patch would add a dependency for no visible gain at this size.

Example::

    >>> diff_words("马斯克的质疑无疑对这项计划造成了挑战。", "如今,马斯克的质疑无疑对特朗普这项计划造成了挑战。")
    [('insert', '如今,'), ('equal', '马斯克的质疑无疑对'), ('insert', '特朗普'), ('equal', '这项计划造成了挑战。')]
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from storyline.dedup.shingles import VARIANT_FOLD

__all__ = ["diff_tokens", "diff_words"]

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_DIFF_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+|\s+|[^\w\s]|_", re.UNICODE)


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    import opencc  # loaded on first use: the web page needs it, batch grouping does not

    return opencc.OpenCC("t2s").convert


@lru_cache(maxsize=1 << 15)
def _default_fold(token: str) -> str:
    return _t2s()(unicodedata.normalize("NFKC", token)).lower().translate(VARIANT_FOLD)


def diff_tokens(text: str) -> list[str]:
    """The tokens :func:`diff_words` compares (``"".join(diff_tokens(t)) == t``)."""
    return _DIFF_TOKEN_RE.findall(text)


def diff_words(a: str, b: str, *, fold: Callable[[str], str] | None = None) -> list[tuple[str, str]]:
    """Ops turning ``a`` into ``b``: ("equal" | "insert" | "delete", text), adjacent ops merged.

    ``fold`` maps a token to its comparison key (default: NFKC + t2s + lower case).

    >>> diff_words("Musk said no.", "MUSK said yes.")
    [('equal', 'MUSK said '), ('delete', 'no'), ('insert', 'yes'), ('equal', '.')]
    """
    key = fold or _default_fold
    ta, tb = diff_tokens(a), diff_tokens(b)
    matcher = difflib.SequenceMatcher(None, [key(t) for t in ta], [key(t) for t in tb], autojunk=False)
    ops: list[tuple[str, str]] = []

    def emit(op: str, text: str) -> None:
        if not text:
            return
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + text)
        else:
            ops.append((op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            emit("equal", "".join(tb[j1:j2]))
        else:  # "replace" is a delete then an insert; "delete"/"insert" have one side empty
            emit("delete", "".join(ta[i1:i2]))
            emit("insert", "".join(tb[j1:j2]))
    return ops
