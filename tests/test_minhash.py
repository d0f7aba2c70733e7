"""MinHash signatures (deterministic, batchable, accurate) and the LSM-style LSH index."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from storyline.dedup.minhash import (
    BANDS,
    EMPTY_SLOT,
    NUM_PERM,
    LSHIndex,
    band_keys,
    estimate_jaccard,
    signature,
    signatures,
    signatures_of_ranges,
    signatures_of_shingles,
)
from storyline.dedup.shingles import jaccard, shingles

TEXT = "星际之门计划由OpenAI、甲骨文和软银合作,目的是在未来4年内投入高达5000亿美元。"


def _random_sets(rng: np.random.Generator, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    pairs = []
    for _ in range(n):
        base = rng.integers(0, 2**32, 150, dtype=np.uint64).astype(np.uint32)
        keep = int(rng.integers(0, 150))
        other = np.concatenate(
            [base[:keep], rng.integers(0, 2**32, 150 - keep, dtype=np.uint64).astype(np.uint32)]
        )
        pairs.append((np.unique(base), np.unique(other)))
    return pairs


def test_signature_shape_and_type():
    sig = signature(TEXT)
    assert sig.shape == (NUM_PERM,) and sig.dtype == np.uint32


def test_signature_is_the_same_in_another_process():
    # a saved index is extended by a later run: the hash family must not depend on the process
    code = f"from storyline.dedup.minhash import signature; print(signature({TEXT!r})[:5].tolist())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(signature(TEXT)[:5].tolist())


def test_batch_equals_one_by_one_and_empty_text_gets_empty_slots():
    texts = [TEXT, "", "马斯克", TEXT[:20]]
    batch = signatures(texts)
    for row, text in zip(batch, texts, strict=True):
        assert np.array_equal(row, signature(text))
    assert np.all(batch[1] == EMPTY_SLOT)


def test_estimate_tracks_true_jaccard():
    pairs = _random_sets(np.random.default_rng(7), 200)
    sigs = signatures_of_shingles([s for pair in pairs for s in pair])
    errors = [
        estimate_jaccard(sigs[2 * i], sigs[2 * i + 1]) - jaccard(a, b) for i, (a, b) in enumerate(pairs)
    ]
    assert abs(np.mean(errors)) < 0.01
    assert np.std(errors) < 0.06  # binomial sd at 120 permutations is <= 0.046


def test_band_keys_depend_on_the_band_number_and_a_prefix_of_bands_is_the_same():
    keys = band_keys(signatures([TEXT, TEXT]))
    assert keys.shape == (2, BANDS) and keys.dtype == np.uint32 and np.array_equal(keys[0], keys[1])
    same_slots = np.tile(signature(TEXT)[:3], BANDS)[None, :]  # every band holds the same 3 values
    assert len(set(band_keys(same_slots)[0].tolist())) == BANDS
    assert np.array_equal(band_keys(signatures([TEXT]), 6)[0], keys[0, :6])


def test_signatures_of_ranges_equal_the_minimum_over_each_permutation():
    rng = np.random.default_rng(11)
    values = rng.integers(0, 2**32, 30_000, dtype=np.uint64).astype(np.uint32)
    lo = rng.integers(0, 29_000, 400)
    hi = np.minimum(lo + rng.integers(0, 5_000, 400), 30_000)  # overlapping, some longer than a chunk
    hi[:5] = lo[:5]  # empty ranges
    sigs = signatures_of_ranges(values, lo, hi)
    for i in range(400):
        expected = signatures_of_shingles([np.unique(values[lo[i] : hi[i]])])[0]
        assert np.array_equal(sigs[i], expected)
    assert np.all(sigs[:5] == EMPTY_SLOT)
    one = values[lo[9] : hi[9]]
    naive = (one[:, None] * _A()[None, :] + _B()[None, :]).min(axis=0)  # uint32 arithmetic wraps
    assert np.array_equal(sigs[9], naive)


def _A() -> np.ndarray:
    from storyline.dedup import minhash

    return minhash._A


def _B() -> np.ndarray:
    from storyline.dedup import minhash

    return minhash._B


def test_signature_of_text_is_the_signature_of_its_shingle_set():
    texts = [TEXT, "Musk said 3.5 billion, 5,000 jobs. 没有钱!", "马"]
    assert np.array_equal(signatures(texts), signatures_of_shingles([shingles(t) for t in texts]))


def test_lsh_finds_near_copy_and_not_unrelated_text():
    stored = [TEXT, "马斯克在社交媒体X上回复说他们实际上没有钱,软银的资金远低于一百亿美元。"]
    idx = LSHIndex()
    idx.insert(np.array([10, 11], dtype=np.uint32), band_keys(signatures(stored)))
    near = TEXT.replace("4年内", "四年内")
    found = idx.query(band_keys(signatures([near, "今天天气很好,我们去公园散步吧,顺便买点水果回家。"])))
    assert found[0].tolist() == [10]
    assert found[1].tolist() == []


def test_lsh_levels_merge_and_every_item_still_finds_itself():
    rng = np.random.default_rng(3)
    sets = [np.unique(rng.integers(0, 2**32, 60, dtype=np.uint64).astype(np.uint32)) for _ in range(300)]
    keys = band_keys(signatures_of_shingles(sets))
    idx = LSHIndex()
    for start in range(0, 300, 7):  # many small batches, as articles arrive
        stop = min(start + 7, 300)
        idx.insert(np.arange(start, stop, dtype=np.uint32), keys[start:stop])
    assert len(idx) == 300
    assert len(idx._levels) <= 10  # merged geometrically, not one level per batch
    found = idx.query(keys)
    assert all(i in f.tolist() for i, f in enumerate(found))
    restored = LSHIndex.from_array(idx.to_array(), n_items=len(idx))
    assert [f.tolist() for f in restored.query(keys)] == [f.tolist() for f in found]
    assert idx.nbytes == 300 * BANDS * 8


def test_query_pairs_lists_every_stored_id_of_every_shared_key():
    idx = LSHIndex()
    keys = np.array([[5, 6], [5, 7], [8, 6]], dtype=np.uint32)
    idx.insert(np.array([100, 101, 102], dtype=np.uint32), keys)
    rows, ids = idx.query_pairs(np.array([[5, 9], [1, 6], [2, 3]], dtype=np.uint32))
    assert sorted(zip(rows.tolist(), ids.tolist(), strict=True)) == [(0, 100), (0, 101), (1, 100), (1, 102)]
    assert [q.tolist() for q in idx.query(np.array([[5, 6]], dtype=np.uint32))] == [[100, 101, 102]]
