"""Shingles: script-, width-, case- and punctuation-insensitive token trigrams of canonical text."""

from __future__ import annotations

import random
import unicodedata

import numpy as np
import opencc
import pytest

from storyline.dedup.shingles import (
    containment,
    jaccard,
    shingle_ranges,
    shingles,
    split_sentences,
    token_batch,
    token_ids,
    tokens,
)

_T2S = opencc.OpenCC("t2s")


def canonical(text: str) -> str:
    return unicodedata.normalize("NFKC", _T2S.convert(text)).lower()


def test_tokens_are_cjk_characters_and_whole_latin_words():
    assert tokens("OpenAI 与软银合作 Stargate 计划") == [
        "openai",
        "与",
        "软",
        "银",
        "合",
        "作",
        "stargate",
        "计",
        "划",
    ]


def test_thousands_separators_do_not_split_a_number():
    assert tokens("涉资高达5,000亿美元") == tokens("涉资高达5000亿美元")
    assert tokens("3,5") == ["3", "5"]  # not a thousands group: kept apart


def test_traditional_copy_has_the_same_shingles_once_canonical():
    simplified = "马斯克与特朗普有着密切的私人关系,一直是特朗普的主要财务支持者。"
    traditional = "馬斯克與特朗普有著密切的私人關係,一直是特朗普的主要財務支持者。"
    assert jaccard(shingles(canonical(simplified)), shingles(canonical(traditional))) >= 0.9


def test_quote_marks_spacing_and_fullwidth_do_not_matter():
    a = shingles(canonical("名为“星际之门”(Stargate)的计划"))
    b = shingles(canonical("名為「星際之門」(STARGATE) 的計劃"))
    assert np.array_equal(a, b)


def test_shingles_are_sorted_unique_uint32_and_order_sensitive():
    s = shingles("马斯克马斯克马斯克")
    assert s.dtype == np.uint32 and np.all(np.diff(s.astype(np.int64)) > 0)
    assert len(s) == 3  # 马斯克, 斯克马, 克马斯
    assert not np.array_equal(shingles("马斯克"), shingles("克斯马"))


def test_short_and_empty_texts():
    assert len(shingles("马斯")) == 1
    assert len(shingles("。。。 ,")) == 0
    assert jaccard(shingles(""), shingles("")) == 0.0
    assert containment(shingles(""), shingles("马斯克")) == 0.0


@pytest.mark.parametrize(
    ("a", "b", "expected_jaccard", "expected_containment"),
    [
        ("甲乙丙丁戊", "甲乙丙丁戊", 1.0, 1.0),
        ("甲乙丙丁戊", "甲乙丙丁戊己庚辛", 3 / 6, 1.0),  # 3 of 3 trigrams inside, 3 extra
        ("甲乙丙丁戊", "子丑寅卯辰", 0.0, 0.0),
    ],
)
def test_jaccard_and_containment_are_exact(a, b, expected_jaccard, expected_containment):
    assert jaccard(shingles(a), shingles(b)) == pytest.approx(expected_jaccard)
    assert containment(shingles(a), shingles(b)) == pytest.approx(expected_containment)


def test_split_sentences_keeps_every_character_and_closing_quotes():
    text = "他写道:“他们实际上没有钱。”他后来又补充。Musk said 3.5 billion. OK!"
    parts = split_sentences(text)
    assert "".join(parts) == text
    assert parts == ["他写道:“他们实际上没有钱。”", "他后来又补充。", "Musk said 3.5 billion. ", "OK!"]


def test_split_sentences_on_seed_paragraphs_reconstructs_them(seed_paths):
    for path in seed_paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            c = canonical(line)
            assert "".join(split_sentences(c)) == c


def test_fast_codepoint_path_gives_the_same_ids_as_the_tokenizer(seed_paths):
    checked = 0
    for path in seed_paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            for sentence in split_sentences(canonical(line)):
                toks = tokens(sentence)
                if all(len(t) == 1 and t > "\u3000" for t in toks):  # pure CJK: the fast path
                    assert token_ids(sentence).tolist() == [ord(t) for t in toks]
                    checked += 1
    assert checked > 50
    assert token_ids("有著").tolist() == token_ids("有着").tolist()


def _assert_batch_matches_one_by_one(texts: list[str]) -> int:
    """token_batch/shingle_ranges against split_sentences/token_ids/shingles; returns sentences seen."""
    batch = token_batch(texts)
    assert len(batch) == len(texts)
    paragraphs = shingle_ranges(batch.ids, batch.text_starts[:-1], batch.text_starts[1:])
    sentences = shingle_ranges(batch.ids, batch.sentence_starts, batch.sentence_stops)
    row = 0
    for i, text in enumerate(texts):
        assert batch.ids[batch.text_starts[i] : batch.text_starts[i + 1]].tolist() == token_ids(text).tolist()
        assert np.array_equal(paragraphs.set(i), shingles(text))
        expected = split_sentences(text)
        assert batch.text_sentences[i + 1] - batch.text_sentences[i] == len(expected), text
        for sentence in expected:
            got = batch.ids[batch.sentence_starts[row] : batch.sentence_stops[row]]
            assert got.tolist() == token_ids(sentence).tolist(), (text, sentence)
            assert np.array_equal(sentences.set(row), shingles(sentence))
            row += 1
    return row


def test_batch_tokens_sentences_and_shingles_equal_the_one_text_functions_on_the_seeds(seed_paths):
    lines = [canonical(line) for path in seed_paths for line in path.read_text(encoding="utf-8").splitlines()]
    assert _assert_batch_matches_one_by_one(lines) > 300


@pytest.mark.parametrize("seed", range(4))
def test_batch_equals_one_by_one_on_random_strings_of_awkward_characters(seed):
    # sentence ends next to quotes, spaces and the text's edge; "." in numbers and before
    # spaces; thousands separators; words, one-character words above U+3000; 著; characters
    # whose lower case is longer (İ) and beyond the BMP (both take the one-text path)
    alphabet = [*list("马斯克说著着ab1,2,000 .。!?;”’」』\"')\n\t—…5,0003.5_x〇A"), "İ", "😀", "𠀀", ""]
    rnd = random.Random(seed)
    for _ in range(300):
        texts = ["".join(rnd.choices(alphabet, k=rnd.randint(0, 30))) for _ in range(rnd.randint(1, 6))]
        _assert_batch_matches_one_by_one(texts)


def test_token_batch_numbers_sentences_like_split_sentences():
    batch = token_batch(["他说:“没有钱。”他后来补充。Yes. ok", "", "。。。 ,"])
    assert batch.text_sentences.tolist() == [0, 4, 4, 6]  # the empty text has none
    assert (batch.sentence_stops - batch.sentence_starts).tolist() == [5, 5, 1, 1, 0, 0]
