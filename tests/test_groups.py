"""Verified, incremental paragraph groups: one fact once, every outlet (and script) named."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import msgspec
import opencc
import pytest

from storyline.dedup.groups import (
    MIN_SENTENCE_SHINGLES,
    PARAGRAPH_BANDS,
    SENTENCE_BANDS,
    ParagraphIndex,
    group_paragraphs,
    shared_paragraph_score,
)
from storyline.dedup.shingles import shingles, split_sentences
from storyline.errors import InputError
from storyline.records import Analysis, Article

_T2S = opencc.OpenCC("t2s")


def canonical(text: str) -> str:
    return unicodedata.normalize("NFKC", _T2S.convert(text)).lower()


def body_paragraphs(path: Path) -> list[str]:
    """The longest run of long lines (blank lines between allowed): the body, simply taken."""
    best: list[str] = []
    run: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        if len(line.strip()) >= 50:
            run.append(line.strip())
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    return best


def add(idx: ParagraphIndex, article_id: str, outlet: str, script: str, paragraphs: list[str]) -> None:
    idx.add_article(article_id, outlet, script, [canonical(p) for p in paragraphs], paragraphs)


@pytest.fixture(scope="module")
def seed_bodies(seed_paths) -> tuple[list[str], list[str]]:
    return body_paragraphs(seed_paths[0]), body_paragraphs(seed_paths[1])


@pytest.fixture(scope="module")
def seed_index(seed_bodies) -> ParagraphIndex:
    idx = ParagraphIndex()
    add(idx, "concept-page", "88iv", "zh-Hant", seed_bodies[0])
    add(idx, "rfi", "RFI华语", "zh-Hans", seed_bodies[1])
    return idx


def test_seed_bodies_are_taken_whole(seed_bodies):
    assert (len(seed_bodies[0]), len(seed_bodies[1])) == (18, 12)


def test_seed_pages_share_the_private_relationship_paragraph_across_scripts(seed_index, seed_bodies):
    (group,) = [
        g for g in seed_index.groups() if any(m.sentence is None and m.outlet == "RFI华语" for m in g.members)
    ]
    by_outlet = {(m.outlet, m.script, m.sentence): m for m in group.members}
    hant = by_outlet[("88iv", "zh-Hant", None)]
    hans = by_outlet[("RFI华语", "zh-Hans", None)]
    assert hant.text.startswith("報道稱,馬斯克與特朗普有著密切的私人關系")
    assert hans.text.startswith("马斯克与特朗普有着密切的私人关系")
    assert group.text == hant.text  # the longer version is the representative
    assert hant.similarity == 1.0 and 0.7 < hans.similarity < 1.0


def test_seed_pages_have_exactly_the_accepted_multi_member_groups(seed_index, seed_bodies):
    # Checked by eye: the concept page's paragraph 0 and RFI's paragraph 5 are the same fact
    # (Musk's close ties, backer and adviser; his doubt challenges the plan), and sentence 4
    # of the concept page's paragraph 2 restates exactly that. Nothing else repeats as a fact.
    multi = {
        tuple(
            sorted(
                (m.article_id, m.position, m.sentence if m.sentence is not None else -1) for m in g.members
            )
        )
        for g in seed_index.all_groups()
        if len(g.members) > 1
    }
    assert multi == {(("concept-page", 0, -1), ("concept-page", 2, 4), ("rfi", 5, -1))}
    assert split_sentences(canonical(seed_bodies[0][2]))[4].startswith("马斯克曾是特朗普的主要财务支持者")


def test_every_seed_paragraph_is_in_exactly_one_home_group(seed_index, seed_bodies):
    homes = [
        (m.article_id, m.position) for g in seed_index.all_groups() for m in g.members if m.sentence is None
    ]
    assert sorted(homes) == sorted(
        [("concept-page", i) for i in range(len(seed_bodies[0]))]
        + [("rfi", i) for i in range(len(seed_bodies[1]))]
    )
    assert len(seed_index.all_groups()) == 18 + 12 - 1
    # first appearance first: the concept page was added first
    assert next(m.position for m in seed_index.all_groups()[0].members if m.article_id == "concept-page") == 0


def test_shared_score_of_the_seeds_is_the_copied_sentences_of_the_shorter(seed_bodies):
    a = [canonical(p) for p in seed_bodies[0]]
    b = [canonical(p) for p in seed_bodies[1]]

    def size(sentences):
        return sum(n for n in (len(shingles(s)) for s in sentences) if n >= MIN_SENTENCE_SHINGLES)

    total = size(s for p in b for s in split_sentences(p))
    copied = size(split_sentences(b[5]))
    assert shared_paragraph_score(a, b) == pytest.approx(copied / total)
    assert shared_paragraph_score(b, a) == shared_paragraph_score(a, b)
    assert shared_paragraph_score(b, b) == 1.0


def test_incremental_index_extends_after_saving(seed_bodies):
    whole = ParagraphIndex()
    add(whole, "concept-page", "88iv", "zh-Hant", seed_bodies[0])
    add(whole, "rfi", "RFI华语", "zh-Hans", seed_bodies[1])

    first = ParagraphIndex()
    add(first, "concept-page", "88iv", "zh-Hant", seed_bodies[0])
    ids_before = [g.id for g in first.all_groups()]
    later = ParagraphIndex.from_bytes(first.to_bytes())
    add(later, "rfi", "RFI华语", "zh-Hans", seed_bodies[1])
    assert later.all_groups() == whole.all_groups()
    assert [g.id for g in later.all_groups()][: len(ids_before)] == ids_before  # old groups keep ids


# ---- invented variants ---------------------------------------------------------------------

FACT = "星际之门计划由OpenAI、甲骨文和日本软银等科技公司合作,目的是在未来四年内投入高达五千亿美元,来建设美国的人工智能基础设施。"
FACT2 = "根据软银最新的财报,该公司现金余额为二百四十三亿美元,并且有足够的能力兑现承诺,消息人士如此表示。"
DOUBT = "马斯克随即对此计划表示质疑,称他们实际上没有钱,软银的资金远低于一百亿美元。"
OTHER = "微软首席执行官纳德拉在周三接受电视采访时表示,他所知道的是自己的八百亿美元是可以提供的。"


def test_traditional_copy_joins_and_names_both_scripts():
    idx = ParagraphIndex()
    add(idx, "a", "RFI", "zh-Hans", [FACT])
    add(
        idx,
        "b",
        "星岛",
        "zh-Hant",
        [
            "星際之門計劃由OPENAI、甲骨文和日本軟銀等科技公司合作,目的是在未來四年內投入高達五千億美元,來建設美國的人工智能基礎設施。"
        ],
    )
    (g,) = idx.groups()
    assert [(m.outlet, m.script, m.position) for m in g.members] == [
        ("RFI", "zh-Hans", 0),
        ("星岛", "zh-Hant", 0),
    ]


def test_most_complete_version_becomes_the_representative():
    idx = ParagraphIndex()
    add(idx, "a", "A", "zh-Hans", [FACT[:40]])
    add(idx, "b", "B", "zh-Hans", ["报道称," + FACT + "该计划由孙正义担任董事长。"])
    (g,) = idx.groups()
    assert g.text.startswith("报道称,") and g.id == idx.all_groups()[0].id
    assert [m.similarity for m in g.members] == [1.0, 1.0]  # the trimmed copy is wholly inside


def test_different_facts_of_one_story_stay_apart():
    idx = ParagraphIndex()
    add(idx, "a", "A", "zh-Hans", [FACT, FACT2])
    add(idx, "b", "B", "zh-Hans", [OTHER, DOUBT])
    assert idx.groups() == ()
    assert len(idx.all_groups()) == 4


def test_a_paragraph_repeating_one_sentence_links_that_sentence_only():
    idx = ParagraphIndex()
    add(idx, "a", "A", "zh-Hans", [DOUBT + FACT2])
    add(idx, "b", "B", "zh-Hans", [OTHER + FACT2])
    groups = idx.all_groups()
    assert len(groups) == 2  # each paragraph says something the other does not: both stay shown
    member = groups[0].members[1]
    assert (member.article_id, member.position, member.sentence) == ("b", 0, 1)
    assert member.text == FACT2 and member.similarity == 1.0
    assert [len(g.members) for g in idx.groups()] == [2]


def test_chains_do_not_merge_through_a_member():
    # B is a trimmed copy of A (joins A). C shares B's text plus new words not in A: it is
    # checked against A, the representative, and must keep its own group.
    idx = ParagraphIndex()
    add(idx, "a", "A", "zh-Hans", [FACT + FACT2])
    add(idx, "c", "C", "zh-Hans", [FACT + OTHER + "这是另一段完全不同的说明文字,讲的是别的事情。"])
    homes = {m.article_id: g.id for g in idx.all_groups() for m in g.members if m.sentence is None}
    assert homes["a"] != homes["c"]


def test_a_paragraph_wholly_inside_another_joins_it_as_a_whole():
    idx = ParagraphIndex()
    add(idx, "a", "A", "zh-Hans", [FACT2])
    add(idx, "b", "B", "zh-Hans", [OTHER + FACT2])
    (g,) = idx.all_groups()  # a adds nothing to b's version, so the page shows b's once
    assert g.text == OTHER + FACT2
    assert [(m.article_id, m.sentence, m.similarity) for m in g.members] == [
        ("a", None, 1.0),
        ("b", None, 1.0),
    ]


def test_same_article_twice_is_ignored_and_mismatched_forms_raise():
    idx = ParagraphIndex()
    add(idx, "a", "A", "zh-Hans", [FACT])
    add(idx, "a", "A", "zh-Hans", [FACT])
    assert len(idx) == 1
    with pytest.raises(InputError, match="article-x"):
        idx.add_article("article-x", "X", "en", ["one", "two"], ["one"])
    with pytest.raises(InputError, match="paragraph index"):
        ParagraphIndex.from_bytes(b"not msgpack at all")


def test_group_paragraphs_takes_articles_and_analyses():
    arts = [
        Article(url=f"https://example.org/{i}", outlet=o, title="t", paragraphs=(FACT,))
        for i, o in enumerate("AB")
    ]
    items = [(a, Analysis(a.id, "zh-Hans", "t", (FACT,), "t", (FACT,))) for a in arts]
    (g,) = group_paragraphs(items)
    assert [m.article_id for m in g.members] == [arts[0].id, arts[1].id]


def test_near_copies_inside_one_article_group_but_are_not_shown_as_a_repeat():
    idx = ParagraphIndex()
    add(idx, "a", "A", "zh-Hans", [FACT[:40], OTHER, "报道称," + FACT])
    (g, other) = idx.all_groups()
    assert g.text.startswith("报道称,")  # the later, longer copy became the representative
    assert [(m.position, m.similarity) for m in g.members] == [(0, 1.0), (2, 1.0)]
    assert [m.position for m in other.members] == [1]
    assert idx.groups() == ()  # one article repeating itself is not a cross-outlet repeat


def test_memory_is_texts_plus_eight_bytes_per_band_entry(seed_bodies):
    idx = ParagraphIndex()
    add(idx, "concept-page", "88iv", "zh-Hant", seed_bodies[0])
    paragraphs = [canonical(p) for p in seed_bodies[0]]
    long_sentences = sum(len(shingles(s)) >= 5 for p in paragraphs for s in split_sentences(p))
    assert idx.nbytes_lsh == 8 * (PARAGRAPH_BANDS * len(paragraphs) + SENTENCE_BANDS * long_sentences)
    canonical_utf16 = sum(2 * len(p) for p in paragraphs)
    # texts: canonical UTF-16 + the display form's difference (all of it here: traditional
    # script, punctuation widths) + 17 bytes of offsets; then 16 bytes of arrays per paragraph
    assert idx.nbytes - idx.nbytes_lsh <= 2 * canonical_utf16 + (17 + 16) * len(paragraphs)
    assert idx.nbytes < 2_000 * len(paragraphs)


def test_an_index_saved_by_another_version_is_refused_by_name():
    with pytest.raises(InputError, match="format 1, this version reads 2"):
        ParagraphIndex.from_bytes(msgspec.msgpack.encode([1, [], b"", b""]))
    with pytest.raises(InputError, match="damaged"):
        ParagraphIndex.from_bytes(msgspec.msgpack.encode([2, "not a list"]))


def test_restored_index_answers_and_extends_like_the_original():
    idx = ParagraphIndex()
    add(idx, "a", "A", "zh-Hans", [DOUBT + FACT2, FACT])
    add(idx, "b", "B", "zh-Hans", [OTHER + FACT2])
    restored = ParagraphIndex.from_bytes(idx.to_bytes())
    assert restored.all_groups() == idx.all_groups() and restored.nbytes == idx.nbytes
    for index in (idx, restored):
        add(
            index,
            "c",
            "C",
            "zh-Hant",
            [
                "星際之門計劃由OpenAI、甲骨文和日本軟銀等科技公司合作,目的是在未來四年內投入高達五千億美元,來建設美國的人工智能基礎設施。"
            ],
        )
    assert restored.all_groups() == idx.all_groups()
    assert [m.article_id for m in idx.groups()[-1].members] == ["a", "c"]
