"""analyze.entities and analyze.segment: aliases to canonical entities, kept whole when cutting."""

from __future__ import annotations

import re

import pytest

from storyline.analyze import analyze
from storyline.analyze.entities import (
    article_entities,
    canonical_entities,
    entity_table,
    find_entities,
    load_entity_table,
)
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


# ---------------------------------------------------------------------------- article_entities


def _article(title, *paragraphs, comments=""):
    return {(m.entity, m.alias): m for m in article_entities(title, paragraphs, comments)}


def test_a_longer_name_beats_the_table_alias_inside_it():
    found = _article(
        "Bears' Leon Washington returns kick",
        "Leon Washington returned the opening kick 98 yards.",
        "Washington said it was fun.",
    )
    assert ("华盛顿", "Washington") not in found
    assert found[("Leon Washington", "Washington")].count == 1  # the surname is the player
    assert found[("Leon Washington", "Leon Washington")].count == 2


def test_positions_weigh_mentions_and_bylines_weigh_nothing():
    found = _article(
        "Sheriff: Jane Roe arrested after whisky theft",
        "Police in Calgary arrested Jane Roe on Monday.",
        "The whisky was found later.",
        "Roe is due in court.",
        "Follow Kim Lee on Twitter: @kimlee",
    )
    assert found[("Jane Roe", "Jane Roe")].weight == 3.0 + 2.0
    assert found[("Jane Roe", "Jane Roe")].lead
    assert found[("Jane Roe", "Roe")].weight == 1.0 and not found[("Jane Roe", "Roe")].lead
    assert not any(entity in ("Kim Lee", "X") for entity, _ in found)


def test_transliterated_chinese_names_and_their_short_form():
    found = _article(
        "格里芬在节目中说了什么",
        "喜剧演员凯西·格里芬声称，她会继续主持。",
        "苏莱曼尼死后，南希·佩洛西表示反对。",
    )
    assert found[("凯西·格里芬", "格里芬")].kind == "person"  # the short form is the full name
    assert found[("凯西·格里芬", "凯西·格里芬")].lead
    # The table knows these across languages: recognised names resolve to its entries.
    assert ("佩洛西", "南希·佩洛西") in found and ("苏莱曼尼", "苏莱曼尼") in found


def test_ambiguous_alias_links_only_with_supporting_context():
    alone = _article("13岁模特走红", "她在日本拍了奥特曼主题的照片。")
    assert ("奥尔特曼", "奥特曼") not in alone
    assert ("奥特曼", "奥特曼") in alone  # a name of its own: the hero
    with_context = _article("OpenAI发布新模型", "奥特曼说ChatGPT用户过亿。")
    assert ("奥尔特曼", "奥特曼") in with_context


def test_table_ambiguity_column_is_loaded():
    table = load_entity_table("甲\tperson\t甲|?乙\t丙\n丙\torg\t丙\n", "mine.tsv")
    assert table.context == {"甲": frozenset({"丙"})}
    assert table.name_of("乙") == "甲" and table.name_of("乙", unambiguous=True) is None
    assert {(m.entity, m.alias) for m in find_entities("乙来了", table)} == set()
    assert {(m.entity, m.alias) for m in find_entities("乙和丙", table)} == {("甲", "乙"), ("丙", "丙")}


def test_comments_give_aliases_but_no_names_and_no_weight():
    found = _article("川普宣布计划", "马斯克质疑。", comments="kingofLiu 发表评论于 2025-01-22 一龙说得对")
    assert found[("马斯克", "一龙")].weight == 0.0
    assert not any(alias == "kingofLiu" for _, alias in found)


def test_canonical_entities_give_one_name_and_kind_each_most_salient_first(seed_paths):
    article, comments = _thread_page(seed_paths[1])
    analysis = analyze(normalize_article(article), comments_text=comments)
    pairs = canonical_entities(analysis)
    assert len({name for name, _ in pairs}) == len(pairs)
    assert dict(pairs)["特朗普"] == "person" and dict(pairs)["星际之门"] == "project"
    assert pairs[0][0] in ("马斯克", "特朗普")


def test_headline_names_are_found_where_the_bounded_pattern_finds_them():
    """entities._bounded (str.find) finds what ``(?<![A-Za-z0-9])name(?![A-Za-z0-9])`` does."""
    import re

    from storyline.analyze.entities import _bounded

    texts = ["Roe v Roe, Jane Roe. XRoe Roe2 Roe", "RoeRoe Roe", "Roe", "", "中Roe国 Roe-Roe _Roe_"]
    for text in texts:
        for name in ("Roe", "Jane Roe", "oe"):
            want = [m.span() for m in re.finditer(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", text)]
            assert list(_bounded(text, name)) == want, (text, name)


def test_masking_skips_only_texts_no_masking_pattern_can_match(semeval_csv, weibo_dir):
    """_mask passes a text through untouched when it holds no cue any masking pattern needs;
    the result is the patterns' own on real lines, replies and generated hostile pieces."""
    import random

    from semeval_texts import zh_en_texts
    from storyline.analyze.entities import _boiler_span, _mask
    from storyline.records import RawInput
    from storyline.sources import parse_input

    def masked(text: str) -> str:
        return _boiler_span(text).sub(lambda m: " " * len(m.group(0)), text)

    texts = [line for text in zh_en_texts(semeval_csv, 80) for line in text.splitlines()]
    for path in sorted((weibo_dir / "original").glob("*.json"))[:6]:
        for article in parse_input(RawInput(str(path), path.read_bytes())):
            texts.extend(c.text for c in article.comments)
    rng = random.Random(5)
    pieces = [
        "HTTPS://x.y",
        "www.",
        "Follow us on",
        "E-mail:",
        "inſtagram:",
        "LIN\u212aEDIN",
        "微信：",
        "@a",
        " ",
        "文",
    ]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(3_000)]
    assert [_mask(t) for t in texts] == [masked(t) for t in texts]
    assert sum(_mask(t) != t for t in texts) > 500
