"""The story export contract: one JSON-ready dict per story, shared by the API and the CLI.

``GET /api/stories/{id}``, ``storyline story ID`` and ``storyline stories --json`` all call
:func:`story_export` (the last through :func:`stories_export`), so the contract exists once. It
sits below the pipeline and the web, beside the store it reads. Times are ISO 8601 strings; every value is a plain JSON type.

Contract (keys every consumer may rely on; a few extra keys are added after them)::

    id, concept, headline, keywords[], entities[{name, aliases[]}],
    articles[{id, outlet, title, url, published_at, script, stats{reads, comments},
              comments[{floor, author, posted_at, text, quotes[{author, posted_at, text, floor}],
                        stance, stance_evidence}]}],
    paragraphs[{text, members[{article_id, outlet, script, position, similarity}]}],
    claims[{subject, measure, value, unit, qualifier, speaker, text, article_id, contradicts[]}]
    (each claim also carries ``contradictions[{id, reason, matched}]``: why each flag was raised)

Example::

    >>> d = story_export(store, store.story("s1"))   # doctest: +SKIP
    >>> sorted(d)[:3]
    ['articles', 'claims', 'concept']
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storyline.records import (
    Article,
    Claim,
    Comment,
    DiscussionSummary,
    FloorStance,
    ParagraphGroup,
    Story,
    ThreadSummary,
)
from storyline.store.base import Store, StorySummary, hottest_first

__all__ = [
    "article_export",
    "claim_export",
    "comment_export",
    "contradiction_export",
    "discussion_export",
    "floor_stance",
    "iso",
    "stance_index",
    "stories_export",
    "story_export",
    "story_summary",
    "summary_export",
    "thread_export",
]


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def comment_export(c: Comment, stance: FloorStance | None = None) -> dict[str, Any]:
    """One floor; ``stance`` / ``stance_evidence`` are ``None`` when the story holds no stance for it."""
    return {
        "floor": c.floor,
        "author": c.author,
        "posted_at": iso(c.posted_at),
        "text": c.text,
        "quotes": [
            {"author": q.author, "posted_at": iso(q.posted_at), "text": q.text, "floor": q.floor}
            for q in c.quotes
        ],
        "parent_floor": c.parent_floor,
        "likes": c.likes,
        "stance": stance.stance if stance else None,
        "stance_evidence": stance.evidence if stance else None,
    }


def stance_index(d: DiscussionSummary) -> dict[str, dict[int, FloorStance]]:
    """article id → floor → its stance, from the story's thread summaries.

    Only the floors that take a side are stored; for a thread the story summarises, any other
    floor reads as ``other`` (an article without a summary is absent: its floors have no stance).
    """
    return {t.article_id: {s.floor: s for s in t.stances} for t in d.threads}


def floor_stance(thread: dict[int, FloorStance] | None, floor: int) -> FloorStance | None:
    """A floor's stance from one thread of :func:`stance_index` (``None``: no summary)."""
    if thread is None:
        return None
    return thread.get(floor) or FloorStance(floor=floor, stance="other")


def thread_export(t: ThreadSummary) -> dict[str, Any]:
    """One thread's size and split (the floors' own stances are in ``comments[]``)."""
    return {
        "article_id": t.article_id,
        "outlet": t.outlet,
        "title": t.title,
        "floors": t.floors,
        "replies": t.replies,
        "stance": {"agree": t.agree, "disagree": t.disagree, "other": t.other},
        "top_agree": t.top_agree,
        "top_disagree": t.top_disagree,
    }


def article_export(
    a: Article, *, with_comments: bool = True, stances: dict[int, FloorStance] | None = None
) -> dict[str, Any]:
    """One article; ``stances`` is its thread from :func:`stance_index` (``None``: no stances)."""
    out: dict[str, Any] = {
        "id": a.id,
        "outlet": a.outlet,
        "title": a.title,
        "url": a.url,
        "published_at": iso(a.published_at),
        "script": a.script,
        "stats": {"reads": a.stats.reads, "comments": a.stats.comments},
    }
    if with_comments:
        out["comments"] = [comment_export(c, floor_stance(stances, c.floor)) for c in a.comments]
    return out


def paragraph_export(g: ParagraphGroup) -> dict[str, Any]:
    return {
        "text": g.text,
        "members": [
            {
                "article_id": m.article_id,
                "outlet": m.outlet,
                "script": m.script,
                "position": m.position,
                "similarity": m.similarity,
            }
            for m in g.members
        ],
        "id": g.id,
    }


