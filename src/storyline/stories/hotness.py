"""How hot a story is right now: distinct outlets × recency decay × reader engagement.

    hotness = outlets × 0.5 ** (age_hours / HALF_LIFE_HOURS) × log2(2 + reads / 100 + comments)

- ``outlets``: distinct outlets that reported the story (a story many newsrooms carry matters
  more than one outlet's many updates, so reports from one outlet count once);
- ``age_hours``: hours from the story's latest dated report to ``now`` (never negative); a story
  with no dated report counts as one half-life old;
- ``HALF_LIFE_HOURS`` = 12: a story untouched for half a day drops to half its score, for a day
  to a quarter — the rhythm of a news front page;
- engagement: summed over reports; a comment weighs as much as 100 reads (commenting takes
  effort, reads are cheap and inflated), and the log keeps one viral thread from burying every
  other story. ``comments`` is the larger of the page's count and the comments actually read.

What the store keeps is :func:`hot_rank`, ``log2(outlets × engagement) + t_latest / half-life``
(``t_latest`` in hours since the Unix epoch): ``hotness(now) == 2 ** (hot_rank − now / half-life)``
for every story at once, so ranking by the stored rank IS ranking by hotness at any common
``now`` — scores written at different times stay comparable and never need recomputing (the
same trick as Reddit's "hot"), and an archive from last year still ranks sensibly.

Example::

    >>> from datetime import datetime, UTC
    >>> from storyline.records import Article, Stats
    >>> now = datetime(2025, 1, 23, tzinfo=UTC)
    >>> a = Article(url="u1", outlet="RFI", title="t", paragraphs=(), published_at=now, stats=Stats(reads=200))
    >>> hotness([a], now)
    2.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from storyline.records import Article

__all__ = ["HALF_LIFE_HOURS", "READS_PER_COMMENT", "hot_rank", "hotness"]

HALF_LIFE_HOURS = 12.0
READS_PER_COMMENT = 100.0


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _outlet(a: Article) -> str:
    return (a.outlet or a.site or a.url or a.id).strip().lower()


def hotness(articles: Sequence[Article], now: datetime) -> float:
    """The score above for one story's reports at time ``now``; 0.0 for no reports."""
    if not articles:
        return 0.0
    outlets = len({_outlet(a) for a in articles})
    times = [_aware(a.published_at) for a in articles if a.published_at is not None]
    age = max(0.0, (_aware(now) - max(times)).total_seconds() / 3600.0) if times else HALF_LIFE_HOURS
    reads = sum(a.stats.reads or 0 for a in articles)
    comments = sum(max(a.stats.comments or 0, len(a.comments)) for a in articles)
    engagement = math.log2(2.0 + reads / READS_PER_COMMENT + comments)
    return outlets * 0.5 ** (age / HALF_LIFE_HOURS) * engagement


def hot_rank(articles: Sequence[Article]) -> float:
    """A time-independent ranking key equivalent to :func:`hotness` (see the module docstring)."""
    if not articles:
        return float("-inf")
    outlets = len({_outlet(a) for a in articles})
    times = [_aware(a.published_at) for a in articles if a.published_at is not None]
    reads = sum(a.stats.reads or 0 for a in articles)
    comments = sum(max(a.stats.comments or 0, len(a.comments)) for a in articles)
    engagement = math.log2(2.0 + reads / READS_PER_COMMENT + comments)
    latest_hours = max(times).timestamp() / 3600.0 if times else 0.0
    # An undated story has no clock: it ranks by weight alone, as of the epoch (below every
    # dated story).
    return math.log2(outlets * engagement) + latest_hours / HALF_LIFE_HOURS
