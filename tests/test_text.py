"""normalize.text and normalize_article: width, case restoration, the canonical form."""

from __future__ import annotations

import random
import re
import sys

import pytest

from semeval_texts import zh_en_texts
from storyline.normalize import normalize_article
from storyline.normalize.text import (
    _CJK_GAP_RE,
    _SPACE_RE,
    _collapse,
    canonical,
    fold_width,
    is_shouting,
    restore_case,
    to_simplified,
)
from storyline.records import Article


def _concept_page_article(path) -> Article:
    lines = path.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("概念"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    title = next(line for line in lines if " @ " in line).split(" @ ")[0]
    return Article(url="", outlet="88iv", title=title, paragraphs=tuple(lines[start + 1 : end]))


def test_full_width_latin_and_digits_fold():
    assert fold_width("ＯｐｅｎＡＩ　２０２５") == "OpenAI 2025"


def test_chinese_punctuation_is_kept_in_display_form():
    assert fold_width("他說：「沒錢！」，真的？（笑）……") == "他說：「沒錢！」，真的？（笑）……"


def test_chinese_punctuation_folds_for_comparison_but_sentence_marks_stay():
    assert fold_width("他說：「沒錢！」，真的？", keep_cjk_punctuation=False) == "他說:「沒錢!」,真的?"
    assert fold_width("一。二、三", keep_cjk_punctuation=False) == "一。二、三"


@pytest.mark.parametrize(
    ("shouted", "restored"),
    [
        ("OPENAI", "OpenAI"),
        ("ELON MUSK", "Elon Musk"),
        ("SPACEX", "SpaceX"),
        ("XAI", "xAI"),
        ("STARGATE", "Stargate"),
        ("TESLA", "Tesla"),
        ("ANTHROPIC", "Anthropic"),
        ("DARIO AMODEI", "Dario Amodei"),
    ],
)
def test_known_names_get_their_spelling_back_on_a_shouting_page(shouted, restored):
    assert restore_case(f"據報道 {shouted} 與特朗普", shouting=True) == f"據報道 {restored} 與特朗普"


def test_known_acronyms_stay_upper_case():
    text = "THE CEO OF MGX TOLD CNN AND CNBC THAT AI GPU SPENDING IN USD ROSE"
    assert restore_case(text) == "The CEO of MGX Told CNN and CNBC That AI GPU Spending in USD Rose"


def test_unknown_long_words_become_title_case_and_short_ones_stay():
    assert restore_case("QUARTZ 報道 ABC XYZ WIDGETCORP", shouting=True) == "Quartz 報道 ABC XYZ Widgetcorp"


def test_words_glued_to_chinese_are_restored():
    assert (
        restore_case("身為TESLA行政總裁的馬斯克(ELON MUSK)", shouting=True)
        == "身為Tesla行政總裁的馬斯克(Elon Musk)"
    )


def test_normal_text_is_untouched():
    text = "OpenAI CEO Sam Altman said the QUARTZ report was wrong."
    assert not is_shouting(text)
    assert restore_case(text) == text


def test_chinese_text_with_only_acronyms_is_not_shouting():
    assert not is_shouting("他是AI公司的CEO,也管GPU")


def test_caller_supplied_spellings_win():
    assert restore_case("WIDGETCORP AND HENGXIN", known={"WIDGETCORP": "WidgetCorp"}, shouting=True) == (
        "WidgetCorp and Hengxin"
    )


def test_canonical_form_of_both_scripts_is_equal():
    assert canonical("馬斯克與 OPENAI 有著分歧，軟體") == canonical("马斯克与OpenAI有着分歧,软件")
    assert canonical("馬斯克與 OPENAI 有著分歧，軟體") == "马斯克与openai有着分歧,软件"


def test_canonical_collapses_whitespace_between_latin_words():
    assert canonical("  Elon \t Musk\n said ") == "elon musk said"


def test_seed_concept_page_display_text_restores_openai(seed_paths):
    analysis = normalize_article(_concept_page_article(seed_paths[0]))
    body = "\n".join(analysis.display_paragraphs)
    assert analysis.script == "zh-Hant"
    assert "OPENAI" not in body
    assert body.count("OpenAI") == 10
    assert "Elon Musk" in body and "Stargate Project" in body and "Anthropic CEO" in body
    assert "MGX" in body
    # Display keeps the outlet's script; canonical is simplified and lower-case.
    assert "馬斯克" in body
    assert analysis.canonical_paragraphs[1].startswith(
        "在美国白宫举行的新闻发布会上,特朗普宣布,openai、甲骨文和软银"
    )


def test_seed_thread_page_is_not_shouting_so_quartz_stays(seed_paths):
    lines = seed_paths[1].read_text("utf-8").splitlines()
    paragraph = next(line for line in lines if "QUARTZ" in line)
    analysis = normalize_article(Article(url="u", outlet="RFI", title=lines[0], paragraphs=(paragraph,)))
    assert analysis.display_paragraphs == (paragraph,)
    assert analysis.script == "zh-Hans"


def test_comments_are_folded_in_one_call_as_each_would_be_alone():
    """fold_comments: OpenCC t2s + lower case, the thread in one conversion, each comment as
    it would come out alone (a comment holding a newline, an empty one, final sigma)."""
    import opencc

    from storyline.normalize import fold_comments

    t2s = opencc.OpenCC("t2s")
    comments = ["馬斯克說沒錢", "", "第一行\n第二行 OpenAI", "ΟΔΟΣ", "軟體 1,000億", "兩個人"]
    assert fold_comments(comments) == [t2s.convert(c).lower() for c in comments]
    assert fold_comments([]) == []


def test_canonical_of_many_texts_in_one_call_is_each_text_alone(weibo_dir, semeval_csv):
    """canonical_all: one OpenCC call for a thread's sentences, each exactly canonical() of it
    alone, on the CED replies and SemEval paragraphs and on awkward generated pieces (newlines,
    full-width forms, spaces next to CJK, Taiwan phrases, final sigma, empty texts)."""
    import random

    from semeval_texts import zh_en_texts
    from storyline.normalize import canonical_all
    from storyline.records import RawInput
    from storyline.sources import parse_input
    from storyline.stories.stance import _sentences

    texts: list[str] = []
    for path in sorted((weibo_dir / "original").glob("*.json"))[:12]:
        for article in parse_input(RawInput(str(path), path.read_bytes())):
            texts.extend(s for c in article.comments for s in [c.text, *_sentences(c.text)])
    for text in zh_en_texts(semeval_csv, 40):
        texts.extend(text.splitlines())
    rng = random.Random(7)
    pieces = [
        "軟體",
        "網路",
        "ＯｐｅｎＡＩ",
        " ",
        "\n",
        "  的 ",
        "ΟΔΟΣ",
        "，",
        "1,000億",
        "執行長",
        "i̇",
        "㈱",
        "",
    ]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(3_000)]
    assert len(texts) > 8_000
    assert canonical_all(texts) == [canonical(t) for t in texts]
    assert canonical_all([]) == []


