"""Claims extraction on the real seed pages and on short invented variants."""

from __future__ import annotations

import re
from pathlib import Path

import opencc
import pytest

from storyline.analyze.claims import extract_claims
from storyline.records import Analysis, Article, Claim, Comment

_T2S = opencc.OpenCC("t2s")
_FLOOR = re.compile(r"^(\d+) 楼$")


def _analysis_for(article: Article) -> Analysis:
    canon = tuple(_T2S.convert(p).lower() for p in article.paragraphs)
    return Analysis(
        article_id=article.id,
        script="zh-Hans",
        canonical_title=_T2S.convert(article.title).lower(),
        canonical_paragraphs=canon,
        display_title=article.title,
        display_paragraphs=article.paragraphs,
    )


def read_seed(path: Path) -> Article:
    """A plain line reading of a seed dump: body between header and footer, floors as comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    floors = [i for i, line in enumerate(lines) if _FLOOR.match(line.strip())]
    concept = next((i for i, line in enumerate(lines) if line.startswith(("概念", "概念"))), None)
    if concept is not None:  # the concept page: body after 概念:, up to the first blank line
        end = next(i for i in range(concept + 1, len(lines)) if not lines[i].strip())
        body = [line for line in lines[concept + 1 : end] if line.strip()]
        return Article(url=f"file://{path.name}", outlet="88iv", title=lines[4], paragraphs=tuple(body))
    outlet_line = next(i for i, line in enumerate(lines) if line.strip().endswith("评论")) + 1
    body = [line.strip() for line in lines[outlet_line + 1 : floors[0] - 1] if line.strip()]
    comments = tuple(
        Comment(
            floor=int(_FLOOR.match(lines[i].strip()).group(1)),
            author=lines[i - 1].strip(),
            text=lines[i + 1].strip(),
        )
        for i in floors
    )
    return Article(
        url=f"file://{path.name}",
        outlet=lines[outlet_line].strip(),
        title=lines[0],
        paragraphs=tuple(body),
        comments=comments,
    )


def seed_claims(paths: list[Path]) -> list[Claim]:
    out: list[Claim] = []
    for p in paths:
        art = read_seed(p)
        out += extract_claims(art, _analysis_for(art))
    return out


def _rows(claims: list[Claim]) -> list[tuple]:
    return [(c.speaker, c.subject, c.measure, c.value, c.unit, c.qualifier) for c in claims]


@pytest.fixture(scope="module")
def concept_claims(seed_paths: list[Path]) -> list[Claim]:
    return seed_claims(seed_paths[:1])


@pytest.fixture(scope="module")
def thread_claims(seed_paths: list[Path]) -> list[Claim]:
    return seed_claims(seed_paths[1:])


def test_concept_page_restates_500b_nine_times_as_stargate_investment(concept_claims: list[Claim]) -> None:
    usd500 = [c for c in concept_claims if c.value == 5e11 and c.unit == "USD"]
    assert len(usd500) == 9
    assert {(c.subject, c.measure) for c in usd500} == {("星际之门", "investment")}
    # the original traditional-script span is what is shown
    assert {c.text for c in usd500} == {"5000億美元", "5000億", "5,000億美元"}


def test_concept_page_every_figure(concept_claims: list[Claim]) -> None:
    got = {(c.value, c.unit) for c in concept_claims}
    for want in [
        (3.64e12, "CNY"),
        (3.9e12, "HKD"),
        (1e5, "jobs"),
        (1e11, "USD"),
        (2e11, "USD"),
        (1e10, "USD"),
    ]:
        assert want in got
    initial = [c for c in concept_claims if c.measure == "initial investment"]
    assert {(c.subject, c.value) for c in initial} == {("星际之门", 1e11)}
    assert len(initial) == 4


def test_musk_softbank_shortfall_is_his_claim_in_both_seeds(concept_claims, thread_claims) -> None:
    for claims in (concept_claims, thread_claims):
        musk = [c for c in claims if c.speaker == "马斯克" and c.measure == "cash"]
        assert _rows(musk) == [("马斯克", "软银", "cash", 1e10, "USD", "far under")]


def test_thread_article_sources_and_subjects(thread_claims: list[Claim]) -> None:
    body = [c for c in thread_claims if c.floor is None and c.measure != "refutation"]
    assert _rows(body) == [
        ("RFI华语", "星际之门", "investment", 5e11, "USD", "up to"),
        ("RFI华语", "星际之门", "jobs", 1e5, "jobs", "over"),
        ("马斯克", "软银", "cash", 1e10, "USD", "far under"),
        ("CNN消息人士", "软银", "cash", 2.43e10, "USD", ""),
        ("CNN消息人士", "MGX", "committed capital", 1e11, "USD", ""),
        ("CNN消息人士", "甲骨文", "cash", 1.1e10, "USD", ""),
        ("CNN消息人士", "OpenAI", "raised", 1e10, "USD", "over"),
        ("纳德拉", "微软", "investment", 8e9, "USD", ""),
    ]
    assert {c.speaker_kind for c in body} == {"outlet", "person", "unnamed"}
    assert all(c.paragraph >= 0 and c.article_id for c in body)


def test_thread_readers_figures_with_floor(thread_claims: list[Claim]) -> None:
    readers = [c for c in thread_claims if c.floor is not None]
    assert all(c.speaker_kind == "reader" and c.paragraph == -1 for c in readers)
    by_floor = {(c.floor, c.value, c.unit) for c in readers}
    for want in [
        (9, 5e11, "USD"),
        (15, 3e11, "USD"),
        (35, 8e10, "USD"),
        (46, 1e5, "GPUs"),
        (46, 7.8e13, "JPY"),
        (46, 1.5e13, "JPY"),
        (46, 3.8e12, "JPY"),
        (46, 2.9e13, "JPY"),
        (46, 1e12, "JPY"),
        (47, 5e9, "JPY"),
        (47, 5e7, "USD"),
    ]:
        assert want in by_floor
    floor35 = [c for c in readers if c.floor == 35 and c.value == 8e10]
    assert {(c.speaker, c.subject, c.timeframe) for c in floor35} == {("蓝天大地", "微软", "per year")}
    sbg = [c for c in readers if c.floor == 46 and c.subject == "软银"]
    assert {(c.measure, c.qualifier) for c in sbg} == {
        ("committed capital", "at least"),
        ("cash", ""),
        ("valuation", ""),
    }


def test_altman_and_the_cnn_source_refute_musk(thread_claims: list[Claim]) -> None:
    ref = [(c.speaker, c.subject, c.text) for c in thread_claims if c.measure == "refutation"]
    assert ref == [("奥尔特曼", "马斯克", "这是错的"), ("CNN消息人士", "马斯克", "不属实")]


def test_claim_ids_are_stable_and_unique(seed_paths: list[Path]) -> None:
    a, b = seed_claims(seed_paths), seed_claims(seed_paths)
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)


def _article(*paragraphs: str, comments: tuple[Comment, ...] = ()) -> tuple[Article, Analysis]:
    art = Article(
        url="https://example.org/x", outlet="Example", title="t", paragraphs=paragraphs, comments=comments
    )
    return art, _analysis_for(art)


def test_english_speaker_and_amount() -> None:
    art, an = _article("Acme Corp will invest $500 billion over four years, Trump said.")
    (c,) = extract_claims(art, an)
    assert (c.value, c.unit, c.timeframe, c.text) == (5e11, "USD", "4 years", "$500 billion")


def test_unnamed_source_carries_to_the_next_sentence_and_this_source() -> None:
    art, an = _article(
        "路透社援引一位知情人士称,该计划不会改变。根据财报,微软现金为300亿美元。",
        "这位知情人士还指出,甲骨文拥有110亿美元现金。",
    )
    claims = extract_claims(art, an)
    assert [(c.speaker, c.speaker_kind, c.subject, c.measure) for c in claims] == [
        ("路透社消息人士", "unnamed", "微软", "cash"),
        ("路透社消息人士", "unnamed", "甲骨文", "cash"),
    ]


def test_possessive_my_is_the_speakers_company() -> None:
    art, an = _article("微软首席执行官纳德拉在采访时表示:“我的80亿美元是可以提供的。”")
    (c,) = extract_claims(art, an)
    assert (c.speaker, c.subject, c.value) == ("纳德拉", "微软", 8e9)


def test_bare_amount_in_a_comment_takes_the_articles_currency() -> None:
    art, an = _article(
        "星际之门计划投资5000亿美元。", comments=(Comment(floor=1, author="读者甲", text="5000 亿太多"),)
    )
    claims = extract_claims(art, an)
    reader = [c for c in claims if c.floor == 1]
    assert [(c.speaker, c.unit, c.subject, c.paragraph) for c in reader] == [
        ("读者甲", "USD", "星际之门", -1)
    ]


def test_malformed_text_yields_no_claims_and_no_error() -> None:
    art, an = _article("1.2.3亿 亿亿 ¥¥ 的说法不实", "")
    assert extract_claims(art, an) == ()
