"""normalize.script: canonical simplified form, traditional display, script detection."""

from __future__ import annotations

import pytest

from storyline.normalize.script import detect_script, to_simplified, to_traditional


def test_taiwan_variant_zhe_becomes_simplified_zhe():
    assert to_simplified("有著") == "有着"
    assert to_simplified("如果成功著陸") == "如果成功着陆"


def test_zhu_of_famous_and_notable_is_kept():
    assert to_simplified("著名的著作很顯著") == "著名的著作很显著"


def test_taiwan_software_word_becomes_mainland_word():
    assert to_simplified("軟體") == "软件"
    assert to_simplified("晶片製造商") == "芯片制造商"
    assert to_simplified("人工智慧") == "人工智能"


def test_taiwan_vocabulary_in_simplified_text_is_normalised_too():
    # RFI prints 软体业 and 晶片 in simplified script.
    assert to_simplified("软体业甲骨文与晶片制造商") == "软件业甲骨文与芯片制造商"


def test_tw2sp_phrase_errors_are_avoided():
    # OpenCC tw2sp turns these into 首席运行官 / 应用进程 / 数据: wrong in news text.
    assert to_simplified("首席執行官") == "首席执行官"
    assert to_simplified("应用程序") == "应用程序"
    assert to_simplified("資料") == "资料"


def test_simplified_text_is_unchanged():
    text = "特朗普周二宣布支持OpenAI、甲骨文(Oracle)和软银的人工智能合作计划"
    assert to_simplified(text) == text


def test_traditional_display_uses_taiwan_characters_without_rewriting_words():
    assert to_traditional("马斯克与特朗普有着密切的关系") == "馬斯克與特朗普有著密切的關係"
    assert to_traditional("软件和信息") == "軟件和信息"


def test_empty_text_converts_to_empty():
    assert to_simplified("") == ""
    assert to_traditional("") == ""


def test_seed_concept_page_is_traditional(seed_paths):
    assert detect_script(seed_paths[0].read_text("utf-8")) == "zh-Hant"


def test_seed_thread_page_is_simplified(seed_paths):
    assert detect_script(seed_paths[1].read_text("utf-8")) == "zh-Hans"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Musk says they don't actually have the money", "en"),
        ("Trump's Stargate plan, known in Chinese as 星际之门, drew doubts from Musk on X", "en"),
        ("馬斯克質疑星際之門計劃", "zh-Hant"),
        ("马斯克质疑星际之门计划", "zh-Hans"),
        ("中文", "zh-Hans"),  # characters common to both scripts are valid simplified text
        ("2025-01-22 13:40", "und"),
        ("", "und"),
    ],
)
def test_detect_script(text, script):
    assert detect_script(text) == script


def test_script_detection_converter_answers_as_full_s2t_for_every_cjk_character():
    """Detection converts characters one by one with s2t's character table alone (1 MB, not the
    26 MB of s2t with its phrases): for each character detection can see, the same answer."""
    import opencc

    from storyline.normalize import script

    chars = [chr(c) for r in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)) for c in range(*r)]
    joined = "\n".join(chars)
    assert script._s2t_characters().config != opencc.OpenCC("s2t").config  # the small one loaded
    assert script._s2t_characters().convert(joined) == opencc.OpenCC("s2t").convert(joined)
