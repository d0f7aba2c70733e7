"""Every flag explains itself: the reason on the story page's ledger and in the export."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

import ledger_eval as ev
from storyline.export import claim_export
from storyline.web.ledger_view import claim_rows
from storyline.web.render import partial


@pytest.fixture(scope="module")
def seed_ledger(seed_paths: list[Path]):
    return ev.story_ledger(ev.seed_articles(seed_paths))


def test_export_contradictions_carry_the_matched_fields(seed_ledger) -> None:
    exported = [claim_export(c) for c in seed_ledger]
    flagged = [c for c in exported if c["contradicts"]]
    assert flagged
    for c in flagged:
        assert [x["id"] for x in c["contradictions"]] == c["contradicts"]
        for x in c["contradictions"]:
            assert x["matched"]["subject"] == c["subject"]
            assert x["matched"]["referent"] == c["referent_key"]
            assert set(x["matched"]) == {"subject", "measure", "referent", "denominator", "timeframe", "kind"}
            assert "cannot both hold" in x["reason"]
    nadella = next(c for c in flagged if c["speaker"] == "纳德拉")
    # the reader's "每年800亿(80B)": both forms of the one figure, a year, against Nadella's 80亿
    assert len(nadella["contradictions"]) == 2
    assert {why["matched"]["timeframe"] for why in nadella["contradictions"]} == {
        "per year (one side unstated)"
    }
    assert (nadella["kind"], nadella["referent_key"], nadella["subject_basis"]) == (
        "level",
        "investment",
        "clause",
    )


def test_story_page_ledger_shows_why_each_row_is_flagged(seed_ledger) -> None:
    rows = claim_rows(seed_ledger, {}, {}, None)
    assert [r["n"] for r in rows] == list(range(1, len(rows) + 1))  # numbered as shown
    doc = lxml.html.fromstring(partial("_ledger.html", claims=rows))
    flagged = doc.cssselect("tr.contradicted")
    assert flagged and flagged[0].get("id") == "claim-row-1"  # the disputes come first
    for tr in flagged:
        whys = [w.text_content() for w in tr.cssselect(".marks .why")]
        assert whys, tr.text_content()
        assert all(
            w.split(" ", 1)[1].startswith("相同：对象 ") and "所指" in w and "类型 数额" in w for w in whys
        )
    softbank = next(tr for tr in flagged if "软银" in tr.text_content())
    assert "对象 软银 · 所指 现金" in softbank.cssselect(".why")[0].text_content()


def test_story_page_shows_guesses_and_questions_apart(seed_ledger) -> None:
    rows = claim_rows(seed_ledger, {}, {}, None)
    apart = {r["apart"] for r in rows if r["apart"]}
    assert {"假设", "推测", "被否认"} <= apart
    for r in rows:
        if r["apart"]:
            assert not r["contradicts"]


def test_reasons_are_worded_in_chinese(seed_ledger) -> None:
    rows = claim_rows(seed_ledger, {}, {}, None)
    whys = [why for r in rows for _, why in r["why"]]
    microsoft = next(w for w in whys if "微软" in w)
    assert microsoft == "相同：对象 微软 · 所指 投资 · 分母 — · 时间 每年（一方未说明） · 类型 数额"
    assert not any(ch.isascii() and ch.isalpha() for w in whys for ch in w)


def test_rows_not_asserted_as_facts_come_after_the_facts(seed_ledger) -> None:
    rows = claim_rows(seed_ledger, {}, {}, None)
    apart = [r["n"] for r in rows if r["apart"] and not r["refuted"]]
    facts = [r["n"] for r in rows if not r["apart"] and not r["contradicts"] and not r["refuted"]]
    assert apart and facts and min(apart) > max(facts)
