"""MinHash signatures of shingle sets and a banded LSH index over them — nothing else.

Why a hand-written numpy MinHash and not ``datasketch.MinHash``: the per-permutation hashing is
one ``(n_shingles, NUM_PERM)`` array expression here, over a whole batch of paragraphs at once
(:func:`signatures_of_ranges`), in cache-sized chunks; datasketch hashes one set per call
(``MinHash.bulk``: ~10,700 paragraphs/s in the issue's trial; shingles + MinHash + band keys +
LSH insert here: ~31,000 paragraphs/s on one core, ``benchmarks/dedup_paragraphs.py``).
Why our own LSH and not ``datasketch.MinHashLSH``: that keeps one Python dict entry per band per
item (~100 bytes each, ~4 kB per paragraph at 40 bands); :class:`LSHIndex` keeps each
(band key, id) pair as one uint64 in sorted numpy arrays — 8 bytes — in a few levels that merge
like an LSM tree, so inserts stay cheap and the index can be saved and extended.

The permutations are ``a * x + b mod 2**32`` with random odd ``a``, on shingle hashes that are
already well mixed (splitmix64's finaliser, :mod:`.shingles`): 32-bit products halve the memory
traffic of the 64-bit multiply-shift family, and the estimate keeps the binomial error of true
MinHash (checked in the tests against exact Jaccard).

Parameters: ``NUM_PERM = 120`` permutations in ``BANDS = 40`` bands of ``ROWS = 3``. The chance
that two sets of Jaccard ``s`` share one of ``b`` bands is ``1 - (1 - s**3) ** b``; at 40 bands
0.98 at s = 0.45, 0.9999 at s = 0.7, 0.00004 at s = 0.01 — candidates are cheap to
over-produce because every one is verified exactly on its shingle sets before any merge (see
:mod:`storyline.dedup.groups`).

Example::

    >>> a = signature("马斯克与特朗普有着密切的私人关系")
    >>> b = signature("马斯克与特朗普有着密切的私人关系,他也一直是支持者")
    >>> a.shape, 0.3 < estimate_jaccard(a, b) < 0.9
    ((120,), True)
    >>> idx = LSHIndex()
    >>> idx.insert(np.array([7], dtype=np.uint32), band_keys(a[None, :]))
    >>> [c.tolist() for c in idx.query(band_keys(b[None, :]))]
    [[7]]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from storyline.dedup.shingles import shingle_ranges, token_batch

__all__ = [
    "BANDS",
    "EMPTY_SLOT",
    "NUM_PERM",
    "ROWS",
    "LSHIndex",
    "band_keys",
    "estimate_jaccard",
    "signature",
    "signatures",
    "signatures_of_ranges",
    "signatures_of_shingles",
]

BANDS = 40
ROWS = 3
NUM_PERM = BANDS * ROWS
EMPTY_SLOT = np.uint32(0xFFFFFFFF)  # the signature value of an empty set (never indexed)
# Shingles per array expression: 4k x 120 x 4 B = 2 MB of temporaries stays in cache; at
# 16k (16 MB, the first version) the same work took twice as long.
_CHUNK = 4096

# Fixed seed: signatures must be the same in every process so a saved index can be extended.
_rng = np.random.default_rng(20250126)
_A = _rng.integers(0, 2**32, size=NUM_PERM, dtype=np.uint64).astype(np.uint32) | np.uint32(1)  # odd
_B = _rng.integers(0, 2**32, size=NUM_PERM, dtype=np.uint64).astype(np.uint32)
_BAND_MIX = _rng.integers(1, 2**63, size=ROWS + 1, dtype=np.uint64) | np.uint64(1)
del _rng
_EMPTY_KEYS = np.empty(0, dtype=np.uint64)
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)


def signatures_of_ranges(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``(len(lo), NUM_PERM)`` uint32 MinHash signatures of ``values[lo[i]:hi[i]]`` (uint32 hashes).

    Repeats inside a range do not matter (a minimum is a minimum), so ranges need not be
    deduplicated; ranges may overlap (a paragraph and its sentences). Empty ranges get
    ``EMPTY_SLOT`` everywhere.
    """
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    out = np.full((len(lo), NUM_PERM), EMPTY_SLOT, dtype=np.uint32)
    rows = np.flatnonzero(hi > lo)
    if not len(rows):
        return out
    rows = rows[np.argsort(lo[rows], kind="stable")]
    r_lo, r_hi = lo[rows], hi[rows]
    # Cut the rows into chunks of about _CHUNK values where no range crosses the cut: a cut
    # before row j is allowed when every earlier range has ended by lo[j].
    reach = np.maximum.accumulate(r_hi)
    can_cut = np.flatnonzero(np.concatenate([[True], reach[:-1] <= r_lo[1:]]))
    bucket = r_lo[can_cut] // _CHUNK
    cuts = [*can_cut[np.concatenate([[True], bucket[1:] != bucket[:-1]])].tolist(), len(rows)]
    values = np.asarray(values, dtype=np.uint32)
    buf = np.empty((_CHUNK * 2 + 1, NUM_PERM), dtype=np.uint32)
    for c0, c1 in itertools.pairwise(cuts):
        v0, v1 = int(r_lo[c0]), int(reach[c1 - 1])
        span = v1 - v0
        if span + 1 > len(buf):
            buf = np.empty((span + 1, NUM_PERM), dtype=np.uint32)
        h = buf[: span + 1]
        np.multiply(values[v0:v1, None], _A[None, :], out=h[:span])
        h[:span] += _B[None, :]
        # reduceat over interleaved (lo, hi) pairs: even rows are the ranges' minima, odd rows
        # the gaps between them (discarded); the spare last row keeps hi == span a valid index.
        idx = np.empty(2 * (c1 - c0), dtype=np.int64)
        idx[0::2] = r_lo[c0:c1] - v0
        idx[1::2] = r_hi[c0:c1] - v0
        out[rows[c0:c1]] = np.minimum.reduceat(h, idx, axis=0)[0::2]
    return out


