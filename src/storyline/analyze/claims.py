"""Claims: who asserts which figure about whom, read from an article's paragraphs and thread.

For every quantity :mod:`storyline.analyze.quantities` finds, a :class:`~storyline.records.Claim`
records the speaker (the person, outlet, unnamed source or reader who says it: …称/表示/写道/
说/援引/according to), the subject (whose money: 软银, 微软, 星际之门…), the measure (cash,
committed capital, raised, initial investment, investment, valuation, jobs, GPUs…), the
qualifier and time frame, and the original span and sentence as printed.

Each claim also says what it measures (:mod:`storyline.analyze.referents`): the referent and
its key, the denominator, the kind (level, change, part, rate) and the modality (hypothetical,
possible, question), plus ``subject_basis``: whether the subject was read in the figure's
clause or sentence, is the article's one project, or was inferred (only the first three may
ever make a contradiction).

Denials are claims too: "奥尔特曼反驳了马斯克的说法 …这是错的" becomes a claim with measure
``"refutation"``, subject the refuted speaker, so the ledger can link it to that speaker's figures.

Example::

    >>> from storyline.records import Article, Analysis
    >>> a = Article(url="u", outlet="Example", title="t", paragraphs=("马斯克写道:“软银的资金远低于100亿美元。”",))
    >>> an = Analysis(a.id, "zh-Hans", "t", a.paragraphs, "t", a.paragraphs)
    >>> [(c.speaker, c.subject, c.measure, c.value, c.unit, c.qualifier) for c in extract_claims(a, an)]
    [('马斯克', '软银', 'cash', 10000000000.0, 'USD', 'far under')]

Names: ``analysis.entities`` (from the entities step) are used when present; a small built-in
table of the companies, people and outlets that recur in technology-finance news fills in when
they are not. No NER library is used: jieba/HanLP tags would still need the alias table for
"who is 老黄" and "SBG", and the table is what decides subjects here.
"""

from __future__ import annotations

import hashlib
import logging
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from storyline.analyze.quantities import ANY_DIGIT_UNFOLDED_RE, Quantity, parse_quantities, sentence_spans
from storyline.analyze.referents import read_measure
from storyline.normalize.text import fold_comments
from storyline.records import Analysis, Article, Claim, Comment

__all__ = ["BUILTIN_NAMES", "extract_claims"]

log = logging.getLogger(__name__)

# canonical name, kind (project, org, person, outlet), affiliation (for a person), aliases
# (lower-case Latin, simplified Chinese). Latin aliases match on word boundaries only.
BUILTIN_NAMES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("星际之门", "project", "", ("星际之门", "stargate")),
    ("软银", "org", "", ("软银集团", "软银", "softbank", "sbg", "软体银行")),
    ("OpenAI", "org", "", ("openai", "chatgpt")),
    ("甲骨文", "org", "", ("甲骨文", "oracle")),
    ("微软", "org", "", ("微软", "microsoft")),
    ("MGX", "org", "", ("mgx",)),
    ("英伟达", "org", "", ("英伟达", "辉达", "nvidia")),
    ("xAI", "org", "", ("xai",)),
    ("特斯拉", "org", "", ("特斯拉", "tesla")),
    ("SpaceX", "org", "", ("spacex",)),
    ("Arm", "org", "", ("arm",)),
    ("Anthropic", "org", "", ("anthropic",)),
    ("DeepSeek", "org", "", ("deepseek",)),
    ("谷歌", "org", "", ("谷歌", "google")),
    ("Meta", "org", "", ("facebook", "meta")),
    ("苹果", "org", "", ("苹果公司", "apple")),
    ("马斯克", "person", "", ("埃隆·马斯克", "马斯斯克", "马斯克", "一龙", "老马", "elon musk", "musk")),
    (
        "奥尔特曼",
        "person",
        "OpenAI",
        ("山姆·奥尔特曼", "奥尔特曼", "阿尔特曼", "奥特曼", "sam altman", "altman"),
    ),
    ("纳德拉", "person", "微软", ("纳德拉", "satya nadella", "nadella")),
    ("孙正义", "person", "软银", ("孙正义", "masayoshi son")),
    ("黄仁勋", "person", "英伟达", ("黄仁勋", "老黄", "jensen huang")),
    ("埃里森", "person", "甲骨文", ("拉里·埃里森", "埃里森", "艾立森", "larry ellison", "ellison")),
    ("阿莫迪", "person", "Anthropic", ("达里奥·阿莫迪", "阿莫迪", "dario amodei", "amodei")),
    ("特朗普", "person", "", ("特朗普", "川普", "donald trump", "trump")),
    ("拜登", "person", "", ("拜登", "biden")),
    ("CNN", "outlet", "", ("cnn",)),
    ("CNBC", "outlet", "", ("cnbc",)),
    ("美联社", "outlet", "", ("美联社", "associated press")),
    ("路透社", "outlet", "", ("路透社", "路透", "reuters")),
    ("彭博社", "outlet", "", ("彭博社", "彭博", "bloomberg")),
    ("新华社", "outlet", "", ("新华社",)),
    ("石英财经网", "outlet", "", ("石英财经网", "quartz")),
    ("法广", "outlet", "", ("法广", "rfi")),
    ("纽约时报", "outlet", "", ("纽约时报", "new york times")),
    ("华尔街日报", "outlet", "", ("华尔街日报", "wall street journal", "wsj")),
    ("金融时报", "outlet", "", ("金融时报", "financial times")),
    ("日经", "outlet", "", ("日经新闻", "日经", "nikkei")),
)

