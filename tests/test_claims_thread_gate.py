"""A thread's floors are gated in one search before the figures of each are read.

``_thread_claims`` used to call ``parse_quantities`` and the refutation test on every floor; it
now reads only the floors ``_gated_floors`` names (a digit or a refutation needle in the folded
text, found by one search over the thread joined by newlines). The old path is the same loop
over every floor: ``_gated_floors`` patched to name them all. Both must give the same claims on
every CED thread and on generated threads (digits and needles at the joins, full-width and
traditional forms, texts holding newlines, empty floors).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from storyline.analyze import analyze
from storyline.analyze import claims as C
from storyline.normalize import normalize_article
from storyline.pipeline import _comments_text
from storyline.records import Article, Comment, RawInput
from storyline.sources import parse_input
from storyline.validate import clean_article


def _every_floor(canons: list[str]) -> list[int]:
    return list(range(len(canons)))


def _claims_both_ways(article: Article, monkeypatch: pytest.MonkeyPatch) -> tuple:
    analysis = normalize_article(article)
    analysis = analyze(analysis, _comments_text(article.comments))
    new = C.extract_claims(article, analysis)
    with monkeypatch.context() as m:
        m.setattr(C, "_gated_floors", _every_floor)
        old = C.extract_claims(article, analysis)
    assert new == old
    return new


def test_ced_threads_as_before(weibo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    posts = sorted((weibo_dir / "original").glob("*.json"))
    articles = [clean_article(a)[0] for p in posts for a in parse_input(RawInput(str(p), p.read_bytes()))]
    assert sum(len(a.comments) for a in articles) == 85481
    readers = sum(
        1 for a in articles for c in _claims_both_ways(a, monkeypatch) if c.speaker_kind == "reader"
    )
    assert readers > 100
    gated = sum(len(C._gated_floors(C.fold_comments([c.text for c in a.comments]))) for a in articles)
    assert 1000 < gated < 20000  # most floors are passed over


_PIECES = [
    "",
    " ",
    "\n",
    "好",
    "支持",
    "3",
    "３",
    "兩",
    "两",
    "二十",
    "萬",
    "万",
    "億元",
    "%",
    "百分之",
    "反驳",
    "反駁",
    "否認",
    "的说法",
    "的說法",
    "不实",
    "的声明不属实",
    "的言論",
    "马斯克",
    "称",
    "美元",
    "人",
    "年",
    "楼",
    "@甲:",
    "//@乙:",
    "٣",
    "x",
]


def _generated_article(rng: random.Random, n: int) -> Article:
    comments = tuple(
        Comment(
            floor=i + 1,
            author=rng.choice(["甲", "乙", ""]),
            text="".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 8))),
        )
        for i in range(rng.randint(0, 30))
    )
    return Article(
        url=f"https://example.com/{n}",
        outlet="微博",
        title="马斯克称投资5000亿美元",
        paragraphs=("马斯克称投资5000亿美元。",),
        comments=comments,
    )


def test_generated_threads_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(20)
    readers = 0
    for n in range(400):
        readers += sum(
            1
            for c in _claims_both_ways(_generated_article(rng, n), monkeypatch)
            if c.speaker_kind == "reader"
        )
    assert readers > 200


def test_gate_names_exactly_the_floors_with_a_match() -> None:
    rng = random.Random(21)
    for _ in range(3000):
        canons = ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 6))) for _ in range(20)]
        expected = [i for i, t in enumerate(canons) if C._FLOOR_GATE_RE.search(t)]
        assert C._gated_floors(canons) == expected
