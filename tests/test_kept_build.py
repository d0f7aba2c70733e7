"""What an ingest keeps of a story's build (stories.kept), updated report by report, equals the
build made anew.

stories.ledger_links.KeptLedger links only the groups a new report's claims join and sets the
links of claims it made in place; after every report its claims must equal ``link_ledger`` of
the same claims (itself held to stories.ledger.build_ledger), on the seed pages with reports
made from their paragraphs (agreements, contradictions), on a denial printed in every report,
on a mixed stream (figures that differ, refutations), and when the claims it is handed do not
continue the last ones. stories.timeline.KeptTimeline likewise equals ``build_timeline``.
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

import pytest

from storyline.records import Claim
from storyline.stories.ledger import build_ledger
from storyline.stories.ledger_links import KeptLedger, link_ledger
from storyline.stories.stance import LedgerVotes, headline_claim
from test_ledger_refutations import _story as _denied_story
from test_story_state import _reports, _seed_members


def _by_report(claims: list[Claim]) -> list[list[Claim]]:
    return [list(g) for _, g in groupby(claims, key=lambda c: c.article_id)]


def _assert_kept_equals_linked(reports: list[list[Claim]]) -> tuple[Claim, ...]:
    kept = KeptLedger()
    claims: list[Claim] = []
    for report in reports:
        claims = claims + report
        linked = link_ledger(claims)
        assert kept.link(claims) == linked
    assert linked == build_ledger(claims)
    return linked


def test_seed_reports_one_by_one_link_as_from_nothing(seed_paths: list[Path]) -> None:
    claims = [c for _, an in _seed_members(seed_paths) + _reports(seed_paths, 24) for c in an.claims]
    linked = _assert_kept_equals_linked(_by_report(claims))
    assert any(c.contradicts for c in linked) and any(c.agrees_with for c in linked)


def _mixed(n: int) -> list[Claim]:
    """Reports of one subject's cash: restated, contradicted, differing, denied, refuted."""
    same = dict(subject="软银", measure="cash", referent_key="cash", kind="level")
    values = (1e10, 1e10, 2.43e10, 1.2e10, 8e10, 1e10)
    claims = []
    for i in range(n):
        aid = f"a{i:03d}"
        v = values[i % len(values)]
        claims.append(
            Claim(
                value=v,
                unit="USD",
                text=f"{v:g}",
                speaker=f"outlet {i % 4}",
                article_id=aid,
                id=f"c{i:03d}",
                subject_basis="clause" if i % 3 else "context",
                **same,
            )
        )
        if i % 5 == 2:
            claims.append(
                Claim(
                    value=1e10,
                    unit="USD",
                    text="100亿美元",
                    qualifier="far under",
                    speaker="马斯克",
                    article_id=aid,
                    id=f"f{i:03d}",
                    subject_basis="clause",
                    **same,
                )
            )
        if i % 4 == 1:
            claims.append(
                Claim(
                    value=1e10,
                    unit="USD",
                    text="100亿美元",
                    qualifier="denied",
                    speaker="孙正义",
                    article_id=aid,
                    id=f"d{i:03d}",
                    subject_basis="clause",
                    **same,
                )
            )
        if i % 6 == 3:
            claims.append(
                Claim(
                    subject="outlet 3",
                    measure="refutation",
                    value=0.0,
                    unit="",
                    text="不实",
                    speaker="马斯克",
                    article_id=aid,
                    id=f"r{i:03d}",
                )
            )
    return claims


def test_a_mixed_stream_links_as_from_nothing() -> None:
    linked = _assert_kept_equals_linked(_by_report(_mixed(40)))
    for field in ("agreement", "contradicts", "differs_from", "refuted_by"):
        assert any(getattr(c, field) for c in linked), field


@pytest.mark.parametrize("n", [1, 9, 40])
def test_a_denial_in_every_report_links_as_from_nothing(n: int) -> None:
    linked = _assert_kept_equals_linked(_by_report(_denied_story(n)))
    assert any(c.refuted_by for c in linked)


