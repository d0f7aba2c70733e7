"""Two followers share one store (PostgreSQL, and a SQLite file): every item fetched and stored once."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from newsroom_fixtures import Newsroom, corpus
from storyline import open_store
from test_follow_process import _env, _wait_for

pytestmark = pytest.mark.slow


def _all_fetched(db: str, pages: int) -> bool:
    with open_store(db) as store:
        rows = store.fetch_states(listed=False)
        return len(rows) == pages and all(r.last_fetch is not None and not r.lease_owner for r in rows)


def test_two_followers_store_every_item_exactly_once(db: str) -> None:
    with Newsroom(outlets=4, corpus=corpus(), faults={0: "slow", 2: "slow"}, slow_delay=0.1) as room:
        published = room.publish(24, floors=2)
        feeds = [o.feed_url for o in room.outlets]
        with open_store(db):
            pass  # the schema, created once before two processes race to use it
        # continuous mode, as deployed: both tick every second until every page is in
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "storyline.cli",
                    "--db",
                    db,
                    "follow",
                    "--allow-private",
                    "--interval",
                    "600",
                    "--page-interval",
                    "600",
                    "--name",
                    f"follower-{n}",
                    *feeds,
                ],
                env=_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in (1, 2)
        ]
        try:
            _wait_for(lambda: _all_fetched(db, len(published)), timeout=180)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
        results = [p.communicate(timeout=60) for p in procs]
        for proc, (_out, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err
        # each page read exactly once by one of the two, each feed once by one of the two
        assert [room.page_hits(s) for s in published] == [1] * len(published)
        assert room.count(path_prefix="/feed.xml") == len(feeds)
        with open_store(db) as store:
            articles = list(store.iter_articles())
            assert sorted(a.url for a in articles) == sorted(room.url_of(s) for s in published)
            for a in articles:
                assert len(a.comments) == 2 and a.paragraphs
            assigned = store.story_ids_of_articles(a.id for a in articles)
            members = [aid for sid in set(assigned.values()) for aid in store.story(sid).article_ids]
            assert sorted(members) == sorted(a.id for a in articles)  # the cluster index lost nobody
            # both did part of the work
            done_by = {s.last_result for s in store.fetch_states(listed=False)}
            assert all(r.startswith("ingested") for r in done_by)
        # the two reports add up to the items: none was ingested by both
        ingested = [int(m) for _out, err in results for m in re.findall(r"(\d+) page\(s\) ingested", err)]
        assert sum(ingested) == len(published)