def signatures_of_shingles(shingle_sets: Sequence[np.ndarray]) -> np.ndarray:
    """``(len(shingle_sets), NUM_PERM)`` uint32 MinHash signatures; empty sets get all ``EMPTY_SLOT``."""
    sizes = np.array([len(s) for s in shingle_sets], dtype=np.int64)
    hi = np.cumsum(sizes)
    flat = np.concatenate(shingle_sets) if len(shingle_sets) else np.empty(0, dtype=np.uint32)
    return signatures_of_ranges(flat, hi - sizes, hi)


def signatures(canonical_texts: Sequence[str]) -> np.ndarray:
    """Batch form of :func:`signature`: one row per text, the whole batch in array operations."""
    batch = token_batch(canonical_texts)
    ranges = shingle_ranges(batch.ids, batch.text_starts[:-1], batch.text_starts[1:])
    return signatures_of_ranges(ranges.values, ranges.lo, ranges.hi)


def signature(canonical_text: str) -> np.ndarray:
    """The ``(NUM_PERM,)`` uint32 MinHash signature of a canonical text's shingle set."""
    return signatures([canonical_text])[0]


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of equal slots of two signatures: an unbiased estimate of the Jaccard similarity."""
    return float(np.mean(a == b))


def band_keys(sigs: np.ndarray, bands: int = BANDS) -> np.ndarray:
    """``(n, bands)`` uint32 keys of the first ``bands`` bands: each band's ROWS slots hashed with
    the band number, so equal slots in different bands give different keys."""
    sigs = np.asarray(sigs, dtype=np.uint64)[:, : bands * ROWS].reshape(len(sigs), bands, ROWS)
    with np.errstate(over="ignore"):
        h = (sigs * _BAND_MIX[:ROWS]).sum(axis=2, dtype=np.uint64)
        h += np.arange(bands, dtype=np.uint64)[None, :] * _BAND_MIX[ROWS]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return (h >> _SHIFT).astype(np.uint32)


def _merged(older: np.ndarray, newer: np.ndarray) -> np.ndarray:
    """Two sorted levels as one, ``older`` grown in place where it can be.

    Growing with ``resize`` (``realloc``; for a large block the kernel remaps its pages) instead
    of concatenating into a new array keeps the heap from filling with the holes of freed
    levels: measured, RSS stayed ~25% above the bytes held with concatenation.
    """
    n = len(older)
    try:
        older.resize(n + len(newer), refcheck=False)  # levels are private: no views exist
    except ValueError:  # does not own its buffer (restored from bytes without a copy)
        older = np.concatenate([older, np.empty_like(newer)])
    older[n:] = newer
    older.sort(kind="stable")  # timsort: two sorted runs merge in linear time
    return older


class LSHIndex:
    """Banded LSH over MinHash band keys: which stored ids share at least one band key with a query.

    Each (band key, id) pair is one uint64 ``key << 32 | id``, kept in a few sorted levels; a new
    batch is one small level and levels of similar size merge, so n inserts cost O(n log n) in
    total and a query does two ``searchsorted`` per level. 8 bytes per band per stored item.
    All bands share one 32-bit key space: a stored pair answers a foreign key with chance
    2**-32, which costs one exact verification, never a merge.

    >>> idx = LSHIndex()
    >>> k = band_keys(signatures(["星际之门计划投资五千亿美元建设数据中心"]))
    >>> idx.insert(np.array([3], dtype=np.uint32), k)
    >>> idx.query(k)[0].tolist(), len(idx)
    ([3], 1)
    """

    __slots__ = ("_levels", "_n")

    def __init__(self) -> None:
        self._levels: list[np.ndarray] = []
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def nbytes(self) -> int:
        return sum(level.nbytes for level in self._levels)

    def insert(self, ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Add items ``ids`` (uint32) with their ``(len(ids), bands)`` uint32 band keys.

        Returns the level added (the sorted ``key << 32 | id`` pairs; :meth:`insert_packed`
        adds it to another index), empty when ``ids`` is.
        """
        if len(ids) == 0:
            return _EMPTY_KEYS
        keys = np.asarray(keys, dtype=np.uint32)
        packed = (keys.astype(np.uint64) << _SHIFT) | np.asarray(ids, dtype=np.uint64)[:, None]
        level = packed.ravel()
        level.sort()
        self._add_level(level, len(ids))
        return level

    def insert_packed(self, level: np.ndarray, n_items: int) -> None:
        """Add ``n_items`` items given as sorted ``key << 32 | id`` pairs (:meth:`insert`'s level)."""
        if len(level):
            self._add_level(np.array(level, dtype=np.uint64), n_items)
        else:
            self._n += n_items

    def _add_level(self, level: np.ndarray, n_items: int) -> None:
        self._levels.append(level)
        self._n += n_items
        while len(self._levels) >= 2 and len(self._levels[-2]) <= 2 * len(self._levels[-1]):
            newer, older = self._levels.pop(), self._levels.pop()
            self._levels.append(_merged(older, newer))

    def query_pairs(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All (query row, stored id) pairs sharing a band key, as two arrays (repeats possible)."""
        keys = np.asarray(keys, dtype=np.uint32)
        if keys.size == 0 or not self._levels:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint32)
        flat = keys.astype(np.uint64).ravel() << _SHIFT
        order = np.argsort(flat)  # sorted queries: each binary search starts near the last one
        flat = flat[order]
        row_of = order // keys.shape[1]
        rows, ids = [], []
        for level in self._levels:
            lo = np.searchsorted(level, flat, side="left")
            # most keys are absent: look at the entry found before searching for the run's end
            hit = np.flatnonzero((level[np.minimum(lo, len(level) - 1)] >> _SHIFT) == (flat >> _SHIFT))
            if not len(hit):
                continue
            counts = np.searchsorted(level, flat[hit] | _LOW32, side="right") - lo[hit]
            # every position lo..hi-1 of every hit, without a Python loop
            first = np.repeat(lo[hit] - np.cumsum(counts) + counts, counts)
            pos = first + np.arange(len(first))
            rows.append(np.repeat(row_of[hit], counts))
            ids.append((level[pos] & _LOW32).astype(np.uint32))
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint32)
        return np.concatenate(rows), np.concatenate(ids)

    def query(self, keys: np.ndarray) -> list[np.ndarray]:
        """For each row of band keys, the unique stored ids sharing at least one band key."""
        rows, ids = self.query_pairs(keys)
        out = [np.empty(0, dtype=np.uint32) for _ in range(len(keys))]
        if len(rows):
            pairs = np.unique((rows.astype(np.uint64) << _SHIFT) | ids)
            r = (pairs >> _SHIFT).astype(np.int64)
            cut = np.flatnonzero(np.diff(r)) + 1
            for part in np.split(pairs, cut):
                out[int(part[0] >> _SHIFT)] = (part & _LOW32).astype(np.uint32)
        return out

    def to_array(self) -> np.ndarray:
        """All levels merged into one sorted uint64 array (``key << 32 | id``), for saving."""
        if not self._levels:
            return _EMPTY_KEYS
        merged = np.concatenate(self._levels)
        merged.sort()
        return merged

    @classmethod
    def from_array(cls, packed: np.ndarray, n_items: int) -> LSHIndex:
        """Rebuild from :meth:`to_array` output (already sorted)."""
        idx = cls()
        if len(packed):
            idx._levels.append(np.asarray(packed, dtype=np.uint64))
        idx._n = n_items
        return idx
