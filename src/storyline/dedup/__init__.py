"""dedup stage: paragraph provenance — one fact shown once, every outlet that printed it named.

Canonical paragraphs -> shingles (:mod:`.shingles`) -> MinHash + LSH candidates
(:mod:`.minhash`) -> exact verification and incremental groups (:mod:`.groups`); :mod:`.diff`
shows what one version adds or drops.

    >>> from storyline.dedup import ParagraphIndex, diff_words, shared_paragraph_score
"""

from __future__ import annotations

from storyline.dedup.diff import diff_words
from storyline.dedup.groups import ParagraphIndex, group_paragraphs, shared_paragraph_score
from storyline.dedup.minhash import LSHIndex, band_keys, signature, signatures
from storyline.dedup.shingles import containment, jaccard, shingles, split_sentences

__all__ = [
    "LSHIndex",
    "ParagraphIndex",
    "band_keys",
    "containment",
    "diff_words",
    "group_paragraphs",
    "jaccard",
    "shared_paragraph_score",
    "shingles",
    "signature",
    "signatures",
    "split_sentences",
]
