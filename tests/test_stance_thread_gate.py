"""A thread's floors are gated in one pass (stories/stance.py ``_cued``), and only the floors
whose sentences may hold a cue are scored.

``stances_of`` used to call ``_score_sentences`` on every floor; it now reads the thread's
sentences as one joined text with the gate and the claimant pattern, and scores only the floors
those find. The old path is ``_cued`` naming every sentence: both must give the same stances on
the CED threads and on generated threads (mentions, reposts, traditional characters, cues cut
by a sentence end, a claimant backed by name, floors without words). ``sides_only`` is the
full answer without its "other" floors.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from storyline.normalize.text import canonical
from storyline.records import Comment, RawInput
from storyline.sources import parse_input
from storyline.stories import stance

HEADLINES = [
    "马斯克称星际之门没钱",
    "网传武大牌坊被拆是假的",
    "川普宣布星际之门计划",
    "Musk says Stargate lacks money",
]


def _every_sentence(folded: list[str], backs_claimant) -> set[int]:
    return set(range(len(folded)))


def _both(hc, comments, monkeypatch: pytest.MonkeyPatch, votes=None, fold=canonical):
    votes = votes or {}
    gated = stance.stances_of(hc, comments, votes, fold)
    sides = stance.stances_of(hc, comments, votes, fold, sides_only=True)
    with monkeypatch.context() as m:
        m.setattr(stance, "_cued", _every_sentence)  # every floor scored in full: the old path
        full = stance.stances_of(hc, comments, votes, fold)
    assert sides == tuple(s for s in full if s.stance != stance.OTHER)
    return gated, full


def test_ced_threads_stand_as_when_every_floor_is_scored(
    weibo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = sorted((weibo_dir / "original").glob("*.json"))
    articles = [a for p in paths for a in parse_input(RawInput(str(p), p.read_bytes())) if a.comments]
    floors = sided = 0
    for i, a in enumerate(articles):
        # Its own headline, and one with a claimant (so that backing him by name is gated too).
        title = a.title if i % 2 else HEADLINES[i % len(HEADLINES)]
        gated, full = _both(stance.headline_claim(title, canonical), a.comments, monkeypatch)
        assert gated == full, a.id
        floors += len(gated)
        sided += sum(1 for s in gated if s.stance != stance.OTHER)
    assert floors == 85481 and sided > 3000


def test_generated_threads_stand_as_when_every_floor_is_scored(monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = [
        "支持马斯克", "相信马斯克", "挺马斯克", "认同", "马斯克", "顶", "同意", "不同意", "假的", "是假的",
        "谣言", "辟谣", "真的吗", "没钱", "有钱", "骗子", "哈哈", "[怒]", "[蠟燭]", "呵呵", "说得对",
        "轉發微博", "转发微博", "@某人 ", "@马斯克:", "//@甲:", "回复@乙:", "。", "！", "？", "；", "\n",
        " ", "ＯＫ", "不", "没", "别", "是", "太", "很", "如果", "的话", "求证实", "真的不", "rip", "的",
        "了", "钱", "a",
    ]  # fmt: skip
    rng = random.Random(19)
    for t in range(150):
        hc = stance.headline_claim(HEADLINES[t % len(HEADLINES)], canonical)
        comments = []
        for floor in range(1, rng.randint(1, 60)):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
            parent = rng.randint(1, floor) if rng.random() < 0.3 else None
            comments.append(
                Comment(floor=floor, author=f"u{rng.randint(1, 9)}", text=text, parent_floor=parent)
            )
        rng.shuffle(comments)  # the answer keeps the order given
        votes = {c.floor: (rng.choice((-1, 1)), "10") for c in comments if rng.random() < 0.05}
        for fold in (canonical, None):
            gated, full = _both(hc, comments, monkeypatch, votes, fold)
            assert gated == full
