"""Polite, guarded HTTP fetching of pages and feeds with httpx.

:func:`fetch` does one GET the way a well-behaved crawler should:

* refuses targets that resolve to private, loopback, link-local, reserved or multicast addresses
  (every address ``getaddrinfo`` returns, checked with :mod:`ipaddress`, again after each
  redirect) unless ``settings.allow_private`` — :class:`~storyline.errors.BlockedAddress`;
* obeys robots.txt (:mod:`urllib.robotparser`, fetched once per host and kept in ``cache``);
* waits between requests to one host (``settings.fetch_rate_per_host`` requests per second);
* retries timeouts, connection errors, 429 and 5xx with exponential backoff (``Retry-After``
  honoured up to 30 s), ``settings.fetch_retries`` times;
* sends ``If-None-Match``/``If-Modified-Since`` when ``cache`` holds an earlier answer, and on
  ``304`` returns that answer's bytes with ``not_modified=True``;
* streams the body and aborts past ``settings.fetch_max_bytes``.

``cache`` is a plain dict the caller keeps for a crawl session: it holds earlier results by URL,
robots.txt parsers and the last request time per host (no module-level state; see STYLE.md §6).

Example::

    >>> cache: dict = {}
    >>> result = fetch("https://example.org/", Settings(), cache=cache)  # doctest: +SKIP
    >>> fetch("https://example.org/", Settings(), cache=cache).not_modified  # doctest: +SKIP
    True
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from storyline.errors import BlockedAddress, FetchError, StorylineError
from storyline.records import Article, RawInput
from storyline.settings import Settings

__all__ = ["FetchResult", "check_address", "fetch", "fetch_feed", "to_raw"]

log = logging.getLogger(__name__)

_MAX_REDIRECTS = 5
_MAX_RETRY_AFTER = 30.0
_RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One fetched URL. ``data`` is the body as received; ``encoding`` the HTTP charset, if any."""

    url: str
    final_url: str
    status: int
    content_type: str
    data: bytes
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False
    encoding: str = ""