_SPEECH_RE = re.compile(
    r"称|表示|写道|说(?!法)|指出|补充道|调侃道|透露|宣布|声称|强调|回应|报道|援引|引述|according to|said|says|wrote|told"
)
_CITE_RE = re.compile(r"援引|引述|according to")
_UNNAMED_RE = re.compile(r"消息人士|知情人士|匿名人士|消息来源|(?:一|这)位[^,。,]{0,14}?人士|sources?\b")
_PRONOUN_RE = re.compile(r"(?<![其])[他她](?![们人])|\b(?:he|she)\b")
_REPORTED_RE = re.compile(r"^\s*(?:据悉|据报道|报道称|据了解|reportedly)")
_PROJECT_ANAPHOR_RE = re.compile(
    r"该项目|这一项目|这个项目|此项目|该计划|这项计划|这一计划|此计划|the project"
)
_ORG_ANAPHOR_RE = re.compile(r"该公司|这家公司|该集团|the company")
_SELF_RE = re.compile(r"我的|我们的|\bmy\b|\bour\b")
_HYPOTHETICAL_RE = re.compile(
    r"如果|假如|若是|要求|希望|提高到|解读为|误以为|以为|误读|应该|该让|应当|\bif\b|should"
)
_DENIED_AFTER_RE = re.compile(r"[」”\"']?[^,。,]{0,3}?(?:不实|不属实|是假的|并不存在)")
_REFUTE_RES = (
    re.compile(r"(?:反驳|驳斥|否认|否定)了?(?P<t>[^,。,]{1,12}?)的(?:说法|言论|声明|指控)"),
    re.compile(r"(?P<t>[^,。,]{1,12}?)的(?:说法|言论|声明)(?:并)?(?:不属实|不实|是错的|错误|站不住脚)"),
)
# Words each of those patterns cannot match without: most sentences hold none, and one search
# for any of them is far cheaper than the second pattern's try at every position.
_REFUTE_NEEDLES = (("反驳", "驳斥", "否认", "否定"), ("的说法", "的言论", "的声明"))
_ANY_REFUTE_NEEDLE_RE = re.compile("|".join(n for needles in _REFUTE_NEEDLES for n in needles))


# A reader's floor that matches neither a digit parse_quantities could read nor a refutation
# needle states no figure and refutes no one. Both are one character or a literal without a
# newline, so over a thread's floors joined by newlines a match lies inside one floor.
_FLOOR_GATE_RE = re.compile(f"{ANY_DIGIT_UNFOLDED_RE.pattern}|{_ANY_REFUTE_NEEDLE_RE.pattern}")


def _gated_floors(canons: list[str]) -> list[int]:
    """Indices of the floors (folded texts) that hold a match of ``_FLOOR_GATE_RE``, in order."""
    if not canons:
        return []
    joined = "\n".join(canons)
    starts = [0] * len(canons)
    at = 0
    for i, canon in enumerate(canons):
        starts[i] = at
        at += len(canon) + 1
    found: list[int] = []
    pos = 0
    while (m := _FLOOR_GATE_RE.search(joined, pos)) is not None:
        i = bisect_right(starts, m.start()) - 1
        found.append(i)
        if i + 1 == len(starts):
            break
        pos = starts[i + 1]
    return found


