"""Word scans done with str.find where a pattern per call was compiled: the same matches as the
pattern they replace, on real article lines and on generated hostile ones."""

from __future__ import annotations

import random
import re
import sys

from semeval_texts import zh_en_texts
from storyline.stories.aggregate import _CASE_TWINS, _printed_in, _printed_pattern
from storyline.stories.concept import _bounded_in


def _reference_bounded(word: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", text) is not None


def _lines_and_words(semeval_csv, n: int = 120) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    words: set[str] = set()
    for text in zh_en_texts(semeval_csv, n):
        for line in text.splitlines():
            if line.strip():
                lines.append(line)
                words.update(w for w in re.findall(r"[A-Za-z][A-Za-z0-9.'-]*", line)[:6])
    return lines, sorted(words)


def _generated(rng: random.Random, n: int) -> list[tuple[str, str]]:
    alphabet = "aAbB1 .-'éİıſ\u212a中"
    return [
        (
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))),
            "".join(rng.choice("aAbB1.-' ") for _ in range(rng.randint(1, 3))),
        )
        for _ in range(n)
    ]


def test_the_case_twins_are_every_character_ignorecase_takes_for_an_ascii_letter():
    everything = "".join(chr(i) for i in range(128, sys.maxunicode + 1) if not 0xD800 <= i < 0xE000)
    assert set(re.findall("(?i)[a-z]", everything)) == set(_CASE_TWINS.pattern[1:-1])


def test_bounded_word_search_finds_what_the_pattern_finds(semeval_csv):
    lines, words = _lines_and_words(semeval_csv)
    rng = random.Random(19)
    pairs = [(rng.choice(words).lower(), line) for line in lines for _ in range(3)]
    pairs += [(w, t) for t, w in _generated(rng, 20_000)]
    assert [_bounded_in(w, t) for w, t in pairs] == [_reference_bounded(w, t) for w, t in pairs]
    assert sum(_bounded_in(w, t) for w, t in pairs) > 100


def test_printed_forms_scan_matches_what_the_pattern_matches(semeval_csv):
    lines, words = _lines_and_words(semeval_csv)
    rng = random.Random(8)
    cases = []
    for line in lines:
        ordered = sorted(
            set(rng.sample(words, 8)) | set(re.findall(r"[A-Za-z]+", line)[:3]), key=lambda w: (-len(w), w)
        )
        cases.append((line, ordered))
    for text, word in _generated(rng, 20_000):
        ordered = sorted({word, word[:1], word.upper(), "a", "ab"}, key=lambda w: (-len(w), w))
        cases.append((text, ordered))
    matched = 0
    for line, ordered in cases:
        ours = _printed_in(line, ordered)
        if ours is None:  # a case twin: the caller uses the pattern itself
            assert _CASE_TWINS.search(line)
            continue
        assert ours == [m.group(0) for m in _printed_pattern(ordered).finditer(line)], (line, ordered)
        matched += len(ours)
    assert matched > 1_000
