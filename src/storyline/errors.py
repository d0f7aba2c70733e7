"""The whole error family of storyline, in one place (modelled on httpx/_exceptions.py).

Errors of the libraries underneath (lxml, feedparser, sqlite3, psycopg, httpx) are mapped into
this family at the boundary, so a caller catches :class:`StorylineError` and a user always reads
a message that names the input, says what is wrong and what to do.
"""

from __future__ import annotations

__all__ = [
    "BlockedAddress",
    "EncodingError",
    "FetchError",
    "InputError",
    "ParseError",
    "StoreError",
    "StorylineError",
]


class StorylineError(Exception):
    """Root of every error storyline raises on purpose."""


class InputError(StorylineError):
    """An input could not be read; carries the input's name and, when known, line or byte offset."""

    def __init__(
        self, name: str, message: str, *, line: int | None = None, offset: int | None = None
    ) -> None:
        self.name = name
        self.line = line
        self.offset = offset
        self.reason = message
        where = name
        if line is not None:
            where += f" line {line}"
        elif offset is not None:
            where += f" byte {offset}"
        super().__init__(f"{where}: {message}")


class EncodingError(InputError):
    """The bytes of an input are in no text encoding storyline can read (or are binary)."""


class ParseError(InputError):
    """An input decoded to text but does not have the shape its format requires."""


class FetchError(StorylineError):
    """A URL or feed could not be fetched (network, HTTP status, size cap, robots.txt)."""

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        self.url = url
        self.reason = message
        self.status = status  # the HTTP status when the server answered with an error
        super().__init__(f"{url}: {message}")


class BlockedAddress(FetchError):
    """A URL resolves to an address that is not public (private, loopback, link-local, shared,
    reserved, or an IPv6 form embedding one) and that was not allowed."""


class StoreError(StorylineError):
    """The store could not be opened, migrated, read or written."""