def _refute_patterns(text: str) -> list[re.Pattern[str]]:
    """The refutation patterns that can match in ``text``, in their order."""
    if _ANY_REFUTE_NEEDLE_RE.search(text) is None:
        return []
    return [
        rx
        for rx, needles in zip(_REFUTE_RES, _REFUTE_NEEDLES, strict=True)
        if any(n in text for n in needles)
    ]


_WRONG_RE = re.compile(r"这是错的|这是错误的|不属实|不实|是假的|\bwrong\b|\bnot true\b|\bfalse\b")
_LOCATIVE_RE = re.compile(r"(?:[在于向为对给到]|\b(?:in|at)\s)$")
_LIST_SEP_RE = re.compile(r"^[\s)）]*(?:、|和|与|及|以及|,|and)\s*\S{0,4}?[\s(（]*$")

# First match wins, so the narrower measures come first (承诺至少投资 is committed capital).
_MEASURES = (
    ("initial investment", re.compile(r"初始投资|初始|首期|立即部署|立即投入|启动时|initial|upfront")),
    ("committed capital", re.compile(r"承诺|committed|pledged?")),
    ("raised", re.compile(r"筹集|融资|募集|筹得|募得|\braised?\b")),
    ("cash", re.compile(r"现金|手头资金|手头|拿出的|能拿出|现在的资金|资金(?:远|仅|只)|\bcash\b")),
    ("valuation", re.compile(r"价值|估值|市值|增值|valuation|worth")),
    ("investment", re.compile(r"投资|投入|投放|投|涉资|提供|部署|扩展至|带来|出资|计划|invest|spend")),
)
_CLAUSE_SEP = ",;:；：。!?！？\n"


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    name: str
    kind: str
    affiliation: str


@dataclass(frozen=True, slots=True)
class _Names:
    automaton: ahocorasick.Automaton  # the built-in aliases, compiled once per process
    table: dict[str, tuple[str, str, str]]  # alias → (name, kind, affiliation)
    extra: ahocorasick.Automaton | None = None  # the aliases only this article's entities add


def _automaton(aliases) -> ahocorasick.Automaton:
    """Every alias in one Aho-Corasick automaton: one pass over a text finds them all, however
    many there are (a regex alternation of them tried each alias at each position)."""
    automaton = ahocorasick.Automaton()
    for alias in aliases:
        automaton.add_word(alias, (alias, alias.isascii()))
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=1)
def _builtin_names() -> tuple[dict[str, tuple[str, str, str]], ahocorasick.Automaton]:
    table: dict[str, tuple[str, str, str]] = {}
    for name, kind, aff, aliases in BUILTIN_NAMES:
        for alias in aliases:
            table[alias] = (name, kind, aff)
    return table, _automaton(table)


@lru_cache(maxsize=256)
def _names(extra: tuple[tuple[str, str, str], ...]) -> _Names:
    base, automaton = _builtin_names()
    table = dict(base)
    added: dict[str, tuple[str, str, str]] = {}
    for entity, alias, kind in extra:
        # Claims are read from the canonical (simplified, lower-case) text, while entity aliases
        # are as printed: a traditional-script source's 跨海鐵路隧道 must match as 跨海铁路隧道.
        for key in dict.fromkeys((alias.lower(), _canon(alias), _canon(entity))):
            if key and key not in table and len(key) >= 2:
                table[key] = added[key] = (entity, _KIND_MAP.get(kind, "org"), "")
    # The article's few aliases get a small automaton of their own, so the built-in one is
    # compiled once per process; _name_spans reads both as one.
    return _Names(automaton, table, _automaton(added) if added else None)


def _is_ascii_lower(c: str) -> bool:
    return "a" <= c <= "z"


def _name_spans(text: str, names: _Names):
    """(start, end, alias) as one longest-first alternation of every alias would find them.

    That alternation (Latin aliases not next to a Latin letter a-z) takes, at the leftmost
    position where any alias matches, the longest alias that matches there, and scans on from
    its end. The automata report every occurrence, overlapping ones too; sorted by start, the
    longest first, the same greedy scan picks the same spans.
    """
    found = []
    last = len(text) - 1
    for automaton in (names.automaton, names.extra):
        if automaton is None:
            continue
        for end, (alias, latin) in automaton.iter(text):
            start = end - len(alias) + 1
            if latin and (
                (start > 0 and _is_ascii_lower(text[start - 1]))
                or (end < last and _is_ascii_lower(text[end + 1]))
            ):
                continue
            found.append((start, -len(alias), alias))
    found.sort()
    pos = 0
    for start, minus_len, alias in found:
        if start >= pos:
            pos = start - minus_len
            yield start, pos, alias


