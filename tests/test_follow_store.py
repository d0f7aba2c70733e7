"""Fetch state in the store (live mode), on SQLite and PostgreSQL: leases, claims, saves, restarts."""

from __future__ import annotations

import threading
from dataclasses import replace

from storyline import open_store
from storyline.store.base import FetchState


def _rows(n: int, due: float = 100.0) -> list[FetchState]:
    return [
        FetchState(url=f"https://e.org/{i:02d}", kind="page", first_seen=0.0, next_due=due + i)
        for i in range(n)
    ]


def test_a_claimed_row_is_leased_to_one_follower_until_it_expires_or_is_saved(db: str) -> None:
    with open_store(db) as store:
        assert store.add_fetch_states(_rows(5)) == 5
        assert store.add_fetch_states(_rows(6)) == 1  # known rows are left alone
        a = store.claim_fetch_states("A", now=103.0, limit=10, lease_seconds=60)
        assert [s.url[-2:] for s in a] == ["00", "01", "02", "03"]  # due by now, soonest first
        assert {s.lease_owner for s in a} == {"A"}
        assert store.claim_fetch_states("B", now=104.0, limit=10, lease_seconds=60)[0].url.endswith("04")
        assert store.claim_fetch_states("B", now=104.5, limit=10, lease_seconds=60) == []
        # A saves one (lease released, due later); its other leases expire at 163
        store.save_fetch_state(
            replace(a[0], lease_owner="", lease_until=0.0, last_fetch=104.0, next_due=500.0)
        )
        taken = store.claim_fetch_states("B", now=164.0, limit=10, lease_seconds=60)
        assert [s.url[-2:] for s in taken] == ["01", "02", "03", "05"]
        assert store.release_fetch_leases("B") == 5
        # one round asks a URL once: rows fetched since the round began are left out
        assert store.claim_fetch_states("C", now=600.0, limit=10, lease_seconds=60, fetched_before=104.0) == [
            replace(s, lease_owner="C", lease_until=660.0) for s in store.fetch_states() if s.url[-2:] != "00"
        ]


def test_save_inserts_found_rows_once_and_a_reopened_store_keeps_everything(db: str) -> None:
    with open_store(db) as store:
        store.add_fetch_states(
            [FetchState(url="https://e.org/feed", kind="feed", listed=True, first_seen=1.0, next_due=1.0)]
        )
        [feed] = store.claim_fetch_states("A", now=2.0, limit=5, lease_seconds=30)
        pages = [
            FetchState(
                url=f"https://e.org/p{i}",
                kind="page",
                origin=feed.url,
                item=b'{"t":1}',
                first_seen=2.0,
                next_due=2.0,
            )
            for i in range(3)
        ]
        saved = replace(
            feed,
            etag='"x"',
            last_modified="Tue, 01 Dec 2026 10:00:00 GMT",
            lease_owner="",
            lease_until=0.0,
            items=3,
            next_due=300.0,
        )
        assert store.save_fetch_state(saved, found=pages) == 3
        assert store.save_fetch_state(saved, found=pages) == 0
    with open_store(db) as store:
        rows = {s.url: s for s in store.fetch_states()}
        assert rows[feed.url] == saved
        assert [s.url for s in store.fetch_states(origin=feed.url)] == [p.url for p in pages]
        assert rows["https://e.org/p0"].item == b'{"t":1}'
        assert [s.url for s in store.fetch_states(listed=True)] == [feed.url]


def test_listing_a_known_source_again_updates_its_name_and_interval_only(db: str) -> None:
    with open_store(db) as store:
        first = FetchState(
            url="https://e.org/feed", kind="auto", listed=True, outlet="E", first_seen=1.0, next_due=1.0
        )
        store.add_fetch_states([first], listed_update=True)
        store.save_fetch_state(replace(first, kind="feed", etag='"v1"', next_due=99.0))
        again = replace(first, outlet="E Daily", interval_s=60.0, next_due=5.0)
        assert store.add_fetch_states([again], listed_update=True) == 0
        [row] = store.fetch_states()
        assert (row.outlet, row.interval_s, row.kind, row.etag, row.next_due) == (
            "E Daily",
            60.0,
            "feed",
            '"v1"',
            99.0,
        )


def test_concurrent_claims_never_share_a_row(db: str) -> None:
    with open_store(db) as store:
        store.add_fetch_states(_rows(60, due=0.0))
    got: dict[str, list[str]] = {}

    def claim(owner: str) -> None:
        with open_store(db) as store:
            mine = []
            while batch := store.claim_fetch_states(owner, now=100.0, limit=3, lease_seconds=60):
                mine += [s.url for s in batch]
            got[owner] = mine

    threads = [threading.Thread(target=claim, args=(f"F{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    urls = [u for mine in got.values() for u in mine]
    assert sorted(urls) == sorted(s.url for s in _rows(60)) and len(urls) == len(set(urls))


def test_the_writer_lock_admits_one_writer_at_a_time(db: str) -> None:
    inside: list[int] = []
    overlaps: list[int] = []

    def write(n: int) -> None:
        with open_store(db) as store:
            for _ in range(5):
                with store.writer_lock():
                    inside.append(n)
                    if len(inside) > 1:
                        overlaps.append(n)
                    threading.Event().wait(0.01)
                    inside.remove(n)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
