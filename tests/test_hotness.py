"""Hot-list score: distinct outlets × recency decay (12 h half-life) × engagement."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from storyline.records import Article, Comment, Stats
from storyline.stories.hotness import HALF_LIFE_HOURS, hotness

NOW = datetime(2025, 1, 23, 12, tzinfo=UTC)


def art(
    outlet: str,
    hours_ago: float | None = 0.0,
    reads: int | None = None,
    comments: int | None = None,
    thread: int = 0,
) -> Article:
    at = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    return Article(
        url=f"https://{outlet}/{hours_ago}/{reads}",
        outlet=outlet,
        title="t",
        paragraphs=(),
        published_at=at,
        stats=Stats(reads=reads, comments=comments),
        comments=tuple(Comment(floor=i + 1, author="r", text="x") for i in range(thread)),
    )


def test_no_reports_is_not_hot():
    assert hotness([], NOW) == 0.0


def test_one_fresh_report_without_engagement_scores_one():
    assert hotness([art("rfi")], NOW) == 1.0


def test_distinct_outlets_multiply_and_one_outlet_counts_once():
    assert hotness([art("rfi"), art("bbc"), art("cna")], NOW) == 3.0
    assert hotness([art("rfi"), art("RFI", hours_ago=0.0, reads=0)], NOW) == 1.0


def test_score_halves_every_half_life_after_the_latest_report():
    fresh = hotness([art("rfi", hours_ago=30), art("bbc", hours_ago=0)], NOW)
    assert hotness([art("rfi", hours_ago=30), art("bbc", hours_ago=HALF_LIFE_HOURS)], NOW) == fresh / 2
    assert hotness([art("rfi", hours_ago=2 * HALF_LIFE_HOURS)], NOW) == 0.25


def test_a_report_dated_after_now_counts_as_fresh_and_undated_ones_as_one_half_life_old():
    assert hotness([art("rfi", hours_ago=-5)], NOW) == 1.0
    assert hotness([art("rfi", hours_ago=None)], NOW) == 0.5


def test_engagement_weighs_a_comment_like_a_hundred_reads_on_a_log_scale():
    # the seed thread's figures: 44192 reads, 48 comments
    assert math.isclose(hotness([art("rfi", reads=44192, comments=48)], NOW), math.log2(2 + 441.92 + 48))
    assert hotness([art("rfi", reads=100)], NOW) == hotness([art("rfi", comments=1)], NOW)
    # comments actually read count when the page's counter is missing or lower
    assert hotness([art("rfi", comments=1, thread=6)], NOW) == math.log2(8)


def test_naive_now_is_taken_as_utc():
    assert hotness([art("rfi", hours_ago=12)], NOW.replace(tzinfo=None)) == 0.5


def test_hot_rank_orders_exactly_as_hotness_at_any_common_time() -> None:
    from datetime import UTC, datetime, timedelta

    from storyline.records import Article, Stats
    from storyline.stories.hotness import HALF_LIFE_HOURS, hot_rank, hotness

    base = datetime(2025, 1, 22, 12, tzinfo=UTC)
    stories = [
        [
            Article(
                url=f"u{i}{j}",
                outlet=f"o{j}",
                title="t",
                paragraphs=(),
                published_at=base + timedelta(hours=7 * i),
                stats=Stats(reads=100 * i * j, comments=j),
            )
            for j in range(1 + i % 3)
        ]
        for i in range(6)
    ]
    by_rank = sorted(range(6), key=lambda i: hot_rank(stories[i]))
    by_hotness = sorted(range(6), key=lambda i: hotness(stories[i], base + timedelta(days=2)))
    assert by_rank == by_hotness
    # And the identity itself holds (checked where 2**x does not underflow).
    soon = base + timedelta(hours=40)  # after every report (hotness clamps future ages to 0)
    for arts in stories:
        expected = 2 ** (hot_rank(arts) - soon.timestamp() / 3600 / HALF_LIFE_HOURS)
        assert abs(hotness(arts, soon) - expected) < 1e-9 * max(1.0, expected)
    assert all(hot_rank(a) > 0 for a in stories)