def claim_export(c: Claim) -> dict[str, Any]:
    return {
        "subject": c.subject,
        "measure": c.measure,
        "value": c.value,
        "unit": c.unit,
        "qualifier": c.qualifier,
        "speaker": c.speaker,
        "text": c.text,
        "article_id": c.article_id,
        "contradicts": list(c.contradicts),
        # extras beyond the contract: where it was said and how it relates to the others
        "id": c.id,
        "sentence": c.sentence,
        "timeframe": c.timeframe,
        "paragraph": c.paragraph,
        "floor": c.floor,
        "agrees_with": list(c.agrees_with),
        "refuted_by": list(c.refuted_by),
        # what the figure measures (the fields the ledger matches on) and why it is flagged
        "referent": c.referent,
        "referent_key": c.referent_key,
        "denominator": c.denominator,
        "kind": c.kind,
        "modality": c.modality,
        "subject_basis": c.subject_basis,
        "contradictions": [contradiction_export(other, why) for other, why in c.contradiction_reasons],
        "differs_from": list(c.differs_from),
    }


def contradiction_export(other: str, reason: str) -> dict[str, Any]:
    """One ``contradicts`` entry with its reason: the fields both claims share, and the values.

    ``reason`` is the ledger's "field=value; …; values …" text; ``matched`` is its fields as a map.
    """
    matched: dict[str, str] = {}
    for part in reason.split("; "):
        key, sep, value = part.partition("=")
        if sep and key.isidentifier():
            matched[key] = value
    return {"id": other, "reason": reason, "matched": matched}


def discussion_export(d: DiscussionSummary) -> dict[str, Any]:
    return {
        "comments": d.comments,
        "authors": d.authors,
        "most_quoted": [{"floor": f, "count": n} for f, n in d.most_quoted],
        "most_replied": [{"floor": f, "count": n} for f, n in d.most_replied],
        "most_active": [{"author": a, "count": n} for a, n in d.most_active],
        "reply_depth": d.reply_depth,
        "activity": [{"hour": iso(h), "count": n} for h, n in d.activity],
        "summary": d.summary,
        "threads": [thread_export(t) for t in d.threads],
    }


def story_summary(s: Story) -> dict[str, Any]:
    """The short form used by lists (hot list, feeds): no articles, groups or claims."""
    return {
        "id": s.id,
        "concept": s.concept,
        "headline": s.headline,
        "keywords": [k.word for k in s.keywords],
        "articles": len(s.article_ids),
        "hotness": s.hotness,
        "first_seen": iso(s.first_seen),
        "last_updated": iso(s.last_updated),
    }


def summary_export(s: StorySummary) -> dict[str, Any]:
    """:func:`story_summary`'s dict from the store's short form (no full record decoded)."""
    return {
        "id": s.id,
        "concept": s.concept,
        "headline": s.headline,
        "keywords": list(s.keywords),
        "articles": s.articles,
        "hotness": s.hotness,
        "first_seen": iso(s.first_seen),
        "last_updated": iso(s.last_updated),
    }


def story_export(store: Store, story: Story, *, articles: Sequence[Article] | None = None) -> dict[str, Any]:
    """The full story dict of the export contract (articles read from ``store`` unless given)."""
    arts = list(articles) if articles is not None else store.articles(story.article_ids)
    stance_of = stance_index(story.discussion)
    return {
        "id": story.id,
        "concept": story.concept,
        "headline": story.headline,
        "keywords": [k.word for k in story.keywords],
        "entities": [{"name": e.name, "aliases": list(e.aliases)} for e in story.entities],
        "articles": [article_export(a, stances=stance_of.get(a.id)) for a in arts],
        "paragraphs": [paragraph_export(g) for g in story.paragraphs],
        "claims": [claim_export(c) for c in story.claims],
        # extras beyond the contract
        "timeline": [
            {
                "at": iso(e.at),
                "kind": e.kind,
                "label": e.label,
                "article_id": e.article_id,
                "outlet": e.outlet,
            }
            for e in story.timeline
        ],
        "discussion": discussion_export(story.discussion),
        "hotness": story.hotness,
        "first_seen": iso(story.first_seen),
        "last_updated": iso(story.last_updated),
        "aliases": list(story.aliases),
    }


def stories_export(store: Store, *, limit: int = 1000) -> list[dict]:
    """Every story (hottest first) in the export contract of ``storyline stories --json``."""
    return [story_export(store, s) for s in hottest_first(store.stories, limit=limit)]
