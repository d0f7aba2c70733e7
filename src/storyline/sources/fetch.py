"""Polite, guarded HTTP fetching of pages and feeds with httpx.

:func:`fetch` does one GET the way a well-behaved crawler should:

* refuses every target that is not globally routable (:func:`check_address`: every address
  ``getaddrinfo`` returns must be ``is_global``, and so must the IPv4 address embedded in an
  IPv4-mapped, IPv4-compatible, 6to4, Teredo or NAT64 address; 100.64.0.0/10, multicast and
  reserved ranges are refused), again at every redirect, unless ``settings.allow_private`` —
  :class:`~storyline.errors.BlockedAddress`;
* connects to the address that was checked (:class:`PinnedTransport`: the URL's host is
  replaced by the checked IP, the Host header and TLS SNI/certificate check keep the name), so
  a DNS answer that changes between the check and the connection (rebinding) is never used;
  a request to a host that was not checked is refused by the transport itself;
* obeys robots.txt (:mod:`urllib.robotparser`, fetched once per host and kept in ``cache``),
  fetched through the same checked, pinned, capped redirect loop as pages (at most
  500 KiB are read, RFC 9309 §2.5);
* waits between requests to one host (``settings.fetch_rate_per_host`` requests per second);
* retries timeouts, connection errors, 429 and 5xx with exponential backoff (``Retry-After``
  honoured up to 30 s), ``settings.fetch_retries`` times;
* sends ``If-None-Match``/``If-Modified-Since`` when ``cache`` holds an earlier answer, and on
  ``304`` returns that answer's bytes with ``not_modified=True``;
* streams the body and aborts past ``settings.fetch_max_bytes``.

``cache`` is a plain dict the caller keeps for a crawl session: it holds earlier results by URL,
robots.txt parsers and the last request time per host (no module-level state; see STYLE.md §6).

Environment proxy variables are not used (``trust_env=False``): a proxy resolves names itself,
which would undo the address check; a crawler that must go through one is configured to.

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

__all__ = ["FetchResult", "PinnedTransport", "check_address", "fetch", "fetch_feed", "make_client", "to_raw"]

log = logging.getLogger(__name__)

_MAX_REDIRECTS = 5
# RFC 9309 §2.5: crawlers must parse at least the first 500 KiB of a robots.txt; the rest is ignored.
_ROBOTS_MAX_BYTES = 500 * 1024
# Ranges ipaddress calls global that no public site lives in: IETF protocol assignments and
# the deprecated 6to4 relay anycast; NAT64's local-use prefix embeds private addresses.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n) for n in ("192.0.0.0/24", "192.88.99.0/24", "64:ff9b:1::/48", "100.64.0.0/10")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
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


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded(ip: IPAddress) -> list[IPAddress]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found: list[IPAddress] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    elif int(ip) >> 32 == 0 and int(ip) > 1:  # IPv4-compatible ::a.b.c.d (deprecated, still routed)
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client): the client is the one a packet would reach
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is globally routable and embeds no address that is not.

    >>> [is_public(ipaddress.ip_address(a)) for a in ("93.184.216.34", "100.64.0.1", "2002:7f00:1::1")]
    [True, False, False]
    """
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    if any(ip in net for net in _NOT_PUBLIC if net.version == ip.version):
        return False
    return all(is_public(inner) for inner in _embedded(ip))


def _target(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL as httpx will connect to it; FetchError for anything else."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchError(url, f"not a valid URL ({exc})") from None
    if parsed.scheme not in {"http", "https"}:
        shown = f"{parsed.scheme}:" if parsed.scheme else "a URL without a scheme"
        raise FetchError(url, f"only http and https URLs are fetched, not {shown}; refused")
    if not parsed.host:
        raise FetchError(url, "the URL has no host")
    return parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80)


