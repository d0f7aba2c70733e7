"""Paragraph groups: one fact shown once, with every outlet (and script) that printed it.

:class:`ParagraphIndex` takes articles one at a time (incremental: a new article joins the
existing groups, nothing is recomputed) and keeps every paragraph in exactly one *home* group.
A group is shown as its representative — the most complete version (most shingles) — and lists
every member with outlet, script, article, position and similarity (the share of the member's
shingles found in the representative, 1.0 = it adds nothing).

Candidates come from MinHash LSH (:mod:`storyline.dedup.minhash`) at two levels: whole
paragraphs against whole paragraphs (``PARAGRAPH_BANDS`` bands: near-copies edited anywhere)
and sentences against sentences (``SENTENCE_BANDS`` bands: a sentence reprinted inside a
different paragraph, or a paragraph trimmed to a few of its sentences). Nothing is merged on an
estimate. Every candidate is verified exactly on shingle sets recomputed from the canonical
text (:mod:`storyline.dedup.shingles`), and always against the group's representative, never a
member (chaining A~B~C would let C's own words disappear behind A). Precision over recall: a
false merge hides one outlet's words. Known gap: a short text inside a much longer *sentence*
(Jaccard of the two 0.3-0.45) is found only by chance — banded MinHash estimates Jaccard, not
containment.

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

import msgspec
import numpy as np

from storyline.dedup.minhash import LSHIndex, band_keys, signatures_of_ranges
from storyline.dedup.shingles import (
    ShingleRanges,
    containment,
    jaccard,
    shingle_ranges,
    shingles,
    split_sentences,
    token_batch,
)
from storyline.dedup.texts import ParagraphTexts
from storyline.errors import InputError
from storyline.records import Analysis, Article, GroupMember, ParagraphGroup

__all__ = [
    "MIN_SENTENCE_SHINGLES",
    "PARAGRAPH_BANDS",
    "PARAGRAPH_CONTAINMENT",
    "PARAGRAPH_JACCARD",
    "SENTENCE_BANDS",
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
# LSH bands per paragraph and per sentence (3 rows each; see storyline.dedup.minhash); every
# band costs 8 bytes per item in memory. A whole paragraph gets 32: near-copies with edits
# everywhere must still meet (Jaccard 0.55, a copy with 10% of characters changed: 0.997;
# 0.45: 0.95). A sentence gets 4: its job is a sentence reprinted nearly verbatim (Jaccard 1.0:
# always; 0.8: 0.94), and there are ~5 sentences per paragraph. Chosen on the planted-copy
# recall benchmark (100% for every kind from 24 paragraph bands up) and on SemEval's real
# paragraphs against the first version's 40 bands per sentence (benchmarks/dedup_recall.py).
PARAGRAPH_BANDS = 32
SENTENCE_BANDS = 4
_FORMAT = 2
_DELTA_FORMAT = 1
_SHIFT = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)

Member = tuple[int, int, float]  # (paragraph, sentence or -1 for the whole paragraph, similarity)


class _Header(msgspec.Struct, array_like=True):
    format: int  # read first, so an index saved by another version is named as such


class _Delta(msgspec.Struct, array_like=True):
    """What an index gained since it was last saved (:meth:`ParagraphIndex.delta_bytes`)."""

    format: int
    base: tuple[int, str]  # the whole save it continues: (articles, last article id)
    seq: int  # 1 for the first delta after that save, then 2, …
    start: tuple[int, int, int]  # (articles, paragraphs, groups) it was taken after
    articles: list[tuple[str, str, str]]
    p_article: bytes
    p_position: bytes
    p_group: bytes
    texts: tuple[bytes, bytes, bytes, bytes, bytes]
    g_rep: bytes  # the new groups' representatives
    reps: list[tuple[int, int]]  # (group, paragraph): earlier groups' new representatives
    members: list[tuple[int, int, list[tuple[int, int, float]]]]  # (group, from or -1: anew, members)
    para_lsh: list[tuple[bytes, int]]  # each insert's level and its item count
    sent_lsh: list[tuple[bytes, int]]


class _Saved(msgspec.Struct, array_like=True):
    format: int
    articles: list[tuple[str, str, str]]
    p_article: bytes
    p_position: bytes
    p_group: bytes
    texts: tuple[bytes, bytes, bytes, bytes, bytes]
    g_rep: bytes
    members: list[tuple[int, list[tuple[int, int, float]]]]
    para_lsh: bytes
    sent_lsh: bytes
    lsh_items: tuple[int, int]


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


class _Shingled:
    """Shingle ranges of a list of paragraphs: row i is paragraph i, then all their sentences."""

    __slots__ = ("n", "ranges", "sentence_rows")

    def __init__(self, canonical_paragraphs: Sequence[str]) -> None:
        batch = token_batch(canonical_paragraphs)
        self.n = len(canonical_paragraphs)
        self.ranges: ShingleRanges = shingle_ranges(
            batch.ids,
            np.concatenate([batch.text_starts[:-1], batch.sentence_starts]),
            np.concatenate([batch.text_starts[1:], batch.sentence_stops]),
        )
        self.sentence_rows = batch.text_sentences + self.n  # paragraph i: rows [i]..[i + 1]

    def paragraph(self, i: int) -> np.ndarray:
        return self.ranges.set(i)

    def sentences(self, i: int) -> list[np.ndarray]:
        return [self.ranges.set(r) for r in range(self.sentence_rows[i], self.sentence_rows[i + 1])]

    def sentence_owner(self) -> np.ndarray:
        """Paragraph number of every sentence row."""
        return np.repeat(np.arange(self.n), np.diff(self.sentence_rows))


def _sentence_shingles(canonical: str) -> list[np.ndarray]:
    return [shingles(s) for s in split_sentences(canonical)]


def _pairs(owner_a: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Unique (owner, other) pairs packed as uint64, owner in the high half."""
    return np.unique((owner_a.astype(np.uint64) << _SHIFT) | other.astype(np.uint64))


