"""Per-host politeness is the store's: followers together never ask one host faster than the rate.

The next allowed time of each host lives in the store (``Store.take_host_turn``, both
backends); every request a follower sends — pages, feeds, robots.txt — waits until it takes
the host's turn there, at the moment of sending. Two followers against the newsroom: the gaps between two requests to one host,
whoever sent them, are never below one over the rate.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict

import pytest

from newsroom_fixtures import Newsroom, corpus
from storyline import open_store
from test_follow_process import _env, _wait_for

RATE = 10.0  # requests per second per host
GAP = 1.0 / RATE
# A request is sent a moment after the turn it took (a thread waking, a connection): the gap
# between two arrivals may come out that much short of GAP.
SLACK = 0.02
# Consecutive arrivals to one host checked together, and how late one arrival's stamp may be.
WINDOW = 10
DELAY = 0.25


def test_a_hosts_turn_is_taken_once_per_gap_and_hosts_are_independent(db: str) -> None:
    with open_store(db) as store:
        assert store.take_host_turn("a.example:80", gap=0.5, now=100.0) == 0.0  # taken: send now
        assert store.take_host_turn("a.example:80", gap=0.5, now=100.0) == pytest.approx(0.5)
        assert store.take_host_turn("a.example:80", gap=0.5, now=100.2) == pytest.approx(0.3)
        assert store.take_host_turn("b.example:80", gap=0.5, now=100.2) == 0.0  # its own gate
        assert store.take_host_turn("a.example:80", gap=0.5, now=100.5) == 0.0
        assert store.take_host_turn("a.example:80", gap=0.5, now=100.7) == pytest.approx(0.3)
        assert store.take_host_turn("a.example:80", gap=0.5, now=200.0) == 0.0  # long idle
        # the store's own clock when none is given: a turn just taken leaves about a gap to wait
        assert store.take_host_turn("d.example:80", gap=30.0) == 0.0
        assert 29.0 < store.take_host_turn("d.example:80", gap=30.0) <= 30.0


def test_concurrent_turns_from_several_connections_are_never_closer_than_the_gap(db: str) -> None:
    with open_store(db):
        pass  # the schema, once
    # Each granted turn as the interval (just before the call, just after it) that holds the
    # store's grant: a thread descheduled between the grant and reading the clock would make two
    # well-spaced grants look close. For two grants g_i < g_j, after_j >= g_j >= g_i + gap >=
    # before_i + gap, so one of the two orders of every pair must span the gap.
    taken: list[tuple[float, float]] = []
    lock = threading.Lock()

    def ask() -> None:
        with open_store(db) as store:  # a connection of its own, as another follower has
            for _ in range(5):
                while True:
                    before = time.monotonic()
                    wait = store.take_host_turn("c.example:80", gap=0.05)
                    if wait <= 0:
                        break
                    time.sleep(wait)
                after = time.monotonic()
                with lock:
                    taken.append((before, after))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 20
    spans = [
        max(a_after - b_before, b_after - a_before)
        for (a_before, a_after), (b_before, b_after) in itertools.combinations(taken, 2)
    ]
    assert min(spans) >= 0.05 - SLACK, sorted(spans)[:3]


def _all_fetched(db: str, pages: int) -> bool:
    with open_store(db) as store:
        rows = store.fetch_states(listed=False)
        return len(rows) == pages and all(r.last_fetch is not None and not r.lease_owner for r in rows)


@pytest.mark.slow
def test_two_followers_together_keep_each_hosts_rate(db: str) -> None:
    with Newsroom(outlets=1, corpus=corpus(), feed_size=100) as room:
        # 80 pages on one host: more than one claim (48 URLs), so both followers ask it at once
        published = room.publish(80, floors=1)
        feeds = [o.feed_url for o in room.outlets]
        with open_store(db):
            pass  # the schema, created once before two processes race to use it
        cli = [sys.executable, "-m", "storyline.cli", "--db", db, "follow", "--allow-private"]
        cli += ["--interval", "600", "--page-interval", "600"]
        procs = []
        for n in (1, 2):
            env = _env()
            env["STORYLINE_FETCH_RATE_PER_HOST"] = str(RATE)
            env["STORYLINE_USER_AGENT"] = f"storyline-test/{n}"  # tells the newsroom who asked
            procs.append(
                subprocess.Popen(
                    [*cli, "--name", f"follower-{n}", *feeds],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        try:
            _wait_for(lambda: _all_fetched(db, len(published)), timeout=180)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            _out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
        by_host: dict[int, list[tuple[float, str]]] = defaultdict(list)
        for port, path, at, agent in room.arrivals:
            by_host[port].append((at, agent, path))
    assert sorted(by_host) == sorted(o.port for o in room.outlets)
    for port, arrivals in by_host.items():
        arrivals.sort()
        agents = [agent for _at, agent, _p in arrivals]
        # both followers asked this host, their requests interleaved in time
        assert {"storyline-test/1", "storyline-test/2"} <= set(agents), port
        switches = sum(a != b for a, b in itertools.pairwise(agents))
        assert switches >= 2, (port, agents)
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(arrivals)]
        assert len(gaps) >= 81, port  # robots.txt (each follower's), the feed, 80 pages
        # Arrival times carry the scheduling noise of a loaded machine on both ends (the sender's
        # thread after its turn, this process's server thread before it stamps the arrival): a
        # rare gap may come out short by that noise, never by a request sent out of turn. Two
        # followers each keeping the rate alone interleave at about GAP / 2, most gaps far below
        # (measured with the shared gate off: 56 and 58 of 82 gaps short, the least 0.0 s).
        close = [(round(g, 3), arrivals[i : i + 2]) for i, g in enumerate(gaps) if g < GAP - SLACK]
        # (At a load average of 9 on 2 cores a request was once stamped 70 ms after its turn.)
        assert len(close) <= len(gaps) // 10, (port, close)
        # A request stamped late makes the gap before it long and the ones after it short, but
        # not the span of a run of requests: every WINDOW consecutive arrivals still span
        # WINDOW - 1 turns, less what one stamp can be late by (DELAY: a thread descheduled
        # between its turn and its send; once two requests of one follower were stamped 2.7 ms
        # apart after turns 0.1 s apart, at a load average of 5). A request sent out of turn (the
        # gate off: followers interleave at about GAP / 2) makes runs spanning about half that.
        for i in range(len(arrivals) - WINDOW + 1):
            run = arrivals[i + WINDOW - 1][0] - arrivals[i][0]
            assert run >= (WINDOW - 1) * GAP - DELAY, (port, i, round(run, 3), close)
        span = arrivals[-1][0] - arrivals[0][0]
        assert span >= (len(arrivals) - 1) * GAP - SLACK  # the rate, over the whole run too
