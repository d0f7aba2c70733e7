"""Compact paragraph texts: both forms come back exactly, and a near-equal display form costs little."""

from __future__ import annotations

import unicodedata

import opencc

from storyline.dedup.texts import ParagraphTexts

_T2S = opencc.OpenCC("t2s")


def canonical(text: str) -> str:
    return unicodedata.normalize("NFKC", _T2S.convert(text)).lower()


def test_seed_lines_round_trip_in_both_forms(seed_paths):
    texts = ParagraphTexts()
    pairs = []
    for path in seed_paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            pairs.append((canonical(line), line))
            texts.append(canonical(line), line)
    assert len(texts) == len(pairs)
    for i, (c, d) in enumerate(pairs):
        assert texts.canonical(i) == c and texts.display(i) == d
    restored = ParagraphTexts.from_parts(texts.to_parts())
    assert [restored.display(i) for i in range(len(pairs))] == [d for _, d in pairs]


def test_display_is_stored_as_its_difference_from_the_canonical_form():
    texts = ParagraphTexts()
    simplified = "马斯克说,他们实际上没有钱,软银的资金远低于一百亿美元。" * 3
    texts.append(simplified, simplified)
    same = texts.nbytes
    texts.append(simplified, simplified.replace(",", "\uff0c"))  # fullwidth commas, as printed
    patched = texts.nbytes - same
    texts.append(simplified, "完全不同的一段话" * 10)  # longer: kept whole
    assert (
        texts.display(1) == simplified.replace(",", "\uff0c") and texts.display(2) == "完全不同的一段话" * 10
    )
    assert same == 2 * len(simplified) + 17  # UTF-16 canonical, two offsets, one kind byte
    assert patched == 2 * len(simplified) + 17 + 4 * 6  # 6 changed characters, 4 bytes each


def test_surrogates_emoji_and_empty_texts_survive():
    texts = ParagraphTexts()
    pairs = [("", ""), ("ok 😀", "OK 😀"), ("a\ud800b", "a\ud800c"), ("x", ""), ("ab", "a😀")]
    pairs.append(("长" * 70_000, "長" * 70_000))  # too long for 2-byte positions
    for c, d in pairs:
        i = texts.append(c, d)
        assert (texts.canonical(i), texts.display(i)) == (c, d)
