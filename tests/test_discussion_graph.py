"""A thread's reply graph, counted once (``discussion._graph``), gives what the old steps gave.

The old steps, copied here, walked every floor's targets three times: in
``summarize_discussion`` (with every floor a key of the graph's edges), in ``reply_counts`` for
``best_floors``, and in the thread summary's ``replies``. The new graph walks only the floors that
quote or answer somebody and leaves the others out of the edges. Held to the old steps on every
CED thread and on generated threads built to be awkward: floor numbers seen twice, cycles,
floors quoting themselves or floors absent from the thread, times in several zones.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from storyline.records import Comment, DiscussionSummary, Quote, RawInput
from storyline.sources import parse_input
from storyline.stories import discussion as D


def _old_targets(comment: Comment, floors: set[int]) -> set[int]:
    if not comment.quotes and comment.parent_floor is None:
        return set()
    out = {q.floor for q in comment.quotes if q.floor is not None}
    if comment.parent_floor is not None:
        out.add(comment.parent_floor)
    out.discard(comment.floor)
    return out & floors


def _old_summary(comments: Sequence[Comment]) -> DiscussionSummary:
    floors = {c.floor for c in comments}
    quoted: Counter[int] = Counter()
    replied: Counter[int] = Counter()
    authors: Counter[str] = Counter()
    per_hour: Counter[datetime] = Counter()
    edges: dict[int, set[int]] = defaultdict(set)
    for c in comments:
        if c.author:
            authors[c.author] += 1
        if c.posted_at is not None:
            per_hour[D._hour(c.posted_at)] += 1
        for q in c.quotes:
            if q.floor is not None and q.floor in floors and q.floor != c.floor:
                quoted[q.floor] += 1
        targets = _old_targets(c, floors)
        edges[c.floor] |= targets
        for t in targets:
            replied[t] += 1
    times = sorted(per_hour)
    span = None
    if times:
        stamps = [c.posted_at for c in comments if c.posted_at is not None]
        span = int((max(stamps) - min(stamps)).total_seconds() // 3600)
    most_quoted, most_replied, most_active = D._top(quoted), D._top(replied), D._top(authors)
    depth = D._reply_depth(edges)
    return DiscussionSummary(
        comments=len(comments),
        authors=len(authors),
        most_quoted=most_quoted,
        most_replied=most_replied,
        most_active=most_active,
        reply_depth=depth,
        activity=tuple((h, per_hour[h]) for h in times),
        summary=D._summary_text(
            len(comments), len(authors), span, most_quoted, most_replied, most_active, depth
        ),
    )


def _old_reply_counts(comments: Sequence[Comment]) -> tuple[Counter[int], Counter[int]]:
    floors = {c.floor for c in comments}
    quoted: Counter[int] = Counter()
    replied: Counter[int] = Counter()
    for c in comments:
        for q in c.quotes:
            if q.floor is not None and q.floor in floors and q.floor != c.floor:
                quoted[q.floor] += 1
        for t in _old_targets(c, floors):
            replied[t] += 1
    return quoted, replied


def _old_best(comments: Sequence[Comment]) -> list[Comment]:
    quoted, replied = _old_reply_counts(comments)
    return sorted(
        comments,
        key=lambda c: (not c.text.strip(), -quoted[c.floor], -replied[c.floor], -(c.likes or 0), c.floor),
    )


def _check(comments: tuple[Comment, ...]) -> DiscussionSummary:
    for thread in (comments, list(comments)):  # a tuple is kept by the cache, a list is not
        for _ in range(2):  # counted, then (a tuple) read back from the cache
            new = D.summarize_discussion(thread)
            assert new == _old_summary(thread)
            assert [id(c) for c in D.best_floors(thread)] == [id(c) for c in _old_best(thread)]
            assert D.reply_counts(thread) == _old_reply_counts(thread)
            floors = {c.floor for c in thread}
            assert D._graph(thread).replying == sum(1 for c in thread if _old_targets(c, floors))
    return new


def test_ced_threads_as_before(weibo_dir: Path) -> None:
    posts = sorted((weibo_dir / "original").glob("*.json"))
    threads = [a.comments for p in posts for a in parse_input(RawInput(str(p), p.read_bytes()))]
    assert (len(threads), sum(map(len, threads))) == (224, 85481)
    depths = Counter(_check(t).reply_depth for t in threads)
    assert sum(depths.values()) == 224 and max(depths) > 1


def _generated_thread(rng: random.Random) -> tuple[Comment, ...]:
    n = rng.randint(0, 40)
    zones = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=5, minutes=30))]
    start = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    out = []
    for i in range(n):
        floor = rng.randint(1, n + 2) if rng.random() < 0.2 else i + 1  # some numbers twice
        quotes = tuple(
            Quote(author=rng.choice("甲乙丙"), text="x", floor=rng.choice([None, 0, *range(1, n + 3)]))
            for _ in range(rng.choice([0, 0, 0, 1, 2]))
        )
        parent = rng.choice([None, None, None, floor, *range(1, n + 3)])  # later floors: cycles
        at = None
        if rng.random() < 0.8:
            at = (start + timedelta(minutes=rng.randint(0, 600))).astimezone(rng.choice(zones))
        out.append(
            Comment(
                floor=floor,
                author=rng.choice(["", "甲", "乙", "丙", "丁"]),
                text=rng.choice(["", " ", "好", "同意"]),
                posted_at=at,
                quotes=quotes,
                parent_floor=parent,
                likes=rng.choice([None, 0, 3]),
            )
        )
    return tuple(out)


def test_generated_threads_as_before() -> None:
    rng = random.Random(19)
    depths = Counter(_check(_generated_thread(rng)).reply_depth for _ in range(3000))
    assert depths[0] > 100 and max(depths) >= 5
