"""Choose a story's headline among its articles' titles: the one that says what the story says.

Aggregators often keep whichever title came first; seed 000 shows the result (a title about
Oracle's costs over paragraphs about Musk doubting Trump's Stargate money). Here each title is
scored by what it covers of the story:

* story keywords it contains (weights scaled so the top keyword is 1); a keyword that is an
  entity counts when any alias of it is printed (川普 for 特朗普);
* the story's top entities it names (scaled by mentions);
* minus a penalty for each entity it names that is *not* among the top ones — a title about a
  side character describes another story;
* minus a penalty for titles too short to inform (under 8 characters) or run-on (over 60).

Titles may be in any script or case: they are folded to simplified lower case with OpenCC
here (this module may not import the normalize stage).

Example::

    >>> from storyline.records import Entity, Keyword
    >>> ents = [Entity("马斯克", ("马斯克",), "person", 9), Entity("甲骨文", ("甲骨文",), "org", 1)]
    >>> choose_headline([("a", "甲骨文如何降低成本"), ("b", "馬斯克質疑AI計劃")],
    ...                 [Keyword("马斯克", 1.0), Keyword("计划", 0.5)], ents)
    '馬斯克質疑AI計劃'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence

import opencc

from storyline.records import Entity, Keyword

__all__ = ["choose_headline", "score_title"]

_TW2S = opencc.OpenCC("tw2s")
TOP_ENTITIES = 6


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    # Cached: a story's titles and names are folded again on each of its updates.
    return _TW2S.convert(unicodedata.normalize("NFKC", text)).lower()


@functools.lru_cache(maxsize=8192)
def _word(term: str) -> re.Pattern[str]:
    # Compiled once per term: a story's terms outnumber re's own cache of 512 patterns.
    return re.compile(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])")


def _contains(title: str, term: str) -> bool:
    if not term:
        return False
    if term.isascii():
        # Latin terms at word boundaries only ("ai" is not inside "said").
        return term in title and _word(term).search(title) is not None
    return term in title


def score_title(title: str, keywords: Sequence[Keyword], entities: Sequence[Entity]) -> float:
    """How well ``title`` covers the story given by ``keywords`` and ``entities`` (higher is better)."""
    return _Scorer(keywords, entities).score(title)


class _Scorer:
    """:func:`score_title` with everything that depends only on the story folded once.

    A story of 1,000 reports has 1,000 titles and the same keywords and entities for each:
    folding every alias per title was most of the headline's cost.
    """

    def __init__(self, keywords: Sequence[Keyword], entities: Sequence[Entity]) -> None:
        self.by_name = {e.name: e for e in entities}
        self.forms = {e.name: {_fold(a) for a in (e.name, *e.aliases)} for e in entities}
        self._own_forms: dict[str, set[str]] = {}
        self.keywords = list(keywords)
        self.top_kw = max((k.weight for k in keywords), default=0.0) or 1.0
        ranked = sorted(entities, key=lambda e: -e.count)
        self.top = ranked[:TOP_ENTITIES]
        self.rest = ranked[TOP_ENTITIES:]
        self.top_count = max((e.count for e in self.top), default=0) or 1
        self.keyword_words = {k.word for k in keywords}

    def _forms_of(self, name: str) -> set[str]:
        forms = self.forms.get(name)
        if forms is None:
            forms = self._own_forms.get(name)
            if forms is None:
                forms = self._own_forms[name] = {_fold(name)}
        return forms

    def score(self, title: str) -> float:
        folded = _fold(title)

        def names(name: str) -> bool:
            return any(_contains(folded, f) for f in self._forms_of(name))

        score = sum(k.weight / self.top_kw for k in self.keywords if names(k.word))
        for e in self.top:
            if e.name not in self.keyword_words and names(e.name):
                score += 0.5 * e.count / self.top_count
        score -= 0.5 * sum(1 for e in self.rest if names(e.name) and e.name in self.by_name)
        length = len(title.strip())
        if length < 8:
            score -= 0.5
        elif length > 60:
            score -= 0.25
        return score


def choose_headline(
    titles: Sequence[tuple[str, str]], keywords: Sequence[Keyword], entities: Sequence[Entity]
) -> str:
    """The display title, among ``(article_id, display_title)`` pairs, that best fits the story.

    Ties go to the earlier title (callers pass articles in publication order); empty titles are
    skipped; no titles gives "".
    """
    kept = [title for _, title in titles if title.strip()]
    if not kept:
        return ""
    if len(kept) == 1:  # every score is a finite number: the one title is the best
        return kept[0]
    scorer = _Scorer(keywords, entities)
    scores = _scores(scorer, kept)
    best, best_score = "", float("-inf")
    for title, score in zip(kept, scores, strict=True):
        if score > best_score:
            best, best_score = title, score
    return best


_SEP = "\x00"  # between titles in the joined text: no folded name contains it


def _scores(scorer: _Scorer, titles: Sequence[str]) -> list[float]:
    """``[scorer.score(t) for t in titles]``, with each name looked for once in all titles.

    Scoring title by title tests every story name against every title (a 1,000-report story:
    1,000 titles x hundreds of names); here each folded form is found in the titles joined into
    one text, which gives per name the titles naming it, and each score is then added up in
    :meth:`_Scorer.score`'s order of operations (the same floats).
    """
    folded = [_fold(t) for t in titles]
    joined = _SEP.join(folded)
    starts = []
    at = 0
    for f in folded:
        starts.append(at)
        at += len(f) + 1
    found: dict[str, frozenset[int]] = {}

    def naming(name: str) -> frozenset[int]:
        got = found.get(name)
        if got is None:
            hits: set[int] = set()
            for form in scorer._forms_of(name):
                hits |= _titles_with(form, joined, starts, folded)
            got = found[name] = frozenset(hits)
        return got

    kw = [(k.weight / scorer.top_kw, naming(k.word)) for k in scorer.keywords]
    top = [
        (0.5 * e.count / scorer.top_count, naming(e.name))
        for e in scorer.top
        if e.name not in scorer.keyword_words
    ]
    penalties = [0] * len(titles)
    for e in scorer.rest:
        if e.name in scorer.by_name:
            for i in naming(e.name):
                penalties[i] += 1
    out = []
    for i, title in enumerate(titles):
        score = sum(w for w, hits in kw if i in hits)
        for w, hits in top:
            if i in hits:
                score += w
        score -= 0.5 * penalties[i]
        length = len(title.strip())
        if length < 8:
            score -= 0.5
        elif length > 60:
            score -= 0.25
        out.append(score)
    return out


def _titles_with(form: str, joined: str, starts: list[int], folded: list[str]) -> set[int]:
    """Indexes of the titles that :func:`_contains` ``form``."""
    if not form:
        return set()
    if _SEP in form:  # cannot be searched in the joined text
        return {i for i, f in enumerate(folded) if _contains(f, form)}
    latin = form.isascii()
    out: set[int] = set()
    n = len(form)
    at = joined.find(form)
    while at >= 0:
        i = bisect_right(starts, at) - 1
        if latin:
            # _contains' word boundaries: no a-z0-9 on either side (the separator is neither).
            before = joined[at - 1] if at else ""
            after = joined[at + n : at + n + 1]
            if _boundary(before) and _boundary(after):
                out.add(i)
            else:
                at = joined.find(form, at + 1)
                continue
        else:
            out.add(i)
        # The next title: one hit per title is enough.
        nxt = starts[i + 1] if i + 1 < len(starts) else len(joined)
        at = joined.find(form, nxt)
    return out


def _boundary(ch: str) -> bool:
    return not ("a" <= ch <= "z" or "0" <= ch <= "9")


def _scorer_scores(
    titles: Sequence[str], keywords: Sequence[Keyword], entities: Sequence[Entity]
) -> tuple[list[float], list[float]]:
    """The titles' scores as :func:`choose_headline` makes them, and one by one (for a test)."""
    scorer = _Scorer(keywords, entities)
    return _scores(scorer, titles), [scorer.score(t) for t in titles]
