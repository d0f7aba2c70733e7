"""What ``storyline status`` and the portal's ``/status`` page show: each source and how it fares.

The rows are read from the store's fetch state by :mod:`storyline.store.source_status` (so the
portal, which only reads the store, needs nothing from ``live``); here they are judged failing
by the follower's policy.
"""

from __future__ import annotations

from storyline.live.schedule import FollowPolicy
from storyline.store.base import Store
from storyline.store.source_status import SourceStatus, source_rows

__all__ = ["SourceStatus", "source_status"]


def source_status(
    store: Store, policy: FollowPolicy | None = None, *, now: float | None = None
) -> list[SourceStatus]:
    """Every listed source (and discovered feed), listed first then by URL."""
    policy = policy or FollowPolicy()
    return source_rows(store, failing_after=policy.failing_after, now=now)
