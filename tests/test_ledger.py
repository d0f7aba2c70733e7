"""The claims ledger on the seed story and on invented claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.records import Claim
from storyline.stories.ledger import build_ledger, contradiction_kind, ledger_rows, to_base
from test_claims import seed_claims


@pytest.fixture(scope="module")
def ledger(seed_paths: list[Path]) -> tuple[Claim, ...]:
    return build_ledger(seed_claims(seed_paths))


def _pairs(claims: tuple[Claim, ...]) -> set[tuple[str, str, str, str, str]]:
    by_id = {c.id: c for c in claims}
    out = set()
    for c in claims:
        for other in map(by_id.get, c.contradicts):
            out.add((c.subject, c.measure, c.speaker, other.speaker, contradiction_kind(c, other)))
    return out


def test_seed_ledger_flags_softbank_cash_musk_vs_cnn_source(ledger) -> None:
    pairs = _pairs(ledger)
    assert ("软银", "cash", "马斯克", "CNN消息人士", "range") in pairs
    assert ("软银", "cash", "马斯克", "驻日评论员", "range") in pairs  # 3.8万亿日元 on hand


def test_seed_ledger_flags_microsoft_tenfold_slip(ledger) -> None:
    assert ("微软", "investment", "纳德拉", "蓝天大地", "magnitude") in _pairs(ledger)


def test_seed_ledger_has_only_the_two_disputes(ledger) -> None:
    assert {(s, m) for s, m, *_ in _pairs(ledger)} == {("软银", "cash"), ("微软", "investment")}


def test_restated_500b_is_one_row_with_many_sources_and_no_contradiction(ledger) -> None:
    rows = [r for r in ledger_rows(ledger) if r.subject == "星际之门" and r.measure == "investment"]
    top = rows[0]
    assert (top.value, top.unit, top.contradicted) == (5e11, "USD", False)
    assert len(top.claims) >= 15
    # the equivalents in other currencies are the same claim
    assert {(c.value, c.unit) for c in top.claims} >= {(3.64e12, "CNY"), (3.9e12, "HKD"), (7.8e13, "JPY")}
    assert {"特朗普", "RFI华语", "孙正义"} <= set(top.speakers)
    assert not any(c.contradicts for c in top.claims)


def test_musks_figures_are_linked_to_their_refutations(ledger) -> None:
    by_id = {c.id: c for c in ledger}
    musk = [c for c in ledger if c.speaker == "马斯克" and c.measure == "cash"]
    assert len(musk) == 2
    for c in musk:
        assert {by_id[r].speaker for r in c.refuted_by} == {"奥尔特曼", "CNN消息人士"}


def test_softbank_cash_row_joins_dollars_and_yen(ledger) -> None:
    (row,) = [
        r for r in ledger_rows(ledger) if r.subject == "软银" and r.measure == "cash" and r.value == 2.43e10
    ]
    assert set(row.speakers) == {"CNN消息人士", "驻日评论员"}
    assert row.contradicted


def _c(id_: str, value: float, unit: str = "USD", qualifier: str = "", **kw) -> Claim:
    # Each claim from its own report, its subject named in its clause, its referent read: the
    # conditions under which figures may contradict at all (tests below vary one at a time).
    base = {
        "subject": "S",
        "measure": "cash",
        "speaker": id_,
        "article_id": f"a-{id_}",
        "paragraph": len(id_),
        "referent_key": "cash",
        "kind": "level",
        "subject_basis": "clause",
    }
    base.update(kw)
    return Claim(value=value, unit=unit, text=str(value), qualifier=qualifier, id=id_, **base)


def test_qualifiers_decide_compatibility() -> None:
    got = build_ledger(
        [
            _c("x", 1e10, qualifier="over"),
            _c("yy", 2e10),
            _c("zzz", 5e9, qualifier="under"),
            _c("wwww", 3e10, qualifier="at least"),
        ]
    )
    assert {c.id: c.contradicts for c in got} == {
        "x": ("zzz",),
        "yy": ("wwww", "zzz"),
        "zzz": ("wwww", "x", "yy"),
        "wwww": ("yy", "zzz"),
    }


def test_currency_equivalents_agree_within_stated_tolerance() -> None:
    got = build_ledger(
        [
            _c("u", 5e11),
            _c("cc", 3.64e12, "CNY", "about"),
            _c("hhh", 3.9e12, "HKD"),
            _c("jjjj", 7.8e13, "JPY"),
        ]
    )
    assert all(len(c.agrees_with) == 3 and not c.contradicts for c in got)


def test_dated_rate_table_for_an_old_figure() -> None:
    old = _c("j", 5e9, "JPY", timeframe="in 2015")
    assert to_base(old)[0] == pytest.approx(5e9 / 122.0)
    got = build_ledger([old, _c("uu", 5e7, "USD", "about", timeframe="in 2015")])
    assert got[0].agrees_with == ("uu",)


def test_same_breath_equivalents_and_hypotheticals_never_contradict() -> None:
    got = build_ledger(
        [
            _c("a", 8e10, paragraph=1, article_id="one"),
            _c("b", 8e9, paragraph=1, article_id="one"),
            _c("c", 2e11, qualifier="hypothetical"),
            _c("d", 8e9, paragraph=2),
        ]
    )
    assert [c.contradicts for c in got] == [("d",), (), (), ("a",)]
    assert got[1].agrees_with == ("d",)


def test_different_time_frames_are_not_a_dispute() -> None:
    got = build_ledger([_c("a", 8e10, timeframe="per year"), _c("bb", 5e11, timeframe="4 years")])
    assert [c.contradicts for c in got] == [(), ()]


def test_ledger_rows_fields() -> None:
    rows = ledger_rows(build_ledger([_c("a", 1e10), _c("bb", 1.02e10), _c("ccc", 5e10)]))
    assert [(r.value, len(r.claims), r.speakers, r.contradicted) for r in rows] == [
        (1e10, 2, ("a", "bb"), True),
        (5e10, 1, ("ccc",), True),
    ]


# --- what is compared with what (issue 24) ---------------------------------------------------


def _flagged(claims: tuple[Claim, ...]) -> set[frozenset[str]]:
    return {frozenset((c.id, o)) for c in claims for o in c.contradicts}


def test_seed_story_flags_exactly_the_two_disputes_each_with_both_speakers_and_a_reason(ledger) -> None:
    by_id = {c.id: c for c in ledger}
    pairs = {
        (by_id[a].subject, frozenset({by_id[a].speaker, by_id[b].speaker}))
        for a, b in (sorted(p) for p in _flagged(ledger))
    }
    assert pairs == {
        ("软银", frozenset({"马斯克", "CNN消息人士"})),
        ("软银", frozenset({"马斯克", "驻日评论员"})),
        ("微软", frozenset({"纳德拉", "蓝天大地"})),
    }
    for c in ledger:
        reasons = dict(c.contradiction_reasons)
        assert set(reasons) == set(c.contradicts)
        for other, why in reasons.items():
            assert f"subject={c.subject}" in why and f"referent={c.referent_key}" in why, why
            assert "cannot both hold" in why
            assert by_id[other].referent_key == c.referent_key


def test_one_article_never_contradicts_itself(ledger) -> None:
    by_id = {c.id: c for c in ledger}
    for a, b in (tuple(p) for p in _flagged(ledger)):
        x, y = by_id[a], by_id[b]
        assert (x.article_id, x.floor) != (y.article_id, y.floor)


def test_a_shortfall_guess_is_not_refuted_by_a_denial(ledger) -> None:
    (guess,) = [c for c in ledger if c.floor == 35 and c.value == 5e11]
    assert (guess.qualifier, guess.modality) == ("under", "possible")
    assert guess.refuted_by == () and guess.contradicts == ()


def test_match_key_buckets_by_subject_referent_denominator_kind_and_unit(ledger) -> None:
    from storyline.stories.ledger import match_key

    musk = [c for c in ledger if c.speaker == "马斯克" and c.measure == "cash"]
    cnn = [c for c in ledger if c.speaker == "CNN消息人士" and c.subject == "软银"]
    assert {match_key(c) for c in musk + cnn} == {("软银", "cash", "cash", "", "level", "USD")}


def test_subjectless_inferred_or_ambiguous_subjects_never_contradict() -> None:
    for kw in ({"subject": ""}, {"subject_basis": "context"}, {"subject_basis": "ambiguous"}):
        got = build_ledger([_c("a", 1e10, **kw), _c("bb", 8e10, **kw)])
        assert [c.contradicts for c in got] == [(), ()], kw


def test_figures_of_one_article_never_contradict_even_in_other_paragraphs() -> None:
    got = build_ledger(
        [_c("a", 1e10, article_id="x", paragraph=1), _c("bb", 8e10, article_id="x", paragraph=5)]
    )
    assert [c.contradicts for c in got] == [(), ()]
    # two readers of one thread are two sources
    got = build_ledger([_c("a", 1e10, article_id="x", floor=1), _c("bb", 8e10, article_id="x", floor=2)])
    assert [c.contradicts for c in got] == [("bb",), ("a",)]


def test_rates_changes_and_parts_are_never_set_against_totals() -> None:
    total = _c("t", 1.2e10, "CNY")
    for kw in (
        {"kind": "rate", "denominator": "per km"},
        {"kind": "change"},
        {"kind": "part"},
    ):
        got = build_ledger([total, _c("other", 1.5e9, "CNY", **kw)])
        assert [c.contradicts for c in got] == [(), ()], kw
        assert [c.agrees_with for c in got] == [(), ()], kw
    # two parts of one total are parts, not a dispute
    got = build_ledger([_c("p", 4.45e9, kind="part"), _c("q", 4e9, kind="part", article_id="z")])
    assert [c.contradicts for c in got] == [(), ()]


def test_hypotheticals_guesses_and_questions_are_never_part_of_a_contradiction() -> None:
    for modality in ("hypothetical", "possible", "question"):
        got = build_ledger([_c("a", 1.2e10), _c("bb", 1.2e9, modality=modality)])
        assert [c.contradicts for c in got] == [(), ()], modality


def test_different_referents_or_an_unknown_referent_are_different_figures_at_most() -> None:
    got = build_ledger([_c("a", 1e10), _c("bb", 8e10, referent_key="budget")])
    assert [c.contradicts for c in got] == [(), ()]
    got = build_ledger([_c("a", 1e10), _c("bb", 8e10, referent_key="")])
    assert [c.contradicts for c in got] == [(), ()]
    # same referent, but one figure is dated and the other is not: side by side, not a dispute
    got = build_ledger([_c("a", 1e10, timeframe="in 2018"), _c("bb", 8e10)])
    assert [(c.contradicts, c.differs_from) for c in got] == [((), ("bb",)), ((), ("a",))]


def test_an_unstated_yearly_frame_may_restate_a_stated_one() -> None:
    got = build_ledger([_c("a", 8e9), _c("bb", 8e10, timeframe="per year")])
    assert [c.contradicts for c in got] == [("bb",), ("a",)]
    assert "timeframe=per year (one side unstated)" in got[0].contradiction_reasons[0][1]


def test_a_claim_and_its_translation_agree() -> None:
    en = _c("en", 5e11, referent_key="fdi", subject="印度")
    zh = _c("zh", 3.64e12, "CNY", "about", referent_key="fdi", subject="印度")
    got = build_ledger([en, zh])
    assert [(c.agrees_with, c.contradicts) for c in got] == [(("zh",), ()), (("en",), ())]


def test_records_without_kinds_are_never_flagged() -> None:
    # Claims stored before referents were read: too little is known to accuse anyone.
    got = build_ledger([_c("a", 1e10, kind="", referent_key=""), _c("bb", 8e10, kind="", referent_key="")])
    assert [c.contradicts for c in got] == [(), ()]


def test_ledger_is_deterministic_whatever_the_input_order(ledger) -> None:
    shuffled = list(reversed(ledger))
    again = {c.id: c for c in build_ledger([replace_links(c) for c in shuffled])}
    for c in ledger:
        got = again[c.id]
        assert (got.contradicts, got.agrees_with, got.contradiction_reasons, got.differs_from) == (
            c.contradicts,
            c.agrees_with,
            c.contradiction_reasons,
            c.differs_from,
        )


def replace_links(c: Claim) -> Claim:
    from dataclasses import replace

    return replace(
        c, contradicts=(), agrees_with=(), refuted_by=(), contradiction_reasons=(), differs_from=()
    )


# --- the packaged demo corpus (its tunnel story prints a tenfold slip in a traditional source) ---


@pytest.fixture(scope="module")
def demo_ledger() -> tuple[tuple[Claim, ...], dict[str, str]]:
    from importlib import resources

    from storyline.pipeline import analyze_article
    from storyline.records import RawInput
    from storyline.sources import parse_input

    data = resources.files("storyline").joinpath("demo/sample.jsonl").read_bytes()
    articles = parse_input(RawInput(name="sample.jsonl", data=data, media_type="application/x-ndjson"))
    outlets = {}
    claims = []
    for article in articles:
        article, analysis = analyze_article(article)
        outlets[article.id] = article.outlet
        claims += analysis.claims
    return tuple(replace_links(c) for c in build_ledger(claims)), outlets


def test_demo_every_claim_has_a_subject_in_both_scripts(demo_ledger) -> None:
    claims, outlets = demo_ledger
    assert claims and all(c.subject for c in claims if c.measure != "refutation")
    hant = [c for c in claims if outlets[c.article_id] in {"東方快訊", "港灣時報"}]
    assert {c.subject for c in hant} >= {"跨海铁路隧道", "衡芯半导体"}


def test_demo_tenfold_slip_is_flagged_and_rates_changes_questions_are_not(demo_ledger) -> None:
    claims, outlets = demo_ledger
    claims = build_ledger(claims)
    by_id = {c.id: c for c in claims}
    flagged = {
        frozenset(
            {(outlets[by_id[a].article_id], by_id[a].text), (outlets[by_id[b].article_id], by_id[b].text)}
        )
        for a, b in (sorted(p) for p in _flagged(claims))
    }
    slip = ("港灣時報", "12億元")
    assert flagged == {
        frozenset({slip, ("晨星日报", "120亿元")}),
        frozenset({slip, ("Harbor Ledger", "12 billion yuan")}),
        # these two sentences name no subject: the article's one project is theirs
        frozenset({slip, ("北岸新闻网", "120亿元")}),
        frozenset({slip, ("東方快訊", "120億元")}),
        # 2000 vs 3000 jobs for the same plant, by two outlets: the demo's other disagreement
        frozenset({("晨星日报", "2000个就业岗位"), ("東方快訊", "3000個就業崗位")}),
    }
    rate = next(c for c in claims if c.text == "18亿")
    change = next(c for c in claims if c.text == "15亿元")
    question = next(c for c in claims if c.text == "12亿")
    assert (rate.kind, rate.denominator, change.kind, question.modality) == (
        "rate",
        "per km",
        "change",
        "question",
    )
    assert not (rate.contradicts or change.contradicts or question.contradicts)