class ParagraphIndex:
    """Incremental paragraph groups over the articles of a story (or of a whole time window).

    ``add_article`` verifies each new paragraph against the representatives of the groups its
    LSH candidates live in, then indexes the paragraph and its sentences; earlier groups keep
    their ids. Save with :meth:`to_bytes` and extend later with :meth:`from_bytes`.

    Memory: texts in byte buffers (:class:`~storyline.dedup.texts.ParagraphTexts`), 8 bytes per
    LSH band entry, 12 bytes of arrays per paragraph and 4 per group; a Python list of members
    only for groups with more than one member. Shingle sets are never stored: verification
    recomputes them from the canonical text.

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
        self._p_group = array("I")
        self._texts = ParagraphTexts()
        self._g_rep = array("I")  # representative paragraph of each group
        self._members: dict[int, list[Member]] = {}  # only groups with more than one member
        self._para_lsh = LSHIndex()  # ids are paragraph numbers
        self._sent_lsh = LSHIndex()  # ids are the paragraph numbers of the sentences
        # Each group's record as last made, until the group changes (_members_of is called
        # whenever its members or representative do): a story's update shows every group again
        # but changes only those its new article joins.
        self._records: dict[int, ParagraphGroup] = {}
        self._shown: dict[Member, GroupMember] = {}  # _member of (p, k, sim): fixed once made
        # What changed since the index was last saved, so that a save can be a delta (see
        # delta_bytes): None until it is saved whole or read from a whole save.
        self._mark: _Mark | None = None

    # ---------------------------------------------------------------------------------- adding

    def __len__(self) -> int:
        """Number of paragraphs held."""
        return len(self._texts)

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
        first = len(self._texts)
        n = len(canonical_paragraphs)

        sh = _shingled(canonical_paragraphs)  # the clusterer has usually shingled it already
        size = sh.ranges.size()
        para_rows = np.flatnonzero(size[:n] > 0)
        sent_rows = n + np.flatnonzero(size[n:] >= MIN_INDEXED_SHINGLES)
        sent_owner = sh.sentence_owner()[sent_rows - n]
        rows = np.concatenate([para_rows, sent_rows])
        sigs = signatures_of_ranges(sh.ranges.values, sh.ranges.lo[rows], sh.ranges.hi[rows])
        p_keys = band_keys(sigs[: len(para_rows)], PARAGRAPH_BANDS)
        s_keys = band_keys(sigs[len(para_rows) :], SENTENCE_BANDS)

        # candidates: stored paragraphs sharing a band key (paragraph with paragraph, sentence
        # with sentence), and earlier paragraphs of this article sharing any key
        r1, ids1 = self._para_lsh.query_pairs(p_keys)
        r2, ids2 = self._sent_lsh.query_pairs(s_keys)
        owner = np.concatenate([para_rows[r1], sent_owner[r2]])
        packed = [_pairs(owner, np.concatenate([ids1, ids2]))]
        all_keys = np.concatenate([p_keys.ravel(), s_keys.ravel()])
        key_owner = np.concatenate(
            [np.repeat(para_rows, p_keys.shape[1]), np.repeat(sent_owner, s_keys.shape[1])]
        )
        order = np.argsort(all_keys, kind="stable")
        sorted_keys, sorted_owner = all_keys[order], key_owner[order]
        for i in np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1]).tolist():
            j = i  # a run of equal keys: link its last item to every earlier one
            while j >= 0 and sorted_keys[j] == sorted_keys[i + 1]:
                a, b = int(sorted_owner[j]), int(sorted_owner[i + 1])
                if a != b:
                    packed.append(np.array([(max(a, b) << 32) | (first + min(a, b))], dtype=np.uint64))
                j -= 1
        # Each paragraph's candidates as one array (the pairs come sorted by owner): a paragraph
        # restated by every report of a big story has a candidate per report.
        pairs = np.unique(np.concatenate(packed))
        owners = pairs >> np.uint64(32)
        cut = (np.flatnonzero(owners[1:] != owners[:-1]) + 1).tolist()
        cands: dict[int, np.ndarray] = {
            int(owners[lo]): (pairs[lo:hi] & np.uint64(0xFFFFFFFF)).astype(np.intp)
            for lo, hi in zip([0, *cut], [*cut, len(pairs)], strict=True)
            if hi > lo
        }

        self._p_article.extend([art] * n)
        self._p_position.extend(range(n))
        self._p_group.extend([0] * n)
        for i, (c, d) in enumerate(zip(canonical_paragraphs, display_paragraphs, strict=True)):
            self._texts.append(c, d)
            p = first + i
            if i in cands:
                self._place(p, i, sh, cands[i])
            else:  # nothing alike: a group of its own
                self._p_group[p] = len(self._g_rep)
                self._g_rep.append(p)

        para_level = self._para_lsh.insert((first + para_rows).astype(np.uint32), p_keys)
        sent_level = self._sent_lsh.insert((first + sent_owner).astype(np.uint32), s_keys)
        if self._mark is not None:
            self._mark.para_lsh.append((para_level, len(para_rows)))
            self._mark.sent_lsh.append((sent_level, len(sent_owner)))

    def _place(self, p: int, i: int, sh: _Shingled, cands: np.ndarray) -> None:
        # The candidates' groups, sorted and each once (a view of the array, dropped at once:
        # an array exporting its buffer cannot grow).
        groups_now = np.frombuffer(self._p_group, dtype=np.uint32)
        candidate_groups = np.unique(groups_now[cands]).tolist()
        del groups_now
        psh = sh.paragraph(i)
        rep_sets = {g: shingles(self._texts.canonical(self._g_rep[g])) for g in candidate_groups}
        best_group, best_sim = -1, 0.0
        for g in candidate_groups:
            sim = _paragraph_match(psh, rep_sets[g])
            if sim > best_sim:
                best_group, best_sim = g, sim
        if best_group >= 0:
            self._join(best_group, p, psh, rep_sets[best_group])
            return
        g_new = len(self._g_rep)
        self._g_rep.append(p)
        self._p_group[p] = g_new
        # Sentence links: this paragraph is new as a whole, but a sentence of it may repeat a group.
        rep_sentences = {
            g: _sentence_shingles(self._texts.canonical(self._g_rep[g])) for g in candidate_groups
        }
        for k, s in enumerate(sh.sentences(i)):
            best_group, best_sim = -1, 0.0
            for g in candidate_groups:
                sim = _sentence_match(s, rep_sets[g], rep_sentences[g])
                if sim > best_sim:
                    best_group, best_sim = g, sim
            if best_group >= 0:
                self._members_of(best_group).append((p, k, round(best_sim, 4)))

    def _members_of(self, g: int) -> list[Member]:
        """The member list of group g, created on first use (a lone paragraph has none stored)."""
        self._records.pop(g, None)  # the caller changes the group
        if self._mark is not None:
            self._mark.members.add(g)
        members = self._members.get(g)
        if members is None:
            members = self._members[g] = [(self._g_rep[g], -1, 1.0)]
        return members

    def _join(self, g: int, p: int, psh: np.ndarray, rep_sh: np.ndarray) -> None:
        members = self._members_of(g)
        self._p_group[p] = g
        if len(psh) > len(rep_sh):
            # the newcomer is the most complete version: it becomes what the page shows
            self._g_rep[g] = p
            updated = []
            for q, k, _ in members:
                text = self._texts.canonical(q)
                own = shingles(text) if k < 0 else _sentence_shingles(text)[k]
                updated.append((q, k, round(containment(own, psh), 4)))
            updated.append((p, -1, 1.0))
            self._members[g] = updated
            if self._mark is not None:
                self._mark.anew.add(g)
                self._mark.reps.add(g)
        else:
            members.append((p, -1, round(containment(psh, rep_sh), 4)))

    # --------------------------------------------------------------------------------- reading

    def _member(self, p: int, k: int, sim: float) -> GroupMember:
        article_id, outlet, script = self._articles[self._p_article[p]]
        text = self._texts.display(p)
        if k >= 0:
            shown = split_sentences(text)
            canon = split_sentences(self._texts.canonical(p))
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
        got = self._records.get(g)
        if got is None:
            got = self._records[g] = self._make_record(g)
        return got

    def _make_record(self, g: int) -> ParagraphGroup:
        members = self._members.get(g) or [(self._g_rep[g], -1, 1.0)]
        first = members[0][0]  # the paragraph that started the group names it for good
        article_id = self._articles[self._p_article[first]][0]
        gid = "p" + hashlib.sha256(f"{article_id}\x1f{self._p_position[first]}".encode()).hexdigest()[:15]
        made = self._shown
        listed = []
        for m in sorted(members):
            got = made.get(m)
            if got is None:
                got = made[m] = self._member(*m)
            listed.append(got)
        shown = tuple(listed)
        return ParagraphGroup(id=gid, text=self._texts.display(self._g_rep[g]), members=shown)

    def all_groups(self) -> tuple[ParagraphGroup, ...]:
        """Every group, singletons included, in order of first appearance: each paragraph once."""
        return tuple(self._record(g) for g in range(len(self._g_rep)))

    def groups(self) -> tuple[ParagraphGroup, ...]:
        """Only groups printed by at least two articles (the repeats a reader should see merged)."""
        out = []
        for g in sorted(self._members):
            members = self._members[g]
            if len({self._p_article[p] for p, _, _ in members}) >= 2:
                out.append(self._record(g))
        return tuple(out)

    @property
    def nbytes_lsh(self) -> int:
        """Bytes held by the LSH arrays (paragraph and sentence bands)."""
        return self._para_lsh.nbytes + self._sent_lsh.nbytes

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's buffers and arrays (Python objects of multi-member groups,
        articles and the small lists not counted)."""
        arrays = (self._p_article, self._p_position, self._p_group, self._g_rep)
        return self.nbytes_lsh + self._texts.nbytes + sum(a.itemsize * len(a) for a in arrays)

    # ------------------------------------------------------------------------------ persisting

    def to_bytes(self) -> bytes:
        """Serialise the whole index (msgpack); :meth:`from_bytes` restores it for extension.

        The index is marked saved: :meth:`delta_bytes` gives what it gains from here on.
        """
        self._mark = self._new_mark()
        saved = _Saved(
            format=_FORMAT,
            articles=self._articles,
            p_article=self._p_article.tobytes(),
            p_position=self._p_position.tobytes(),
            p_group=self._p_group.tobytes(),
            texts=self._texts.to_parts(),
            g_rep=self._g_rep.tobytes(),
            members=sorted(self._members.items()),
            para_lsh=self._para_lsh.to_array().tobytes(),
            sent_lsh=self._sent_lsh.to_array().tobytes(),
            lsh_items=(len(self._para_lsh), len(self._sent_lsh)),
        )
        return msgspec.msgpack.encode(saved)

    @classmethod
    def from_bytes(cls, data: bytes) -> ParagraphIndex:
        """Restore an index saved with :meth:`to_bytes`."""
        try:
            header = msgspec.msgpack.decode(data, type=_Header)
        except msgspec.DecodeError as exc:
            raise InputError("paragraph index", f"not a saved paragraph index ({exc})") from exc
        if header.format != _FORMAT:
            raise InputError(
                "paragraph index",
                f"saved with format {header.format}, this version reads {_FORMAT}; rebuild it from the articles",
            )
        try:
            saved = msgspec.msgpack.decode(data, type=_Saved)
        except msgspec.DecodeError as exc:
            raise InputError("paragraph index", f"damaged saved paragraph index ({exc})") from exc
        idx = cls()
        idx._articles = [tuple(a) for a in saved.articles]  # type: ignore[misc]
        idx._article_no = {a[0]: i for i, a in enumerate(idx._articles)}
        for name in ("p_article", "p_position", "p_group", "g_rep"):
            getattr(idx, "_" + name).frombytes(getattr(saved, name))
        idx._texts = ParagraphTexts.from_parts(saved.texts)
        idx._members = {g: [tuple(m) for m in members] for g, members in saved.members}  # type: ignore[misc]
        for name, items in zip(("para_lsh", "sent_lsh"), saved.lsh_items, strict=True):
            packed = np.frombuffer(getattr(saved, name), dtype=np.uint64).copy()
            setattr(idx, "_" + name, LSHIndex.from_array(packed, items))
        idx._mark = idx._new_mark()
        return idx

    # A big story's index is megabytes, and an update adds one article to it: saving it whole
    # on every update was most of what the update wrote. A delta holds the update's paragraphs,
    # band keys and the groups it changed; the whole index is saved again now and then.

    def _new_mark(self) -> _Mark:
        last = self._articles[-1][0] if self._articles else ""
        sizes = (len(self._articles), len(self._texts), len(self._g_rep))
        return _Mark((len(self._articles), last), 0, sizes, {g: len(m) for g, m in self._members.items()})

    @property
    def deltas(self) -> int | None:
        """Deltas taken since the index was last saved whole (None: it never was)."""
        return None if self._mark is None else self._mark.seq

    def delta_bytes(self) -> bytes:
        """What the index gained since it was last saved (whole or as a delta), as bytes for
        :meth:`apply_delta` on the index as it was then; the index is marked saved again."""
        mark = self._mark
        if mark is None:
            raise ValueError("paragraph index: never saved whole, so there is nothing a delta continues")
        n_art, n_par, n_grp = mark.sizes
        members = []
        for g in sorted(mark.members | mark.anew):
            listed = self._members[g]
            if g in mark.anew:
                members.append((g, -1, listed))
            else:
                members.append((g, mark.lengths.get(g, 0), listed[mark.lengths.get(g, 0) :]))
        delta = _Delta(
            format=_DELTA_FORMAT,
            base=mark.base,
            seq=mark.seq + 1,
            start=mark.sizes,
            articles=self._articles[n_art:],
            p_article=self._p_article[n_par:].tobytes(),
            p_position=self._p_position[n_par:].tobytes(),
            p_group=self._p_group[n_par:].tobytes(),
            texts=self._texts.parts_since(n_par),
            g_rep=self._g_rep[n_grp:].tobytes(),
            reps=[(g, self._g_rep[g]) for g in sorted(mark.reps) if g < n_grp],
            members=members,
            para_lsh=[(level.tobytes(), n) for level, n in mark.para_lsh],
            sent_lsh=[(level.tobytes(), n) for level, n in mark.sent_lsh],
        )
        data = msgspec.msgpack.encode(delta)
        lengths = mark.lengths
        for g in mark.members | mark.anew:
            lengths[g] = len(self._members[g])
        self._mark = _Mark(
            mark.base, mark.seq + 1, (len(self._articles), len(self._texts), len(self._g_rep)), lengths
        )
        return data

    def apply_delta(self, data: bytes) -> bool:
        """Extend the index by a :meth:`delta_bytes` taken after it; False (nothing changed)
        when the delta continues another save (an older one, or another sequence)."""
        mark = self._mark
        try:
            delta = msgspec.msgpack.decode(data, type=_Delta)
        except msgspec.DecodeError as exc:
            raise InputError("paragraph index", f"damaged saved delta ({exc})") from exc
        sizes = (len(self._articles), len(self._texts), len(self._g_rep))
        if (
            mark is None
            or delta.format != _DELTA_FORMAT
            or tuple(delta.base) != mark.base
            or delta.seq != mark.seq + 1
            or tuple(delta.start) != sizes
        ):
            return False
        for article in delta.articles:
            self._article_no[article[0]] = len(self._articles)
            self._articles.append(tuple(article))  # type: ignore[arg-type]
        self._p_article.frombytes(delta.p_article)
        self._p_position.frombytes(delta.p_position)
        self._p_group.frombytes(delta.p_group)
        self._texts.extend_parts(delta.texts)
        self._g_rep.frombytes(delta.g_rep)
        for g, rep in delta.reps:
            self._g_rep[g] = rep
        lengths = mark.lengths
        for g, start, listed in delta.members:
            members = [tuple(m) for m in listed]
            if start < 0:
                self._members[g] = members  # type: ignore[assignment]
            else:
                held = self._members.setdefault(g, [])
                if len(held) != start:
                    raise InputError("paragraph index", f"saved delta does not continue group {g}")
                held.extend(members)  # type: ignore[arg-type]
            lengths[g] = len(self._members[g])
            self._records.pop(g, None)
        for name, levels in (("_para_lsh", delta.para_lsh), ("_sent_lsh", delta.sent_lsh)):
            lsh: LSHIndex = getattr(self, name)
            for level, n in levels:
                lsh.insert_packed(np.frombuffer(level, dtype=np.uint64), n)
        if not (len(self._p_article) == len(self._p_position) == len(self._p_group) == len(self._texts)):
            raise InputError("paragraph index", "saved delta does not continue the paragraphs")
        self._mark = _Mark(
            mark.base, delta.seq, (len(self._articles), len(self._texts), len(self._g_rep)), lengths
        )
        return True


