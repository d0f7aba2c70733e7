"""``/status`` and ``/api/status``: each live source's last fetch, result, items, next due, errors.

The rows come from :func:`storyline.store.source_status.source_rows`, read from the store (the
same rows ``storyline status`` shows through ``storyline.live.source_status``). Fetch state
changes without a store write (``Store.version`` stays put), so these responses are sent
``Cache-Control: no-store`` and the response cache never keeps them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from storyline.store.source_status import SourceStatus, source_rows
from storyline.web.render import render, store

__all__ = ["router"]

router = APIRouter()


@router.get("/status")
def status_page(request: Request) -> Response:
    """The follower's sources, failing ones marked; empty when nothing is followed."""
    rows = _rows(request)
    resp = render(request, "status.html", rows=rows, failing=sum(r.failing for r in rows))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@router.get("/api/status")
def status_api(request: Request) -> JSONResponse:
    """Each source as JSON (times in ISO 8601 UTC)."""
    rows = _rows(request)
    data = [r.as_json() for r in rows]
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


def _rows(request: Request) -> list[SourceStatus]:
    try:
        return source_rows(store(request))
    except NotImplementedError:  # a store without live mode's fetch state
        return []
