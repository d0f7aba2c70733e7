"""The story page: brief, body (paragraph groups), claims ledger, timeline, sources, discussion.

One store read for the story and one for its articles; everything else is worked out from the
records the story holds and written by ``templates/story.html`` and its partials
(``_brief.html``, ``_body.html``, ``_ledger.html``, ``_timeline.svg``, ``_sources.html``,
``_discussion.html`` → ``_threads.html`` → ``_floors.html``).

Example::

    GET /story/s123?script=hant   → the whole page in traditional script, cookie script=hant
    GET /story/<merged id>        → 301 to /story/<current id>
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from storyline.records import Article, Story, TimelineEvent
from storyline.store.base import Store
from storyline.stories.timeline import first_evidence
from storyline.web.discussion_view import FloorLink, split_context, threads_on_page
from storyline.web.formats import iso, local_minute
from storyline.web.labels import qualifier_label, script_label
from storyline.web.ledger_view import claim_rows
from storyline.web.links import anchor, safe_href
from storyline.web.render import reader_tz, render, store, zone_name
from storyline.web.responses import inline_if_local
from storyline.web.routes import story_scoped
from storyline.web.svg import timeline_chart

__all__ = ["KIND_LABELS", "router", "story_context"]

router = APIRouter(include_in_schema=False)

KIND_LABELS = {
    "first_report": "首发",
    "outlet_joined": "跟进",
    "article": "报道",
    "claim": "说法",
    "discussion_burst": "讨论高峰",
    "undated_report": "报道（未注明时间，按最早评论）",
}


# Rows built with tuple.__new__ (the same NamedTuple; its own __new__ takes each field by name).
_tuple = tuple.__new__


class Version(NamedTuple):
    """One outlet's printing of a paragraph group. The row types of this module are tuples that
    the templates unpack by these field names, in order (tests/test_web_render.py checks):
    local names instead of an attribute lookup per field, in the loops that fill a page."""

    outlet: str
    script: str
    script_label: str
    n: int  # its paragraph number in the article
    similarity: str
    text: str


@dataclass(frozen=True, slots=True)
class Group:
    """A paragraph printed once, its outlets named, every outlet's version folded under it."""

    anchor: str
    text: str
    outlet: str
    others: list[str]
    versions: list[Version]
    script: str = ""


class Event(NamedTuple):
    kind: str
    kind_label: str
    iso: str
    shown: str
    outlet: str
    target: str  # the anchor of its article in the source list, "" when none
    label: str


class Source(NamedTuple):
    """A source article in the source list; times as shown in the reader's zone."""

    anchor: str
    outlet: str
    title: str
    script: str
    url: str
    href: str | None  # its URL when safe to link
    script_label: str
    iso: str  # "" when undated
    shown: str
    first_iso: str  # an undated report's first comment, "" when none
    first_shown: str
    reads: int | None
    comments: int | None  # None: no comment count to show


def _when(at: datetime, day_only: bool) -> str:
    # A report dated by its day alone keeps that day (in its own zone), never a made-up 00:00.
    return at.date().isoformat() if day_only else iso(at)


def _shown(at: datetime, day_only: bool, tz: ZoneInfo) -> str:
    return at.date().isoformat() if day_only else local_minute(at, tz)


def _body(store: Store, story: Story, arts: Sequence[Article], by_id: dict[str, Article]):
    """(groups, fallback, passage): the body as paragraph groups, else (a story built without
    them) each article's paragraphs; ``passage`` maps (article, paragraph) to its anchor."""
    passage: dict[tuple[str, int], str] = {}
    groups: list[Group] = []
    fallback: list[tuple[Article, list[tuple[str, str]]]] = []
    if story.paragraphs:
        for g in story.paragraphs:
            anchor_ = "g-" + anchor(g.id)
            rep = next((m for m in g.members if m.text == g.text), g.members[0] if g.members else None)
            rep_outlet = rep.outlet if rep else ""
            others: list[str] = []
            for m in g.members:
                if m is not rep and m.outlet != rep_outlet and m.outlet not in others:
                    others.append(m.outlet)
            versions = []
            for m in g.members:
                passage.setdefault((m.article_id, m.position), anchor_)
                a = by_id.get(m.article_id)
                text = m.text or (a.paragraphs[m.position] if a and m.position < len(a.paragraphs) else "")
                versions.append(
                    _tuple(
                        Version,
                        (
                            m.outlet,
                            m.script,
                            script_label(m.script),
                            m.position + 1,
                            f"{m.similarity:.2f}",
                            text,
                        ),
                    )
                )
            groups.append(Group(anchor_, g.text, rep_outlet, others, versions, rep.script if rep else ""))
    else:
        display = {an.article_id: an.display_paragraphs for an in store.analyses(story.article_ids)}
        for a in arts:
            paras = display.get(a.id) or a.paragraphs
            items = []
            for i, p in enumerate(paras):
                anchor_ = f"p-{anchor(a.id)}-{i}"
                passage[(a.id, i)] = anchor_
                items.append((anchor_, p))
            fallback.append((a, items))
    return groups, fallback, passage


def _events(timeline: Sequence[TimelineEvent], tz: ZoneInfo) -> list[Event]:
    return [
        Event(
            e.kind,
            KIND_LABELS.get(e.kind, e.kind),
            _when(e.at, e.day_only),
            _shown(e.at, e.day_only, tz),
            e.outlet,
            anchor(e.article_id) if e.article_id else "",
            e.label,
        )
        for e in sorted(timeline, key=lambda e: e.at)
    ]