def to_raw(result: FetchResult) -> RawInput:
    """The :class:`RawInput` a parser reads: named by the final URL, declared charset kept."""
    from storyline.sources import guess_media_type

    media = guess_media_type(result.final_url, result.data, result.content_type)
    return RawInput(result.final_url, result.data, media_type=media, encoding=result.encoding)


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def check_address(url: str, settings: Settings, allow_hosts: Iterable[str] = ()) -> None:
    """Raise :class:`BlockedAddress` unless every address ``url``'s host resolves to is public.

    ``allow_hosts`` names hosts exempt from the check (a test server, a known intranet host).
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise FetchError(url, f"only http and https URLs are fetched, not {parts.scheme or 'a bare path'!r}")
    host = parts.hostname
    if not host:
        raise FetchError(url, "the URL has no host")
    if settings.allow_private or host in set(allow_hosts):
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve host {host!r} ({exc})") from None
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        ip = ipaddress.ip_address(address)
        if _blocked(ip):
            raise BlockedAddress(
                url,
                f"host {host!r} resolves to {ip}, a private/loopback/link-local address; "
                "refused (pass --allow-private, or STORYLINE_ALLOW_PRIVATE=true, to fetch from such hosts)",
            )


def _wait_for_host(host: str, settings: Settings, cache: dict[Any, Any]) -> None:
    if settings.fetch_rate_per_host <= 0:
        return
    gap = 1.0 / settings.fetch_rate_per_host
    last = cache.get(("last-request", host))
    now = time.monotonic()
    if last is not None and now - last < gap:
        time.sleep(gap - (now - last))
    cache[("last-request", host)] = time.monotonic()


def _robots(
    client: httpx.Client, url: str, settings: Settings, cache: dict[Any, Any], allow_hosts: Iterable[str]
) -> RobotFileParser:
    parts = urlsplit(url)
    key = ("robots", parts.scheme, parts.netloc)
    parser = cache.get(key)
    if parser is not None:
        return parser
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    parser = RobotFileParser(robots_url)
    try:
        check_address(robots_url, settings, allow_hosts)
        _wait_for_host(parts.netloc, settings, cache)
        response = client.get(robots_url, follow_redirects=True)
    except (httpx.HTTPError, FetchError) as exc:
        # robots.txt unreachable: RFC 9309 §2.3.1.3 allows treating it as unrestricted.
        log.info("%s: robots.txt unreachable (%s); treating as allow-all", robots_url, exc)
        parser.parse([])
    else:
        if response.status_code in {401, 403}:
            parser.disallow_all = True
        elif 200 <= response.status_code < 300:
            parser.parse(response.text[:500_000].splitlines())
        else:
            parser.parse([])
    cache[key] = parser
    return parser


def _retry_after(response: httpx.Response, fallback: float) -> float:
    value = response.headers.get("retry-after", "")
    if value.isdigit():
        return min(float(value), _MAX_RETRY_AFTER)
    if value:
        try:
            when = parsedate_to_datetime(value)
            return max(0.0, min(when.timestamp() - time.time(), _MAX_RETRY_AFTER))
        except (TypeError, ValueError):
            pass
    return fallback


def _read_capped(response: httpx.Response, url: str, cap: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise FetchError(url, f"body of {declared} bytes exceeds the {cap}-byte limit (fetch_max_bytes)")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise FetchError(url, f"body exceeds the {cap}-byte limit (fetch_max_bytes); download aborted")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(
    url: str,
    settings: Settings,
    *,
    cache: dict[Any, Any] | None = None,
    allow_hosts: Iterable[str] = (),
    backoff: float = 0.5,
    client: httpx.Client | None = None,
) -> FetchResult:
    """GET ``url`` politely (see the module doc); raises :class:`FetchError` naming the URL."""
    cache = {} if cache is None else cache
    allow_hosts = frozenset(allow_hosts)
    own_client = client is None
    if client is None:
        client = httpx.Client(
            timeout=httpx.Timeout(settings.fetch_timeout),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
        )
    try:
        return _fetch(client, url, settings, cache, allow_hosts, backoff)
    finally:
        if own_client:
            client.close()


def _fetch(
    client: httpx.Client,
    url: str,
    settings: Settings,
    cache: dict[Any, Any],
    allow_hosts: frozenset[str],
    backoff: float,
) -> FetchResult:
    previous: FetchResult | None = cache.get(url)
    current = url
    for _hop in range(_MAX_REDIRECTS + 1):
        check_address(current, settings, allow_hosts)
        robots = _robots(client, current, settings, cache, allow_hosts)
        if not robots.can_fetch(settings.user_agent, current):
            raise FetchError(current, "disallowed by the site's robots.txt; not fetched")
        headers: dict[str, str] = {}
        if previous is not None and current == url:
            if previous.etag:
                headers["If-None-Match"] = previous.etag
            if previous.last_modified:
                headers["If-Modified-Since"] = previous.last_modified
        host = urlsplit(current).netloc
        attempt = 0
        while True:
            _wait_for_host(host, settings, cache)
            try:
                with client.stream("GET", current, headers=headers) as response:
                    status = response.status_code
                    if status in _RETRY_STATUS and attempt < settings.fetch_retries:
                        delay = _retry_after(response, backoff * (2**attempt))
                        attempt += 1
                        log.info("%s: HTTP %d, retry %d in %.1fs", current, status, attempt, delay)
                        time.sleep(delay)
                        continue
                    if status in {301, 302, 303, 307, 308}:
                        location = response.headers.get("location", "")
                        if not location:
                            raise FetchError(current, f"HTTP {status} redirect without a Location header")
                        current = urljoin(current, location)
                        break
                    if status == 304 and previous is not None:
                        return FetchResult(
                            url=url,
                            final_url=previous.final_url,
                            status=304,
                            content_type=previous.content_type,
                            data=previous.data,
                            etag=response.headers.get("etag", previous.etag),
                            last_modified=response.headers.get("last-modified", previous.last_modified),
                            not_modified=True,
                            encoding=previous.encoding,
                        )
                    if not 200 <= status < 300:
                        raise FetchError(current, f"HTTP {status} {response.reason_phrase}; not fetched")
                    data = _read_capped(response, current, settings.fetch_max_bytes)
                    content_type = response.headers.get("content-type", "")
                    result = FetchResult(
                        url=url,
                        final_url=current,
                        status=status,
                        content_type=content_type.split(";", 1)[0].strip().lower(),
                        data=data,
                        etag=response.headers.get("etag", ""),
                        last_modified=response.headers.get("last-modified", ""),
                        not_modified=False,
                        encoding=response.charset_encoding or "",
                    )
                    cache[url] = result
                    return result
            except httpx.TimeoutException as exc:
                if attempt >= settings.fetch_retries:
                    raise FetchError(
                        current, f"timed out after {attempt + 1} tries ({type(exc).__name__})"
                    ) from None
            except httpx.TransportError as exc:
                if attempt >= settings.fetch_retries:
                    raise FetchError(current, f"network error after {attempt + 1} tries ({exc})") from None
            except httpx.HTTPError as exc:
                raise FetchError(current, f"HTTP error ({exc})") from None
            delay = backoff * (2**attempt)
            attempt += 1
            time.sleep(delay)
    raise FetchError(url, f"more than {_MAX_REDIRECTS} redirects; not followed")


def fetch_feed(
    url: str,
    settings: Settings,
    *,
    pages: bool = False,
    cache: dict[Any, Any] | None = None,
    errors: list[StorylineError] | None = None,
    allow_hosts: Iterable[str] = (),
    backoff: float = 0.5,
) -> list[Article]:
    """The Articles of a feed; with ``pages=True`` each item's page is fetched and read too.

    A page that cannot be fetched or read keeps the feed item's own Article and is reported in
    ``errors`` (logged when ``errors`` is None): one bad link never loses the rest of the feed.
    """
    from storyline.sources import feeds, html

    cache = {} if cache is None else cache
    with httpx.Client(
        timeout=httpx.Timeout(settings.fetch_timeout),
        headers={"User-Agent": settings.user_agent},
        follow_redirects=False,
    ) as client:
        result = fetch(url, settings, cache=cache, allow_hosts=allow_hosts, backoff=backoff, client=client)
        raw = to_raw(result)
        input_errors: list[Any] = [] if errors is None else errors
        items = feeds.parse_items(raw, input_errors)
        if not pages:
            return [item.article for item in items]
        articles: list[Article] = []
        for item in items:
            if not item.link.startswith(("http://", "https://")):
                articles.append(item.article)
                continue
            try:
                page = fetch(
                    item.link, settings, cache=cache, allow_hosts=allow_hosts, backoff=backoff, client=client
                )
                article = html.parse(to_raw(page), input_errors)[0]
            except StorylineError as exc:
                if errors is None:
                    log.warning("%s", exc)
                else:
                    errors.append(exc)
                articles.append(item.article)
                continue
            articles.append(_merge(article, item.article))
        return articles


def _merge(page: Article, item: Article) -> Article:
    """The page's Article, with what only the feed knew (time, author, outlet, title) filled in."""
    from dataclasses import replace

    return replace(
        page,
        published_at=page.published_at or item.published_at,
        author=page.author or item.author,
        # og:site_name beats the feed's title ("Outlet - World"); a bare domain does not.
        outlet=item.outlet if page.outlet == page.site.removeprefix("www.") else page.outlet,
        title=page.title or item.title,
        paragraphs=page.paragraphs or item.paragraphs,
        id="",
    )
