"""Each live source and how it fares, read from the store's fetch state: what ``storyline status``
and the portal's ``/status`` page show.

One row per source the user listed (and per feed found on a listed front page): its last fetch
and result, how many items it brought, when it is due again, its errors, whether it is failing,
and how many of its pages are still followed for new floors. The rows are a reading of
:meth:`~storyline.store.base.Store.fetch_states` alone, so they live here, below both the
follower (``storyline.live``, which re-exports them) and the portal (``storyline.web``), which
must only read the store.

Example::

    >>> from storyline.store import open_store                       # doctest: +SKIP
    >>> [r.url for r in source_rows(open_store("s.db")) if r.failing]  # doctest: +SKIP
    ['https://example.org/feed.xml']
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from storyline.store.base import FetchState, Store

__all__ = ["FAILING_AFTER", "SourceStatus", "source_rows"]

#: Errors in a row after which a source shows as failing (``FollowPolicy.failing_after``'s default).
FAILING_AFTER = 3


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


def source_rows(
    store: Store, *, failing_after: int = FAILING_AFTER, now: float | None = None
) -> list[SourceStatus]:
    """Every listed source (and discovered feed), listed first then by URL.

    ``failing_after``: errors in a row that mark a source failing. Raises ``NotImplementedError``
    for a store without live mode's fetch state.
    """
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
                failing=row.failures >= failing_after,
                last_error=row.last_error,
                held_by=row.lease_owner if row.lease_until > now else "",
            )
        )
    return out
