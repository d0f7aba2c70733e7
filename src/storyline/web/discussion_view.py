"""The reader discussion on a story page: which floors of which threads it shows, and how.

A thread of up to FULL_THREAD floors is shown whole while the page's STORY_FLOORS last; a
bigger one by its BEST_ON_STORY best floors (each side's most-quoted floor among them, since
the split line links it) and links to its pages. A floor not on the page links to the
arrival-order thread page that holds it. ``templates/_threads.html`` and ``_discussion.html``
write what is worked out here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from storyline.export import stance_index
from storyline.records import Article, Story, ThreadSummary
from storyline.stories.discussion import best_floors, reply_counts, split_line
from storyline.web.floors import FloorRow, SplitBar, floor_rows, split_bar
from storyline.web.links import anchor, floor_anchor, thread_url
from storyline.web.thread_pages import PAGE_FLOORS, page_of_floor, paginate

__all__ = ["BEST_ON_STORY", "FULL_THREAD", "STORY_FLOORS", "StoryThread", "split_context", "threads_on_page"]

#: A story page shows at most this many floors in all; a thread of up to FULL_THREAD floors is
#: shown whole while they fit, a bigger one by its best BEST_ON_STORY floors and links to its pages.
STORY_FLOORS = 100
FULL_THREAD = 50
BEST_ON_STORY = 10

FloorLink = Callable[[str, int], str]


@dataclass
class StoryThread:
    """One thread as the story page shows it."""

    article: Article
    primary: bool
    anchor: str
    floors: list[FloorRow]
    url: str  # its own pages
    shown: int | None  # floors shown when only the best are, else None (the whole thread)
    pages: list[int]  # the page numbers linked under it (0: the gap before the last)
    summary: ThreadSummary | None = None
    bar: SplitBar | None = None


def _page_numbers(n_pages: int) -> list[int]:
    """The thread pages linked under a thread: all up to 20, else the first ten and the last."""
    if n_pages <= 20:
        return list(range(1, n_pages + 1))
    return [*range(1, 11), 0, n_pages]


def threads_on_page(
    story: Story, threads_src: list[Article], primary: str | None, tz: ZoneInfo
) -> tuple[list[StoryThread], FloorLink]:
    """The story page's threads, and ``floor_link(article_id, floor)`` → the href of any floor."""
    d = story.discussion
    stance_of = stance_index(d)
    summary_of = {t.article_id: t for t in d.threads}
    budget = STORY_FLOORS
    threads: list[StoryThread] = []
    link_of: dict[str, Callable[[int], str]] = {}
    for a in threads_src:
        url = thread_url(story.id, a.id)
        summary = summary_of.get(a.id)
        whole = len(a.comments) <= min(FULL_THREAD, budget)
        # Where each floor is on the thread's own pages: only asked for a floor not shown here,
        # so a thread shown whole skips sorting its floors into pages.
        pof = {} if whole else page_of_floor(paginate(a.comments, "time"))

        def elsewhere(f: int, url: str = url, pof: dict[int, int] = pof) -> str:
            return f"{url}?page={pof[f]}#floor-{f}"

        if whole:
            shown = None
            budget -= len(a.comments)
        elif budget <= 0:  # the page's floors are spent: the thread is its links alone
            shown = []
        else:
            ranked = best_floors(a.comments)
            rank = {c.floor: i for i, c in enumerate(ranked)}
            tops = (
                {f for f in (summary.top_agree, summary.top_disagree) if f is not None} if summary else set()
            )
            k = min(BEST_ON_STORY, budget)
            shown = [c for c in ranked if c.floor in tops][:k]
            shown += [c for c in ranked if c.floor not in tops][: k - len(shown)]
            shown.sort(key=lambda c: rank[c.floor])
            budget -= len(shown)
        all_floors = {c.floor for c in a.comments}
        on_page = all_floors if shown is None else {c.floor for c in shown}  # (read only)
        suffix = "" if a.id == primary else "-" + anchor(a.id)  # as floor_anchor() writes it

        def href(f: int, on_page: set[int] = on_page, every: set[int] = all_floors, el=elsewhere, sfx=suffix):
            if f in on_page:
                return f"#floor-{f}{sfx}"
            return el(f) if f in every else None

        def link(
            f: int, aid: str = a.id, on_page: set[int] = on_page, pof: dict[int, int] = pof, el=elsewhere
        ) -> str:
            if f in on_page or f not in pof:  # (a floor the thread lacks keeps its in-page anchor)
                return "#" + floor_anchor(primary, aid, f)
            return el(f)

        link_of[a.id] = link
        floors = floor_rows(
            a.comments if shown is None else shown,
            lambda c, sfx=suffix: f"floor-{c.floor}{sfx}",
            href,
            tz,
            stance_of.get(a.id),
        )
        threads.append(
            StoryThread(
                article=a,
                primary=a.id == primary,
                anchor=anchor(a.id),
                floors=floors,
                url=url,
                shown=len(shown) if shown is not None else None,
                pages=_page_numbers(max(1, -(-len(a.comments) // PAGE_FLOORS))),  # as paginate() cuts
                summary=summary,
                bar=split_bar(summary.agree, summary.disagree, summary.other) if summary else None,
            )
        )

    def floor_link(article_id: str, f: int) -> str:
        link = link_of.get(article_id)
        return link(f) if link else "#" + floor_anchor(primary, article_id, f)

    return threads, floor_link


def _side_top(threads: list[StoryThread], side: str) -> tuple[StoryThread, int] | None:
    """The story's most-quoted floor on ``side`` (then most replied): (its thread, floor)."""
    best: tuple[tuple[int, int], StoryThread, int] | None = None
    for t in threads:
        floor = getattr(t.summary, f"top_{side}", None) if t.summary else None
        if floor is None:
            continue
        quoted, replied = reply_counts(t.article.comments)
        key = (quoted[floor], replied[floor])
        if best is None or key > best[0]:
            best = (key, t, floor)
    return (best[1], best[2]) if best else None


def split_context(
    summaries: Sequence[ThreadSummary], threads: list[StoryThread], floor_link: FloorLink
) -> dict[str, Any]:
    """The discussion's one line on how readers split, its bar, and each side's most-quoted floor
    as (href, floor, outlet, name the outlet?)."""
    top = {}
    for side in ("agree", "disagree"):
        found = _side_top(threads, side)
        if found:
            t, f = found
            top[side] = (floor_link(t.article.id, f), f, t.article.outlet, len(threads) > 1)
    return {
        "line": split_line(summaries) if summaries else "",
        "bar": split_bar(
            sum(t.agree for t in summaries),
            sum(t.disagree for t in summaries),
            sum(t.other for t in summaries),
        ),
        "top": top,
    }