_KIND_MAP = {
    "person": "person",
    "org": "org",
    "organization": "org",
    "place": "place",  # a subject like an org, except after 在/于/in/at (where, not whose)
    "product": "project",
    "project": "project",
}


def _mentions(text: str, names: _Names) -> list[_Mention]:
    out = []
    for start, end, alias in _name_spans(text, names):
        name, kind, aff = names.table[alias]
        out.append(_Mention(start, end, name, kind, aff))
    for m in _PROJECT_ANAPHOR_RE.finditer(text):
        out.append(_Mention(m.start(), m.end(), "", "project-anaphor", ""))
    for m in _ORG_ANAPHOR_RE.finditer(text):
        out.append(_Mention(m.start(), m.end(), "", "org-anaphor", ""))
    for m in _SELF_RE.finditer(text):
        out.append(_Mention(m.start(), m.end(), "", "self", ""))
    out.sort(key=lambda x: x.start)
    return out


def _canon(text: str) -> str:
    # Comments are not in Analysis: folded as normalize folds every comment analyze reads.
    return fold_comments([text])[0]


@dataclass
class _Context:
    """What one article's reading remembers across paragraphs (last project, last speakers)."""

    outlet: str
    main_subject: str
    sole_project: bool = False  # the article names one project and no other
    last_project: str = ""
    last_org: str = ""
    last_person: str = ""
    last_unnamed: str = ""


_DIGIT_COMMA_RE = re.compile(r"(?<=\d),(?=\d{3})")


def _clause_bounds(text: str, lo: int, hi: int, pos: int) -> tuple[int, int]:
    text = _DIGIT_COMMA_RE.sub("\x00", text[:hi])  # "5,000亿" is one number, not two clauses
    start = max((text.rfind(c, lo, pos) for c in _CLAUSE_SEP), default=-1)
    start = max(start + 1, lo)
    ends = [i for i in (text.find(c, pos, hi) for c in _CLAUSE_SEP) if i != -1]
    return start, (min(ends) if ends else hi)


def _measure(q: Quantity, text: str, clause: tuple[int, int], sentence: tuple[int, int]) -> str:
    return _measure_and_where(q, text, clause, sentence)[0]


def _measure_and_where(
    q: Quantity, text: str, clause: tuple[int, int], sentence: tuple[int, int]
) -> tuple[str, str]:
    """(measure, where it was read): "unit", "clause", "sentence" or "default"."""
    if q.unit and not _is_currency(q.unit):
        return {"%": "share"}.get(q.unit, q.unit), "unit"
    for where, (lo, hi) in (("clause", clause), ("sentence", sentence)):
        window = text[lo:hi]
        for name, rx in _MEASURES:
            if rx.search(window):
                return name, where
    return "investment", "default"  # money figures in news of projects and companies are spending plans


def _is_currency(unit: str) -> bool:
    return len(unit) == 3 and unit.isupper()