class _Mark:
    """Where an index was last saved, and what changed since (ParagraphIndex.delta_bytes)."""

    __slots__ = ("anew", "base", "lengths", "members", "para_lsh", "reps", "sent_lsh", "seq", "sizes")

    def __init__(
        self, base: tuple[int, str], seq: int, sizes: tuple[int, int, int], lengths: dict[int, int]
    ) -> None:
        self.base = base  # the whole save: (articles, last article id)
        self.seq = seq  # deltas taken since it
        self.sizes = sizes  # (articles, paragraphs, groups) at the last save
        self.lengths = lengths  # each member list's length at the last save
        self.members: set[int] = set()  # groups whose member lists grew…
        self.anew: set[int] = set()  # …or were made anew (a new representative)
        self.reps: set[int] = set()  # groups whose representative changed
        self.para_lsh: list[tuple[np.ndarray, int]] = []  # levels inserted, with their item counts
        self.sent_lsh: list[tuple[np.ndarray, int]] = []


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
    a_entry, b_entry = _shingled_entry(a_canonical), _shingled_entry(b_canonical)
    (a_sh, a_sent), (b_sh, b_sent) = _shingled_once_of(a_entry), _shingled_once_of(b_entry)
    a_total, b_total = _total(a_entry), _total(b_entry)
    if not a_total or not b_total:
        return 0.0
    if b_total < a_total:
        a_sent, a_total, b_sh, a_entry, b_entry = b_sent, b_total, a_sh, b_entry, a_entry
    # cheap filter first: a sentence can only match if half of it is somewhere in b (all of a's
    # sentences tested at once)
    near = _shares_in(a_entry, _union(b_entry)) >= SENTENCE_JACCARD
    b_paras: dict[int, tuple[np.ndarray, list[np.ndarray]]] = {}  # shingled when first needed
    copied = 0
    for s in (s for s, keep in zip(a_sent, near.tolist(), strict=True) if keep):
        for i in range(b_sh.n):
            if i not in b_paras:
                b_paras[i] = (b_sh.paragraph(i), b_sh.sentences(i))
            if _sentence_match(s, *b_paras[i]):
                copied += len(s)
                break
    return copied / a_total


