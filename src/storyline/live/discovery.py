"""What a fetched URL is (feed, front page, page) and which feeds a page declares.

Autodiscovery reads ``<link rel="alternate" type="application/rss+xml" href>`` from the page the
follower already fetched politely. (trafilatura's ``find_feed_urls`` does this too, but fetches
the page and its candidates itself, past robots.txt, the rate limit and the address guard.)
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from storyline.sources import guess_media_type
from storyline.sources.fetch import FetchResult

__all__ = ["feed_links", "kind_of"]

_FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/xml",
    "text/xml",
)


def feed_links(result: FetchResult) -> list[str]:
    """Feeds a page declares (``<link rel="alternate" type="application/rss+xml" href>``)."""
    try:
        tree = lxml.html.document_fromstring(result.data)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    found: list[str] = []
    for link in tree.iterfind(".//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        if "alternate" in rel and kind in _FEED_TYPES:
            url = urljoin(result.final_url, link.get("href", "").strip())
            if url.startswith(("http://", "https://")) and url not in found:
                found.append(url)
    return found


def kind_of(result: FetchResult) -> str:
    """``feed`` (RSS/Atom), ``front`` (a site's root page declaring feeds) or ``page``."""
    media = guess_media_type(result.final_url, result.data, result.content_type)
    if media in {"application/rss+xml", "application/atom+xml"}:
        return "feed"
    if media == "text/html" and urlsplit(result.final_url).path in {"", "/"} and feed_links(result):
        return "front"
    return "page"