def _subject(
    text: str,
    pos: int,
    mentions: list[_Mention],
    clause: tuple[int, int],
    sentence: tuple[int, int],
    ctx: _Context,
    speaker_aff: str,
) -> tuple[str, str]:
    """(subject, basis): basis is where it was found (clause, sentence, ambiguous, context)."""

    def nearest(kind: str, before: int) -> str:
        found = [m.name for m in mentions if m.kind == kind and m.end <= before]
        return found[-1] if found else ""

    def pick(cands: list[_Mention]) -> str:
        for i in range(len(cands) - 1, -1, -1):
            m = cands[i]
            if m.kind == "self":
                name = speaker_aff
            elif m.kind == "project-anaphor":
                name = nearest("project", m.start) or ctx.last_project or ctx.main_subject
            elif m.kind == "org-anaphor":
                name = nearest("org", m.start) or ctx.last_org
            elif m.kind == "person":
                name = m.affiliation
            elif m.kind == "outlet":
                name = ""
            else:
                name = m.name
            if not name:
                continue
            # A list of partners ("OpenAI、甲骨文和软银") owns the joint project, not its last member.
            prev = next((p for p in reversed(cands[:i]) if p.name != m.name), None)
            if (
                prev is not None
                and prev.kind in {"org", "project"}
                and _LIST_SEP_RE.match(text[prev.end : m.start])
            ):
                return _project_in(text, sentence, mentions) or ctx.last_project or ctx.main_subject or name
            return name
        return ""

    # A place after 在/于/向/为/对/给/到/in/at is where or for whom, not whose: "衡芯半导体…将在青岚市
    # …投资300亿元", "孙正义…向美国投资1000亿美元", "为美国创造10万个就业岗位" (but "在OpenAI成立时"
    # names OpenAI: only places are skipped).
    mentions = [
        m
        for m in mentions
        if not (m.kind == "place" and _LOCATIVE_RE.search(text, max(0, m.start - 4), m.start))
    ]
    before_clause = [m for m in mentions if clause[0] <= m.start and m.end <= pos]
    before_sentence = [m for m in mentions if sentence[0] <= m.start and m.end <= pos]
    after_clause = [m for m in mentions if pos <= m.start < clause[1]]
    project = _project_in(text, (sentence[0], pos), mentions)
    found = pick(before_clause)
    if found:
        return found, "clause"
    if project:
        return project, "sentence"  # a project named in the sentence owns its figures
    # Outside the figure's clause a place is scenery ("孙正义在特朗普的海湖庄园宣布,…投资1000亿美元"):
    # only companies, projects and people's affiliations own a figure from there.
    found = pick([m for m in before_sentence if m.kind != "place"])
    if found:
        # Another company or place named in the sentence may be whose figure this is
        # ("Singapore … the largest source of FDI in India, with $8 billion").
        others = {
            m.name
            for m in mentions
            if sentence[0] <= m.start < sentence[1]
            and m.kind in {"org", "project", "place"}
            and m.name != found
        }
        return found, ("ambiguous" if others else "sentence")
    found = pick(list(reversed(after_clause)))
    if found:
        return found, "clause"
    org = nearest("org", pos)
    if org:
        return org, "context"
    if (
        ctx.main_subject
        and ctx.sole_project
        and not any(
            sentence[0] <= m.start < sentence[1] and m.kind in {"org", "project", "place"} for m in mentions
        )
    ):
        # An article about one project, a sentence naming nobody else: "预算120億元" is its budget.
        return ctx.main_subject, "article"
    return ctx.main_subject, ("context" if ctx.main_subject else "")


def _project_in(text: str, span: tuple[int, int], mentions: list[_Mention]) -> str:
    found = [m.name for m in mentions if m.kind == "project" and span[0] <= m.start < span[1]]
    return found[-1] if found else ""


def _speaker(
    text: str, sentence: tuple[int, int], pos: int, mentions: list[_Mention], ctx: _Context
) -> tuple[str, str, str] | None:
    """(name, kind, affiliation) of who says the sentence, or None when it names no speaker."""
    s_lo = sentence[0]
    verbs = [m for m in _SPEECH_RE.finditer(text, s_lo, pos)]
    if not verbs:
        return None
    verb = verbs[-1]
    cite = None
    for c in _CITE_RE.finditer(text, s_lo, verb.end()):
        cite = c
    seg_lo = cite.end() if cite else s_lo
    seg_hi = verb.start()
    if cite and seg_hi <= seg_lo:
        seg_hi = pos
    segment = text[seg_lo:seg_hi]
    outlets = [m for m in mentions if m.kind == "outlet" and s_lo <= m.start < seg_hi]
    unnamed = _UNNAMED_RE.search(segment)
    if unnamed:
        if segment[unnamed.start() : unnamed.start() + 1] == "这" and ctx.last_unnamed:
            return (ctx.last_unnamed, "unnamed", "")
        name = f"{outlets[-1].name}消息人士" if outlets else "消息人士"
        ctx.last_unnamed = name
        return (name, "unnamed", "")
    in_seg = [m for m in mentions if seg_lo <= m.start and m.end <= seg_hi]
    # The speaker is the first person of the verb's own clause who is not a possessor
    # ("在特朗普的海湖庄园宣布" is said by someone else); a pronoun there points back.
    clause_lo = _clause_bounds(text, seg_lo, seg_hi, seg_hi)[0] if not cite else seg_lo
    persons = [
        m for m in in_seg if m.kind == "person" and m.start >= clause_lo and not text.startswith("的", m.end)
    ]
    if persons:
        p = persons[0]
        return (p.name, "person", p.affiliation)
    if _PRONOUN_RE.search(text, clause_lo, seg_hi):
        earlier = [m for m in mentions if m.kind == "person" and s_lo <= m.start < clause_lo]
        if earlier:
            return (earlier[0].name, "person", earlier[0].affiliation)
        if ctx.last_person:
            aff = next((a for n, _k, a, _ in BUILTIN_NAMES if n == ctx.last_person), "")
            return (ctx.last_person, "person", aff)
    persons = [m for m in in_seg if m.kind == "person" and not text.startswith("的", m.end)]
    if persons:
        return (persons[0].name, "person", persons[0].affiliation)
    seg_outlets = [m for m in in_seg if m.kind == "outlet"]
    if seg_outlets:
        return (seg_outlets[-1].name, "outlet", "")
    orgs = [m for m in in_seg if m.kind == "org"]
    if orgs:
        return (orgs[-1].name, "org", "")
    return None


