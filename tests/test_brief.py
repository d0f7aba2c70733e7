"""The story brief on the seed story: extractive sentences, both disputes, above everything else."""

from __future__ import annotations

import pytest

from semeval_texts import zh_en_texts
from storyline.normalize import canonical
from storyline.stories import brief
from storyline.stories.brief import split_sentences


def test_sentences_split_after_end_punctuation_in_both_languages():
    assert split_sentences("他说：“没钱。”软银回应称有钱！ It rose 5%. Then it fell.") == [
        "他说：“没钱。”",
        "软银回应称有钱！",
        "It rose 5%.",
        "Then it fell.",
    ]


@pytest.fixture(scope="module")
def seed_story(tmp_path_factory, seed_paths):
    from storyline import Settings, ingest, open_store

    db = str(tmp_path_factory.mktemp("brief") / "s.db")
    report = ingest(seed_paths, settings=Settings(db=db, use_encoder=False))
    assert report.ok
    with open_store(db) as store:
        (story,) = store.stories(limit=5)
        return story


def test_brief_sentences_are_printed_by_the_sources_and_name_them(seed_story):
    brief = seed_story.brief
    assert 3 <= len(brief.sentences) <= 5
    groups = {g.id: g for g in seed_story.paragraphs}
    for s in brief.sentences:
        assert s.text in groups[s.group_id].text  # extractive: the outlet's own words
        assert s.outlets and set(s.outlets) <= {m.outlet for m in groups[s.group_id].members}
    # each fact once: no sentence repeats another
    assert len({s.text for s in brief.sentences}) == len(brief.sentences)


def test_brief_names_both_seed_disputes_with_their_speakers(seed_story):
    by_id = {c.id: c for c in seed_story.claims}
    sides = [(by_id[a], by_id[b]) for a, b in seed_story.brief.disputes]
    values = [frozenset({(a.speaker, a.value), (b.speaker, b.value)}) for a, b in sides]
    assert frozenset({("马斯克", 1e10), ("CNN消息人士", 2.43e10)}) in values
    assert any({a.value, b.value} == {8e9, 8e10} and a.subject == "微软" for a, b in sides)


def test_candidates_fold_each_sentence_as_canonical_does_on_real_articles(semeval_csv):
    # _candidates folds a text's sentences in one OpenCC call; each must be canonical() of it.
    paragraphs = [
        line for text in zh_en_texts(semeval_csv, 200) for line in text.splitlines() if line.strip()
    ]
    brief._CANDIDATES.clear()
    got = [brief._candidates(p) for p in paragraphs]
    want = [
        [
            (si, s, canonical(s), brief._folded_pairs(canonical(s)))
            for si, s in enumerate(split_sentences(p))
            if brief.MIN_CHARS <= len(s) <= brief.MAX_CHARS
        ]
        for p in paragraphs
    ]
    assert got == want
    assert sum(map(len, got)) > 1000


def test_text_cache_is_bounded_by_characters_and_drops_the_least_recently_used():
    cache = brief._TextCache(10)
    cache.put("aaaa", [1])
    cache.put("bbbb", [2])
    assert cache.get("aaaa") == [1]  # now the most recent
    cache.put("cccc", [3])  # 12 characters: the least recent (bbbb) goes
    assert cache.get("bbbb") is None and cache.get("aaaa") == [1] and cache.get("cccc") == [3]
    assert (len(cache), cache.chars) == (2, 8)
    cache.put("aaaa", [4])  # put again: counted once
    assert (len(cache), cache.chars, cache.get("aaaa")) == (2, 8, [4])
    cache.put("x" * 50, [5])  # longer than the bound: kept alone, the rest goes
    assert (len(cache), cache.chars) == (1, 50)
    cache.clear()
    assert (len(cache), cache.chars) == (0, 0)