def test_claims_that_do_not_continue_the_last_are_linked_from_nothing(seed_paths: list[Path]) -> None:
    reports = _by_report(
        [c for _, an in _seed_members(seed_paths) + _reports(seed_paths, 8) for c in an.claims]
    )
    kept = KeptLedger()
    kept.link([c for r in reports[1:] for c in r])
    again = [c for r in reports for c in r]  # the first report arrives late
    assert kept.link(again) == link_ledger(again)
    linked = kept.link(again[:5])  # fewer claims: a new start
    assert linked == link_ledger(again[:5])
    assert len(kept) == 5


def test_a_story_holds_the_kept_ledgers_claims_which_its_next_update_changes() -> None:
    """What the class docstring says: the claims are the ledger's, not copies (the cost). The
    first call is link_ledger's (its claims are not the ledger's); the state is made at the next."""
    reports = _by_report(_denied_story(6))
    kept = KeptLedger()
    claims = reports[0] + reports[1]
    assert kept.link(claims) == link_ledger(claims)
    claims = claims + reports[2]
    first = kept.link(claims)
    frozen = [(c.agreement, c.refuted_by) for c in first]
    second = kept.link(claims + reports[3])
    assert second[: len(first)] == first  # the same objects…
    assert all(a is b for a, b in zip(first, second, strict=False) if a.agreement or a.refuted_by)
    assert [(c.agreement, c.refuted_by) for c in first] != frozen  # …whose links moved on
    handed = claims + reports[3]
    assert all(c.agreement == () and c.refuted_by == () for c in handed)  # never the claims handed in


def _timeline_members(seed_paths: list[Path], n: int):
    """The seed pages and reports from their paragraphs (a floor thread on every fourth), in
    publication order, with an undated copy of one report (placed by its first comment)."""
    from dataclasses import replace

    from storyline.stories.build import published_key

    members = _seed_members(seed_paths) + _reports(seed_paths, n)
    article, analysis = members[-1]
    members.append(
        (replace(article, id="undated", published_at=None), replace(analysis, article_id="undated"))
    )
    return sorted(members, key=lambda m: (published_key(m[0]), m[0].id))


def test_a_kept_timeline_report_by_report_equals_the_timeline_made_anew(seed_paths: list[Path]) -> None:
    from storyline.stories.timeline import KeptTimeline, build_timeline

    members = _timeline_members(seed_paths, 16)
    kept, ledger = KeptTimeline(burst_min=2), KeptLedger()
    kinds: set[str] = set()
    for n in range(1, len(members) + 1):
        articles = [a for a, _ in members[:n]]
        claims = ledger.link([c for _, an in members[:n] for c in an.claims])
        made = build_timeline(articles, claims, burst_min=2)
        assert kept.build(articles, claims) == made
        kinds |= {e.kind for e in made}
    assert kinds == {"first_report", "outlet_joined", "claim", "undated_report", "discussion_burst"}
    # A report older than the last one: read again from the start.
    late = [members[3], *members[:3], *members[4:]]
    articles = [a for a, _ in late]
    claims = link_ledger([c for _, an in late for c in an.claims])
    assert kept.build(articles, claims) == build_timeline(articles, claims, burst_min=2)


def _all_votes(votes: LedgerVotes, members) -> list:
    """Every thread's votes: each member's headline against each member's article (and none)."""
    from storyline.normalize.text import canonical

    heads = [headline_claim(a.title, canonical) for a, _ in members]
    return [votes.votes(hc, aid) for hc in heads for aid in ("", *(a.id for a, _ in members))]


def test_kept_ledger_votes_renewed_report_by_report_equal_votes_read_anew(seed_paths: list[Path]) -> None:
    members = _seed_members(seed_paths) + _reports(seed_paths, 16)
    kept, votes = KeptLedger(), None
    claims: list[Claim] = []
    seen: list = []
    for member in members:
        seen.append(member)
        claims = claims + list(member[1].claims)
        linked = kept.link(claims)  # its claims change in place and are replaced when first linked
        votes = LedgerVotes(linked) if votes is None else votes.renew(linked)
        assert _all_votes(votes, seen) == _all_votes(LedgerVotes(linked), seen)
    assert any(_all_votes(votes, seen)), "no thread got a vote: the test shows nothing"
    # Claims that do not continue the ones read: read anew.
    shuffled = tuple(reversed(linked))
    again = votes.renew(shuffled)
    assert again is not votes
    assert _all_votes(again, seen) == _all_votes(LedgerVotes(shuffled), seen)
