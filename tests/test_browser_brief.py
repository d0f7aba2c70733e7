"""The seed story in Chromium: the brief and both disputes above the fold, the 繁 switch, search.

Screenshots at 1280 and 390 px go to /tmp/storyline-shots/ (brief-*.png) for a human to look at.
"""

from __future__ import annotations

import pytest

from storyline import Settings, ingest, open_store
from test_browser import SHOTS, chromium, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory, seed_paths):
    db = str(tmp_path_factory.mktemp("brief-browser") / "seed.db")
    assert ingest(seed_paths, settings=Settings(db=db, use_encoder=False)).ok
    store = open_store(db)
    (story,) = store.stories(limit=5)
    with serving(store) as base:
        yield base, story.id
    store.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_both_disputes_are_readable_above_the_fold(browser, seed_server, width, height):
    base, sid = seed_server
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{base}/story/{sid}")
    disputes = page.locator(".brief-disputes li")
    texts = [disputes.nth(i).inner_text() for i in range(disputes.count())]
    assert any("243亿美元" in t and "100億美元" in t for t in texts)
    assert any("80亿美元" in t and "80B" in t for t in texts)
    # Above the fold: within the first screen at either width (the ledger is screens further down).
    box = page.locator(".brief-disputes").bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, box
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"brief-{width}.png"))
    ctx.close()


def test_hant_switch_changes_characters_never_words(browser, seed_server):
    base, sid = seed_server
    page = browser.new_page()
    page.goto(f"{base}/story/{sid}")
    page.click("#to-hant")
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    for word in ("支持", "擴展", "項目", "數據中心", "人工智能"):
        assert word in text, word
    for reworded in ("支援", "擴充套件", "資料中心", "人工智慧"):
        assert reworded not in text, reworded
    assert page.locator("h1.headline").get_attribute("lang") == "zh-Hant"
    page.close()


def test_search_box_finds_both_spellings_and_explains_errors(browser, seed_server):
    base, _ = seed_server
    page = browser.new_page()
    page.goto(base + "/")
    page.fill("header.site input[name=q]", "川普")
    page.press("header.site input[name=q]", "Enter")
    page.wait_for_load_state()
    assert page.locator("li.hit").count() == 2
    assert page.locator("p.count").inner_text() == "共 2 篇报道"
    page.goto(base + "/search?q=" + "星" * 300)
    assert "太长" in page.locator("p.error").inner_text()
    page.close()
