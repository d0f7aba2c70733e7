"""A denial printed in every report of a big story: the ledger links it at the cost of the story.

"马斯克: 特朗普's figure is wrong" refutes 特朗普's figure in the same report and 特朗普's
restatements of it elsewhere (stories.ledger's rule). Printed in each of n reports, that is n
refutations of the same n restatements; stories.ledger_links hands them out per (group,
speaker) once, and must give the reference ledger's links exactly.
"""

from __future__ import annotations

import pytest

from storyline.records import Claim
from storyline.stories.ledger import build_ledger
from storyline.stories.ledger_links import link_ledger


def _story(n: int) -> list[Claim]:
    same = dict(subject="星际之门", measure="investment", unit="USD", kind="level", referent_key="investment")
    claims = []
    for i in range(n):
        aid = f"a{i:04d}"
        claims.append(
            Claim(value=5e11, text="5000亿美元", speaker="特朗普", article_id=aid, id=f"t{i:04d}", **same)
        )
        claims.append(
            Claim(
                value=5e11, text="5000亿美元", speaker=f"Outlet {i}", article_id=aid, id=f"o{i:04d}", **same
            )
        )
        if i % 3 == 0:  # a second figure of his, restated less often
            claims.append(
                Claim(value=1e11, text="1000亿美元", speaker="特朗普", article_id=aid, id=f"u{i:04d}", **same)
            )
        if i % 2 == 0:  # the denial, in every other report
            claims.append(
                Claim(
                    subject="特朗普",
                    measure="refutation",
                    value=0.0,
                    unit="",
                    text="不实",
                    speaker="马斯克",
                    article_id=aid,
                    id=f"r{i:04d}",
                )
            )
    return claims


@pytest.mark.parametrize("n", [1, 2, 7, 60])
def test_a_denial_in_every_report_refutes_as_the_reference_ledger_does(n: int) -> None:
    claims = _story(n)
    linked = link_ledger(claims)
    assert linked == build_ledger(claims)
    by_id = {c.id: c for c in linked}
    denials = tuple(f"r{i:04d}" for i in range(0, n, 2))
    assert by_id["t0000"].refuted_by == denials  # his restatements: every report's denial
    assert by_id["o0000"].refuted_by == ()  # the outlets' copies of the figure: not his words
    assert by_id["u0000"].refuted_by == tuple(f"r{i:04d}" for i in range(0, n, 6))
