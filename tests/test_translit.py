"""Chinese renderings of Latin names (storyline.analyze.translit) and their use in the pair features."""

from __future__ import annotations

import pytest

from storyline.analyze.translit import _CJK, is_transliteration, linked, reading, skeleton_latin, skeleton_zh
from storyline.stories.similarity import Doc, compare, entity_overlap, entity_specificity, pair_features


@pytest.mark.parametrize(
    ("zh", "latin"),
    [
        ("格里芬", "Griffin"),
        ("苏莱曼", "Suleiman"),
        ("克洛布查尔", "Klobuchar"),
        ("道格拉斯", "Douglas"),
        ("马克龙", "Macron"),
        ("索莱马尼", "Soleimani"),
    ],
)
def test_a_rendering_and_its_name_have_one_skeleton(zh, latin):
    assert skeleton_zh(zh) == skeleton_latin(latin)
    assert linked([zh], [latin]) == ((zh, latin),)


def test_names_in_parts_match_by_a_part_or_the_whole_and_one_class_may_differ():
    assert linked(["凯西·格里芬", "美国"], ["Kathy Griffin", "CNN"]) == (("凯西·格里芬", "Kathy Griffin"),)
    # Chinese drops Thunberg's final g: GLBN-style skeletons one class apart, both >= 4 long.
    assert skeleton_zh("通贝里") == "DNBL" and skeleton_latin("Thunberg") == "DNBLG"
    assert linked(["格雷塔·通贝里"], ["Greta Thunberg"]) == (("格雷塔·通贝里", "Greta Thunberg"),)
    assert linked(["阿米尔·迪克·穆罕默德"], ["Amiir Deeq Mohammed"])


def test_words_and_short_skeletons_are_never_linked():
    assert not is_transliteration("共和党") and not is_transliteration("民兵组织")
    assert is_transliteration("佩洛西")
    assert (
        linked(["共和党", "荣幸", "美联社"], ["American Constitution", "Brazen Langford", "Muslim-majority"])
        == ()
    )
    # Two classes say too little: 莫迪 / Modi is left to the alias table.
    assert linked(["莫迪"], ["Modi"]) == ()
    # One class apart is not enough for three-class skeletons (BDN / BLN).
    assert linked(["拜登"], ["Bolan"]) == ()


def _doc(lang: str, entities: set[str], weights: dict[str, float] | None = None) -> Doc:
    return Doc(
        t=None,
        lang=lang,
        vec={},
        entities=frozenset(entities),
        fps=frozenset(),
        paragraphs=(),
        emb=None,
        entity_weights=weights or {},
    )


def test_a_zh_en_pair_counts_and_shows_the_names_it_links():
    zh = _doc("zh", {"凯西·格里芬", "特朗普", "美国"})
    en = _doc("en", {"Kathy Griffin", "特朗普", "CNN"})
    f = pair_features(zh, en)
    assert f.cross_lingual and f.entities == pytest.approx(1 / 4)  # 特朗普 shared as written
    assert f.translit == pytest.approx(1 / 4)  # 凯西·格里芬 = Kathy Griffin, the same shape
    assert compare(en, zh).transliterated == ("凯西·格里芬 = Kathy Griffin",)
    # One language: nothing to transliterate.
    assert pair_features(_doc("zh", {"格里芬"}), _doc("zh", {"Griffin"})).translit == 0.0


class _Stats:
    def __init__(self, n_docs: int, df: dict[str, int]) -> None:
        self.n_docs, self.df = n_docs, df

    def idf(self, key: str) -> float:
        import math

        return math.log((self.n_docs + 1) / (self.df.get(key, 0) + 1)) + 1.0


def test_a_common_name_shared_counts_less_than_a_rare_one():
    from storyline.stories.similarity import ENTITY_KEY

    stats = _Stats(1000, {ENTITY_KEY + "特朗普": 300, ENTITY_KEY + "某市长": 2})
    w = entity_specificity(["特朗普", "某市长"], stats)
    assert 0 < w["特朗普"] < 0.5 < w["某市长"] <= 1.0
    assert entity_overlap({"特朗普", "x"}, {"特朗普", "y"}, w) < entity_overlap(
        {"某市长", "x"}, {"某市长", "y"}, w
    )
    # Too few documents to know what is rare: every name weighs 1, as without weights.
    assert entity_specificity(["特朗普"], _Stats(10, {})) == {}
    assert entity_overlap({"a", "b"}, {"a", "c"}) == pytest.approx(1 / 3)


def test_readings_are_pypinyins_for_every_character_a_name_is_read_by():
    # translit reads pypinyin's character table directly (the package's import loads its phrase
    # dictionary too); every character it may read must come out as lazy_pinyin gives it.
    from pypinyin import Style, lazy_pinyin

    chars = [chr(cp) for cp in (*range(0x3400, 0xA000), *range(0xF900, 0xFB00)) if _CJK.match(chr(cp))]
    ours = [reading(c) for c in chars]
    theirs = [(lazy_pinyin([c], style=Style.NORMAL, errors="ignore") or [None])[0] for c in chars]
    assert sum(r is not None for r in ours) > 20_000
    assert ours == theirs
