"""Sources: turn an input's bytes into :class:`~storyline.records.Article` records.

``parse_input`` chooses a reader by the input's media type or name. Each reader is a function
``parse(raw: RawInput, errors: list[InputError] | None) -> list[Article]`` that raises an :class:`~storyline.errors.InputError`
subclass naming the input when it cannot read it.
"""

from __future__ import annotations

from storyline.errors import InputError
from storyline.records import Article, RawInput

__all__ = ["guess_media_type", "parse_input"]

_BY_SUFFIX = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/rss+xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/json",
}


def guess_media_type(name: str, data: bytes = b"", declared: str = "") -> str:
    """Media type from what the server declared, else the file suffix, else a look at the bytes."""
    if declared:
        base = declared.split(";", 1)[0].strip().lower()
        if base in {"application/xml", "text/xml", "application/rss+xml", "application/atom+xml"}:
            return "application/rss+xml"
        if base in {"text/html", "application/xhtml+xml"}:
            return "text/html"
        if base in {"application/json"}:
            return "application/json"
        if base in {"application/x-ndjson", "application/jsonl"}:
            return "application/x-ndjson"
        if base == "text/plain":
            return "text/plain"
    lowered = name.lower().split("?", 1)[0]
    for suffix, media in _BY_SUFFIX.items():
        if lowered.endswith(suffix):
            return media
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<rss", b"<feed")):
        return "application/rss+xml"
    if head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if head.startswith(b"{"):
        return "application/x-ndjson"
    return "text/plain"


def parse_input(raw: RawInput, errors: list[InputError] | None = None) -> list[Article]:
    """Read one input with the reader its media type calls for.

    Per-item failures (one bad JSONL line, one broken feed item) go to ``errors`` and the other
    items are kept; an input that cannot be read at all raises an :class:`InputError`.
    """
    media = raw.media_type or guess_media_type(raw.name, raw.data)
    if media == "application/x-ndjson":
        from storyline.sources import jsonl

        return jsonl.parse(raw, errors)
    if media == "text/html":
        from storyline.sources import html

        return html.parse(raw, errors)
    if media in {"application/rss+xml", "application/atom+xml"}:
        from storyline.sources import feeds

        return feeds.parse(raw, errors)
    if media == "application/json":
        from storyline.sources import weibo

        return weibo.parse(raw, errors)
    from storyline.sources import textdump

    return textdump.parse(raw, errors)