def check_address(url: str, settings: Settings, allow_hosts: Iterable[str] = ()) -> str | None:
    """The address to connect to for ``url``: its host resolved once, every answer checked.

    Raises :class:`BlockedAddress` unless every address the host resolves to is public
    (:func:`is_public`), :class:`FetchError` for a non-http(s) URL or a name that does not
    resolve. Returns None when the check is off (``settings.allow_private``, or a host named in
    ``allow_hosts``: a test server, a known intranet host): the client then resolves it itself.
    """
    host, port = _target(url)
    if settings.allow_private or host in set(allow_hosts) or urlsplit(url).hostname in set(allow_hosts):
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise FetchError(url, f"cannot resolve host {host!r} ({exc})") from None
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        ip = ipaddress.ip_address(address)
        if not is_public(ip):
            raise BlockedAddress(
                url,
                f"host {host!r} resolves to {ip}, which is not a public address (private, loopback, "
                "link-local, shared, reserved or embedding one); refused (pass --allow-private, "
                "or STORYLINE_ALLOW_PRIVATE=true, to fetch from such hosts)",
            )
        addresses.append(str(ip))
    if not addresses:
        raise FetchError(url, f"host {host!r} resolves to no address")
    return addresses[0]


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport that connects only to addresses :func:`check_address` approved.

    ``pin(url, address)`` records the checked address for the URL's host and port (``None``:
    exempt, resolve normally). A request to a host with no pin is refused before any socket is
    opened; a pinned one goes to the pinned IP with the Host header and TLS server name of the
    URL, so the certificate is still checked against the name.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._inner = httpx.HTTPTransport(**kwargs)
        self._pins: dict[tuple[str, int], str | None] = {}

    def pin(self, url: str, address: str | None) -> None:
        self._pins[_target(url)] = address

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80))
        if key not in self._pins:
            raise httpx.ConnectError(f"{request.url.host}: address not checked; refused", request=request)
        address = self._pins[key]
        if address is not None:
            request.url = request.url.copy_with(host=address)
            request.extensions = {**request.extensions, "sni_hostname": key[0]}
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def make_client(settings: Settings, **headers: str) -> httpx.Client:
    """The client :func:`fetch` uses: pinned transport, no redirects of its own, no env proxies."""
    return httpx.Client(
        transport=PinnedTransport(),
        timeout=httpx.Timeout(settings.fetch_timeout),
        headers={"User-Agent": settings.user_agent, **headers},
        follow_redirects=False,
        trust_env=False,
    )


def _pin(client: httpx.Client, url: str, settings: Settings, allow_hosts: Iterable[str]) -> None:
    """Check ``url``'s address and pin it on ``client``'s transport."""
    address = check_address(url, settings, allow_hosts)
    transport = getattr(client, "_transport", None)
    if isinstance(transport, PinnedTransport):
        transport.pin(url, address)
    elif address is not None:
        raise FetchError(url, "the HTTP client given does not pin addresses; use fetch.make_client()")


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
    client: httpx.Client,
    url: str,
    settings: Settings,
    cache: dict[Any, Any],
    allow_hosts: frozenset[str],
    backoff: float,
) -> RobotFileParser:
    parts = urlsplit(url)
    key = ("robots", parts.scheme, parts.netloc)
    parser = cache.get(key)
    if parser is not None:
        return parser
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    parser = RobotFileParser(robots_url)
    try:
        # The same loop as pages: every redirect checked and pinned, the body capped.
        result = _fetch(
            client, robots_url, settings, cache, allow_hosts, backoff,
            obey_robots=False, max_bytes=_ROBOTS_MAX_BYTES, truncate=True, remember=False,
        )  # fmt: skip
    except FetchError as exc:
        if exc.status in {401, 403}:
            parser.disallow_all = True
        else:
            # Unreachable or absent: RFC 9309 §2.3.1.3 allows treating it as unrestricted. A redirect
            # to a refused address is never followed, so it is no reason to refuse the page itself.
            log.info("%s: robots.txt unavailable (%s); treating as allow-all", robots_url, exc.reason)
            parser.parse([])
    else:
        parser.parse(result.data.decode("utf-8", "replace").splitlines())
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


def _read_capped(response: httpx.Response, url: str, cap: int, *, truncate: bool = False) -> bytes:
    """The body, at most ``cap`` bytes (decompressed): past it an error, or with ``truncate`` the
    first ``cap`` bytes (the rest is never downloaded)."""
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > cap:
        raise FetchError(url, f"body of {declared} bytes exceeds the {cap}-byte limit (fetch_max_bytes)")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            if truncate:
                chunks.append(chunk[: len(chunk) - (size - cap)])
                break
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
        client = make_client(settings, **{"Accept-Encoding": "gzip, deflate"})
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
    *,
    obey_robots: bool = True,
    max_bytes: int | None = None,
    truncate: bool = False,
    remember: bool = True,
) -> FetchResult:
    previous: FetchResult | None = cache.get(url) if remember else None
    cap = settings.fetch_max_bytes if max_bytes is None else max_bytes
    current = url
    for _hop in range(_MAX_REDIRECTS + 1):
        _pin(client, current, settings, allow_hosts)
        if obey_robots:
            # robots.txt goes through this same loop (checked, pinned, capped), never around it.
            robots = _robots(client, current, settings, cache, allow_hosts, backoff)
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
                        raise FetchError(
                            current, f"HTTP {status} {response.reason_phrase}; not fetched", status=status
                        )
                    data = _read_capped(response, current, cap, truncate=truncate)
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
                    if remember:
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
    with make_client(settings) as client:
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