# text -> [_Shingled, long sentences, union, long sentences packed, their shingle count], each
# None until needed
_SHINGLED: dict[tuple[str, ...], list] = {}
_SHINGLED_KEPT = 1024


def _shingled_entry(canonical: Sequence[str]) -> list:
    key = tuple(canonical)
    got = _SHINGLED.get(key)
    if got is None:
        got = [_Shingled(key), None, None, None, None]
        if len(_SHINGLED) >= _SHINGLED_KEPT:
            _SHINGLED.pop(next(iter(_SHINGLED)))
        _SHINGLED[key] = got
    return got


def _shingled(canonical: Sequence[str]) -> _Shingled:
    """:class:`_Shingled` of a text, kept for the texts shingled most recently (read-only)."""
    return _shingled_entry(canonical)[0]


def _shingled_once(canonical: Sequence[str]) -> tuple[_Shingled, list[np.ndarray]]:
    """:class:`_Shingled` and its long sentences, kept for the texts scored most recently.

    The clusterer scores a new report against every candidate story's representatives, and
    the same representatives against every new report: shingling each text once per call was
    a third of ingest on real articles. The paragraph index then adds the same new report, and
    reads the same shingles. The result is a pure function of the text.
    """
    return _shingled_once_of(_shingled_entry(canonical))


