"""A reader thread cut into pages: by arrival, best first, or as conversations (folded replies).

Example::

    >>> from storyline.records import Comment
    >>> cs = [Comment(floor=1, author="a", text="x"), Comment(floor=2, author="b", text="y", parent_floor=1)]
    >>> [[c.floor for c in conv] for conv in conversations(cs)]
    [[1, 2]]
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from storyline.records import Comment

__all__ = ["PAGE_FLOORS", "PAGE_MAX", "VIEWS", "conversations", "page_of_floor", "paginate", "tree_parent"]

#: Floors per page (a conversation is kept whole up to PAGE_MAX floors).
PAGE_FLOORS = 50
PAGE_MAX = 100
VIEWS = {"time": "按时间", "best": "精华在前", "talk": "按对话"}
_FLOOR = attrgetter("floor")  # the sort key of every order by floor (C, no Python call a floor)


def tree_parent(c: Comment, floors: set[int]) -> int | None:
    """The earlier floor a reply hangs under: the floor it answers, else the first it quotes."""
    if c.parent_floor is not None and c.parent_floor in floors and c.parent_floor < c.floor:
        return c.parent_floor
    for q in c.quotes:
        if q.floor is not None and q.floor in floors and q.floor < c.floor:
            return q.floor
    return None


def conversations(comments: Sequence[Comment]) -> list[list[Comment]]:
    """Each top-level floor with every reply under it (depth first, replies in floor order)."""
    floors = {c.floor for c in comments}
    kids: dict[int | None, list[Comment]] = {}
    for c in sorted(comments, key=_FLOOR):
        kids.setdefault(tree_parent(c, floors), []).append(c)
    out: list[list[Comment]] = []
    for root in kids.get(None, []):
        conv: list[Comment] = []
        stack = [root]
        while stack:
            c = stack.pop()
            conv.append(c)
            stack.extend(reversed(kids.get(c.floor, [])))
        out.append(conv)
    return out


def paginate(
    comments: Sequence[Comment], view: str, best: Sequence[Comment] | None = None
) -> list[list[Comment]]:
    """The thread cut into pages for ``view`` (``time``, ``best`` or ``talk``), never empty.

    ``best`` is the best-first order (``stories.discussion.best_floors``). Conversations are not
    split across pages unless one alone has more than :data:`PAGE_MAX` floors.
    """
    if view == "talk":
        pages: list[list[Comment]] = [[]]
        for conv in conversations(comments):
            if pages[-1] and (len(pages[-1]) >= PAGE_FLOORS or len(pages[-1]) + len(conv) > PAGE_MAX):
                pages.append([])
            while len(conv) > PAGE_MAX:
                if pages[-1]:
                    pages.append([])
                pages[-1].extend(conv[:PAGE_MAX])
                conv = conv[PAGE_MAX:]
                pages.append([])
            pages[-1].extend(conv)
        return [p for p in pages if p] or [[]]
    order = list(best) if view == "best" and best is not None else sorted(comments, key=_FLOOR)
    return [order[i : i + PAGE_FLOORS] for i in range(0, len(order), PAGE_FLOORS)] or [[]]


def page_of_floor(pages: Sequence[Sequence[Comment]]) -> dict[int, int]:
    """floor → its page number (1-based)."""
    return {c.floor: n for n, page in enumerate(pages, 1) for c in page}