_RESTATE_GAP_RE = re.compile(r"\s*[(（]\s*(?:约合|折合|约|about|approximately|roughly)?\s*[$¥￥€£]?")


def _own_stretch(q: Quantity, quantities: list[Quantity], text: str) -> tuple[int, int]:
    """From the end of the previous figure of the same kind to the start of the next one.

    Money stops at money, shares at shares: "grew close to 15% to $26 billion" keeps its subject
    for the $26 billion, while "worth $67.5 million, and … $10 million" gives each its own words.
    """
    money = _is_currency(q.unit) or not q.unit

    def same_kind(o: Quantity) -> bool:
        return (_is_currency(o.unit) or not o.unit) == money and (o.unit == "%") == (q.unit == "%")

    # A restatement in brackets is part of the figure before it: "每年800亿(80B)投入到AI中" gives
    # both figures the words after the bracket.
    def restates(o: Quantity, p: Quantity) -> bool:
        return p.end <= o.start and bool(_RESTATE_GAP_RE.fullmatch(text[p.end : o.start]))

    prev = [o.end for o in quantities if o.end <= q.start and same_kind(o) and not restates(q, o)]
    nxt = [o.start for o in quantities if o.start >= q.end and same_kind(o) and not restates(o, q)]
    return (max(prev) if prev else 0, min(nxt) if nxt else 1 << 30)


def _claim_id(article_id: str, paragraph: int, floor: int | None, start: int, end: int, text: str) -> str:
    key = f"{article_id}\x1f{paragraph}\x1f{floor}\x1f{start}\x1f{end}\x1f{text}"
    return "c" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:15]


