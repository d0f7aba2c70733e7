"""Store-wide pages under a writer: stale-while-revalidate, at most one render per STALE_SECONDS.

A follower moves the store-wide version at every write; the hot list, search and the story list
are then served stale (never rendered per request) and rendered again at most once per
``STALE_SECONDS``, while a single write after a quiet spell is seen by the next reader at once and
a story's own page is never served stale.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import lxml.html
import pytest
from fastapi.testclient import TestClient

from storyline.records import RawInput, Story
from storyline.settings import Settings
from storyline.store.base import InputWrite
from storyline.web import cache
from storyline.web.app import create_app
from web_data import build_store, counting

WINDOW = 0.4


def _new_story(sid: str, headline: str, hotness: float) -> InputWrite:
    story = Story(id=sid, concept="新故事", headline=headline, article_ids=(), hotness=hotness)
    return InputWrite(raw=RawInput(name=sid, data=sid.encode()), articles=[], analyses=[], stories=[story])


def _headlines(client: TestClient) -> list[str]:
    return [a.text_content() for a in lxml.html.fromstring(client.get("/").text).cssselect("a.headline")]


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "STALE_SECONDS", WINDOW)
    s = build_store(tmp_path / "stale.db")
    yield s
    s.close()


def test_one_write_is_seen_at_once_the_next_within_the_window_is_served_stale_then_fresh(store, monkeypatch):
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    before = _headlines(client)
    first = client.get("/api/search", params={"q": "星门"}).json()
    store.write_input(_new_story("n1", "第一条新闻", 50.0))
    assert _headlines(client)[0] == "第一条新闻"  # a quiet spell before: rendered at once
    hits_n1 = client.get("/api/search", params={"q": "星门"}).json()  # rendered again: its first write
    assert hits_n1["total"] == first["total"] > 0
    summaries = counting(store, monkeypatch, "story_summaries")
    searches = counting(store, monkeypatch, "search")

    store.write_input(_new_story("n2", "第二条新闻", 60.0))  # right after that re-render
    renders = summaries[0]
    stale = _headlines(client)
    assert stale[0] == "第一条新闻" and "第二条新闻" not in stale  # served stale, not rendered
    assert summaries[0] == renders
    assert client.get("/api/search", params={"q": "星门"}).json() == hits_n1
    assert searches[0] == 0  # the search too: the earlier answer, no query

    time.sleep(WINDOW + 0.05)
    assert _headlines(client)[:2] == ["第二条新闻", "第一条新闻"]  # the window is the bound
    assert set(before) <= set(_headlines(client))


def test_a_storys_own_page_is_never_served_stale(store):
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    client.get("/"), client.get("/story/s1")
    store.write_input(_new_story("n1", "别的新闻", 50.0))
    client.get("/"), client.get("/story/s1")  # "/" re-rendered: the next write is within its window
    store.write_input(InputWrite(raw=RawInput(name="s1", data=b"s1"), articles=[], analyses=[],
                                 stories=[replace(store.story("s1"), headline="改写后的标题")]))  # fmt: skip
    assert "改写后的标题" in client.get("/story/s1").text
    assert "改写后的标题" not in client.get("/").text  # the hot list, though, may wait its window


def test_a_stale_answer_schedules_one_re_render_so_the_next_reader_gets_a_hit(store, monkeypatch):
    app = create_app(store, Settings(db=str(store.path)))
    with TestClient(app) as client:  # one event loop throughout: the scheduled render runs on it
        client.get("/")
        store.write_input(_new_story("n1", "第一条新闻", 50.0))
        client.get("/")  # re-render after a quiet spell
        store.write_input(_new_story("n2", "第二条新闻", 60.0))
        summaries = counting(store, monkeypatch, "story_summaries")
        for _ in range(5):
            assert "第二条新闻" not in client.get("/").text  # stale, five times, one render scheduled
        time.sleep(WINDOW + 0.3)
        assert summaries[0] == 1  # rendered once, by the schedule, with no reader waiting
        rendered = summaries[0]
        assert _headlines(client)[0] == "第二条新闻"
        assert summaries[0] == rendered  # a hit


def test_under_a_steady_writer_the_hot_list_renders_at_most_once_per_window(store, monkeypatch):
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    client.get("/")
    summaries = counting(store, monkeypatch, "story_summaries")
    stop = threading.Event()
    written: list[str] = []

    def writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            store.write_input(_new_story(f"w{n}", f"滚动新闻{n}", 100.0 + n))
            written.append(f"滚动新闻{n}")
            time.sleep(0.02)

    thread = threading.Thread(target=writer)
    started = time.monotonic()
    thread.start()
    answers = 0
    try:
        while time.monotonic() - started < 2.0:
            assert client.get("/").status_code == 200
            answers += 1
    finally:
        stop.set()
        thread.join()
    elapsed = time.monotonic() - started
    assert len(written) > 20 and answers > 20
    # one render per window at most (+1: the first after the quiet spell), not one per write
    assert summaries[0] <= elapsed / WINDOW + 2, (summaries[0], len(written), answers)
    time.sleep(WINDOW + 0.05)
    assert _headlines(client)[0] == written[-1]  # and the last write is there after the window


def _burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


WINDOW_MANY = 0.3


def _run_many_hot_pages(budget: float) -> tuple[cache.ResponseCache, float, float, float]:
    """Twelve store-wide pages of 8 ms CPU each, asked in turn for 2 s while the version moves
    every 10 ms; stale window 0.3 s. Returns the cache, the seconds run, the oldest answer
    (how long after its version was superseded a page was still served) and the median time
    one round of the twelve took."""
    window, render_cpu = WINDOW_MANY, 0.008
    current = [0]
    superseded: dict[int, float] = {}

    async def app(scope, receive, send) -> None:
        if scope["type"] == "lifespan":  # the TestClient's startup and shutdown
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        version = current[0]
        _burn(render_cpu)
        body = f"{scope['path']} {version}".encode()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": body})

    middleware = cache.ResponseCache(
        app, version=lambda: str(current[0]), stale_seconds=window, refresh_budget=budget
    )
    stop = threading.Event()

    def writer() -> None:
        while not stop.wait(0.01):
            superseded[current[0]] = time.monotonic()
            current[0] += 1

    thread = threading.Thread(target=writer)
    oldest = 0.0
    rounds: list[float] = []
    with TestClient(middleware) as client:
        client.get("/search?q=warm")
        thread.start()
        started = time.monotonic()
        try:
            while time.monotonic() - started < 2.0:
                begun = time.monotonic()
                for n in range(12):
                    version = int(client.get(f"/search/{n}").text.split()[1])
                    at = superseded.get(version)
                    if at is not None:
                        oldest = max(oldest, time.monotonic() - at)
                rounds.append(time.monotonic() - begun)
        finally:
            stop.set()
            thread.join()
        elapsed = time.monotonic() - started
    return middleware, elapsed, oldest, sorted(rounds)[len(rounds) // 2]


def test_re_renders_of_many_hot_pages_stay_within_the_cpu_budget_and_the_staleness_bound():
    uncapped, elapsed, _, round_s = _run_many_hot_pages(budget=0)
    budget = 0.02
    # Budget plus its one-second burst, plus one render in flight when the run ended.
    limit = budget * elapsed + budget + 0.01
    # The demand needs the twelve pages asked within one stale window. On a machine so loaded
    # that a round takes longer (every page is past its deadline when asked again, so its reader
    # renders it and nothing is scheduled) the scenario this test is about does not arise: it
    # says so rather than fail. On time, the demand must be there.
    if round_s > WINDOW_MANY:
        pytest.skip(f"machine too loaded: one round of the twelve pages took {round_s:.2f} s")
    # The demand: twelve pages re-rendered every window take several times the budget.
    assert uncapped.refresh_cpu > 2 * limit, (uncapped.refresh_cpu, uncapped.refreshes, limit, round_s)

    capped, elapsed, oldest, _ = _run_many_hot_pages(budget=budget)
    assert capped.refresh_cpu <= budget * elapsed + budget + 0.01, (capped.refresh_cpu, capped.refreshes)
    assert capped.postponed > 0 and capped.dropped > 0  # the budget did bind
    # No answer older than twice the window after a write (plus a render and the test's own
    # scheduling slack): past its deadline a stale page is dropped and its reader renders it.
    assert oldest <= 2 * WINDOW_MANY + 0.25, oldest


def test_a_readers_miss_does_not_wait_for_a_scheduled_re_render():
    """A re-render nobody waits for has a slot of its own: with one reader slot, a slow scheduled
    re-render of a stale page must not hold up another page's first render."""
    current = [0]

    async def app(scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["path"] == "/slow" and current[0] >= 2:
            time.sleep(0.8)  # the scheduled re-render (in its worker thread)
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": f"{scope['path']} {current[0]}".encode()})

    middleware = cache.ResponseCache(
        app, version=lambda: str(current[0]), stale_seconds=0.2, refresh_budget=0, max_renders=1
    )
    with TestClient(middleware) as client:
        client.get("/slow")
        current[0] = 1
        assert client.get("/slow").text == "/slow 1"  # after a quiet spell: rendered at once
        current[0] = 2
        assert client.get("/slow").text == "/slow 1"  # stale, re-render scheduled in 0.2 s
        time.sleep(0.3)
        assert middleware.refreshes == 1  # running now, for 0.8 s
        started = time.monotonic()
        assert client.get("/other").text == "/other 2"
        assert time.monotonic() - started < 0.4
        time.sleep(0.8)
        assert client.get("/slow").text == "/slow 2"
