"""Live mode end to end: ``follow`` against the loopback newsroom (real texts and floors), on SQLite.

The newsroom (benchmarks/newsroom.py) publishes SemEval articles on N outlets' RSS feeds and adds
CED Weibo replies to their pages as floors; every request it answers is counted, so the tests can
say exactly which URLs were asked and which got a 304.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from newsroom_fixtures import Newsroom, corpus
from storyline import Settings, open_store
from storyline.live import Follower, FollowPolicy, SourceSpec, follow, source_status
from storyline.records import Article
from storyline.store.base import Store

POLICY = FollowPolicy(interval=0.0, page_interval=0.0, workers=4)


@pytest.fixture()
def room() -> Iterator[Newsroom]:
    with Newsroom(outlets=3, corpus=corpus()) as newsroom:
        yield newsroom


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(
        db=str(tmp_path / "live.db"), allow_private=True, fetch_rate_per_host=100, use_encoder=False
    )


def _by_url(store: Store) -> dict[str, Article]:
    articles = list(store.iter_articles())
    urls = [a.url for a in articles]
    assert len(urls) == len(set(urls)), "an article was stored twice"
    return {a.url: a for a in articles}


def _assert_page_landed(article: Article, story, room: Newsroom) -> None:
    """The stored article is the page as published: body, title, date, outlet and every floor."""
    assert article.title == story.text.title
    assert article.published_at == story.published_at
    assert article.outlet == room.outlets[story.outlet].name
    body = " ".join(article.paragraphs)
    for paragraph in story.text.paragraphs:
        assert " ".join(paragraph.split()) in body
    assert [(c.floor, c.author, c.text, c.parent_floor) for c in article.comments] == [
        (f.floor, f.author, f.text, f.reply_to) for f in story.floors
    ]
    assert [c.posted_at for c in article.comments] == [f.posted_at for f in story.floors]
    assert article.source_name == room.url_of(story)


def test_one_round_lands_every_item_with_its_full_page_and_thread(room: Newsroom, settings: Settings) -> None:
    published = room.publish(7, floors=3)
    report = follow(
        [SourceSpec(o.feed_url) for o in room.outlets], settings=settings, policy=POLICY, once=True
    )
    assert report is not None
    assert (report.new_items, report.articles, report.errors) == (7, 7, 0)
    with open_store(settings.db) as store:
        stored = _by_url(store)
        # the touched story pages were rendered into the page store beside the database
        stories = set(store.story_ids_of_articles(a.id for a in stored.values()).values())
        assert report.rendered == len(stories) and Path(settings.db + ".pages").exists()
        assert set(stored) == {room.url_of(s) for s in published}
        for story in published:
            _assert_page_landed(stored[room.url_of(story)], story, room)
        # each article is on a story page and in search
        assigned = store.story_ids_of_articles(a.id for a in stored.values())
        assert set(assigned) == {a.id for a in stored.values()}
        for story in published[:3]:
            hits = store.search(story.text.title[:12])
            assert room.url_of(story) in {
                stored_article.url for stored_article in store.articles([h.id for h in hits])
            }
    # every page asked exactly once, every feed once, robots.txt once per outlet
    assert all(room.page_hits(s) == 1 for s in published)
    assert room.count(path_prefix="/feed.xml") == 3
    assert room.count(path_prefix="/robots.txt") == 3


def test_second_round_adds_exactly_the_new_items_and_floors_with_conditional_requests(
    room: Newsroom, settings: Settings
) -> None:
    first = room.publish(6, floors=2)
    sources = [SourceSpec(o.feed_url) for o in room.outlets]
    follow(sources, settings=settings, policy=POLICY, once=True)
    fresh = room.publish(3, floors=1)
    replied = room.add_floors(2, stories=[first[0]]) + room.add_floors(1, stories=[first[4]])
    before_304 = room.count(304)

    report = follow((), settings=settings, policy=POLICY, once=True)  # sources come from the store
    assert report is not None
    assert report.new_items == 3
    quiet = [s for s in first if s not in replied]
    # the quiet pages answered 304 to the validators the store kept; the replied-to pages and
    # the new ones were read whole, once
    assert room.count(304) - before_304 == len(quiet)
    assert report.not_modified == len(quiet)
    assert report.articles == 3 + 2
    assert all(room.page_hits(s) == 2 for s in first) and all(room.page_hits(s) == 1 for s in fresh)
    with open_store(settings.db) as store:
        stored = _by_url(store)
        assert len(stored) == 9
        for story in first + fresh:
            _assert_page_landed(stored[room.url_of(story)], story, room)
        assert len(stored[room.url_of(first[0])].comments) == 4
        assert len(stored[room.url_of(first[4])].comments) == 3

    # nothing changed since: a third round asks every URL and ingests nothing
    report = follow((), settings=settings, policy=POLICY, once=True)
    assert report is not None
    assert (report.articles, report.new_items, report.not_modified) == (0, 0, report.fetched)


def test_a_restarted_follower_resumes_from_the_stored_state_and_adds_nothing(
    room: Newsroom, settings: Settings
) -> None:
    room.publish(4, floors=2)
    with open_store(settings.db) as store, Follower(store, settings, POLICY) as follower:
        follower.add_sources([SourceSpec(o.feed_url) for o in room.outlets])
        assert follower.run_round().articles == 4
        count, version = store.count_articles(), store.version()
    # a new process: new store connection, new follower, empty fetch cache
    with open_store(settings.db) as store, Follower(store, settings, POLICY) as follower:
        report = follower.run_round()
        assert report.fetched == 3 + 4 and report.not_modified == 3 + 4
        assert store.count_articles() == count and store.version() == version


def test_a_page_robots_txt_forbids_is_stored_from_the_feed_summary_and_says_so(
    room: Newsroom, settings: Settings
) -> None:
    [story] = room.publish(1, outlet=0, private=True)
    follow([SourceSpec(room.outlets[0].feed_url)], settings=settings, policy=POLICY, once=True)
    assert room.page_hits(story) == 0  # robots.txt says Disallow: /private/
    with open_store(settings.db) as store:
        [article] = store.iter_articles()
        assert article.url == room.url_of(story)
        assert article.paragraphs == (story.summary,)
        assert article.comments == ()
        assert (
            "feed summary" in article.source_name
            and "disallowed by the site's robots.txt" in article.source_name
        )
        [page] = store.fetch_states(listed=False)
        assert page.next_due is None  # not asked again
        assert page.last_result.startswith("feed summary stored")


def test_a_failing_host_backs_off_is_marked_failing_and_never_stops_the_others(settings: Settings) -> None:
    policy = replace(POLICY, backoff_base=0.0, failing_after=3)
    with Newsroom(outlets=3, corpus=corpus(), faults={1: "failing"}, retry_after=0) as room:
        published = room.publish(6, floors=1)
        sources = [SourceSpec(o.feed_url) for o in room.outlets]
        for _ in range(3):
            follow(sources, settings=settings, policy=policy, once=True)
        with open_store(settings.db) as store:
            rows = {r.url: r for r in source_status(store, policy)}
            bad = rows[room.outlets[1].feed_url]
            assert bad.failing and bad.failures == 3 and bad.errors == 3
            assert "HTTP 503" in bad.last_error
            assert not any(r.failing for url, r in rows.items() if url != room.outlets[1].feed_url)
            stored = _by_url(store)
            assert set(stored) == {room.url_of(s) for s in published if s.outlet != 1}


def test_retry_after_pushes_the_next_ask_back(settings: Settings) -> None:
    with (
        Newsroom(outlets=1, corpus=corpus(), faults={0: "failing"}, retry_after=120) as room,
        open_store(settings.db) as store,
        Follower(store, settings, POLICY) as follower,
    ):
        follower.add_sources([SourceSpec(room.outlets[0].feed_url)])
        follower.run_round()
        [row] = store.fetch_states()
        assert row.last_result == "HTTP 503, retry after 120s"
        assert row.next_due is not None and row.next_due - row.last_fetch == pytest.approx(120.0, abs=1.0)
        assert follower.run_round().fetched == 0  # not due before the server said


def test_a_front_page_is_followed_through_the_feed_it_declares(room: Newsroom, settings: Settings) -> None:
    published = room.publish(2, outlet=2, floors=1)
    front = room.outlets[2].base_url + "/"
    follow([SourceSpec(front, outlet="Front Outlet")], settings=settings, policy=POLICY, once=True)
    with open_store(settings.db) as store:
        rows = {r.url: r for r in store.fetch_states()}
        assert rows[front].kind == "front" and rows[front].last_result == "1 feed(s) found"
        assert (
            rows[room.outlets[2].feed_url].kind == "feed" and rows[room.outlets[2].feed_url].origin == front
        )
        stored = _by_url(store)
        assert set(stored) == {room.url_of(s) for s in published}
        # the outlet name the user gave wins over the page's own
        assert {a.outlet for a in stored.values()} == {"Front Outlet"}


def test_a_listed_thread_page_gains_its_new_floors(room: Newsroom, settings: Settings) -> None:
    [story] = room.publish(1, floors=2)
    url = room.url_of(story)
    follow([SourceSpec(url)], settings=settings, policy=POLICY, once=True)
    room.add_floors(3, stories=[story])
    follow((), settings=settings, policy=POLICY, once=True)
    with open_store(settings.db) as store:
        [article] = store.iter_articles()
        assert [c.floor for c in article.comments] == [1, 2, 3, 4, 5]
        [row] = store.fetch_states()
        assert (row.kind, row.listed, row.last_result) == ("page", True, "ingested (5 floor(s))")


def test_the_status_page_and_api_show_each_source_and_mark_the_failing_one(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from storyline.web.app import create_app

    policy = replace(POLICY, backoff_base=0.0)  # failing after 3 errors in a row, as the portal reads it
    with Newsroom(outlets=2, corpus=corpus(), faults={1: "failing"}, retry_after=0) as room:
        room.publish(2, outlet=0, floors=1)
        sources = [
            SourceSpec(room.outlets[0].feed_url, outlet="Good Outlet"),
            SourceSpec(room.outlets[1].feed_url),
        ]
        for _ in range(3):
            follow(sources, settings=settings, policy=policy, once=True)
        with open_store(settings.db) as store:
            client = TestClient(create_app(store, settings))
            page = client.get("/status")
            assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
            assert "Good Outlet" in page.text and room.outlets[1].feed_url in page.text
            assert "1 个持续出错" in page.text and "HTTP 503" in page.text
            api = client.get("/api/status").json()
            by_url = {r["url"]: r for r in api}
            good, bad = by_url[room.outlets[0].feed_url], by_url[room.outlets[1].feed_url]
            assert (good["items"], good["pages_followed"], good["failing"], good["errors"]) == (
                2,
                2,
                False,
                0,
            )
            assert (bad["failing"], bad["failures"], bad["items"]) == (True, 3, 0)
            assert good["last_result"] == "not modified (304)" and good["next_due"] is not None
            # the hot list shows what the follower stored
            assert client.get("/").text.count('class="hot-item"') >= 1


def test_feed_items_without_a_link_are_stored_from_the_feed_once(settings: Settings) -> None:
    import threading
    from html import escape
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    [text] = corpus()[0][:1]
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
        f"<item><title>{escape(text.title)}</title><description>{escape(text.paragraphs[0])}</description></item>"
        "</channel></rss>"
    ).encode()

    class Feed(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = feed if self.path == "/feed.xml" else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        first = follow([SourceSpec(url)], settings=settings, policy=POLICY, once=True)
        again = follow((), settings=settings, policy=POLICY, once=True)  # no validators: a full 200 again
    finally:
        server.shutdown()
        server.server_close()
    assert first is not None and again is not None
    assert (first.articles, again.articles) == (1, 0)
    with open_store(settings.db) as store:
        [article] = store.iter_articles()
        assert (article.title, article.paragraphs, article.outlet) == (
            text.title,
            (text.paragraphs[0],),
            "Wire",
        )


def test_a_slow_batch_keeps_its_leases_so_a_second_follower_never_fetches_the_same_page(
    settings: Settings,
) -> None:
    import threading
    import time

    # leases of 2 s, pages that take 0.5 s each: a batch outlives its first lease
    policy = replace(POLICY, lease_seconds=2.0, page_interval=3600.0)
    with Newsroom(outlets=1, corpus=corpus(), faults={0: "slow"}, slow_delay=0.5) as room:
        published = room.publish(10, floors=1)
        with open_store(settings.db) as store, Follower(store, settings, policy, owner="first") as first:
            first.add_sources([SourceSpec(room.outlets[0].feed_url)])
            first_round = threading.Thread(target=first.run_round)
            first_round.start()
            with open_store(settings.db) as watch:
                while not any(s.lease_owner == "first" for s in watch.fetch_states(listed=False)):
                    time.sleep(0.05)  # until the first follower holds the pages
            # the second follower keeps asking for due work while the first is busy
            with (
                open_store(settings.db) as store2,
                Follower(store2, settings, policy, owner="second") as second,
            ):
                while first_round.is_alive():
                    second.run_round()
            first_round.join()
        assert [room.page_hits(s) for s in published] == [1] * len(published)
        with open_store(settings.db) as store:
            assert sorted(a.url for a in store.iter_articles()) == sorted(room.url_of(s) for s in published)


def test_a_rate_limiting_host_429s_are_retried_on_later_rounds_until_every_item_lands(
    settings: Settings,
) -> None:
    policy = replace(POLICY, backoff_base=0.0)
    with Newsroom(outlets=1, corpus=corpus(), faults={0: "limited"}, retry_after=0) as room:
        published = room.publish(4, floors=1)
        rounds = []
        for _ in range(8):
            report = follow(
                [SourceSpec(room.outlets[0].feed_url)], settings=settings, policy=policy, once=True
            )
            assert report is not None
            rounds.append(report)
            with open_store(settings.db) as store:
                if store.count_articles() == len(published):
                    break
        assert room.count(429) >= 1 and sum(r.errors for r in rounds) == room.count(429)
        with open_store(settings.db) as store:
            stored = _by_url(store)
            assert set(stored) == {room.url_of(s) for s in published}
            # a URL whose last ask was refused says so; a success resets the count of errors in a row
            for state in store.fetch_states():
                if state.failures:
                    assert state.last_result.startswith(("HTTP 429, retry after 0s", "failing (HTTP 429"))
                    assert "HTTP 429" in state.last_error