def _read_text(
    canon: str,
    display: str,
    *,
    article_id: str,
    paragraph: int,
    floor: int | None,
    names: _Names,
    ctx: _Context,
    fixed_speaker: tuple[str, str] | None,
    default_currency: str,
    quantities: list | None = None,
    mentions: list[_Mention] | None = None,
) -> list[Claim]:
    # t2s is char for char in nearly every case; when lengths differ, show the canonical span.
    shown = display if len(display) == len(canon) else canon
    if mentions is None:
        mentions = _mentions(canon, names)
    if quantities is None:
        quantities = parse_quantities(canon)
    claims: list[Claim] = []
    last_currency = ""
    carried: tuple[str, str, str] | None = None
    sentences = sentence_spans(canon)
    for s_lo, s_hi in sentences:
        sent_mentions = [m for m in mentions if s_lo <= m.start < s_hi]
        said = _speaker(canon, (s_lo, s_hi), s_hi, mentions, ctx) if fixed_speaker is None else None
        if said is None and fixed_speaker is None and _REPORTED_RE.match(canon[s_lo:s_hi]):
            carried = None
        for q in (q for q in quantities if s_lo <= q.start < s_hi):
            if fixed_speaker is not None:
                who = (fixed_speaker[0], fixed_speaker[1], "")
            else:
                who = _speaker(canon, (s_lo, s_hi), q.start, mentions, ctx) or carried
                who = who or (ctx.outlet, "outlet", "")
            clause = _clause_bounds(canon, s_lo, s_hi, q.start)
            subject, basis = _subject(canon, q.start, mentions, clause, (s_lo, s_hi), ctx, who[2])
            own = _own_stretch(q, quantities, canon)
            what = read_measure(canon, q.start, q.end, clause, (s_lo, s_hi), q.unit, own)
            unit = q.unit
            if _is_currency(unit):
                last_currency = unit
            elif not unit:
                unit = last_currency or default_currency
            qualifier = q.qualifier
            clause_text = canon[clause[0] : clause[1]]
            modality = what.modality
            if _HYPOTHETICAL_RE.search(clause_text):
                qualifier = modality = "hypothetical"
            elif _DENIED_AFTER_RE.match(canon, q.end):
                qualifier = modality = "denied"
            timeframe = q.timeframe
            if what.earlier and not timeframe.startswith("in "):
                timeframe = "earlier"  # "从25%降至4%": the 25% is an earlier value, not today's
            r_lo = canon.find(what.referent, clause[0], clause[1]) if what.referent else -1
            referent = shown[r_lo : r_lo + len(what.referent)] if r_lo >= 0 else what.referent
            measure, measured_in = _measure_and_where(q, canon, clause, (s_lo, s_hi))
            referent_key = what.referent_key
            if not referent_key and measured_in == "unit" and unit != "%":
                referent_key = unit  # a count names its referent: jobs, GPUs, users
            elif not referent_key and measured_in == "clause":
                # "我的80亿美元是可以提供的": the verb next to the figure says what it is, when it is
                # in the figure's own words (not another figure's: "价值6750万美元的…和分配1000万美元").
                own_text = canon[max(clause[0], own[0]) : min(clause[1], own[1])]
                if _measure_and_where(q, own_text, (0, len(own_text)), (0, 0)) == (measure, "clause"):
                    referent_key = measure
            claims.append(
                Claim(
                    subject=subject,
                    measure=measure,
                    value=q.value,
                    unit=unit,
                    text=shown[q.start : q.end],
                    sentence=shown[s_lo:s_hi].strip(),
                    qualifier=qualifier,
                    timeframe=timeframe,
                    speaker=who[0],
                    speaker_kind=who[1],
                    article_id=article_id,
                    paragraph=paragraph,
                    floor=floor,
                    id=_claim_id(article_id, paragraph, floor, q.start, q.end, q.text),
                    referent=referent,
                    referent_key=referent_key,
                    denominator=what.denominator,
                    kind=what.kind,
                    modality=modality,
                    subject_basis=basis if subject else "",
                )
            )
        claims.extend(
            _refutations(
                canon, shown, (s_lo, s_hi), said, mentions, article_id, paragraph, floor, ctx, fixed_speaker
            )
        )
        if said is not None:
            carried = said
        for m in sent_mentions:
            if m.kind == "project":
                ctx.last_project = m.name
            elif m.kind == "org":
                ctx.last_org = m.name
            elif m.kind == "person":
                ctx.last_person = m.name
    return claims


def _refutations(
    canon: str,
    shown: str,
    sentence: tuple[int, int],
    said: tuple[str, str, str] | None,
    mentions: list[_Mention],
    article_id: str,
    paragraph: int,
    floor: int | None,
    ctx: _Context,
    fixed_speaker: tuple[str, str] | None,
) -> list[Claim]:
    s_lo, s_hi = sentence
    text = canon[s_lo:s_hi]
    for rx in _refute_patterns(text):
        m = rx.search(text)
        if not m:
            continue
        targets = [
            x for x in mentions if x.kind == "person" and s_lo + m.start("t") <= x.start < s_lo + m.end("t")
        ]
        if not targets:
            continue
        wrong = _WRONG_RE.search(canon, s_lo, s_hi)
        span = (wrong.start(), wrong.end()) if wrong else (s_lo + m.start(), s_lo + m.end())
        who = (
            (fixed_speaker[0], fixed_speaker[1])
            if fixed_speaker
            else (said[:2] if said else (ctx.outlet, "outlet"))
        )
        if who[0] == targets[-1].name:
            continue
        return [
            Claim(
                subject=targets[-1].name,
                measure="refutation",
                value=0.0,
                unit="",
                text=shown[span[0] : span[1]],
                sentence=shown[s_lo:s_hi].strip(),
                qualifier="denies",
                speaker=who[0],
                speaker_kind=who[1],
                article_id=article_id,
                paragraph=paragraph,
                floor=floor,
                id=_claim_id(article_id, paragraph, floor, span[0], span[1], "refutation"),
            )
        ]
    return []


