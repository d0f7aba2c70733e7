"""One parse of a page serves metadata, thread, trafilatura's body and the densest-block fallback.

trafilatura 2.3 works on a copy of the tree it is given, so the fallback reads the same tree
instead of parsing the page again; these check that what it reads is the page as parsed (the
tree trafilatura was handed comes back unchanged), and that a page taking the fallback gives
the Article a fresh parse gives.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
import trafilatura

from conftest import DATA
from storyline.records import RawInput
from storyline.sources import dates, html

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
PAGES = sorted(FIXTURES.glob("*.html")) + sorted((DATA / "gne-pages" / "tests").glob("*/*.html"))


@pytest.mark.skipif(not html._TRAFILATURA_KEEPS_TREE, reason="this trafilatura cleans the tree in place")
@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_trafilatura_leaves_the_tree_it_is_given_as_it_was(path: Path) -> None:
    text = html.decode_html(RawInput(str(path), path.read_bytes()), [])
    tree = html._tree(text, str(path))
    before = lxml.html.tostring(tree)
    trafilatura.bare_extraction(
        tree,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        config=html._CONFIG,
    )
    assert lxml.html.tostring(tree) == before


def test_pages_taking_the_fallback_read_as_from_a_fresh_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    gne = [p for p in PAGES if p.parent.parent.name == "tests"]
    if not gne:
        pytest.skip(f"GNE pages not found under {DATA / 'gne-pages'}")
    # "1小时前" in a reader's time is read against the clock: one clock for both parses.
    noon = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    clock = dates._now
    monkeypatch.setattr(dates, "_now", lambda now, tz: clock(noon if now is None else now, tz))
    read: list[object] = []
    densest = html._densest_block
    monkeypatch.setattr(html, "_densest_block", lambda tree: read.append(tree) or densest(tree))
    fallback = 0
    for path in gne:
        raw = RawInput(str(path), path.read_bytes())
        before = len(read)
        monkeypatch.setattr(html, "_TRAFILATURA_KEEPS_TREE", True)
        shared = html.parse(raw, [])
        if len(read) == before:
            continue
        fallback += 1
        monkeypatch.setattr(html, "_TRAFILATURA_KEEPS_TREE", False)  # the page parsed again
        assert html.parse(raw, []) == shared, path
    # Short official notices and pages trafilatura misreads (gzggw, stcn, wechat...) take it.
    assert fallback >= 10
