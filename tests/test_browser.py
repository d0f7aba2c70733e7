"""The portal in a real browser (Debian's Chromium through Playwright): navigation, anchors, 繁/简, XSS.

Screenshots at desktop (1280) and phone (390) widths go to /tmp/storyline-shots/ for a human
to look at. Skipped when Chromium or Playwright is missing.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from storyline.settings import Settings
from storyline.web.app import create_app
from web_data import build_store

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path("/tmp/storyline-shots")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(store) -> Iterator[str]:
    """The portal over ``store`` on a real uvicorn server on loopback; yields its base URL."""
    uvicorn = pytest.importorskip("uvicorn")
    port = _free_port()
    config = uvicorn.Config(
        create_app(store, Settings(db=str(store.path))), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium through Playwright (skips the test where either is missing)."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("browser") / "b.db")
    with serving(store) as base:
        yield base
    store.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_reader_path_hot_story_quote_switch_search_docs(page, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(server + "/")
    assert page.locator("li.hot-item").count() == 2
    page.screenshot(path=str(SHOTS / "hot-1280.png"), full_page=True)

    page.click("li.hot-item >> nth=0 >> a.headline")
    page.wait_for_url("**/story/s1")
    assert page.locator("h1.headline").inner_text() == "星门计划宣布投资五千亿美元"
    page.screenshot(path=str(SHOTS / "story-1280.png"), full_page=True)

    # a quote's link jumps to the quoted floor (the URL fragment and the :target floor)
    page.click("li#floor-3 blockquote a.quote-link")
    page.wait_for_url("**/story/s1#floor-2")
    assert page.evaluate("document.querySelector(':target').id") == "floor-2"
    assert page.locator("li#floor-2").is_visible()

    # 繁/简 switch rewrites the whole page, and links keep the choice
    page.click("#to-hant")
    page.wait_for_url("**/story/s1?script=hant")
    assert page.locator("h1.headline").inner_text() == "星門計劃宣佈投資五千億美元"
    assert page.locator("li#floor-2 .ctext").inner_text() == "軟銀賬上現金不夠。"
    page.screenshot(path=str(SHOTS / "story-hant-1280.png"), full_page=False)
    page.click("#to-hans")
    assert "乙报" in page.locator("#sources").inner_text()

    page.fill("form.search input[type=search]", "星门")
    page.press("form.search input[type=search]", "Enter")
    page.wait_for_url("**/search?**")
    assert page.locator("li.hit").count() == 2
    assert page.locator("li.hit mark").count() >= 2
    page.screenshot(path=str(SHOTS / "search-1280.png"), full_page=True)

    page.goto(server + "/docs")
    assert "/api/stories" in page.locator("table.api").inner_text()
    resp = page.goto(server + "/openapi.json")
    assert resp is not None and resp.ok and "/api/stories" in resp.text()


def test_phone_width_layout(browser, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    pg = ctx.new_page()
    pg.goto(server + "/story/s1")
    # nothing wider than the screen except inside the scrollable claims table wrapper
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    pg.screenshot(path=str(SHOTS / "story-390.png"), full_page=True)
    for part in ("claims", "timeline", "discussion"):
        pg.goto(server + f"/story/s1#{part}")
        pg.screenshot(path=str(SHOTS / f"story-390-{part}.png"))
    pg.goto(server + "/")
    pg.screenshot(path=str(SHOTS / "hot-390.png"), full_page=True)
    ctx.close()


def test_xss_story_fires_no_dialog_and_injects_no_script(page, server):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    for path in ("/story/sx", "/story/sx?script=hant", "/", "/search?q=标题"):
        page.goto(server + path)
        assert page.locator("script").count() == 0, path
        # hover every element that might carry an injected handler
        for el in page.locator(".headline, .author, .alias, .title").all()[:20]:
            el.hover()
    assert dialogs == []
    assert page.evaluate("document.querySelectorAll('[onmouseover],[onerror]').length") == 0
    page.goto(server + "/story/sx")
    page.screenshot(path=str(SHOTS / "xss-1280.png"), full_page=True)