def _project_counts(mentions: list[list[_Mention]]) -> Counter[tuple[int, str]]:
    """How often each project is named: the most named is the article's main subject."""
    counts: Counter[tuple[int, str]] = Counter()
    for found in mentions:
        for m in found:
            if m.kind == "project":
                counts[(0, m.name)] += 1
    return counts


def extract_claims(article: Article, analysis: Analysis) -> tuple[Claim, ...]:
    """Every figure the article and its thread assert, with speaker, subject and measure.

    Paragraph claims come from ``analysis.canonical_paragraphs`` (matched) and show the display
    text (``analysis.display_paragraphs`` or ``article.paragraphs``); thread claims come from
    ``article.comments`` with the reader as speaker (``speaker_kind="reader"``, ``floor`` set,
    ``paragraph=-1``). Claim ids are stable: a hash of article id, paragraph/floor and span.
    """
    canon_pars = list(analysis.canonical_paragraphs) or [_canon(p) for p in article.paragraphs]
    display = analysis.display_paragraphs if len(analysis.display_paragraphs) == len(canon_pars) else ()
    if not display:
        display = article.paragraphs if len(article.paragraphs) == len(canon_pars) else tuple(canon_pars)
    # The alias table's entities only: names recognised in this one text would make every
    # article's set unique, and _names compiles one regex per set (~50 ms uncached).
    from storyline.analyze.entities import entity_table

    known = entity_table().names
    extra = tuple(sorted({(e.entity, e.alias, e.kind) for e in analysis.entities if e.entity in known}))
    names = _names(extra)
    article_id = article.id or analysis.article_id
    # Each text's names are found once: the project count and the paragraph reading share them
    # (a paragraph's mentions are read, never changed).
    mentions = [_mentions(t, names) for t in canon_pars]
    projects = _project_counts([_mentions(analysis.canonical_title, names), *mentions])
    ctx = _Context(
        outlet=article.outlet or article.site or "",
        main_subject=projects.most_common(1)[0][0][1] if projects else "",
        sole_project=len(projects) == 1,
    )
    claims: list[Claim] = []
    for i, (canon, shown) in enumerate(zip(canon_pars, display, strict=False)):
        claims += _read_text(
            canon,
            shown,
            article_id=article_id,
            paragraph=i,
            floor=None,
            names=names,
            ctx=ctx,
            fixed_speaker=None,
            default_currency="",
            mentions=mentions[i],
        )
    currencies = Counter(c.unit for c in claims if _is_currency(c.unit))
    default_currency = currencies.most_common(1)[0][0] if currencies else ""
    for i, c in enumerate(claims):
        if not c.unit and default_currency and c.measure != "refutation":
            claims[i] = _with_unit(c, default_currency)
    claims += _thread_claims(article.comments, article_id, names, ctx, default_currency)
    return tuple(claims)


def _with_unit(c: Claim, unit: str) -> Claim:
    from dataclasses import replace

    return replace(c, unit=unit)


def _thread_claims(
    comments: tuple[Comment, ...], article_id: str, names: _Names, ctx: _Context, default_currency: str
) -> list[Claim]:
    out: list[Claim] = []
    canons = fold_comments([c.text for c in comments])
    # A floor the gate passes over would end at the test below (no quantity, no refutation).
    for k in _gated_floors(canons):
        com, canon = comments[k], canons[k]
        # The reader's own words and the text they quote both count: a quoted figure is re-asserted.
        body = com.text
        # Most floors state no figure and refute no one: their claims are none, and the name
        # scan (the costliest step) is skipped. Same result: a floor's context is its own.
        quantities = parse_quantities(canon)
        if not quantities and not any(rx.search(canon) for rx in _refute_patterns(canon)):
            continue
        thread_ctx = _Context(
            outlet=ctx.outlet, main_subject=ctx.main_subject, sole_project=ctx.sole_project, last_project=""
        )
        out += _read_text(
            canon,
            body,
            article_id=article_id,
            paragraph=-1,
            floor=com.floor,
            names=names,
            ctx=thread_ctx,
            fixed_speaker=(com.author, "reader"),
            default_currency=default_currency,
            quantities=quantities,
        )
    return out
