"""Feeds out: the hot list as RSS 2.0 and Atom, and one story's reports as Atom.

Built with :mod:`xml.etree.ElementTree` (stdlib) rather than feedgen: feedgen is not a
dependency, and ElementTree escapes every text node. Escaping is not enough, though: a character
XML 1.0 forbids (``\x01``, a lone surrogate) cannot be written at all, and ElementTree writes it
anyway, leaving every subscriber a feed that does not parse. So every text and attribute goes
through :func:`storyline.validate.clean_text` here too (records are cleaned before the store;
this also covers rows written by older versions), and titles are capped like the pages cap them.
Links are absolute (``base`` is the site root the request came in on).

Example::

    >>> xml = hot_rss([], base="http://localhost:8000")
    >>> xml.startswith(b"<?xml")
    True
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

from storyline.records import Article, Story
from storyline.stories.timeline import first_evidence
from storyline.validate import TEXT_CAPS, cap_text, clean_text

__all__ = ["hot_atom", "hot_rss", "story_atom"]

ATOM_NS = "http://www.w3.org/2005/Atom"


def _this_hour() -> datetime:
    # Atom needs a time on every entry; for one nothing dates (no publication time, no dated
    # comment, no dated story), the hour the feed was made is the honest answer, never 1970.
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def _rfc3339(at: datetime | None) -> str:
    return (at or _this_hour()).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _is_http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _story_description(s: Story) -> str:
    words = "、".join(k.word for k in s.keywords[:8])
    return f"{s.concept} — {len(s.article_ids)} 篇报道" + (f"；关键词：{words}" if words else "")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: clean_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = clean_text(text)
    return el


def _title(text: str) -> str:
    return cap_text(text, TEXT_CAPS["title"])


def _bytes(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def hot_rss(stories: Sequence[Story], *, base: str, title: str = "storyline — 热门") -> bytes:
    """RSS 2.0 of the hot list: one item per story, newest update first as given."""
    base = base.rstrip("/")
    rss = ET.Element("rss", {"version": "2.0"})
    ch = _sub(rss, "channel")
    _sub(ch, "title", title)
    _sub(ch, "link", base + "/")
    _sub(ch, "description", "每家媒体对同一新闻的报道与读者讨论，汇成一页。")
    updated = max((s.last_updated for s in stories if s.last_updated), default=None)
    if updated:
        _sub(ch, "lastBuildDate", format_datetime(updated.astimezone(UTC)))
    for s in stories:
        item = _sub(ch, "item")
        _sub(item, "title", _title(s.headline or s.concept))
        _sub(item, "link", f"{base}/story/{s.id}")
        _sub(item, "guid", f"{base}/story/{s.id}", isPermaLink="true")
        _sub(item, "description", _story_description(s))
        if s.last_updated:
            _sub(item, "pubDate", format_datetime(s.last_updated.astimezone(UTC)))
        for k in s.keywords[:8]:
            _sub(item, "category", k.word)
    return _bytes(rss)


def _atom_root(title: str, self_url: str, alt_url: str, updated: datetime | None) -> ET.Element:
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, f"{{{ATOM_NS}}}title", title)
    _sub(feed, f"{{{ATOM_NS}}}id", self_url)
    _sub(feed, f"{{{ATOM_NS}}}updated", _rfc3339(updated))
    _sub(feed, f"{{{ATOM_NS}}}link", href=self_url, rel="self")
    _sub(feed, f"{{{ATOM_NS}}}link", href=alt_url, rel="alternate")
    author = _sub(feed, f"{{{ATOM_NS}}}author")
    _sub(author, f"{{{ATOM_NS}}}name", "storyline")
    return feed


def hot_atom(stories: Sequence[Story], *, base: str, title: str = "storyline — 热门") -> bytes:
    """Atom of the hot list: one entry per story."""
    base = base.rstrip("/")
    updated = max(
        (s.last_updated or s.first_seen for s in stories if s.last_updated or s.first_seen), default=None
    )
    feed = _atom_root(title, f"{base}/feeds/hot.atom", base + "/", updated)
    for s in stories:
        e = _sub(feed, f"{{{ATOM_NS}}}entry")
        _sub(e, f"{{{ATOM_NS}}}title", _title(s.headline or s.concept))
        _sub(e, f"{{{ATOM_NS}}}id", f"{base}/story/{s.id}")
        _sub(e, f"{{{ATOM_NS}}}link", href=f"{base}/story/{s.id}", rel="alternate")
        _sub(e, f"{{{ATOM_NS}}}updated", _rfc3339(s.last_updated or s.first_seen or updated))
        _sub(e, f"{{{ATOM_NS}}}summary", _story_description(s))
        for k in s.keywords[:8]:
            _sub(e, f"{{{ATOM_NS}}}category", term=k.word)
    return _bytes(feed)


def story_atom(story: Story, articles: Sequence[Article], *, base: str) -> bytes:
    """Atom of one story: one entry per outlet's report, linking to the outlet's own page."""
    base = base.rstrip("/")
    feed = _atom_root(
        _title(story.headline or story.concept),
        f"{base}/feeds/story/{story.id}.atom",
        f"{base}/story/{story.id}",
        story.last_updated,
    )
    fallback = story.last_updated or story.first_seen
    dated = [(a.published_at or first_evidence(a) or fallback, a) for a in articles]
    far = datetime.min.replace(tzinfo=UTC)
    for at, a in sorted(dated, key=lambda x: (x[0] or far, x[1].id), reverse=True):
        e = _sub(feed, f"{{{ATOM_NS}}}entry")
        _sub(e, f"{{{ATOM_NS}}}title", _title(a.title))
        _sub(e, f"{{{ATOM_NS}}}id", f"urn:storyline:article:{a.id}")
        # only http(s) links leave the site; anything else points back at the story page
        href = a.url if _is_http(a.url) else f"{base}/story/{story.id}"
        _sub(e, f"{{{ATOM_NS}}}link", href=href, rel="alternate")
        _sub(e, f"{{{ATOM_NS}}}updated", _rfc3339(at))
        author = _sub(e, f"{{{ATOM_NS}}}author")
        _sub(author, f"{{{ATOM_NS}}}name", cap_text(a.outlet or a.site or "?", TEXT_CAPS["outlet"]))
        if a.paragraphs:
            _sub(e, f"{{{ATOM_NS}}}summary", a.paragraphs[0][:400])
    return _bytes(feed)
