"""analyze.names: names recognised from the text itself, in English and in Chinese."""

from __future__ import annotations

from storyline.analyze.names import FUNCTION_WORDS, chinese_names, latin_names


def _latin(text: str) -> list[str]:
    return [n.text for n in latin_names(text)]


def _chinese(text: str) -> list[str]:
    return [n.text for n in chinese_names(text)]


def test_capitalised_spans_are_names_and_a_title_marks_a_person():
    names = {
        n.text: n.kind
        for n in latin_names("President Donald Trump met Evgeni Malkin of the Pittsburgh Penguins.")
    }
    assert names == {"Donald Trump": "person", "Evgeni Malkin": "name", "Pittsburgh Penguins": "name"}


def test_a_sentence_initial_word_is_a_name_only_if_written_capitalised_elsewhere():
    assert _latin("Leadership is simple. We met in Pittsburgh.") == ["Pittsburgh"]
    assert _latin("Pittsburgh won. Fans in Pittsburgh cheered.") == ["Pittsburgh", "Pittsburgh"]
    # The surname of a full name the text writes is a name even where a sentence starts with it.
    assert _latin("Evgeni Malkin scored. Malkin said so.") == ["Evgeni Malkin", "Malkin"]


def test_function_words_calendar_words_and_shouting_are_not_names():
    assert _latin("HIS son and HER daughter came on Monday in January.") == []
    assert _latin("BOTTOM LINE: Oil to outperform. TAKE A FREE TRIAL") == []
    assert _latin("The NHL and K-RERA said") == ["NHL", "K-RERA"]


def test_words_before_a_name_split_it():
    assert _latin("met Former Nissan CEO Carlos Ghosn in Beirut") == ["Nissan", "Carlos Ghosn", "Beirut"]


def test_accented_names_and_possessives():
    assert _latin("talks with Jovenel Moïse and Pittsburgh's coach") == ["Jovenel Moïse", "Pittsburgh"]
    assert _latin("a rise in anti-Semitism") == []


def test_transliterated_names_are_merged_from_jieba_pieces():
    assert _chinese("佩洛西说，杀害苏莱曼尼并没有让国家更安全") == ["佩洛西", "苏莱曼尼"]
    assert _chinese("凯西·格里芬说，南希佩洛西声称") == ["凯西·格里芬", "南希佩洛西"]


def test_everyday_words_jieba_tags_as_names_are_not_names():
    # 陈述, 祝贺, 诸如 are nr and 英雄, 城市 ns in jieba's dictionary.
    assert _chinese("他陈述并祝贺诸如英雄城市的成就") == []
    kinds = {n.text: n.kind for n in chinese_names("伊朗和美国在伯明翰谈判")}
    assert kinds["伊朗"] == "place" and kinds["美国"] == "place"


def test_function_words_list_covers_the_issue_examples():
    assert {"his", "her", "your", "ago", "use"} - FUNCTION_WORDS == {"use"}


def test_common_two_character_names_are_read_as_a_line_by_line_parse_reads_them():
    """The one-pattern read of jieba's dictionary finds the same everyday two-character words
    (name-tagged, frequency above the threshold) as splitting every line does."""
    from importlib import resources

    import jieba

    from storyline.analyze import names

    freq: dict[str, int] = {}
    with resources.files(jieba).joinpath("dict.txt").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] in names._NAME_TAGS:
                freq[parts[0]] = int(parts[1])
    want = {w for w, n in freq.items() if len(w) == 2 and n > names._COMMON_FREQ}
    assert names._common_two_character_names() == want
    assert {"陈述", "祝贺", "权威"} <= want and not {"格里芬", "苏莱曼"} & want
