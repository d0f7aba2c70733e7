"""The ledger's kept links (stories.ledger_links.KeptLinks) never change what it says.

A story linked again after each new report reuses the lists and linked claims that came out the
same; after every report the ledger must equal the reference build_ledger of all its claims.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from storyline.pipeline import analyze_article
from storyline.records import RawInput
from storyline.sources import parse_input
from storyline.stories.ledger import build_ledger
from storyline.stories.ledger_links import KeptLinks, link_ledger

ROOT = Path(__file__).resolve().parent.parent


def test_a_growing_ledger_with_kept_links_equals_the_reference(seed_paths: list[Path]) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import big_story
    finally:
        sys.path.pop(0)
    members = [analyze_article(a) for p in seed_paths for a in parse_input(RawInput(p.name, p.read_bytes()))]
    page, floors = big_story._seed(seed_paths[0].parent.parent)
    for i in range(24):
        row = big_story._report(page, floors, i, with_floors=i % 5 == 0)
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode()
        members.append(analyze_article(parse_input(RawInput(f"r{i}.jsonl", data))[0]))
    kept = KeptLinks()
    claims: list = []
    before: tuple = ()
    reused = 0
    for _, an in members:
        claims += an.claims
        got = link_ledger(claims, kept=kept)
        assert got == build_ledger(claims)
        reused += sum(1 for old, new in zip(before, got, strict=False) if old is new and old.agreement)
        before = got
    assert reused > 100  # linked claims whose links stayed are the ones made before
    assert any(c.refuted_by for c in before) and any(c.agreement for c in before)
    # A claim changed under the same id is linked anew, not taken from before.
    i = next(
        k for k, c in enumerate(claims) if c.agreement == () and any(o.agreement for o in before[k : k + 1])
    )
    changed = [*claims[:i], replace(claims[i], text=claims[i].text + " "), *claims[i + 1 :]]
    assert link_ledger(changed, kept=kept) == build_ledger(changed)
    assert link_ledger(changed, kept=kept)[i].text == claims[i].text + " "
