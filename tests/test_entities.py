"""analyze.entities and analyze.segment: aliases to canonical entities, kept whole when cutting."""

from __future__ import annotations

import re

import pytest

from storyline.analyze import analyze
from storyline.analyze.entities import entity_table, find_entities, load_entity_table
from storyline.analyze.segment import cut
from storyline.errors import ParseError
from storyline.normalize import normalize_article
from storyline.records import Article

_FLOOR = re.compile(r"^\d+ 楼$")


def _thread_page(path) -> tuple[Article, str]:
    """Seed 001 split just enough for these tests: title, body paragraphs, comments text."""
    lines = path.read_text("utf-8").splitlines()
    first_floor = next(i for i, line in enumerate(lines) if _FLOOR.match(line.strip()))
    counts = next(i for i, line in enumerate(lines) if line.strip().endswith("评论"))
    body = tuple(line for line in lines[counts + 2 : first_floor - 1] if line.strip())
    comments = "\n".join(lines[first_floor - 1 :])
    return Article(url="https://example.invalid/rfi", outlet="RFI", title=lines[0], paragraphs=body), comments


def _mentions(text):
    return {(m.entity, m.alias): m.count for m in find_entities(text)}


def test_chuanpu_maps_to_trump():
    assert _mentions("川普和特朗普,还有TRUMP") == {
        ("特朗普", "川普"): 1,
        ("特朗普", "特朗普"): 1,
        ("特朗普", "TRUMP"): 1,
    }


def test_traditional_aliases_match_and_keep_their_printed_form():
    assert _mentions("馬斯克與奧爾特曼") == {("马斯克", "馬斯克"): 1, ("奥尔特曼", "奧爾特曼"): 1}


def test_longest_alias_wins():
    assert _mentions("山姆·奥尔特曼说") == {("奥尔特曼", "山姆·奥尔特曼"): 1}
    assert _mentions("Elon Musk said") == {("马斯克", "Elon Musk"): 1}


def test_latin_aliases_only_at_word_boundaries():
    assert _mentions("trumpet SBGX oracles") == {}
    assert _mentions("SBG与OpenAI") == {("软银", "SBG"): 1, ("OpenAI", "OpenAI"): 1}


def test_latin_alias_glued_to_chinese_matches():
    assert _mentions("身为TESLA行政总裁") == {("特斯拉", "TESLA"): 1}


def test_x_only_as_a_standalone_capital_token():
    assert _mentions("马斯克在X平台上说") == {("马斯克", "马斯克"): 1, ("X", "X"): 1}
    assert _mentions("SpaceX and xAI") == {("SpaceX", "SpaceX"): 1, ("xAI", "xAI"): 1}
    assert _mentions("x = 3") == {}
    assert _mentions("拍了X光片") == {}


def test_case_sensitive_alias_ignores_the_ordinary_word():
    assert _mentions("his arm hurt") == {}
    assert _mentions("晶片制造商 Arm 和 ARM") == {("Arm", "Arm"): 1, ("Arm", "ARM"): 1}


def test_table_exports_latin_spellings_and_names():
    table = entity_table()
    assert table.canonical_latin["OPENAI"] == "OpenAI"
    assert table.canonical_latin["XAI"] == "xAI"
    assert table.canonical_latin["ELON MUSK"] == "Elon Musk"
    assert table.names["星际之门"] == "project"
    assert table.name_of("川普") == "特朗普"
    assert table.name_of("馬斯克") == "马斯克"
    assert table.name_of("X光") is None


def test_malformed_table_line_names_the_line():
    with pytest.raises(ParseError, match=r"mine\.tsv line 2"):
        load_entity_table("甲\torg\t甲\n乙\torg\n", "mine.tsv")


def test_seed_thread_entities_include_yilong_from_the_comments(seed_paths):
    article, comments = _thread_page(seed_paths[1])
    analysis = analyze(normalize_article(article), comments_text=comments)
    by_entity: dict[str, dict[str, int]] = {}
    for m in analysis.entities:
        by_entity.setdefault(m.entity, {})[m.alias] = m.count
    assert by_entity["马斯克"]["一龙"] == 1
    assert by_entity["特朗普"]["川普"] == 18
    assert by_entity["特朗普"]["Donald Trump"] == 1
    assert {
        "OpenAI",
        "甲骨文",
        "软银",
        "星际之门",
        "MGX",
        "Arm",
        "英伟达",
        "微软",
        "纳德拉",
        "孙正义",
    } <= set(by_entity)
    assert analysis.entities[0].entity == "马斯克"


def test_seed_thread_body_alone_has_no_yilong(seed_paths):
    article, _ = _thread_page(seed_paths[1])
    analysis = analyze(normalize_article(article))
    assert ("马斯克", "一龙") not in {(m.entity, m.alias) for m in analysis.entities}


def test_cut_keeps_aliases_with_spaces_and_dots_whole():
    assert cut("elon musk称星际之门计划没钱") == ["elon musk", "称", "星际之门计划", "没", "钱"]
    assert "山姆·奥尔特曼" in cut("openai首席执行官山姆·奥尔特曼反驳")


def test_cut_can_give_entity_names():
    assert cut("川普与elon musk", entity_names=True) == ["特朗普", "与", "马斯克"]


def test_cut_drops_spaces_and_punctuation():
    assert cut("他说:“没钱。”") == ["他", "说", "没", "钱"]
