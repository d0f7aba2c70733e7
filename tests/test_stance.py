"""Floor stance toward the headline claim: rules on small threads, and the hand-labelled sets.

The labels (tests/fixtures/stance_labels.json: labels only, keyed by floor / mid) were made by
reading the seed thread's 48 floors and 245 Weibo replies of six CED threads before the rules
were written (the lexicons were then extended from the Weibo errors), and two held-out sets of
80 replies (see test_held_out_…); benchmarks/stance_eval.py prints the same figures with
confusion tables.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from storyline.normalize.text import canonical
from storyline.records import Claim, Comment, Quote
from storyline.stories.stance import floor_stances, headline_claim

ROOT = Path(__file__).resolve().parent.parent
LABELS = json.loads((ROOT / "tests" / "fixtures" / "stance_labels.json").read_text(encoding="utf-8"))
SEED_TITLE = "马斯克向川普支持的AI计划泼冷水:他们实际上没钱"


def _stances(headline, comments, claims=()):
    return [s.stance for s in floor_stances(headline, comments, claims, fold=canonical)]


def test_headline_is_read_as_claim_claimant_and_polarity():
    hc = headline_claim(SEED_TITLE)
    assert (hc.claim, hc.claimant, hc.sceptical, hc.lack) == ("他们实际上没钱", "马斯克", True, True)
    plain = headline_claim("年仅13歲的男模！！")
    assert (plain.claimant, plain.sceptical, plain.lack) == ("", False, False)
    rumour = headline_claim("【@芙蓉姐姐 就这么走了】芙蓉姐姐于下午13点左右在家中自杀身亡")
    assert rumour.sceptical is False


def test_cues_of_doubt_assent_and_hype_depend_on_the_headline():
    comments = [
        Comment(1, "a", "又是画大饼"),  # hype: agrees with a sceptical headline
        Comment(2, "b", "马斯克说的对"),  # assent to the claimant
        Comment(3, "c", "马斯克酸了"),  # attack on the claimant
        Comment(4, "d", "没钱不会借吗？"),  # the lack answered: the money can be had
        Comment(5, "e", "有没有钱等等就知道了"),  # "有没有钱" is not "有钱"
        Comment(6, "f", "今天天气不错"),
    ]
    assert _stances(SEED_TITLE, comments) == ["agree", "agree", "disagree", "disagree", "other", "other"]
    # the same hype cue disagrees with a headline that reports a promise as fact
    assert _stances("特朗普宣布五千亿美元AI投资计划", [Comment(1, "a", "又是画大饼")]) == ["disagree"]


def test_questions_and_suppositions_take_no_side_but_denials_do():
    head = "据传移动9月1日开始对微信微博进行收费"
    comments = [
        Comment(1, "a", "真的吗？太坑了"),  # the question is not counted, the reaction after it is
        Comment(2, "b", "真的假的？"),
        Comment(3, "c", "如果是真的，全民拒绝玩微信！"),
        Comment(4, "d", "要是这样的话。。。直接卸载"),  # a supposition covers the next sentence
        Comment(5, "e", "谣言四起！"),
        Comment(6, "f", "我不會相信的"),  # traditional script, folded by canonical()
        Comment(7, "g", "坑爹"),
    ]
    assert _stances(head, comments) == ["agree", "other", "other", "other", "disagree", "disagree", "agree"]
    # the evidence is the sentence as printed (traditional script kept), not its folded form
    assert floor_stances(head, comments, fold=canonical)[5].evidence == "我不會相信的"


def test_a_reply_inherits_the_stance_it_seconds_or_the_opposite_of_what_it_rebuts():
    comments = [
        Comment(1, "a", "圈钱的把戏"),
        Comment(2, "b", "同意", parent_floor=1),
        Comment(3, "c", "你想多了", quotes=(Quote("a", "圈钱的把戏", floor=1),)),
        Comment(4, "d", "同意"),  # answers no floor: seconds the post, i.e. its headline
        Comment(5, "e", "同意", parent_floor=6),  # answers a floor not in the thread: no side
    ]
    got = floor_stances(SEED_TITLE, comments, fold=canonical)
    assert [s.stance for s in got] == ["agree", "agree", "disagree", "agree", "other"]
    assert got[1].evidence == "回复 1楼：同意"
    assert got[0].evidence == "圈钱的把戏" and got[3].evidence == "同意" and got[4].evidence == ""


def test_a_reader_figure_the_ledger_sets_against_the_claimants_figure_disagrees():
    claims = [
        Claim("软银", "cash", 1e10, "USD", "100亿美元", speaker="马斯克", id="m", contradicts=("r",)),
        Claim("软银", "cash", 2.43e10, "USD", "243亿美元", speaker="CNN", id="r", contradicts=("m",)),
        Claim(
            "软银", "cash", 2.5e10, "USD", "250亿美元", speaker="读者", floor=1, id="f1", agrees_with=("r",)
        ),
        Claim("软银", "cash", 9e9, "USD", "90亿美元", speaker="读者", floor=2, id="f2", agrees_with=("m",)),
    ]
    comments = [
        Comment(1, "a", "软银账上有250亿美元"),
        Comment(2, "b", "软银也就90亿美元"),
        Comment(3, "c", "嗯"),
    ]
    got = floor_stances("马斯克称：他们实际上没钱", comments, claims, fold=canonical)
    # floor 1 also says 有 (the money is there); floor 2 only has its figure
    assert [s.stance for s in got] == ["disagree", "agree", "other"]
    assert got[1].evidence == "90亿美元"


def _benchmark():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import stance_eval
    finally:
        sys.path.pop(0)
    return stance_eval


def test_seed_thread_agrees_with_the_hand_labels_on_39_of_48_floors(seed_paths):
    bench = _benchmark()
    headline, comments, claims = bench.seed_items()
    got = {s.floor: s.stance for s in floor_stances(headline, comments, claims, fold=canonical)}
    gold = LABELS["seed:001_276368efd83e594f"]
    assert Counter(gold.values()) == {"agree": 20, "disagree": 16, "other": 12}  # majority: 20/48
    hits = sum(got[int(f)] == g for f, g in gold.items())
    assert hits == 39
    assert hits / 48 >= 0.70
    # every floor that takes a side says why, in one of its own sentences
    texts = {c.floor: c.text for c in comments}  # as printed, not folded
    for s in floor_stances(headline, comments, claims, fold=canonical):
        if s.stance != "other" and not s.evidence.startswith("回复"):
            assert s.evidence and s.evidence in texts[s.floor], s


def test_weibo_replies_agree_with_the_hand_labels_well_above_the_majority_class(weibo_dir):
    bench = _benchmark()
    gold_all, hits = [], 0
    for name, by_mid in LABELS["weibo"].items():
        article, floor_of = bench.weibo_thread(name)
        got = {s.floor: s.stance for s in floor_stances(article.title, article.comments, fold=canonical)}
        for mid, gold in by_mid.items():
            gold_all.append(gold)
            hits += got[floor_of[mid]] == gold
    assert len(gold_all) == 245
    majority = Counter(gold_all).most_common(1)[0][1]
    assert majority == 131
    assert hits == 197  # 0.804 against 0.535 (in-sample: the lexicons were extended from these)


def _scored(bench, key):
    pairs = []
    for name, by_mid in LABELS[key].items():
        article, floor_of = bench.weibo_thread(name)
        got = {s.floor: s.stance for s in floor_stances(article.title, article.comments, fold=canonical)}
        pairs += [(gold, got[floor_of[mid]]) for mid, gold in by_mid.items()]
    return pairs


def test_held_out_weibo_replies_are_scored_as_measured(weibo_dir):
    """Held-out set 1 was scored once (42/80, majority 52/80), then its errors showed which cue
    classes were missing (grief, outrage, calls to spread, precaution, exposés of fakes); set 2
    was labelled before that change and never looked at for it: the honest figure, equal to the
    majority class, because reactions outside the lexicons stay "other"."""
    bench = _benchmark()
    first = _scored(bench, "weibo_heldout")
    assert len(first) == 80 and sum(g == p for g, p in first) == 59
    second = _scored(bench, "weibo_heldout2")
    assert len(second) == 80
    assert Counter(g for g, _ in second).most_common(1) == [("agree", 37)]
    assert sum(g == p for g, p in second) == 37
    sided = [(g, p) for g, p in second if p != "other"]
    assert len(sided) == 5 and sum(g == p for g, p in sided) == 3
    # set 3: labelled after the last rule change, scored once — the figure to quote
    third = _scored(bench, "weibo_heldout3")
    assert len(third) == 80
    assert Counter(g for g, _ in third).most_common(1) == [("other", 32)]
    assert sum(g == p for g, p in third) == 40
    sided = [(g, p) for g, p in third if p != "other"]
    assert len(sided) == 9 and sum(g == p for g, p in sided) == 8


@pytest.mark.parametrize("text", ["", "   ", "[哈哈]", "@某人", "转发微博。"])
def test_floors_without_words_are_other(text):
    assert _stances(SEED_TITLE, [Comment(1, "a", text)]) == ["other"]


def test_fake_words_deny_a_report_but_agree_with_an_expose_of_a_fake():
    assert _stances("芙蓉姐姐在家中自杀身亡", [Comment(1, "a", "假的！")]) == ["disagree"]
    comments = [Comment(1, "a", "假的！"), Comment(2, "b", "还好没买")]
    assert _stances("中国市场40%金条用铱或钨掺假", comments) == ["agree", "agree"]
    # precaution is no assent to a doubt: under "they have no money" it takes no side
    assert _stances(SEED_TITLE, [Comment(1, "a", "千万别用政府债务")]) == ["other"]


def test_seconding_the_post_itself_agrees():
    assert _stances("国家工商总局决定停止企业年检", [Comment(1, "a", "顶！"), Comment(2, "b", "附议")]) == [
        "agree",
        "agree",
    ]
