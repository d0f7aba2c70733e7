"""``storyline follow`` as a process: SIGTERM ends it cleanly; kill -9 and a restart lose and duplicate nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsroom_fixtures import Newsroom, corpus
from storyline import open_store

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parent.parent / "src"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["STORYLINE_USE_ENCODER"] = "false"
    env["STORYLINE_FETCH_RATE_PER_HOST"] = "100"
    return env


def _follow(db: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "storyline.cli", "--db", db, "follow", "--allow-private", *args],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the follower")


def _count(db: str) -> int:
    if not Path(db).exists():
        return 0
    with open_store(db) as store:
        return store.count_articles()


@pytest.fixture()
def room() -> Iterator[Newsroom]:
    # slow pages: the follower is caught in the middle of a round
    with Newsroom(
        outlets=3, corpus=corpus(), faults={0: "slow", 1: "slow", 2: "slow"}, slow_delay=0.4
    ) as newsroom:
        yield newsroom


def test_sigterm_finishes_in_flight_work_and_exits_0(room: Newsroom, tmp_path: Path) -> None:
    db = str(tmp_path / "live.db")
    room.publish(9, floors=2)
    proc = _follow(db, "--interval", "1", *[o.feed_url for o in room.outlets])
    try:
        _wait_for(lambda: _count(db) >= 2)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM: finishing what is in flight" in err
    with open_store(db) as store:
        assert all(s.lease_owner == "" for s in store.fetch_states())  # leases freed on the way out
        # what was fetched was stored: every page with a recorded fetch is an article
        fetched_pages = {s.url for s in store.fetch_states(listed=False) if s.last_fetch is not None}
        assert fetched_pages <= {a.url for a in store.iter_articles()}


def test_kill_9_then_restart_loses_and_duplicates_nothing(room: Newsroom, tmp_path: Path) -> None:
    db = str(tmp_path / "live.db")
    published = room.publish(30, floors=3)
    proc = _follow(db, "--interval", "1", "--page-interval", "0", *[o.feed_url for o in room.outlets])
    try:
        _wait_for(lambda: _count(db) >= 3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    landed = _count(db)
    assert 3 <= landed < 30
    room.add_floors(2, stories=[published[0]])
    # the restart frees the dead process's leases (same host, pid gone) and finishes the work
    restart = _follow(db, "--once", "--page-interval", "0")
    _out, err = restart.communicate(timeout=120)
    assert restart.returncode == 0, err
    with open_store(db) as store:
        articles = list(store.iter_articles())
        assert sorted(a.url for a in articles) == sorted(room.url_of(s) for s in published)
        by_url = {a.url: a for a in articles}
        for story in published:
            assert [c.floor for c in by_url[room.url_of(story)].comments] == [f.floor for f in story.floors]
        assert len(by_url[room.url_of(published[0])].comments) == 5
        story_members = [
            aid
            for sid in set(store.story_ids_of_articles(a.id for a in articles).values())
            for aid in store.story(sid).article_ids
        ]
        assert sorted(story_members) == sorted(a.id for a in articles)  # each article in one story, once
        assert all(s.lease_owner == "" for s in store.fetch_states())
    # each page read whole at most once per version: before the kill (or in flight at it) and after
    # only if it changed or its answer was lost with the process; re-asks of the rest got 304s
    assert all(room.page_hits(s, 200) <= 2 for s in published)
