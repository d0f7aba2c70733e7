"""The list of sources a follower keeps current: from arguments, OPML, one URL per line, or TOML.

OPML is what feed readers export (FreshRSS, Miniflux, NewsBlur, Feedly), so a reader's
subscriptions move over as they are: every ``<outline>`` with an ``xmlUrl`` (a feed) or, lacking
one, an ``htmlUrl``/``url`` (a front page or thread page) is a source, its ``title``/``text`` the
outlet name. A plain file holds one URL per line (``#`` starts a comment; an optional outlet name
may follow the URL after whitespace). TOML gives each source its own interval and outlet::

    interval = 300            # seconds, for sources that do not say

    [[source]]
    url = "https://example.org/feed.xml"
    outlet = "Example Daily"
    interval = 60

:func:`to_opml` writes a list back as OPML 2.0 (``storyline sources --opml``).

    >>> [s.url for s in parse_lines("https://e.org/feed.xml  E Daily\\n# off\\n", "list.txt")]
    ['https://e.org/feed.xml']
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from lxml import etree

from storyline.errors import InputError, ParseError

__all__ = ["SourceSpec", "parse_lines", "parse_opml", "parse_toml", "read_sources", "source_args", "to_opml"]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One source as the user named it: a feed, a front page or a thread page.

    outlet: the name its articles are shown under ("" = what the feed or page says).
    interval: seconds between two asks (None = the follower's ``--interval``).
    """

    url: str
    outlet: str = ""
    interval: float | None = None


def _checked(url: str, name: str, line: int | None = None) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ParseError(
            name,
            f"{url!r} is not an http(s) URL; a source is a feed, front page or thread page URL",
            line=line,
        )
    return url


def source_args(urls: Iterable[str]) -> list[SourceSpec]:
    """Sources named on the command line."""
    return [SourceSpec(_checked(u, "command line")) for u in urls]


def parse_lines(text: str, name: str) -> list[SourceSpec]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.split(" #", 1)[0].strip()
        url, _, outlet = line.partition(" ")
        out.append(SourceSpec(_checked(url, name, number), outlet.strip()))
    return out


def parse_opml(data: bytes, name: str) -> list[SourceSpec]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(name, f"not well-formed OPML ({exc.msg})", line=exc.lineno) from None
    out: list[SourceSpec] = []
    seen: set[str] = set()
    for node in root.iter("outline"):
        url = node.get("xmlUrl") or node.get("xmlurl") or ""
        if not url and not len(node):  # a leaf without a feed: a page to follow, if it has a URL
            url = node.get("htmlUrl") or node.get("url") or ""
        if not url or url in seen:
            continue
        seen.add(url)
        outlet = " ".join((node.get("title") or node.get("text") or "").split())
        try:
            interval = float(node.get("storylineInterval") or 0) or None
        except ValueError:
            interval = None
        out.append(SourceSpec(_checked(url, name, node.sourceline), outlet, interval))
    if not out:
        raise ParseError(name, "OPML file lists no outline with an xmlUrl, htmlUrl or url")
    return out


def parse_toml(text: str, name: str) -> list[SourceSpec]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParseError(name, f"not valid TOML ({exc})") from None
    default = doc.get("interval")
    entries = doc.get("source", doc.get("sources", []))
    if not isinstance(entries, list) or not entries:
        raise ParseError(name, 'TOML sources file has no [[source]] table (each with url = "…")')
    out = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise ParseError(name, f"[[source]] number {number} has no url")
        interval = entry.get("interval", default)
        if interval is not None and (not isinstance(interval, int | float) or interval <= 0):
            raise ParseError(
                name, f"[[source]] number {number}: interval must be a positive number of seconds"
            )
        out.append(
            SourceSpec(
                _checked(entry["url"], name),
                " ".join(str(entry.get("outlet") or entry.get("name") or "").split()),
                float(interval) if interval is not None else None,
            )
        )
    return out


def read_sources(path: str | Path) -> list[SourceSpec]:
    """The sources in a file: OPML, TOML (by ``.toml``) or one URL per line."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from None
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and (b"<opml" in data[:4096].lower()):
        return parse_opml(data, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"is not UTF-8 text (byte {exc.start})", offset=exc.start) from None
    if name.lower().endswith(".toml"):
        return parse_toml(text, name)
    return parse_lines(text, name)


def to_opml(
    specs: Sequence[SourceSpec], *, kinds: dict[str, str] | None = None, title: str = "storyline sources"
) -> str:
    """OPML 2.0 that feed readers import: a feed as ``<outline type="rss" xmlUrl>``, a front or
    thread page (``kinds[url]`` ``front``/``page``) as ``<outline type="link" url>``."""
    kinds = kinds or {}
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_text(title)}</title></head>",
        "  <body>",
    ]
    for spec in specs:
        label = spec.outlet or urlsplit(spec.url).hostname or spec.url
        attrs = f"text={quoteattr(label)} title={quoteattr(label)}"
        if kinds.get(spec.url) in {"front", "page"}:
            attrs += f' type="link" url={quoteattr(spec.url)} htmlUrl={quoteattr(spec.url)}'
        else:
            attrs += f' type="rss" xmlUrl={quoteattr(spec.url)}'
        if spec.interval is not None:
            # not an OPML attribute readers know; they ignore it, storyline reads it back
            attrs += f' storylineInterval="{spec.interval:g}"'
        lines.append(f"    <outline {attrs}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