def test_width_folding_without_shielded_characters_is_plain_nfkc(semeval_csv):
    """fold_width skips its two per-character translations when the text holds no punctuation
    to shield and no stand-in to unshield; the result is the translated one either way."""
    import random
    import unicodedata

    from semeval_texts import zh_en_texts
    from storyline.normalize.text import _SHIELD, _UNSHIELD

    def shielded(text: str) -> str:
        return unicodedata.normalize("NFKC", text.translate(_SHIELD)).translate(_UNSHIELD)

    texts = [line for text in zh_en_texts(semeval_csv, 60) for line in text.splitlines()]
    rng = random.Random(11)
    pieces = ["ＯｐｅｎＡＩ", "，", "…", "\ue000", "\ue009", "５０００億", "（注）", " ", "a"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 5))) for _ in range(2_000)]
    assert [fold_width(t) for t in texts] == [shielded(t) if t else t for t in texts]


def _collapse_by_patterns(simplified: str) -> str:
    """The regex form _collapse replaced: every whitespace run to one space, ends stripped,
    then the spaces beside CJK characters dropped."""
    collapsed = _SPACE_RE.sub(" ", simplified).strip()
    return _CJK_GAP_RE.sub("", collapsed) if " " in collapsed else collapsed


def test_collapse_is_the_pattern_form_on_real_articles_and_every_space_character(semeval_csv):
    # str.split() and re's \s must agree on what a space is, or the fast form drifts.
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000 and chr(c).isspace()]
    assert spaces == [
        chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000 and re.match(r"\s", chr(c))
    ]
    texts = [
        to_simplified(fold_width(line, keep_cjk_punctuation=False)).lower()
        for text in zh_en_texts(semeval_csv, 300)
        for line in text.splitlines()
    ]
    rng = random.Random(5)
    alphabet = [*spaces, "a", "B", "中", "，", "。", "1", " "]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(20_000)]
    assert [_collapse(t) for t in texts] == [_collapse_by_patterns(t) for t in texts]
    assert sum(_collapse(t) != t for t in texts) > 1000
