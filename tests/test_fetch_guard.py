"""Fetching cannot be steered inward: robots.txt redirects, DNS rebinding, embedded IPv4 forms.

Two real HTTP servers on one port: 127.0.0.2 stands for a public site (``is_public`` is patched
to count it as public, nothing else) and 127.0.0.1 for the inside of the network, which must
never see a request. Names resolve through a patched ``socket.getaddrinfo``, so a name can
change its answer between two lookups exactly as a rebinding DNS server's does.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from storyline.errors import BlockedAddress, FetchError
from storyline.settings import Settings
from storyline.sources import fetch as fetch_mod
from storyline.sources.fetch import PinnedTransport, check_address, fetch, is_public

PUBLIC_IP, INSIDE_IP = "127.0.0.2", "127.0.0.1"


@dataclass
class _Site:
    hits: Counter[str] = field(default_factory=Counter)
    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)


def _server(ip: str, port: int, site: _Site) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            site.hits[self.path] += 1
            site.hits["host:" + self.headers.get("Host", "")] += 1
            status, headers, body = site.routes.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer((ip, port), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd


@dataclass
class Net:
    port: int
    public: _Site
    inside: _Site
    answers: dict[str, list[str]]  # name -> successive answers (the last one repeats)
    lookups: Counter[str]

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture()
def net(monkeypatch: pytest.MonkeyPatch) -> Iterator[Net]:
    public, inside = _Site(), _Site()
    for _ in range(20):  # the same port on both addresses, so a rebound name reaches the inside
        first = _server(PUBLIC_IP, 0, public)
        port = first.server_address[1]
        try:
            second = _server(INSIDE_IP, port, inside)
            break
        except OSError:
            first.shutdown()
            first.server_close()
    else:  # pragma: no cover
        pytest.skip("no port free on both 127.0.0.1 and 127.0.0.2")
    answers: dict[str, list[str]] = {}
    lookups: Counter[str] = Counter()
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, port_, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in answers:
            lookups[name] += 1
            queue = answers[name]
            ip = queue.pop(0) if len(queue) > 1 else queue[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, int(port_ or 0)))]
        return real(host, port_, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    # 127.0.0.2 plays the public internet; every other address keeps the real rule.
    monkeypatch.setattr(
        fetch_mod, "is_public", lambda ip: str(ip) == PUBLIC_IP or is_public(ip), raising=True
    )
    try:
        yield Net(port, public, inside, answers, lookups)
    finally:
        for httpd in (first, second):
            httpd.shutdown()
            httpd.server_close()


GUARDED = Settings(fetch_rate_per_host=0, fetch_retries=0, fetch_timeout=5)
PAGE = (200, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><p>public page</p></body></html>")


def test_robots_txt_redirect_to_loopback_is_not_followed(net: Net) -> None:
    net.answers["news.test"] = [PUBLIC_IP]
    net.public.routes["/robots.txt"] = (302, {"Location": net.url(INSIDE_IP, "/admin/robots.txt")}, b"")
    net.public.routes["/page.html"] = PAGE
    result = fetch(net.url("news.test", "/page.html"), GUARDED)
    assert result.data == PAGE[2]
    assert net.public.hits["/robots.txt"] == 1
    assert sum(net.inside.hits.values()) == 0  # the redirect was refused, not sent


def test_robots_txt_redirect_to_a_name_that_resolves_inside_is_not_followed(net: Net) -> None:
    net.answers["news.test"] = [PUBLIC_IP]
    net.answers["intranet.test"] = [INSIDE_IP]
    net.public.routes["/robots.txt"] = (301, {"Location": net.url("intranet.test", "/robots.txt")}, b"")
    net.public.routes["/page.html"] = PAGE
    fetch(net.url("news.test", "/page.html"), GUARDED)
    assert sum(net.inside.hits.values()) == 0


def test_page_redirect_to_an_inside_name_is_refused(net: Net) -> None:
    net.answers["news.test"] = [PUBLIC_IP]
    net.answers["intranet.test"] = [INSIDE_IP]
    net.public.routes["/go"] = (302, {"Location": net.url("intranet.test", "/secret")}, b"")
    with pytest.raises(BlockedAddress, match=r"intranet\.test.*127\.0\.0\.1"):
        fetch(net.url("news.test", "/go"), GUARDED)
    assert sum(net.inside.hits.values()) == 0


def test_dns_rebinding_connects_to_the_checked_address(net: Net) -> None:
    # Public for the two checks (the page's, then robots.txt's), loopback for any later lookup
    # (what the HTTP client would see resolving the name again). The request must go where the
    # checks looked, and the client must not resolve at all.
    net.answers["rebind.test"] = [PUBLIC_IP, PUBLIC_IP, INSIDE_IP]
    net.public.routes["/robots.txt"] = (404, {}, b"")
    net.public.routes["/page.html"] = PAGE
    result = fetch(net.url("rebind.test", "/page.html"), GUARDED)
    assert result.data == PAGE[2]
    assert sum(net.inside.hits.values()) == 0
    assert net.public.hits["/page.html"] == 1
    # The name travelled in the Host header though the connection went to the IP.
    assert net.public.hits[f"host:rebind.test:{net.port}"] == 2  # robots.txt and the page
    assert net.lookups["rebind.test"] == 2


def test_a_rebinding_name_is_refused_when_any_check_sees_the_inside(net: Net) -> None:
    # Public for the page's check, loopback from then on: robots.txt's own check refuses it and
    # the page, already pinned to the public address, is fetched from there.
    net.answers["flip.test"] = [PUBLIC_IP, INSIDE_IP]
    net.public.routes["/a"] = (302, {"Location": "/b"}, b"")
    net.public.routes["/b"] = PAGE
    with pytest.raises(BlockedAddress):
        fetch(net.url("flip.test", "/a"), GUARDED)  # the redirect's re-check sees 127.0.0.1
    assert sum(net.inside.hits.values()) == 0


def test_robots_txt_is_read_up_to_500_kib_only(net: Net) -> None:
    net.answers["big.test"] = [PUBLIC_IP]
    filler = b"# " + b"x" * 100 + b"\n"
    body = b"User-agent: *\nDisallow: /early/\n" + filler * 6000 + b"Disallow: /late/\n"
    assert len(body) > 600_000
    net.public.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, body)
    net.public.routes["/late/page.html"] = PAGE
    # a rule past 500 KiB is not read (RFC 9309 §2.5); one before it is
    assert fetch(net.url("big.test", "/late/page.html"), GUARDED).data == PAGE[2]
    with pytest.raises(FetchError, match=r"robots\.txt"):
        fetch(net.url("big.test", "/early/x"), GUARDED)


def test_redirect_to_a_non_http_scheme_is_refused_by_name(net: Net) -> None:
    net.answers["news.test"] = [PUBLIC_IP]
    net.public.routes["/robots.txt"] = (404, {}, b"")
    net.public.routes["/file"] = (302, {"Location": "file:///etc/passwd"}, b"")
    with pytest.raises(FetchError, match="only http and https URLs are fetched, not file:"):
        fetch(net.url("news.test", "/file"), GUARDED)


@pytest.mark.parametrize(
    "address",
    [
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "100.127.255.254",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:10.0.0.1",  # IPv4-mapped
        "192.0.0.8",  # IETF protocol assignments
        "224.0.0.1",  # multicast
        "198.18.0.1",  # benchmarking
        "240.0.0.1",  # reserved
        "fc00::1",  # unique local
        "fe80::1",
    ],
)
def test_addresses_that_are_not_globally_routable_are_refused(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(BlockedAddress, match="not a public address"):
        check_address(f"http://{host}/", Settings())


@pytest.mark.parametrize("address", ["93.184.216.34", "2002:5db8:d822::1", "2606:2800:220:1::1"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))
    host = f"[{address}]" if ":" in address else address
    assert check_address(f"http://{host}/", Settings()) == address


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://example.org/", "javascript:alert(1)"]
)
def test_non_http_schemes_are_refused_with_a_message_that_says_so(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https URLs are fetched"):
        check_address(url, Settings(allow_private=True))


def test_pinned_transport_sends_to_the_ip_with_the_name_in_host_and_sni() -> None:
    seen: list[httpx.Request] = []

    class Recorder(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, content=b"ok")

    transport = PinnedTransport()
    transport._inner = Recorder()  # record instead of connecting
    transport.pin("https://news.example:8443/x", "203.0.113.7")
    with httpx.Client(transport=transport) as client:
        client.get("https://news.example:8443/x")
        with pytest.raises(httpx.ConnectError, match="not checked"):
            client.get("https://other.example/")  # never checked: refused before any socket
    (request,) = seen
    assert request.url.host == "203.0.113.7" and request.url.port == 8443
    assert request.headers["host"] == "news.example:8443"
    assert request.extensions["sni_hostname"] == "news.example"


def test_ingest_refuses_a_non_http_url_by_name(tmp_path) -> None:
    from storyline.pipeline import ingest

    report = ingest(
        ["ftp://example.org/feed.xml"], settings=Settings(db=str(tmp_path / "s.db"), use_encoder=False)
    )
    (outcome,) = report.outcomes
    assert outcome.status == "failed"
    assert "only http:// and https:// URLs are fetched, not ftp://" in outcome.message
