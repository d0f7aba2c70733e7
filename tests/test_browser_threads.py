"""A 909-reply thread read on a phone (390 px) in Chromium: story page, pages, floor links, folds.

Started like tests/test_browser.py (Debian's Chromium through Playwright, a real uvicorn server);
screenshots go to /tmp/storyline-shots/. Skipped when Chromium, Playwright or ../shared is missing.
"""

from __future__ import annotations

import pytest

from test_browser import SHOTS, chromium, serving
from thread_data import build_threads_store

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def data(tmp_path_factory, weibo_dir, seed_paths):
    d = build_threads_store(tmp_path_factory.mktemp("bthreads") / "t.db", weibo_dir, seed_paths[1])
    yield d
    d["store"].close()


@pytest.fixture(scope="module")
def server(data):
    with serving(data["store"]) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture()
def phone(browser):
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px screen"


def test_phone_reads_a_909_floor_thread_by_pages_links_and_folded_conversations(phone, server, data):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = phone
    aid = data["weibo"].id
    page.goto(server + "/story/s-big#discussion")
    assert page.locator("#discussion li.floor").count() == 10
    assert page.locator("#discussion svg.split").first.is_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "story-big-390.png"), full_page=True)

    # the split line's "most quoted on the agreeing side" lands on that floor, wherever it is
    top = page.locator("#discussion p.split-line a.top-agree")
    floor = top.inner_text().removesuffix("楼").split()[-1]
    top.click()
    page.wait_for_function(f"location.hash === '#floor-{floor}'")
    assert page.evaluate("document.querySelector(':target').id") == f"floor-{floor}"
    assert page.locator(f"li#floor-{floor}").is_visible()

    # a thread page: 50 floors, a pager; the next page starts where this one ended
    page.goto(f"{server}/story/s-big/thread/{aid}?page=14")
    assert page.locator("section#thread li.floor").count() == 50
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "thread-390.png"), full_page=False)
    page.locator("nav.pager a.next").first.click()
    page.wait_for_url("**page=15")
    assert page.locator("section#thread li.floor").first.get_attribute("id") == "floor-701"

    # a reply on page 15 to a floor of an earlier page: its link opens that page at that floor
    link = page.locator("section#thread a.reply-to[href^='/story/']").first
    target = link.get_attribute("href").split("#")[1]
    link.click()
    page.wait_for_function(f"location.hash === '#{target}'")
    assert page.evaluate("document.querySelector(':target').id") == target
    assert page.locator(f"li#{target}").is_visible()

    # a floor's stable link from outside (the redirect) reaches it
    page.goto(f"{server}/story/s-big/thread/{aid}/floor/777")
    page.wait_for_function("location.hash === '#floor-777'")
    assert "page=16" in page.url
    assert page.locator("li#floor-777").is_visible()

    # conversations: replies folded under their floor, opened by a tap
    page.goto(f"{server}/story/s-big/thread/{aid}?view=talk")
    fold = page.locator("section#thread li.floor > details.replies").first
    reply = fold.locator("li.floor").first
    assert not reply.is_visible()
    fold.locator("summary").click()
    assert reply.is_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "thread-talk-390.png"), full_page=False)

    # best first: the view switch keeps the thread, the first floor is the most answered one
    page.locator("nav.views a.view-best").click()
    page.wait_for_url("**view=best")
    assert page.locator("nav.views [aria-current=page]").inner_text() == "精华在前"
    assert page.locator("section#thread li.floor").count() == 50
