"""``/docs``: the JSON API's endpoints, listed from ``/openapi.json``.

FastAPI's own Swagger UI is off (see :func:`storyline.web.app.create_app`): it loads scripts from a
CDN and runs inline script, which the Content-Security-Policy forbids.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storyline.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs(request: Request) -> Response:
    spec = request.app.openapi()
    endpoints = [
        {"method": m.upper(), "path": p, "summary": op.get("summary", ""), "params": op.get("parameters", [])}
        for p, ops in spec.get("paths", {}).items()
        for m, op in ops.items()
    ]
    return render(request, "docs.html", endpoints=endpoints, title=spec.get("info", {}).get("title", ""))
