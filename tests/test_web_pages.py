"""The page store: rendered story pages on disk, shared by server processes, never stale.

Two apps over one SQLite file stand for two uvicorn workers: what one renders, the other
serves without reading the story, until a write changes that story.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from storyline.errors import StorylineError
from storyline.records import RawInput
from storyline.settings import Settings
from storyline.store.base import InputWrite
from storyline.store.pages import PageStore, page_store_path
from storyline.web.app import create_app
from storyline.web.prerender import prerender_store
from web_data import build_store, counting


@pytest.fixture()
def store(tmp_path):
    s = build_store(tmp_path / "pages.db")
    yield s
    s.close()


def _worker(store) -> TestClient:
    """A fresh app (an empty memory cache), like another server process over the same files."""
    return TestClient(create_app(store, Settings(db=str(store.path))))


def _rows(store) -> dict[str, str]:
    with sqlite3.connect(str(store.path) + ".pages") as db:
        return dict(db.execute("SELECT key, version FROM pages"))


def test_page_store_path_follows_the_settings():
    assert page_store_path(Settings(db="/srv/news.db")) == "/srv/news.db.pages"
    assert page_store_path(Settings(db="postgresql://u@localhost/news")) is None
    assert page_store_path(Settings(db=":memory:")) is None
    assert page_store_path(Settings(db="/srv/news.db", page_store="off")) is None
    assert page_store_path(Settings(db="postgresql://u@h/n", page_store="/var/cache/p")) == "/var/cache/p"


def test_a_page_one_worker_rendered_is_served_by_another_without_reading_the_store(store, monkeypatch):
    first = _worker(store).get("/story/s1")
    assert first.status_code == 200
    assert set(_rows(store)) == {"/story/s1?|orig"}

    reads = counting(store, monkeypatch, "story")
    second = _worker(store).get("/story/s1")

    assert reads[0] == 0  # from the page store: the story was not read, nothing rendered
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-security-policy"] == first.headers["content-security-policy"]


def test_a_write_to_the_story_makes_its_kept_page_stale_and_the_next_render_replaces_it(store, monkeypatch):
    old = _worker(store).get("/story/sx")
    other = _worker(store).get("/story/s1")
    kept = _rows(store)
    store.write_input(
        InputWrite(
            raw=RawInput(name="sx-again", data=b"sx-again"),
            articles=[],
            analyses=[],
            stories=[replace(store.story("sx"), headline="换了的标题")],
        )
    )
    reads = counting(store, monkeypatch, "story")
    worker = _worker(store)

    new = worker.get("/story/sx")
    assert reads[0] == 1 and "换了的标题" in new.text and "换了的标题" not in old.text
    assert new.headers["etag"] != old.headers["etag"]
    assert worker.get("/story/s1").content == other.content and reads[0] == 1  # s1 untouched: kept
    after = _rows(store)
    assert (
        after["/story/sx?|orig"] != kept["/story/sx?|orig"]
        and after["/story/s1?|orig"] == kept["/story/s1?|orig"]
    )


def test_only_host_free_responses_are_kept_and_each_script_has_its_own(store):
    client = _worker(store)
    assert client.get("/feeds/story/s1.atom").status_code == 200  # absolute links: never kept
    assert client.get("/story/s1?script=hant").status_code == 200  # sets the cookie: not kept
    hant = client.get("/story/s1")  # the cookie is now set: the 繁 page, kept under its own key
    plain = TestClient(create_app(store, Settings(db=str(store.path)))).get("/story/s1")
    assert client.get("/api/stories/s1/thread").status_code == 200
    assert client.get("/story/nope").status_code == 404

    assert set(_rows(store)) == {"/story/s1?|hant", "/story/s1?|orig", "/api/stories/s1/thread?|hant"}
    assert hant.content != plain.content


def test_another_build_of_the_code_never_serves_the_old_pages(tmp_path):
    pages = PageStore(tmp_path / "p.pages", build="old")
    assert pages.put("/story/s1?|orig", "p:e.s1.1", 200, [(b"content-type", b"text/html")], b"old page")
    assert PageStore(tmp_path / "p.pages", build="new").get("/story/s1?|orig", "p:e.s1.1") is None
    assert pages.get("/story/s1?|orig", "p:e.s1.1") == (200, [(b"content-type", b"text/html")], b"old page")


def test_a_corrupt_or_unusable_page_store_costs_a_render_never_a_response(store, tmp_path, caplog):
    page = _worker(store).get("/story/s1")
    with sqlite3.connect(str(store.path) + ".pages") as db:
        db.execute("UPDATE pages SET body = x'00ff00ff'")  # not zlib
    again = _worker(store).get("/story/s1")
    assert again.status_code == 200 and again.content == page.content
    assert "could not read" in caplog.text

    blocked = tmp_path / "a-directory.pages"
    blocked.mkdir()  # SQLite cannot open a directory as its file
    app = create_app(store, Settings(db=str(store.path), page_store=str(blocked)))
    assert app.state.pages is None
    assert TestClient(app).get("/story/s1").content == page.content


def test_prerender_fills_the_store_hottest_first_and_skips_fresh_pages(store):
    settings = Settings(db=str(store.path))
    first = prerender_store(store, settings)
    assert (first.rendered, first.fresh, first.failed) == (store.count_stories(), 0, ())
    again = prerender_store(store, settings, limit=1)
    assert (again.rendered, again.fresh) == (0, 1)
    with pytest.raises(StorylineError, match="no page store"):
        prerender_store(store, replace(settings, page_store="off"))


def test_storyline_prerender_on_the_seed_pages(seed_paths: list[Path], tmp_path: Path):
    db = tmp_path / "seeds.db"
    env_run = [sys.executable, "-m", "storyline.cli", "--db", str(db)]
    env = {"STORYLINE_USE_ENCODER": "false", "PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"}
    ingest = subprocess.run(
        [*env_run, "ingest", *map(str, seed_paths)], capture_output=True, text=True, env=env
    )
    assert ingest.returncode == 0, ingest.stderr

    first = subprocess.run([*env_run, "prerender"], capture_output=True, text=True, env=env)
    second = subprocess.run([*env_run, "prerender"], capture_output=True, text=True, env=env)

    assert first.returncode == 0, first.stderr
    assert "1 pages rendered, 0 still fresh, 0 failed" in first.stderr  # the seeds make one story
    assert "0 pages rendered, 1 still fresh, 0 failed" in second.stderr
    with sqlite3.connect(str(db) + ".pages") as pages:
        (key,) = pages.execute("SELECT key FROM pages").fetchone()
    assert key.startswith("/story/") and key.endswith("?|orig")


def test_a_worker_never_waits_for_anothers_write_lock_and_says_nothing_of_it(tmp_path, caplog):
    pages = PageStore(tmp_path / "p.pages", build="b")
    assert pages.put("/story/s1?|orig", "p:e.s1.1", 200, [], b"kept")
    other = sqlite3.connect(tmp_path / "p.pages", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another worker in the middle of its write
    try:
        assert pages.put("/story/s2?|orig", "p:e.s2.1", 200, [], b"not now") is False
        assert pages.get("/story/s1?|orig", "p:e.s1.1") == (200, [], b"kept")  # reads go on (WAL)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "could not" not in caplog.text  # contention is expected, not a fault
    assert pages.put("/story/s2?|orig", "p:e.s2.1", 200, [], b"now")
