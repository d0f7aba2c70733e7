"""Paragraph groups: one fact shown once, with every outlet (and script) that printed it.

:class:`ParagraphIndex` takes articles one at a time (incremental: a new article joins the
existing groups, nothing is recomputed) and keeps every paragraph in exactly one *home* group.
A group is shown as its representative — the most complete version (most shingles) — and lists
every member with outlet, script, article, position and similarity (the share of the member's
shingles found in the representative, 1.0 = it adds nothing).

Candidates come from MinHash LSH over *sentences* (:mod:`storyline.dedup.minhash`); nothing is
merged on an estimate. Every candidate is verified exactly on shingle sets
(:mod:`storyline.dedup.shingles`), and always against the group's representative, never a
member (chaining A~B~C would let C's own words disappear behind A). Precision over recall: a
false merge hides one outlet's words.

- paragraph member: Jaccard >= ``PARAGRAPH_JACCARD`` with the representative, or the smaller
  of the two is >= ``PARAGRAPH_CONTAINMENT`` contained in the larger (a trimmed or prefixed copy);
- sentence member (``GroupMember.sentence`` set): a paragraph that is its own group but one of
  whose sentences repeats another group — the sentence is >= ``SENTENCE_CONTAINMENT`` contained
  in that group's representative, or has Jaccard >= ``SENTENCE_JACCARD`` with one of its sentences.

Thresholds were read off the two seed pages: the one true cross-outlet pair has paragraph
Jaccard 0.57 while the next pair of different facts in the same story reaches 0.21; a sentence
that truly repeats reaches containment 0.77 and the best unrelated sentence 0.50.

Example::

    >>> idx = ParagraphIndex()
    >>> idx.add_article("a1", "RFI", "zh-Hans", ["马斯克与特朗普有着密切的私人关系,一直是他的主要支持者。"],
    ...                 ["马斯克与特朗普有着密切的私人关系,一直是他的主要支持者。"])
    >>> idx.add_article("a2", "88iv", "zh-Hant", ["报道称,马斯克与特朗普有着密切的私人关系,一直是他的主要支持者。"],
    ...                 ["報道稱,馬斯克與特朗普有著密切的私人關係,一直是他的主要支持者。"])
    >>> [(m.outlet, m.script) for m in idx.groups()[0].members]
    [('RFI', 'zh-Hans'), ('88iv', 'zh-Hant')]
"""

from __future__ import annotations

import hashlib
import logging
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec
import numpy as np

from storyline.dedup.minhash import LSHIndex, band_keys, signatures_of_shingles
from storyline.dedup.shingles import (
    containment,
    jaccard,
    shingles,
    shingles_of_ids,
    split_sentences,
    token_ids,
)
from storyline.errors import InputError
from storyline.records import Analysis, Article, GroupMember, ParagraphGroup

__all__ = [
    "MIN_SENTENCE_SHINGLES",
    "PARAGRAPH_CONTAINMENT",
    "PARAGRAPH_JACCARD",
    "SENTENCE_CONTAINMENT",
    "SENTENCE_JACCARD",
    "ParagraphIndex",
    "group_paragraphs",
    "shared_paragraph_score",
]

log = logging.getLogger(__name__)

PARAGRAPH_JACCARD = 0.45
PARAGRAPH_CONTAINMENT = 0.8
SENTENCE_CONTAINMENT = 0.65
SENTENCE_JACCARD = 0.5
MIN_CONTAINED_SHINGLES = 12  # a shorter text merges by containment only if also Jaccard-close
MIN_SENTENCE_SHINGLES = 12  # about 14 CJK characters: shorter sentences never link alone
MIN_INDEXED_SHINGLES = 5  # sentences shorter than this are not indexed (too common to be evidence)
_FORMAT = 1


@dataclass(slots=True)
class _Group:
    rep: int  # paragraph number of the representative
    members: list[tuple[int, int, float]] = field(default_factory=list)  # (paragraph, sentence|-1, sim)


