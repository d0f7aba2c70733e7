"""Search tokenisation and snippets (storyline.store.bigrams), and the engine query strings built from them."""

from __future__ import annotations

from pathlib import Path

from storyline.records import Article, RawInput
from storyline.store import InputWrite, open_store
from storyline.store.bigrams import fold, fold_with_offsets, index_text, index_tokens, parse_query, snippet
from storyline.store.postgres import redact_url, ts_query, ts_vector
from storyline.store.sqlite import fts_query


def test_fold_converts_traditional_full_width_and_case() -> None:
    assert fold("美國總統ＴＲＵＭＰ發表") == "美国总统trump发表"


def test_cjk_runs_become_overlapping_pairs_and_latin_words_stay_whole() -> None:
    assert index_tokens("川普說: Stargate 5000億") == ["川普", "普说", "说", "stargate", "5000", "亿"]
    assert index_tokens("A_B") == ["a", "b"]  # "_" splits, as FTS5's unicode61 does


def test_texts_are_tokenised_separately_so_no_pair_spans_two_of_them() -> None:
    assert index_text(["标题川", "普正文"]) == "标题 题川 川 普正 正文 文"


def test_query_of_two_or_more_characters_is_a_phrase_of_pairs() -> None:
    units = parse_query("特朗普 川普 普 Trump trump")
    assert [(u.text, u.tokens, u.prefix) for u in units] == [
        ("特朗普", ("特朗", "朗普"), False),
        ("川普", ("川普",), False),
        ("普", ("普",), True),
        ("trump", ("trump",), False),
    ]
    assert fts_query(units) == '"特朗 朗普" AND "川普" AND "普" * AND "trump"'
    assert ts_query(units) == "('特朗' <-> '朗普') & '川普' & '普':* & 'trump'"


def test_query_punctuation_alone_is_no_query() -> None:
    assert parse_query("，。！ ?") == []


def test_tsvector_text_quotes_lexemes_and_keeps_positions() -> None:
    assert ts_vector(["it's", "a\\b", "川普", "川普"]) == "'it''s':1 'a\\\\b':2 '川普':3,4"


def test_snippet_marks_the_published_characters_and_escapes_html() -> None:
    text = "<b>美國</b>總統川普 & 馬斯克"
    assert snippet([text], "总统川普") == "&lt;b&gt;美國&lt;/b&gt;<mark>總統川普</mark> &amp; 馬斯克"


def test_snippet_maps_back_when_folding_changes_the_length() -> None:
    # NFKC expands ㈱ into three characters: the fold is no longer position for position.
    folded, offsets = fold_with_offsets("㈱川普")
    assert folded == "(株)川普" and offsets == [0, 0, 0, 1, 2]
    assert snippet(["㈱川普說"], "川普") == "㈱<mark>川普</mark>說"
    assert snippet(["㈱川普說"], "株") == "<mark>㈱</mark>川普說"


def test_snippet_windows_long_text_around_the_first_match() -> None:
    text = "前" * 200 + "川普" + "後" * 200
    out = snippet([text], "川普", width=40)
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>川普</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) == 42  # 40 characters and two ellipses


def test_snippet_falls_back_to_the_start_when_only_the_title_matched_elsewhere() -> None:
    assert snippet(["第一段", "標題川普"], "川普") == "標題<mark>川普</mark>"
    assert snippet(["第一段<>"], "马斯克") == "第一段&lt;&gt;"


def test_latin_words_are_marked_only_whole() -> None:
    assert snippet(["trumpet Trump川普"], "trump") == "trumpet <mark>Trump</mark>川普"


def test_redact_url_hides_only_the_password() -> None:
    assert redact_url("postgresql://u:pw@db:5432/x") == "postgresql://u:***@db:5432/x"
    assert redact_url("postgresql://u@db/x") == "postgresql://u@db/x"


def test_search_on_a_real_seed_page_finds_a_two_character_word(
    seed_paths: list[Path], tmp_path: Path
) -> None:
    """The traditional, upper-cased concept page: 川普 in simplified finds it, marked in its own script."""
    data = seed_paths[0].read_bytes()
    text = data.decode("utf-8")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    raw = RawInput(name=seed_paths[0].name, data=data)
    art = Article(url="", outlet="seed", title=lines[0], paragraphs=tuple(lines[1:]), raw_sha256=raw.sha256)
    store = open_store(str(tmp_path / "seed.db"))
    store.write_input(InputWrite(raw=raw, articles=[art], analyses=[]))
    assert store.raw(raw.sha256).data == data
    for word in ("星际", "软银"):
        assert word in fold(text)  # printed in traditional script on the page (星際, 軟銀)
        assert word not in text
        hits = store.search(word)
        assert [h.id for h in hits] == [art.id]
        marked = hits[0].snippet.split("<mark>")[1].split("</mark>")[0]
        assert fold(marked) == word and marked in text
    store.close()


def test_a_thread_folded_in_one_call_is_each_text_folded_alone(weibo_dir) -> None:
    """fold_all (the search index folds an article's replies in one OpenCC call) gives fold()
    of each text: on CED replies and on awkward pieces (newlines, full-width, final sigma)."""
    import random

    from storyline.sources import parse_input
    from storyline.store.bigrams import fold_all

    texts = [
        c.text
        for path in sorted((weibo_dir / "original").glob("*.json"))[:12]
        for article in parse_input(RawInput(str(path), path.read_bytes()))
        for c in article.comments
    ]
    rng = random.Random(3)
    pieces = ["軟體", "ＴＲＵＭＰ", "\n", " ", "ΟΔΟΣ", "İ", "㈱", "川普說", ""]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 5))) for _ in range(2_000)]
    assert len(texts) > 3_000
    assert fold_all(texts) == [fold(t) for t in texts]
    # The indexed tokens of each text are those index_tokens reads from the text itself.
    assert [index_tokens(f, folded=True) for f in fold_all(texts)] == [index_tokens(t) for t in texts]