def _sources(articles: Sequence[Article], tz: ZoneInfo) -> list[Source]:
    out = []
    for a in articles:
        at = a.published_at
        first = first_evidence(a) if at is None else None
        stats = a.stats
        out.append(
            Source(
                anchor(a.id),
                a.outlet,
                a.title,
                a.script,
                a.url,
                safe_href(a.url),
                script_label(a.script),
                _when(at, a.published_day_only) if at else "",
                _shown(at, a.published_day_only, tz) if at else "",
                iso(first) if first else "",
                local_minute(first, tz) if first else "",
                stats.reads,
                stats.comments if stats.comments is not None else (len(a.comments) if a.comments else None),
            )
        )
    return out


def story_context(store: Store, story: Story, tz: ZoneInfo) -> dict[str, Any]:
    """Everything ``story.html`` shows of ``story``, times in ``tz``."""
    arts = store.articles(story.article_ids)
    by_id = {a.id: a for a in arts}
    threads_src = sorted((a for a in arts if a.comments), key=lambda a: -len(a.comments))
    primary = threads_src[0].id if threads_src else None
    groups, fallback, passage = _body(store, story, arts, by_id)

    d = story.discussion
    threads, floor_link = threads_on_page(story, threads_src, primary, tz)

    # Undated reports sit at their earliest evidence (first dated comment), or last when none.
    def when(a: Article) -> tuple[bool, datetime]:
        at = a.published_at or first_evidence(a)
        return (at is None, at or datetime.max.replace(tzinfo=UTC))

    articles = sorted(arts, key=lambda a: (*when(a), a.id))
    claims = claim_rows(story.claims, by_id, passage, primary, floor_link)
    headline_script = next((a.script for a in arts if a.title.strip() and a.title in story.headline), "")
    return {
        "story": story,
        "articles": articles,
        "outlets": len({a.outlet for a in arts}),
        "groups": groups,
        "fallback": fallback,
        "claims": claims,
        "events": _events(story.timeline, tz),
        "sources": _sources(articles, tz),
        "chart": timeline_chart(
            [(a.outlet, a.published_at) for a in arts],
            story.timeline,
            d.activity,
            title=f"{story.concept} 时间线",
            tz=tz,
            tz_label=zone_name(tz),
        ),
        "threads": threads,
        "discussion": d,
        "split": split_context(d.threads, threads, floor_link),
        "floor_href": lambda f: floor_link(primary or "", f),
        "brief": _brief_context(story, claims, by_id, primary, floor_link),
        "headline_script": headline_script,
    }


def _brief_context(
    story: Story,
    rows: Sequence[dict[str, Any]],
    by_id: dict[str, Article],
    primary: str | None,
    floor_link: FloorLink,
) -> dict[str, Any]:
    """The story brief (stories.brief, stored with the story) resolved into what the page links."""
    row_of: dict[str, dict[str, Any]] = {}
    source_of: dict[str, dict[str, Any]] = {}
    for r in rows:
        for src in r["sources"]:
            row_of[src["c"].id] = r
            source_of[src["c"].id] = src
    claims = {c.id: c for c in story.claims if c.id}

    def side(cid: str) -> dict[str, Any] | None:
        c = claims.get(cid)
        if c is None:
            return None
        art = by_id.get(c.article_id)
        r = row_of.get(cid)
        return {
            "speaker": c.speaker or (art.outlet if art else ""),
            "outlet": art.outlet if art else "",
            "text": c.text,
            "qualifier": qualifier_label(c.qualifier),
            "value": source_of[cid]["value"] if cid in source_of else "",
            "subject": c.subject,
            "href": "#" + r["anchor"] if r else "#claims",
            "lang": art.script if art else "",
        }

    disputes = []
    for a, b in story.brief.disputes:
        left, right = side(a), side(b)
        if left and right:
            disputes.append((left, right))
    agreed = []
    for cid in story.brief.agreed:
        r = row_of.get(cid)
        if r is None:
            continue
        agreed.append(
            {
                "subject": r["row"].subject,
                "value": r["value"],
                "n": len(r["outlets"]),
                "outlets": r["outlets"],
                "href": "#" + r["anchor"],
            }
        )
    d = story.discussion
    top = d.most_quoted[0] if d.most_quoted else None
    return {
        "sentences": [
            {"text": s.text, "href": "#g-" + anchor(s.group_id), "outlets": s.outlets, "lang": s.script}
            for s in story.brief.sentences
        ],
        "disputes": disputes,
        "agreed": agreed,
        "comments": d.comments,
        "top_floor": (top[0], top[1], floor_link(primary or "", top[0])) if top else None,
    }


@router.get("/story/{story_id}")
@story_scoped()
@inline_if_local
def story_page(request: Request, story_id: str) -> Response:
    s = store(request)
    current = s.resolve_story_id(story_id)
    story = s.story(current) if current else None
    if current is None or story is None:
        return render(request, "not_found.html", status_code=404, what=story_id)
    if current != story_id:
        target = f"/story/{quote(current, safe='')}"
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(target, status_code=301)
    return render(request, "story.html", **story_context(s, story, reader_tz(request)))
