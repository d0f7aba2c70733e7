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
    rows = ledger_rows([_c("a", 1e10), _c("bb", 1.02e10), _c("ccc", 5e10)])
    assert [(r.value, len(r.claims), r.speakers, r.contradicted) for r in rows] == [
        (1e10, 2, ("a", "bb"), True),
        (5e10, 1, ("ccc",), True),
    ]
