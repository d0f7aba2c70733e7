"""Which routes answer for one story alone, marked where each route is declared.

The response cache keeps a story's pages under that story's version (they change only when it
does), and keeps the host-free ones in the page store too. Which paths those are is read off
the app's route table — each route's own compiled path pattern and its ``{story_id}`` — so a
route is declared once, in its module, with :func:`story_scoped` under its ``@router.get``.

Example::

    >>> from fastapi import APIRouter
    >>> r = APIRouter()
    >>> @r.get("/story/{story_id}")
    ... @story_scoped()
    ... def page(story_id: str): ...
    >>> StoryRoutes(r.routes).story_of("/story/s1"), StoryRoutes(r.routes).story_of("/story")
    ('s1', None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from starlette.routing import BaseRoute, Route

__all__ = ["StoryRoutes", "story_scoped"]

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "storyline_story_scope"


def story_scoped(*, host_free: bool = True) -> Callable[[F], F]:
    """Mark a route's endpoint as a function of one story (its ``{story_id}``) and the articles
    it lists. ``host_free=False`` when the response carries the request's host (absolute links,
    as in feeds): such a response is kept per process only, never in the shared page store.
    """

    def mark(endpoint: F) -> F:
        setattr(endpoint, _MARK, "host-free" if host_free else "host")
        return endpoint

    return mark


class StoryRoutes:
    """The story-scoped routes among ``routes``, matched by the patterns the router matches with."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._routes: list[tuple[Any, bool]] = []
        for route in routes:
            scope = getattr(getattr(route, "endpoint", None), _MARK, None)
            if not isinstance(route, Route) or scope is None:
                continue
            if "story_id" not in route.param_convertors:
                raise ValueError(f"story-scoped route {route.path} has no {{story_id}}")
            self._routes.append((route.path_regex, scope == "host-free"))

    def _match(self, path: str) -> tuple[str, bool] | None:
        for regex, host_free in self._routes:
            m = regex.match(path)
            if m:
                return m["story_id"], host_free
        return None

    def story_of(self, path: str) -> str | None:
        """The story id a story-scoped path is about, else ``None``."""
        found = self._match(path)
        return found[0] if found else None

    def host_free(self, path: str) -> bool:
        """Whether ``path`` is story-scoped and its response the same for every host name."""
        found = self._match(path)
        return found is not None and found[1]
