"""HTTP plumbing shared by the portal and the API: ETag/304 responses and security headers.

Example::

    >>> r = etag_response(request, b"{}", "application/json", max_age=30)   # doctest: +SKIP
    >>> r.headers["etag"]
    '"44136fa355b3678a1146ad16f7e8649e"'
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CACHE_ETAGS",
    "SECURITY_HEADERS",
    "SecurityHeaders",
    "etag_for",
    "etag_response",
    "inline_if_local",
]

#: Scope key set by :class:`storyline.web.cache.ResponseCache` on a request it renders: it drops
#: the handler's ETag and answers If-None-Match itself, so hashing the body would be wasted work
#: (≈0.15 ms for a 120 kB story page).
CACHE_ETAGS = "storyline.cache_etags"

# No inline script anywhere (the portal has no JavaScript at all), styles only from our own
# stylesheet (so no style="" attributes either), images from self or data: (none today).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """Pure ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response.

    Pure ASGI rather than ``BaseHTTPMiddleware``: the latter wraps every response in an extra
    task and stream, which costs measurable req/s on the portal benchmark.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def inline_if_local(handler: Callable[..., Response]) -> Callable[..., Any]:
    """A sync handler run on the event loop when ``app.state.inline``, else in the thread pool.

    FastAPI runs a plain ``def`` handler in a thread pool. For a page that is CPU-bound
    rendering over a local store that only adds cost: the GIL lets one thread run at a time,
    and the event loop — which answers cache hits — then waits up to a switch interval (5 ms)
    behind every rendering thread. Measured by benchmarks/portal_load.py (SQLite, 1 worker):
    hot story pages p95 77 → 19-24 ms, uncached 322 → 360 req/s. Over a networked store
    (PostgreSQL) a slow query must not stall the loop, so there the pool is kept.
    The handler takes ``request`` as a keyword (FastAPI passes every parameter that way);
    ``functools.wraps`` keeps its signature for FastAPI's parameter parsing.
    """

    @functools.wraps(handler)
    async def run(**kwargs: Any) -> Response:
        if getattr(kwargs["request"].app.state, "inline", False):
            return handler(**kwargs)
        return await run_in_threadpool(handler, **kwargs)

    return run


def etag_for(body: bytes) -> str:
    """A strong ETag of ``body``: 128 bits of its SHA-256. SHA-256 rather than BLAKE2b because
    CPUs hash it in hardware (x86 SHA extensions, ARMv8): 23 vs 40 µs for a 25 kB thread page,
    0.06 vs 0.11 ms for a story page, measured, and every page rendered hashes its bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = [t.strip() for t in if_none_match.split(",")]
    # a weak comparison is what RFC 9110 asks for If-None-Match
    return any(t.removeprefix("W/") == etag for t in tags)


def etag_response(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    max_age: int = 30,
    status_code: int = 200,
    vary: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """``body`` with ETag and Cache-Control, or an empty 304 when the client already has it.

    Without an ETag when the response cache in front sets its own (:data:`CACHE_ETAGS`).
    """
    h = {"Cache-Control": f"public, max-age={max_age}" if max_age else "no-cache"}
    etag = "" if request.scope.get(CACHE_ETAGS) else etag_for(body)
    if etag:
        h["ETag"] = etag
    if vary:
        h["Vary"] = vary
    if headers:
        h.update(headers)
    if etag and status_code == 200 and _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=h)
    return Response(content=body, status_code=status_code, media_type=media_type, headers=h)
