"""Width, case and the canonical comparison form of text.

* :func:`fold_width` — Unicode NFKC, so ＯｐｅｎＡＩ２０２５ reads OpenAI2025. By default the
  full-width punctuation Chinese typesetting uses (，：；！？（）……) is kept, since it is correct
  in display text; ``keep_cjk_punctuation=False`` folds it to ASCII for comparison. NFKC never
  touches 。、「」『』《》 (they have no compatibility mapping), so sentence ends survive both ways.
* :func:`restore_case` — pages like seed 000 upper-case every Latin letter (OPENAI, ELON MUSK).
  Known names get their real spelling back; other long all-caps words become title case; known
  acronyms stay. Only text that is *shouting* is touched.
* :func:`canonical` — fold + simplified + lower-case Latin + whitespace collapsed: the form every
  comparison (dedup, keywords, entities, clustering) uses.

The known Latin spellings come from the entity table ``storyline/analyze/data/entities.tsv``,
read here as package *data* (not by importing the analyze stage, which the stage rule forbids),
or from the ``known`` mapping a caller passes (the pipeline may pass a richer one).

Example::

    >>> restore_case("特朗普宣布OPENAI、軟銀和甲骨文(ORACLE)將成立STARGATE PROJECT")
    '特朗普宣布OpenAI、軟銀和甲骨文(Oracle)將成立Stargate Project'
    >>> canonical("馬斯克  與 OPENAI")
    '马斯克与openai'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from importlib import resources

from storyline.normalize.script import converter, to_simplified

__all__ = [
    "ACRONYMS",
    "canonical",
    "canonical_all",
    "fold_comments",
    "fold_width",
    "is_shouting",
    "known_latin_names",
    "restore_case",
]

# Full-width punctuation kept in display text; shielded from NFKC through private-use stand-ins.
_CJK_PUNCT = "，：；！？（）～…"
_SHIELD = {ord(c): 0xE000 + i for i, c in enumerate(_CJK_PUNCT)}
_UNSHIELD = {v: k for k, v in _SHIELD.items()}
_SHIELDED = re.compile("[" + "".join(map(chr, (*_SHIELD, *_UNSHIELD))) + "]")

# All-caps words that are acronyms, kept upper-case when a shouting page is restored.
ACRONYMS: frozenset[str] = frozenset(
    """AI AGI API APP AR VR XR CEO CFO COO CTO CIO EVP SVP VP GPU CPU TPU NPU HBM LLM GPT ML IT IP PC
    TV EV ESG IPO GDP CPI PPI PMI ETF M&A R&D B2B USD CNY RMB HKD JPY EUR GBP TWD USA US UK EU UN
    UAE HK TW PRC ROC CCP NATO NASA FBI CIA NSA DOJ DOE FTC SEC FDA FCC IRS CDC WHO IMF WTO OPEC
    OECD ASEAN APEC BRICS G7 G20 NYSE MGX CNN CNBC BBC NBC CBS ABC NPR RFI AFP AP WSJ FT NYT SCMP
    DOGE MAGA GOP TSMC SMIC AMD IBM HP SBG BYD NIO BMW SUV IOS ID PR CEOS TMT IQ OK BTC NFT DNA
    COVID SARS ICU NBA NFL FIFA MIT UCLA NYU KMT DPP""".split()  # noqa: SIM905 (one word list reads better than 150 lines)
)

# Short English function words: on an all-caps English page they are words, not acronyms, and
# read best in lower case (upper-cased at a sentence start).
_FUNCTION_WORDS: frozenset[str] = frozenset(
    """A AN THE AND OR BUT NOR OF IN ON AT TO BY FOR AS IS IT ITS BE WAS ARE HAS HAD HE HIS SHE HER WE
    OUR YOU NOT NO SO IF UP OUT OFF ALL NEW SAY ONE TWO CAN MAY NOW WHO HOW WHY""".split()  # noqa: SIM905 (one word list reads better than 150 lines)
)

_LATIN_WORD = r"[A-Za-z][A-Za-z0-9&'’.\-]*[A-Za-z0-9]|[A-Za-z]"
_WORD_RE = re.compile(rf"(?<![A-Za-z0-9])(?:{_LATIN_WORD})(?![A-Za-z0-9])")
_SPACE_RE = re.compile(r"\s+")
_CJK_CHAR = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_GAP_RE = re.compile(rf"(?<={_CJK_CHAR}) | (?={_CJK_CHAR})")


def fold_width(text: str, *, keep_cjk_punctuation: bool = True) -> str:
    """NFKC-fold ``text``: full-width Latin, digits and symbols to ASCII, U+3000 to a space.

    >>> fold_width("ＯｐｅｎＡＩ，５０００億")
    'OpenAI，5000億'
    >>> fold_width("ＯｐｅｎＡＩ，５０００億", keep_cjk_punctuation=False)
    'OpenAI,5000億'
    """
    if not text:
        return text
    if keep_cjk_punctuation and _SHIELDED.search(text):
        return unicodedata.normalize("NFKC", text.translate(_SHIELD)).translate(_UNSHIELD)
    # No shielding asked, or nothing to shield nor to unshield (NFKC makes no private-use
    # character): the two per-character translations would change nothing NFKC does.
    return unicodedata.normalize("NFKC", text)


@functools.cache
def known_latin_names() -> dict[str, str]:
    """UPPER-CASE form → real spelling of every Latin alias in the entity table (first wins)."""
    table = resources.files("storyline").joinpath("analyze/data/entities.tsv").read_text("utf-8")
    known: dict[str, str] = {}
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 3 or cols[1] == "ignore":
            continue
        for alias in cols[2].split("|"):
            alias = alias.strip().lstrip("=")
            if alias and alias.isascii() and any(c.isalpha() for c in alias):
                known.setdefault(alias.upper(), alias)
    return known


_DROP_UPPER = dict.fromkeys(range(ord("A"), ord("Z") + 1))
_DROP_LOWER = dict.fromkeys(range(ord("a"), ord("z") + 1))


def is_shouting(text: str) -> bool:
    """True when the Latin letters of ``text`` are (nearly) all upper-case, acronyms aside.

    At least 12 letters outside known acronyms are needed, so a Chinese article that only says
    "AI" and "CEO" is not shouting; ≥ 85 % of them upper-case (a stray "iPhone" is tolerated).
    """
    # The words are ASCII letters, digits and &'’.- only: their cased characters are A-Z and a-z,
    # counted by deleting them (one C pass), not character by character.
    letters = "".join(w for w in _WORD_RE.findall(text) if w.upper() not in ACRONYMS)
    without_upper = letters.translate(_DROP_UPPER)
    upper = len(letters) - len(without_upper)
    lower = len(without_upper) - len(without_upper.translate(_DROP_LOWER))
    return upper + lower >= 12 and upper >= 0.85 * (upper + lower)


@functools.cache
def _known_pattern(keys: frozenset[str]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternation})(?![A-Za-z0-9])")


def _restore_word(word: str, sentence_start: bool) -> str:
    if not word.isupper() or word in ACRONYMS or any(c.isdigit() for c in word):
        return word
    if word in _FUNCTION_WORDS:
        return word.title() if sentence_start else word.lower()
    letters = sum(c.isalpha() for c in word)
    # Short unknown all-caps words are more often acronyms (MGX, SBG) than names.
    return word.title() if letters >= 4 else word


def _restore_words(text: str, at_start: bool) -> str:
    def one(m: re.Match[str]) -> str:
        i = m.start() - 1
        while i >= 0 and text[i].isspace():
            i -= 1
        start = text[i] in ".!?。！？" if i >= 0 else at_start
        return _restore_word(m.group(0), start)

    return _WORD_RE.sub(one, text)


def restore_case(text: str, known: Mapping[str, str] | None = None, *, shouting: bool | None = None) -> str:
    """Undo an all-caps page: known names spelled as they are, other long words title case.

    ``known`` maps upper-case forms to spellings (default: the entity table's Latin aliases);
    ``shouting`` lets a caller decide once for a whole article (default: judged on ``text``).
    Text that is not shouting comes back unchanged.

    >>> restore_case("ANTHROPIC CEO達里奧·阿莫迪(DARIO AMODEI)")
    'Anthropic CEO達里奧·阿莫迪(Dario Amodei)'
    >>> restore_case("OpenAI CEO Sam Altman")
    'OpenAI CEO Sam Altman'
    """
    if not text or not (is_shouting(text) if shouting is None else shouting):
        return text
    names = {k.upper(): v for k, v in (known_latin_names() if known is None else known).items()}
    pattern = _known_pattern(frozenset(names))
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text.upper()):
        # Match on the upper-cased copy (same length) so "Elon MUSK" finds ELON MUSK too.
        out.append(_restore_words(text[last : m.start()], at_start=last == 0))
        out.append(names[_SPACE_RE.sub(" ", m.group(0))])
        last = m.end()
    out.append(_restore_words(text[last:], at_start=last == 0))
    return "".join(out)


def canonical(text: str) -> str:
    """The comparison form: NFKC (punctuation too), simplified, lower-case, spaces collapsed.

    Spaces next to CJK characters are dropped (``OpenAI 的`` and ``OpenAI的`` compare equal);
    spaces between Latin words stay.

    >>> canonical("ＯｐｅｎＡＩ 的倡議，有著 10 萬個")
    'openai的倡议,有着10万个'
    """
    if not text:
        return ""
    folded = fold_width(text, keep_cjk_punctuation=False)
    simplified = to_simplified(folded).lower()
    return _collapse(simplified)


def _collapse(simplified: str) -> str:
    """Whitespace runs to one space, ends stripped, spaces beside CJK characters dropped."""
    # str.split() splits at the characters re's \s matches (both are str.isspace()) and drops
    # the ends, so this is _SPACE_RE.sub(" ", ...).strip() without a regex scan: ~3x faster.
    collapsed = " ".join(simplified.split())
    # The gap pattern tests its lookarounds at every position; a text with no space left (most
    # Chinese paragraphs) or no character above ASCII (English: no CJK character to drop a
    # space beside) has nothing for it to drop.
    if " " not in collapsed or collapsed.isascii():
        return collapsed
    return _CJK_GAP_RE.sub("", collapsed)


def canonical_all(texts: Sequence[str]) -> list[str]:
    """``[canonical(t) for t in texts]`` with one OpenCC call for them all.

    The texts are joined by newlines for the conversion, which no dictionary entry spans and no
    phrase rule holds (as in :func:`fold_comments`); a text that holds a newline itself (spaces
    are collapsed around it) is folded alone. For the many short pieces of a reader thread, the
    call per text was most of the cost.
    """
    out = [""] * len(texts)
    normal = [unicodedata.normalize("NFKC", t) if t else "" for t in texts]
    joined = [i for i, t in enumerate(normal) if t and "\n" not in t]
    pieces = to_simplified("\n".join(normal[i] for i in joined)).split("\n") if joined else []
    if len(pieces) != len(joined):  # never expected; the one-text path is exact
        return [canonical(t) for t in texts]
    for i, simplified in zip(joined, pieces, strict=True):
        out[i] = _collapse(simplified.lower())
    for i, t in enumerate(normal):
        if t and "\n" in t:
            out[i] = canonical(texts[i])
    return out


def fold_comments(texts: Sequence[str]) -> list[str]:
    """Readers' comments in the one form analyze reads them: OpenCC ``t2s``, lower case.

    A thread is folded in one OpenCC call (its comments joined by newlines, which no dictionary
    entry spans, so each comes back as it would alone), not one call per floor. This is not
    :func:`canonical`: comments keep their width and spacing, so a figure's span in the folded
    text is the same span in the text as posted.

    >>> fold_comments(["馬斯克說沒錢", "OK"])
    ['马斯克说没钱', 'ok']
    """
    t2s = converter("t2s").convert
    whole = [t for t in texts if t and "\n" not in t]
    folded = iter(t2s("\n".join(whole)).lower().split("\n") if whole else ())
    return [(next(folded) if "\n" not in t else t2s(t).lower()) if t else t for t in texts]
