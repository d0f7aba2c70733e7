"""The stance gate (stories/stance.py ``_GATE``) skips only sentences that hold no cue.

It is a prefilter in front of ``_ANY``: wherever ``_ANY`` matches, it must too, or a floor's
stance would change. Held on every sentence of the CED Weibo replies, on sentences generated
from the lexicons' own characters, and end to end: ``floor_stances`` with the gate equals
``floor_stances`` with it switched off (the old path) on the CED threads.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from storyline.normalize.text import canonical, canonical_all
from storyline.records import RawInput
from storyline.sources import parse_input
from storyline.stories import stance


def _ced_articles(weibo_dir: Path) -> list:
    paths = sorted((weibo_dir / "original").glob("*.json"))
    return [a for p in paths for a in parse_input(RawInput(str(p), p.read_bytes())) if a.comments]


def _as_scored(sentences: list[str]) -> list[str]:
    # The form _score_sentences tests the gate on: folded, mentions dropped, lower case.
    return [stance._NOISE.sub("", f).lower() for f in canonical_all(sentences)]


def test_gate_alternatives_start_with_a_literal() -> None:
    # What makes the gate fast: a class of first characters the engine checks in C.
    alts = stance._gate_alternatives()
    assert len(alts) == 222
    assert [a for a in alts if a[0] in "(.[^\\" and not a.startswith(("\\[", "\\+"))] == []
    assert "以后不(要)?用" in alts and "rip" in alts and "对" in alts and "没有钱" in alts


def test_gate_holds_every_ced_sentence_with_a_cue(weibo_dir: Path) -> None:
    sentences = [s for a in _ced_articles(weibo_dir) for c in a.comments for s in stance._sentences(c.text)]
    scored = _as_scored(sentences)
    with_cue = [s for s in scored if stance._ANY.search(s)]
    assert len(scored) == 63434 and len(with_cue) == 6697
    assert [s for s in with_cue if not stance._GATE.search(s)] == []
    # ... and it skips most of the rest.
    assert sum(1 for s in scored if stance._GATE.search(s)) == 7473


def test_gate_holds_generated_sentences() -> None:
    # Sentences made of the lexicons' own characters (and a few others), so that many hold a cue,
    # or part of one, or one cut by a negation, a class or a boundary.
    alphabet = sorted(set(re.sub(r"[\\()\[\]|?*+{}.^!<=:]", "", stance._ANY.pattern)) | set("。!?的了 ab1"))
    rng = random.Random(19)
    cues = [re.sub(r"\\.|[()\[\]|?*+{}.^!<=]", "", a) for a in stance._gate_alternatives()]
    checked = hits = 0
    for _ in range(20000):
        parts = [
            rng.choice(cues) if rng.random() < 0.3 else rng.choice(alphabet) for _ in range(rng.randint(1, 8))
        ]
        s = "".join(parts)
        checked += 1
        if stance._ANY.search(s):
            hits += 1
            assert stance._GATE.search(s), s
    assert checked == 20000 and hits > 5000


def test_floor_stances_equal_without_the_gate(weibo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    articles = _ced_articles(weibo_dir)[::3]

    def run() -> list:
        return [stance.floor_stances(a.title, a.comments, article_id=a.id, fold=canonical) for a in articles]

    gated = run()
    monkeypatch.setattr(stance, "_GATE", re.compile(""))  # matches every sentence: the old path
    assert run() == gated
    assert sum(len(t) for t in gated) > 25000
    assert sum(1 for t in gated for s in t if s.stance != stance.OTHER) > 1000
