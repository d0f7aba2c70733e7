"""Fetching: a real HTTP server on 127.0.0.1 serving the fixtures, and the address guard."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from storyline.errors import BlockedAddress, FetchError
from storyline.settings import Settings
from storyline.sources import fetch as fetch_mod
from storyline.sources.fetch import check_address, fetch, fetch_feed, to_raw

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


class _Handler(BaseHTTPRequestHandler):
    # Shared by design: the tests read what the server saw.
    hits: ClassVar[Counter[str]] = Counter()
    agents: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(
        self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        _Handler.hits[path] += 1
        _Handler.agents.append(self.headers.get("User-Agent", ""))
        port = self.server.server_address[1]
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/page.html":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("ETag", '"v1"')
                self.end_headers()
                return
            body = (FIXTURES / "article_thread.html").read_bytes()
            self._send(200, body, ETag='"v1"', Last_Modified="Wed, 22 Jan 2025 06:00:00 GMT")
        elif path == "/gbk.html":
            self._send(200, (FIXTURES / "gbk_page.html").read_bytes(), "text/html; charset=GBK")
        elif path == "/feed.xml":
            self._send(200, (FIXTURES / "feed_rss.xml").read_bytes(), "application/rss+xml")
        elif path == "/local-feed.xml":
            body = (FIXTURES / "feed_rss.xml").read_bytes()
            body = body.replace(b"https://news.example.org", f"http://127.0.0.1:{port}".encode())
            self._send(200, body, "application/rss+xml")
        elif path.startswith(("/2025/01/", "/2024/")):
            # the feed's item pages: every one is the same fixture article
            self._send(200, (FIXTURES / "article_thread.html").read_bytes())
        elif path == "/redirect":
            self._send(302, b"", Location="/page.html")
        elif path == "/redirect-to-localhost":
            self._send(302, b"", Location=f"http://localhost:{port}/page.html")
        elif path == "/flaky":
            if _Handler.hits[path] < 3:
                self._send(503, b"busy", Retry_After="0")
            else:
                self._send(200, b"<html><body><p>finally</p></body></html>")
        elif path == "/always-500":
            self._send(500, b"broken")
        elif path == "/big":
            self._send(200, b"x" * 50_000, "text/plain")
        elif path == "/private/secret.html":
            self._send(200, b"<p>secret</p>")
        else:
            self._send(404, b"not here")


@pytest.fixture()
def server() -> Iterator[str]:
    _Handler.hits = Counter()
    _Handler.agents = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture()
def settings() -> Settings:
    return Settings(allow_private=True, fetch_rate_per_host=0, fetch_retries=3, fetch_timeout=5)


def test_fetch_returns_the_body_headers_and_sends_a_real_user_agent(server: str, settings: Settings) -> None:
    result = fetch(f"{server}/page.html", settings)
    assert result.status == 200
    assert result.content_type == "text/html"
    assert result.encoding == "utf-8"
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 22 Jan 2025 06:00:00 GMT"
    assert result.data == (FIXTURES / "article_thread.html").read_bytes()
    assert not result.not_modified
    assert set(_Handler.agents) == {settings.user_agent}


def test_conditional_get_returns_cached_bytes_on_304(server: str, settings: Settings) -> None:
    cache: dict = {}
    first = fetch(f"{server}/page.html", settings, cache=cache)
    second = fetch(f"{server}/page.html", settings, cache=cache)
    assert second.not_modified and second.status == 304
    assert second.data == first.data
    assert _Handler.hits["/page.html"] == 2
    assert _Handler.hits["/robots.txt"] == 1  # robots.txt read once per host per cache


def test_redirect_is_followed_and_final_url_recorded(server: str, settings: Settings) -> None:
    result = fetch(f"{server}/redirect", settings)
    assert result.url == f"{server}/redirect"
    assert result.final_url == f"{server}/page.html"
    assert result.status == 200


def test_robots_txt_disallow_is_obeyed(server: str, settings: Settings) -> None:
    with pytest.raises(FetchError, match=r"robots\.txt"):
        fetch(f"{server}/private/secret.html", settings)
    assert _Handler.hits["/private/secret.html"] == 0


def test_server_errors_are_retried_with_backoff_until_success(server: str, settings: Settings) -> None:
    result = fetch(f"{server}/flaky", settings, backoff=0.01)
    assert result.status == 200 and b"finally" in result.data
    assert _Handler.hits["/flaky"] == 3


def test_persistent_server_error_raises_after_the_retries(server: str, settings: Settings) -> None:
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch(f"{server}/always-500", settings, backoff=0.01)
    assert _Handler.hits["/always-500"] == settings.fetch_retries + 1


def test_not_found_raises_fetch_error_naming_the_url(server: str, settings: Settings) -> None:
    with pytest.raises(FetchError, match=r"/missing: HTTP 404"):
        fetch(f"{server}/missing", settings)


def test_body_past_the_size_cap_is_aborted(server: str) -> None:
    capped = Settings(allow_private=True, fetch_rate_per_host=0, fetch_max_bytes=10_000)
    with pytest.raises(FetchError, match="10000-byte limit"):
        fetch(f"{server}/big", capped)


def test_loopback_target_is_refused_without_allow_private(server: str) -> None:
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1"):
        fetch(f"{server}/page.html", Settings(fetch_rate_per_host=0))
    assert sum(_Handler.hits.values()) == 0  # refused before any request left


def test_redirect_to_a_private_host_is_refused(server: str) -> None:
    # 127.0.0.1 is exempted by name; the redirect goes to "localhost", which resolves to loopback.
    guarded = Settings(fetch_rate_per_host=0)
    with pytest.raises(BlockedAddress, match="localhost"):
        fetch(f"{server}/redirect-to-localhost", guarded, allow_hosts={"127.0.0.1"})
    assert _Handler.hits["/page.html"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.5.5/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_private_loopback_and_link_local_literals_are_blocked(url: str) -> None:
    with pytest.raises(BlockedAddress):
        check_address(url, Settings())


def test_public_literal_address_passes_the_guard() -> None:
    check_address("http://93.184.216.34/", Settings())  # resolves locally: a literal needs no DNS


def test_non_http_schemes_are_refused() -> None:
    with pytest.raises(FetchError, match="only http and https"):
        check_address("file:///etc/passwd", Settings(allow_private=True))


def test_rate_limit_waits_between_requests_to_one_host(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(fetch_mod.time, "sleep", waits.append)
    cache: dict = {}
    slow = Settings(allow_private=True, fetch_rate_per_host=0.5)  # one request per 2 s
    fetch(f"{server}/page.html", slow, cache=cache)
    fetch(f"{server}/gbk.html", slow, cache=cache)
    # robots.txt, page, gbk: the 2nd and 3rd requests each wait for most of the 2 s gap
    assert len(waits) == 2
    assert all(1.0 < w <= 2.0 for w in waits)


def test_fetched_gbk_page_is_read_with_the_http_charset(server: str, settings: Settings) -> None:
    from storyline.sources import html

    raw = to_raw(fetch(f"{server}/gbk.html", settings))
    assert raw.media_type == "text/html"
    assert raw.encoding == "gbk"
    (article,) = html.parse(raw)
    assert article.title == "山城夜市重新开放"
    assert article.paragraphs[0].startswith("经过半年整修")


def test_fetch_feed_reads_items_and_optionally_their_pages(server: str, settings: Settings) -> None:
    items = fetch_feed(f"{server}/feed.xml", settings)
    assert [a.title for a in items] == ["虚构港口扩建计划公布", "山城夜市重新开放", "没有日期的简讯"]
    assert items[0].url == "https://news.example.org/2025/01/port-plan.html"

    errors: list = []
    with_pages = fetch_feed(f"{server}/local-feed.xml", settings, pages=True, errors=errors)
    assert len(with_pages) == 3
    first = with_pages[0]
    # the page's og:url, its thread and its time to the second; the feed supplied nothing more
    assert first.url == "https://news.example.org/2025/01/port-plan.html"
    assert first.outlet == "晨星新闻"
    assert len(first.comments) == 4
    assert first.published_at.isoformat() == "2025-01-22T13:40:20+08:00"
    # the third item's page is a 404: reported, and the feed item itself kept
    assert [str(e) for e in errors] == [f"{server}/2025/02/brief.html: HTTP 404 Not Found; not fetched"]
    assert with_pages[2].title == "没有日期的简讯"
    assert with_pages[2].paragraphs == ("一条没有发布时间的简讯。",)
