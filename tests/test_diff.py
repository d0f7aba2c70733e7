"""Word-level diff for the story page: what one version adds or drops."""

from __future__ import annotations

from storyline.dedup.diff import diff_tokens, diff_words


def _sides(ops):
    a = "".join(t for op, t in ops if op != "insert")
    b = "".join(t for op, t in ops if op != "delete")
    return a, b


def test_added_prefix_and_word_are_inserts():
    ops = diff_words(
        "马斯克的质疑无疑对这项计划造成了挑战。", "如今,马斯克的质疑无疑对特朗普这项计划造成了挑战。"
    )
    assert ops == [
        ("insert", "如今,"),
        ("equal", "马斯克的质疑无疑对"),
        ("insert", "特朗普"),
        ("equal", "这项计划造成了挑战。"),
    ]


def test_dropped_sentence_is_one_delete():
    a = "他写道:“他们实际上没有钱。”他后来又补充说软银的资金不足。"
    ops = diff_words(a, "他写道:“他们实际上没有钱。”")
    assert ops == [("equal", "他写道:“他们实际上没有钱。”"), ("delete", "他后来又补充说软银的资金不足。")]


def test_traditional_against_simplified_shows_only_real_changes():
    ops = diff_words("马斯克与特朗普有着密切的私人关系", "報道稱,馬斯克與特朗普有著密切的私人關係")
    assert ops == [("insert", "報道稱,"), ("equal", "馬斯克與特朗普有著密切的私人關係")]


def test_latin_words_are_whole_tokens_and_case_insensitive():
    assert diff_tokens("OpenAI's plan, 5000亿") == ["OpenAI", "'", "s", " ", "plan", ",", " ", "5000", "亿"]
    assert diff_words("Musk said no.", "MUSK said yes.") == [
        ("equal", "MUSK said "),
        ("delete", "no"),
        ("insert", "yes"),
        ("equal", "."),
    ]


def test_ops_rebuild_both_versions_when_scripts_match():
    a = "OpenAI的首席执行官奥尔特曼直接反驳了马斯克的说法。"
    b = "OpenAI首席执行官奥特曼反驳马斯克说法,称“这是错的”。"
    assert _sides(diff_words(a, b)) == (a, b)


def test_identical_and_empty_inputs():
    assert diff_words("相同", "相同") == [("equal", "相同")]
    assert diff_words("", "新") == [("insert", "新")]
    assert diff_words("", "") == []