class _Saved(msgspec.Struct, array_like=True):
    format: int
    articles: list[tuple[str, str, str]]
    p_article: bytes
    p_position: bytes
    canonical: list[str]
    display: list[str]
    p_group: bytes
    seg_para: bytes
    seg_sentence: bytes
    groups: list[tuple[int, list[tuple[int, int, float]]]]
    lsh_keys: bytes
    lsh_ids: bytes


def _paragraph_match(q: np.ndarray, r: np.ndarray) -> float:
    """Verified paragraph similarity (0.0 = no match): Jaccard, or containment of the smaller."""
    j = jaccard(q, r)
    if j >= PARAGRAPH_JACCARD:
        return j
    small, large = (q, r) if len(q) <= len(r) else (r, q)
    if len(small) >= MIN_CONTAINED_SHINGLES and containment(small, large) >= PARAGRAPH_CONTAINMENT:
        return containment(small, large)
    return 0.0


def _sentence_match(s: np.ndarray, rep: np.ndarray, rep_sentences: Sequence[np.ndarray]) -> float:
    """Verified sentence-in-paragraph similarity (0.0 = no match)."""
    if len(s) < MIN_SENTENCE_SHINGLES:
        return 0.0
    c = containment(s, rep)
    if c >= SENTENCE_CONTAINMENT:
        return c
    if c >= SENTENCE_JACCARD:  # Jaccard with any sentence >= t implies containment in rep >= t
        best = max((jaccard(s, t) for t in rep_sentences), default=0.0)
        if best >= SENTENCE_JACCARD:
            return best
    return 0.0


def _sentence_shingles(canonical: str) -> list[np.ndarray]:
    return [shingles(s) for s in split_sentences(canonical)]


