"""When a follower asks a URL again: fixed for sources, decaying with age for pages, backing off on errors.

A feed or front page is asked every ``interval`` seconds (its own, from the sources file, else
the follower's). A page found in a feed is asked again to collect the floors readers add: often
while it is new, less and less as it ages, the gap doubling every ``page_halving`` seconds of
age from ``page_interval`` up to ``page_max_interval``; after ``page_retire_after`` it is retired
(reader threads on news pages go quiet within days). An error pushes the next ask back
exponentially from ``backoff_base`` to ``backoff_max``, or to the server's ``Retry-After`` when
that is later.

    >>> p = FollowPolicy(page_interval=60, page_halving=3600, page_max_interval=3600)
    >>> [page_gap(p, age) for age in (0, 3600, 7200, 36000)]
    [60.0, 120.0, 240.0, 3600.0]
"""

from __future__ import annotations

from dataclasses import dataclass

from storyline.store.base import FetchState
from storyline.store.source_status import FAILING_AFTER

__all__ = ["FollowPolicy", "after_error", "after_success", "page_gap"]


@dataclass(frozen=True, slots=True)
class FollowPolicy:
    """How a follower schedules and shares its work (every time in seconds).

    interval: between two asks of a feed or front page that sets no interval of its own.
    page_interval, page_halving, page_max_interval, page_retire_after: the pages' decaying
    re-ask schedule (see the module doc). backoff_base, backoff_max: after an error.
    failing_after: errors in a row after which a source shows as failing in the status.
    fallback_after: failed asks of a page before its feed item's summary is stored instead
    (at once for errors that will not heal: 404, robots.txt, a refused address).
    lease_seconds: how long a claimed URL stays with this follower before others may take it.
    workers: hosts fetched at once. batch: URLs claimed per store call.
    """

    interval: float = 300.0
    page_interval: float = 120.0
    page_halving: float = 3600.0
    page_max_interval: float = 6 * 3600.0
    page_retire_after: float = 3 * 86400.0
    backoff_base: float = 30.0
    backoff_max: float = 3600.0
    failing_after: int = FAILING_AFTER
    fallback_after: int = 3
    lease_seconds: float = 300.0
    # Workers mostly wait (the network, the per-host gap), so there are many; a claim is a few
    # per worker: enough to keep them busy, few enough that a second follower finds work.
    workers: int = 16
    batch: int = 48


def page_gap(policy: FollowPolicy, age: float) -> float:
    """Seconds until a found page of ``age`` seconds is asked again."""
    if policy.page_halving <= 0:
        return min(policy.page_interval, policy.page_max_interval)
    doublings = min(max(age, 0.0) / policy.page_halving, 60.0)
    return float(min(policy.page_interval * 2.0**doublings, policy.page_max_interval))


def after_success(policy: FollowPolicy, state: FetchState, now: float) -> float | None:
    """The next due time after a good answer (changed or not); None retires a page."""
    if state.listed or state.kind in {"feed", "front", "auto"}:
        return now + (state.interval_s or policy.interval)
    age = now - state.first_seen
    if age >= policy.page_retire_after:
        return None
    return now + page_gap(policy, age)


def after_error(policy: FollowPolicy, failures: int, now: float, retry_after: float | None) -> float:
    """The next due time after the ``failures``-th error in a row (``Retry-After`` honoured)."""
    gap = min(policy.backoff_base * 2.0 ** max(failures - 1, 0), policy.backoff_max)
    if retry_after is not None:
        gap = max(gap, min(retry_after, policy.backoff_max))
    return now + gap
