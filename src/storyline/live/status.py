"""What ``storyline status`` and the portal's ``/status`` page show: each source and how it fares.

One row per source the user listed (and per feed found on a listed front page): its last fetch
and result, how many items it brought, when it is due again, its errors, whether it is failing,
and how many of its pages are still followed for new floors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from storyline.live.schedule import FollowPolicy
from storyline.store.base import FetchState, Store

__all__ = ["SourceStatus", "source_status"]


@dataclass(frozen=True, slots=True)
class SourceStatus:
    url: str
    kind: str
    outlet: str
    last_fetch: datetime | None
    last_result: str
    items: int
    pages_followed: int
    next_due: datetime | None
    errors: int
    failures: int
    failing: bool
    last_error: str
    held_by: str

    def as_json(self) -> dict:
        """The row as ``storyline status --json`` and ``/api/status`` give it (times ISO 8601 UTC)."""
        return {
            "url": self.url,
            "kind": self.kind,
            "outlet": self.outlet,
            "last_fetch": self.last_fetch.isoformat() if self.last_fetch else None,
            "last_result": self.last_result,
            "items": self.items,
            "pages_followed": self.pages_followed,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "errors": self.errors,
            "failures": self.failures,
            "failing": self.failing,
            "last_error": self.last_error,
        }


def _when(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def source_status(
    store: Store, policy: FollowPolicy | None = None, *, now: float | None = None
) -> list[SourceStatus]:
    """Every listed source (and discovered feed), listed first then by URL."""
    import time

    policy = policy or FollowPolicy()
    now = time.time() if now is None else now
    rows = store.fetch_states()
    by_origin: dict[str, list[FetchState]] = {}
    for row in rows:
        if row.origin:
            by_origin.setdefault(row.origin, []).append(row)
    out = []
    for row in rows:
        if not (row.listed or row.kind == "feed"):
            continue
        pages = [p for p in by_origin.get(row.url, []) if p.kind == "page"]
        out.append(
            SourceStatus(
                url=row.url,
                kind=row.kind,
                outlet=row.outlet,
                last_fetch=_when(row.last_fetch),
                last_result=row.last_result or "not fetched yet",
                items=row.items if row.kind != "page" else max(row.items, 0),
                pages_followed=sum(1 for p in pages if p.next_due is not None),
                next_due=_when(row.next_due),
                errors=row.errors,
                failures=row.failures,
                failing=row.failures >= policy.failing_after,
                last_error=row.last_error,
                held_by=row.lease_owner if row.lease_until > now else "",
            )
        )
    return out
