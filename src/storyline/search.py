"""The reader's search, as the CLI, the portal and the JSON API all run it.

A query is parsed by :func:`storyline.store.query.parse_search` with every required term
expanded to the other names the entity table knows for it (川普 also finds 特朗普 and Trump,
一龙 finds 马斯克), then handed to the store, which applies filters and order in SQL.

Example::

    >>> q = search_query("川普 -软银")
    >>> "特朗普" in [u.text for u in q.positive[0].options]
    True
"""

from __future__ import annotations

from typing import Any

from storyline.analyze.entities import other_names
from storyline.store.base import SearchHit, Store
from storyline.store.query import SearchQuery, parse_search

__all__ = ["search", "search_query"]


def search_query(text: str, **filters: Any) -> SearchQuery:
    """``text`` parsed, each required term with its other names (see the module doc).

    ``filters``: :func:`~storyline.store.query.parse_search`'s (outlet, script, since, until, sort).
    """
    return parse_search(text, expand=other_names, **filters)


def search(store: Store, query: str | SearchQuery, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
    """Articles matching ``query`` (a string is parsed by :func:`search_query`)."""
    q = search_query(query) if isinstance(query, str) else query
    return store.search(q, limit=limit, offset=offset)
