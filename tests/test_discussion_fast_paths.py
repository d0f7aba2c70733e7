"""The discussion summary's two fast paths give what the old steps gave.

* ``_per_hour`` tallies a thread's times by zone object, wall hour and fold before it makes one
  ``_hour`` per distinct hour; the old step made an ``_hour`` per comment and counted those.
* ``_forward_depth`` walks the floors upwards once when every floor answers earlier floors only;
  the old step (copied here) was the memoised walk, which ``_reply_depth`` still takes otherwise.

Held to the old steps on every CED thread and on generated threads: times in several zones
(whole-hour, half-hour and DST zones, ambiguous and skipped wall times, fold 1, zone objects
equal but not the same), no times, floors answering later floors, cycles, floors seen twice.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from storyline.records import Comment, RawInput
from storyline.sources import parse_input
from storyline.stories import discussion as D


def _old_per_hour(comments: Sequence[Comment]) -> Counter[datetime]:
    return Counter(D._hour(c.posted_at) for c in comments if c.posted_at is not None)


def _old_reply_depth(edges: dict[int, set[int]]) -> int:
    depth: dict[int, int] = {}
    for start in edges:
        if start in depth:
            continue
        if not edges[start]:
            depth[start] = 0
            continue
        stack: list[tuple[int, bool]] = [(start, False)]
        on_path: set[int] = set()
        while stack:
            node, done = stack.pop()
            if done:
                on_path.discard(node)
                parents = [p for p in edges.get(node, ()) if p in depth]
                depth[node] = 1 + max((depth[p] for p in parents), default=-1)
                continue
            if node in depth or node in on_path:
                continue
            on_path.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in edges.get(node, ()) if p not in depth and p not in on_path)
    return max(depth.values(), default=0)


def _same_hours(comments: Sequence[Comment]) -> Counter[datetime]:
    new, old = D._per_hour(comments), _old_per_hour(comments)
    assert new == old
    # The same keys (fields, zone object, fold), in the same order: activity is built from them.
    assert [(k, k.tzinfo, k.fold, n) for k, n in new.items()] == [
        (k, k.tzinfo, k.fold, n) for k, n in old.items()
    ]
    assert [repr(k) for k in sorted(new)] == [repr(k) for k in sorted(old)]
    return new


def test_ced_threads_as_before(weibo_dir: Path) -> None:
    posts = sorted((weibo_dir / "original").glob("*.json"))
    threads = [a.comments for p in posts for a in parse_input(RawInput(str(p), p.read_bytes()))]
    assert (len(threads), sum(map(len, threads))) == (224, 85481)
    hours = sum(len(_same_hours(t)) for t in threads)
    forward = 0
    for t in threads:
        edges = D._graph(t).edges
        assert D._reply_depth(edges) == _old_reply_depth(edges)
        forward += D._forward_depth(edges) is not None
    assert hours > 224 and forward == 224  # every CED floor answers an earlier one


_ZONES = [
    None,  # naive
    UTC,
    timezone(timedelta(hours=8)),
    timezone(timedelta(hours=8), "CST"),  # equal to the one before, not the same object
    timezone(timedelta(hours=5, minutes=30)),
    ZoneInfo("Asia/Shanghai"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Lord_Howe"),  # a half-hour DST shift
]


def _generated_times(rng: random.Random) -> tuple[Comment, ...]:
    # Around the DST changes of 2024 (New York: 10 March, 3 November; Lord Howe: 7 April).
    base = rng.choice(
        [datetime(2024, 3, 10, 1), datetime(2024, 11, 3, 0), datetime(2024, 4, 7, 1), datetime(2024, 6, 1)]
    )
    # Naive and aware times do not sort together (the summary sorts its hours): one kind a thread.
    zones = [None] if rng.random() < 0.1 else _ZONES[1:]
    out = []
    for i in range(rng.randint(0, 60)):
        at = None
        if rng.random() < 0.9:
            wall = base + timedelta(minutes=rng.randint(0, 240), seconds=rng.randint(0, 59))
            zone = rng.choice(zones)
            at = wall.replace(tzinfo=zone, fold=rng.choice([0, 0, 1]))
            if zone is not None and rng.random() < 0.3:  # the same instant seen from another zone
                at = at.astimezone(rng.choice([z for z in _ZONES if z is not None]))
        out.append(Comment(floor=i + 1, author="甲", text="x", posted_at=at))
    return tuple(out)


def test_generated_times_as_before() -> None:
    rng = random.Random(20)
    merged = 0
    for _ in range(3000):
        thread = _generated_times(rng)
        counted = _same_hours(thread)
        merged += sum(counted.values()) > len(counted)
    assert merged > 1000


def _generated_edges(rng: random.Random) -> dict[int, set[int]]:
    n = rng.randint(0, 30)
    edges: dict[int, set[int]] = {}
    for floor in rng.sample(range(1, n + 3), k=min(n, n + 2)):
        if rng.random() < 0.3:
            continue
        later = rng.random() < 0.15  # a parent at a later floor: maybe a cycle
        top = n + 3 if later else floor
        parents = {rng.randrange(0, top) for _ in range(rng.choice([0, 1, 1, 2, 3]))}
        edges[floor] = parents if rng.random() < 0.05 else parents - {floor}  # a self-quote, rarely
    return edges


def test_generated_depths_as_before() -> None:
    rng = random.Random(21)
    fast = slow = 0
    for _ in range(5000):
        edges = _generated_edges(rng)
        assert D._reply_depth(edges) == _old_reply_depth(edges)
        if D._forward_depth(edges) is None:
            slow += 1
        else:
            fast += 1
            assert D._forward_depth(edges) == _old_reply_depth(edges)
    assert fast > 1000 and slow > 1000