def _shingle_both(canonical: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """Paragraph and sentence shingles from one tokenisation (sentences end at punctuation,
    which tokens drop, so the paragraph's token ids are the sentences' concatenated)."""
    ids = [token_ids(s) for s in split_sentences(canonical)]
    whole = shingles_of_ids(np.concatenate(ids)) if ids else shingles_of_ids(np.empty(0, np.uint64))
    return whole, [shingles_of_ids(i) for i in ids]


def _colliding_pairs(keys: np.ndarray, seg_para: list[int]) -> set[tuple[int, int]]:
    """(later, earlier) paragraph pairs of one batch whose segments share a band key."""
    if len(seg_para) < 2:
        return set()
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")
    sorted_keys = flat[order]
    dup = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if not len(dup):
        return set()
    rows = order // keys.shape[1]
    pairs = set()
    for i in dup.tolist():  # runs of equal keys: link each item to the run's earlier ones
        j = i
        while j >= 0 and sorted_keys[j] == sorted_keys[i + 1]:
            a, b = seg_para[rows[j]], seg_para[rows[i + 1]]
            if a != b:
                pairs.add((max(a, b), min(a, b)))
            j -= 1
    return pairs


class ParagraphIndex:
    """Incremental paragraph groups over the articles of a story (or of a whole time window).

    ``add_article`` verifies each new paragraph against the representatives of the groups its
    LSH candidates live in, then indexes its sentences; earlier groups keep their ids. Save with
    :meth:`to_bytes` and extend later with :meth:`from_bytes`.

    >>> idx = ParagraphIndex()
    >>> idx.add_article("a1", "X", "en", ["one two three four five six"], ["One two three four five six"])
    >>> len(idx.all_groups()), len(idx.groups())
    (1, 0)
    """

    def __init__(self) -> None:
        self._articles: list[tuple[str, str, str]] = []  # (article_id, outlet, script)
        self._article_no: dict[str, int] = {}
        self._p_article = array("I")
        self._p_position = array("I")
        self._canonical: list[str] = []
        self._display: list[str] = []
        self._p_group = array("I")
        self._seg_para = array("I")
        self._seg_sentence = array("i")
        self._groups: list[_Group] = []
        self._lsh = LSHIndex()

    # ---------------------------------------------------------------------------------- adding

    def __len__(self) -> int:
        """Number of paragraphs held."""
        return len(self._canonical)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._article_no

    def add_article(
        self,
        article_id: str,
        outlet: str,
        script: str,
        canonical_paragraphs: Sequence[str],
        display_paragraphs: Sequence[str],
    ) -> None:
        """Add one article's paragraphs; each joins a verified group or starts its own.

        Adding an article id that is already held does nothing (ingest is idempotent).
        """
        if len(canonical_paragraphs) != len(display_paragraphs):
            raise InputError(
                article_id,
                f"{len(canonical_paragraphs)} canonical paragraphs but {len(display_paragraphs)} display "
                "paragraphs; pass both forms of the same paragraphs",
            )
        if article_id in self._article_no:
            log.debug("article %s already in the paragraph index; skipped", article_id)
            return
        art = len(self._articles)
        self._articles.append((article_id, outlet, script))
        self._article_no[article_id] = art
        first = len(self._canonical)

        both = [_shingle_both(c) for c in canonical_paragraphs]
        para_sh = [b[0] for b in both]
        sent_sh = [b[1] for b in both]
        seg_para: list[int] = []
        seg_sentence: list[int] = []
        seg_sets: list[np.ndarray] = []
        for i, (psh, ssh) in enumerate(zip(para_sh, sent_sh, strict=True)):
            picked = [(k, s) for k, s in enumerate(ssh) if len(s) >= MIN_INDEXED_SHINGLES]
            if not picked and len(psh):
                picked = [(-1, psh)]  # only short sentences: index the paragraph as a whole
            for k, s in picked:
                seg_para.append(first + i)
                seg_sentence.append(k)
                seg_sets.append(s)
        keys = band_keys(signatures_of_shingles(seg_sets)) if seg_sets else np.empty((0, 0), np.uint64)
        found = self._lsh.query(keys) if seg_sets else []

        # candidates per new paragraph: stored paragraphs, plus earlier paragraphs of this article
        cands: list[set[int]] = [set() for _ in canonical_paragraphs]
        seg_to_para = self._seg_para
        for row, p in enumerate(seg_para):
            if len(found[row]):
                cands[p - first].update(seg_to_para[s] for s in found[row].tolist())
        for p, q in _colliding_pairs(keys, seg_para):  # q < p, both of this article
            cands[p - first].add(q)

        for i, (c, d) in enumerate(zip(canonical_paragraphs, display_paragraphs, strict=True)):
            p = first + i
            self._p_article.append(art)
            self._p_position.append(i)
            self._canonical.append(c)
            self._display.append(d)
            self._p_group.append(0)
            self._place(p, para_sh[i], sent_sh[i], cands[i])

        self._seg_para.extend(seg_para)
        self._seg_sentence.extend(seg_sentence)
        if seg_sets:
            start = len(self._seg_para) - len(seg_sets)
            self._lsh.insert(np.arange(start, start + len(seg_sets), dtype=np.uint32), keys)

    def _place(self, p: int, psh: np.ndarray, ssh: list[np.ndarray], cands: set[int]) -> None:
        candidate_groups = sorted({self._p_group[c] for c in cands})
        rep_cache: dict[int, np.ndarray] = {}
        best_group, best_sim = -1, 0.0
        for g in candidate_groups:
            rep_cache[g] = shingles(self._canonical[self._groups[g].rep])
            sim = _paragraph_match(psh, rep_cache[g])
            if sim > best_sim:
                best_group, best_sim = g, sim
        if best_group >= 0:
            self._join(best_group, p, psh, rep_cache[best_group])
            return
        g_new = len(self._groups)
        self._groups.append(_Group(rep=p, members=[(p, -1, 1.0)]))
        self._p_group[p] = g_new
        # Sentence links: this paragraph is new as a whole, but a sentence of it may repeat a group.
        for k, s in enumerate(ssh):
            best_group, best_sim = -1, 0.0
            for g in candidate_groups:
                rep = self._groups[g].rep
                sim = _sentence_match(s, rep_cache[g], _sentence_shingles(self._canonical[rep]))
                if sim > best_sim:
                    best_group, best_sim = g, sim
            if best_group >= 0:
                self._groups[best_group].members.append((p, k, round(best_sim, 4)))

    def _join(self, g: int, p: int, psh: np.ndarray, rep_sh: np.ndarray) -> None:
        group = self._groups[g]
        self._p_group[p] = g
        if len(psh) > len(rep_sh):
            # the newcomer is the most complete version: it becomes what the page shows
            group.rep = p
            rep_sh = psh
            updated = []
            for q, k, _ in group.members:
                own = shingles(self._canonical[q]) if k < 0 else _sentence_shingles(self._canonical[q])[k]
                updated.append((q, k, round(containment(own, rep_sh), 4)))
            group.members = updated
            group.members.append((p, -1, 1.0))
        else:
            group.members.append((p, -1, round(containment(psh, rep_sh), 4)))

    # --------------------------------------------------------------------------------- reading

    def _member(self, p: int, k: int, sim: float) -> GroupMember:
        article_id, outlet, script = self._articles[self._p_article[p]]
        text = self._display[p]
        if k >= 0:
            shown = split_sentences(text)
            canon = split_sentences(self._canonical[p])
            # the display form splits like the canonical one unless NFKC/t2s changed punctuation
            text = shown[k] if len(shown) == len(canon) else canon[k]
        return GroupMember(
            article_id=article_id,
            outlet=outlet,
            script=script,
            position=self._p_position[p],
            similarity=sim,
            text=text,
            sentence=k if k >= 0 else None,
        )

    def _record(self, g: int) -> ParagraphGroup:
        group = self._groups[g]
        first = group.members[0][0]
        article_id = self._articles[self._p_article[first]][0]
        gid = "p" + hashlib.sha256(f"{article_id}\x1f{self._p_position[first]}".encode()).hexdigest()[:15]
        members = tuple(self._member(p, k, sim) for p, k, sim in sorted(group.members))
        return ParagraphGroup(id=gid, text=self._display[group.rep], members=members)

    def all_groups(self) -> tuple[ParagraphGroup, ...]:
        """Every group, singletons included, in order of first appearance: each paragraph once."""
        return tuple(self._record(g) for g in range(len(self._groups)))

    def groups(self) -> tuple[ParagraphGroup, ...]:
        """Only groups printed by at least two articles (the repeats a reader should see merged)."""
        out = []
        for g, group in enumerate(self._groups):
            arts = {self._p_article[p] for p, _, _ in group.members}
            if len(group.members) >= 2 and len(arts) >= 2:
                out.append(self._record(g))
        return tuple(out)

    @property
    def nbytes_lsh(self) -> int:
        """Bytes held by the LSH arrays (the rest is the paragraph texts and small lists)."""
        return self._lsh.nbytes

    # ------------------------------------------------------------------------------ persisting

    def to_bytes(self) -> bytes:
        """Serialise the whole index (msgpack); :meth:`from_bytes` restores it for extension."""
        lsh_keys, lsh_ids = self._lsh.to_arrays()
        saved = _Saved(
            format=_FORMAT,
            articles=self._articles,
            p_article=self._p_article.tobytes(),
            p_position=self._p_position.tobytes(),
            canonical=self._canonical,
            display=self._display,
            p_group=self._p_group.tobytes(),
            seg_para=self._seg_para.tobytes(),
            seg_sentence=self._seg_sentence.tobytes(),
            groups=[(g.rep, g.members) for g in self._groups],
            lsh_keys=lsh_keys.tobytes(),
            lsh_ids=lsh_ids.tobytes(),
        )
        return msgspec.msgpack.encode(saved)

    @classmethod
    def from_bytes(cls, data: bytes) -> ParagraphIndex:
        """Restore an index saved with :meth:`to_bytes`."""
        try:
            saved = msgspec.msgpack.decode(data, type=_Saved)
        except msgspec.DecodeError as exc:
            raise InputError("paragraph index", f"not a saved paragraph index ({exc})") from exc
        if saved.format != _FORMAT:
            raise InputError(
                "paragraph index", f"saved with format {saved.format}, this version reads {_FORMAT}"
            )
        idx = cls()
        idx._articles = [tuple(a) for a in saved.articles]  # type: ignore[misc]
        idx._article_no = {a[0]: i for i, a in enumerate(idx._articles)}
        for name in ("p_article", "p_position", "p_group", "seg_para", "seg_sentence"):
            getattr(idx, "_" + name).frombytes(getattr(saved, name))
        idx._canonical = saved.canonical
        idx._display = saved.display
        idx._groups = [_Group(rep=rep, members=[tuple(m) for m in members]) for rep, members in saved.groups]  # type: ignore[misc]
        idx._lsh = LSHIndex.from_arrays(
            np.frombuffer(saved.lsh_keys, dtype=np.uint64).copy(),
            np.frombuffer(saved.lsh_ids, dtype=np.uint32).copy(),
            len(idx._seg_para),
        )
        return idx


def group_paragraphs(items: Sequence[tuple[Article, Analysis]]) -> tuple[ParagraphGroup, ...]:
    """All paragraph groups (singletons included, first appearance first) of a story's articles.

    Convenience over :class:`ParagraphIndex` for a story built in one go; the script comes from
    the analysis (detected) and falls back to the article's.
    """
    idx = ParagraphIndex()
    for article, analysis in items:
        script = analysis.script if analysis.script and analysis.script != "und" else article.script
        idx.add_article(
            article.id, article.outlet, script, analysis.canonical_paragraphs, analysis.display_paragraphs
        )
    return idx.all_groups()


def shared_paragraph_score(a_canonical: Sequence[str], b_canonical: Sequence[str]) -> float:
    """Share of the shorter article's text (in shingles) whose sentences are verified copies.

    Sentences shorter than ``MIN_SENTENCE_SHINGLES`` are left out of both the share and the whole.

    A sentence counts as copied when it passes the same checks a sentence link does against
    some paragraph of the other article. 0.0 for disjoint articles, 1.0 when every sentence of
    the shorter one is found in the longer.

    >>> shared_paragraph_score(["星际之门计划由三家公司合作,目的是在未来四年内投入五千亿美元。"],
    ...                        ["报道说,星际之门计划由三家公司合作,目的是在未来四年内投入五千亿美元。", "另一段话。"])
    1.0
    """
    # sentences too short to link alone count on neither side, so an article scores 1.0 with itself
    a_sent = [s for p in a_canonical for s in _sentence_shingles(p) if len(s) >= MIN_SENTENCE_SHINGLES]
    b_sent = [s for p in b_canonical for s in _sentence_shingles(p) if len(s) >= MIN_SENTENCE_SHINGLES]
    a_total, b_total = sum(len(s) for s in a_sent), sum(len(s) for s in b_sent)
    if not a_total or not b_total:
        return 0.0
    if b_total < a_total:
        a_canonical, b_canonical, a_sent, a_total = b_canonical, a_canonical, b_sent, b_total
    b_paras = [(shingles(p), _sentence_shingles(p)) for p in b_canonical]
    b_union = np.unique(np.concatenate([sh for sh, _ in b_paras])) if b_paras else np.empty(0, np.uint32)
    copied = 0
    for s in a_sent:
        # cheap filter first: a sentence can only match if half of it is somewhere in b
        if containment(s, b_union) < SENTENCE_JACCARD:
            continue
        if any(_sentence_match(s, sh, sents) for sh, sents in b_paras):
            copied += len(s)
    return copied / a_total
