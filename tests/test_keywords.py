"""analyze.keywords and stories.aggregate.story_keywords on the seed pages."""

from __future__ import annotations

import re

from storyline.analyze import analyze
from storyline.analyze import keywords as keywords_module
from storyline.analyze.keywords import keywords
from storyline.normalize import normalize_article
from storyline.normalize.text import canonical
from storyline.records import Analysis, Article, Keyword
from storyline.stories.aggregate import story_keywords

_FLOOR = re.compile(r"^\d+ 楼$")
SEED_KEYWORDS = {"特朗普", "马斯克", "星际之门", "计划"}  # seed 000's own 關鍵詞 line, simplified


def _concept_page_body(path) -> list[str]:
    lines = path.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("概念"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    return lines[start + 1 : end]


def _thread_article(path) -> Article:
    lines = path.read_text("utf-8").splitlines()
    first_floor = next(i for i, line in enumerate(lines) if _FLOOR.match(line.strip()))
    counts = next(i for i, line in enumerate(lines) if line.strip().endswith("评论"))
    body = tuple(line for line in lines[counts + 2 : first_floor - 1] if line.strip())
    return Article(url="https://example.invalid/rfi", outlet="RFI", title=lines[0], paragraphs=body)


def test_seed_concept_page_keywords_cover_its_keyword_line(seed_paths):
    words = [k.word for k in keywords(canonical("\n".join(_concept_page_body(seed_paths[0]))), top_k=10)]
    assert set(words) >= SEED_KEYWORDS
    assert words[:3] == ["特朗普", "马斯克", "星际之门"]


def test_both_seeds_story_keywords_cover_the_keyword_line(seed_paths):
    first = analyze(
        normalize_article(
            Article(url="", outlet="88iv", title="", paragraphs=tuple(_concept_page_body(seed_paths[0])))
        )
    )
    second = analyze(normalize_article(_thread_article(seed_paths[1])))
    combined = [k.word for k in story_keywords([first, second], top_k=12)]
    assert set(combined) >= SEED_KEYWORDS
    assert set(combined[:2]) == {"特朗普", "马斯克"}


def test_aliases_count_as_one_keyword():
    words = {k.word: k.weight for k in keywords("川普宣布星际之门计划。特朗普称计划很大。Trump")}
    assert "川普" not in words and "trump" not in words
    assert "特朗普" in words


def test_numbers_amounts_and_news_boilerplate_are_not_keywords():
    words = {k.word for k in keywords("据报道,软银表示将投资5000亿美元,2025年宣布。报道称软银有243亿美元。")}
    assert words.isdisjoint({"5000", "亿美元", "2025", "报道", "表示", "宣布"})
    assert "软银" in words


def test_latin_keywords_are_lower_case_but_entities_keep_their_name():
    words = {k.word for k in keywords("openai and nvidia build datacenters; datacenters need power")}
    assert "OpenAI" in words and "英伟达" in words and "datacenters" in words


def test_empty_text_has_no_keywords():
    assert keywords("") == ()
    assert keywords("正文", top_k=0) == ()


def test_story_keywords_count_each_outlet_once():
    def a(i, *kw):
        return Analysis(f"a{i}", "zh-Hans", "", (), "", (), keywords=tuple(Keyword(w, x) for w, x in kw))

    analyses = [a(1, ("隧道", 1.0), ("预算", 0.2)), a(2, ("隧道", 1.0), ("预算", 0.2)), a(3, ("预算", 1.0))]
    by_article = {k.word: k.weight for k in story_keywords(analyses)}
    by_outlet = {k.word: k.weight for k in story_keywords(analyses, outlets=["晨星", "晨星", "北岸"])}
    assert by_article == {"隧道": round(2 / 3, 6), "预算": round(1.4 / 3, 6)}
    assert by_outlet == {"隧道": 0.5, "预算": 0.6}


def test_idf_table_held_as_hashes_gives_what_the_dict_of_jiebas_file_gives():
    # The whole of jieba's table, read as jieba.analyse reads it (a dict: the last line of a
    # repeated word wins), against the hashed arrays, for every word in it and words outside.
    from storyline.analyze.names import jieba_file

    pieces = jieba_file("analyse/idf.txt").read_text(encoding="utf-8").split()
    table = dict(zip(pieces[::2], map(float, pieces[1::2]), strict=True))
    median = sorted(table.values())[len(table) // 2]
    idf = keywords_module._idf()
    assert idf.median == median
    outside = ["不存在的词甲乙", "", "storyline", "\ud800", "特朗普星际之门"]
    words = [*table, *outside]
    assert idf.get_many(words) == [table.get(w, median) for w in words]


def test_idf_table_keeps_repeated_words_and_words_of_one_hash_apart(monkeypatch):
    # A hash of 4 values makes every kind of run: a word alone (d), words of one hash (c, g), and
    # words repeated among others of their hash (a a e, b b f: the last value of each wins).
    monkeypatch.setattr(keywords_module, "_hash", lambda w: sum(map(ord, w)) % 4)
    words = ["a", "b", "a", "c", "d", "e", "b", "f", "g"]
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    table = dict(zip(words, values, strict=True))
    idf = keywords_module._Idf(words, values)
    assert idf.median == sorted(table.values())[len(table) // 2]
    # Words outside the table on the hashes of clashing words (a word outside on a lone table
    # word's hash would take its value: what the 64-bit hash makes ~1.5e-14 likely).
    probe = [*table, "i", "j", "k"]
    assert idf.get_many(probe) == [table.get(w, idf.median) for w in probe]