def _shingled_once_of(entry: list) -> tuple[_Shingled, list[np.ndarray]]:
    if entry[1] is None:
        entry[1] = _long_sentences(entry[0])
    return entry[0], entry[1]


def _total(entry: list) -> int:
    """Shingles in a text's long sentences: the whole a shared share is of (kept with its
    shingles; the clusterer scores each representative against every new report)."""
    if entry[4] is None:
        entry[4] = sum(len(s) for s in _shingled_once_of(entry)[1])
    return entry[4]


def _union(entry: list) -> np.ndarray:
    """Every shingle of a text's paragraphs, sorted and unique (kept with its shingles)."""
    if entry[2] is None:
        sh: _Shingled = entry[0]
        r = sh.ranges
        entry[2] = np.unique(np.concatenate([r.values[r.lo[i] : r.hi[i]] for i in range(sh.n)]))
    return entry[2]


def _shares_in(entry: list, b_sorted: np.ndarray) -> np.ndarray:
    """``containment(s, b)`` of each long sentence ``s`` of a text, for sorted unique ``b``: one
    binary search over all the sentences' shingles, not an intersection per sentence (the same
    counts, so the same shares)."""
    if entry[3] is None:
        sentences = _shingled_once_of(entry)[1]
        lens = np.array([len(x) for x in sentences], dtype=np.int64)
        starts = np.zeros(len(sentences), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        joined = np.concatenate(sentences) if sentences else np.empty(0, dtype=np.uint32)
        entry[3] = (joined, starts, lens)
    joined, starts, lens = entry[3]
    if not len(lens) or not len(b_sorted):
        return np.zeros(len(lens), dtype=np.float64)
    at = np.searchsorted(b_sorted, joined)
    at[at == len(b_sorted)] = 0
    found = np.add.reduceat((b_sorted[at] == joined).astype(np.int64), starts)
    return found / lens  # every long sentence has shingles: no empty slice in reduceat


def _long_sentences(sh: _Shingled) -> list[np.ndarray]:
    """Shingle sets of the sentences with at least MIN_SENTENCE_SHINGLES shingles, in order."""
    rows = sh.n + np.flatnonzero(sh.ranges.size()[sh.n :] >= MIN_SENTENCE_SHINGLES)  # positions >= set size
    sets = (sh.ranges.set(r) for r in rows.tolist())
    return [s for s in sets if len(s) >= MIN_SENTENCE_SHINGLES]
