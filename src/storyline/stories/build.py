"""A story record built from its members: the story-level stages composed in one place.

Keywords and entities (:mod:`~storyline.stories.aggregate`), the concept, the headline, the
paragraph groups, the claims ledger, the timeline, the discussion summary and the hot rank are
each computed by their own module; this one only decides what each is fed.

Example::

    >>> from storyline.pipeline import analyze_article
    >>> from storyline.records import Article
    >>> member = analyze_article(Article(url="", outlet="RFI", title="马斯克质疑星际之门", paragraphs=("马斯克说他们没有钱。",)))
    >>> build_story("s1", [member]).article_ids == (member[0].id,)
    True
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from storyline.dedup.groups import group_paragraphs
from storyline.normalize.text import canonical
from storyline.records import Analysis, Article, ParagraphGroup, Story
from storyline.stories.aggregate import EntityFrequency, RunningTotals, story_entities, story_keywords
from storyline.stories.brief import story_brief
from storyline.stories.concept import story_concept
from storyline.stories.discussion import summarize_discussion, summarize_threads
from storyline.stories.headline import choose_headline
from storyline.stories.hotness import hot_rank
from storyline.stories.kept import KeptBuild
from storyline.stories.ledger import build_ledger
from storyline.stories.ledger_links import link_ledger
from storyline.stories.stance import LedgerVotes
from storyline.stories.timeline import build_timeline, first_evidence

__all__ = ["build_story", "first_evidence", "observed_time", "published_key"]


def published_key(article: Article) -> datetime:
    """Sort key of publication order; undated articles last."""
    return article.published_at or datetime.max.replace(tzinfo=UTC)


def observed_time(article: Article) -> Article:
    """For clustering only: an undated report with its :func:`first_evidence` as its time.

    The stored article keeps ``published_at`` as the page said (unknown).
    """
    at = first_evidence(article)
    return replace(article, published_at=at) if at is not None else article


def build_story(
    story_id: str,
    members: Sequence[tuple[Article, Analysis]],
    *,
    aliases: Sequence[str] = (),
    groups: tuple[ParagraphGroup, ...] | None = None,
    entity_frequency: EntityFrequency | None = None,
    reference: bool = False,
    kept: KeptBuild | None = None,
) -> Story:
    """Everything a story page shows, computed from its member articles and their analyses.

    ``groups`` are the story's paragraph groups when the caller keeps an incremental index
    (the ingest path does); otherwise they are computed here from the members.
    ``entity_frequency`` (a :class:`storyline.stories.aggregate.EntityFrequency` over the
    store) makes names every story has weigh less in the concept.
    ``reference`` links the ledger with :func:`~storyline.stories.ledger.build_ledger` itself
    (``storyline rebuild``) instead of its per-bucket form, which gives the same claims, and
    makes keywords, entities and salience in one pass over the members instead of from the
    story's running totals (:func:`_running_totals`), which give the same.
    ``kept`` is what the ingest keeps of the story's last build (:class:`KeptBuild`): only the
    ledger groups the new members' claims join are linked again and only their timeline events
    made, and the story's claims are the kept ledger's, changed in place by its next build.
    """
    members = sorted(members, key=lambda m: (published_key(m[0]), m[0].id))
    articles = [a for a, _ in members]
    analyses = [an for _, an in members]
    outlets = [a.outlet for a in articles]
    if reference:
        totals = None
        keywords = story_keywords(analyses, outlets=outlets)
        entities = story_entities(analyses)
    else:
        totals = _running_totals(story_id, analyses, outlets)
        keywords, entities = totals.keywords(), totals.entities()
    concept = story_concept(analyses, keywords, entity_frequency, totals=totals)
    headline = choose_headline([(an.article_id, an.display_title) for an in analyses], keywords, entities)
    if groups is None:
        groups = group_paragraphs(members)
    # build_ledger's output, each pair of claim buckets decided once (see stories.ledger_links).
    figures = [c for an in analyses for c in an.claims]
    if reference:
        claims = build_ledger(figures)
    else:
        claims = kept.ledger.link(figures) if kept is not None else link_ledger(figures)
    timeline = kept.timeline.build(articles, claims) if kept is not None else build_timeline(articles, claims)
    # Floors are numbered per thread, so the discussion panel summarises the largest thread; the
    # others are still shown in full on the page.
    biggest = max(articles, key=lambda a: len(a.comments))
    votes = None
    if kept is not None:
        votes = kept.votes = LedgerVotes(claims) if kept.votes is None else kept.votes.renew(claims)
    discussion = replace(
        summarize_discussion(biggest.comments),
        threads=summarize_threads(articles, claims, fold=canonical, votes=votes),
    )
    times = [a.published_at for a in articles if a.published_at]
    story = Story(
        id=story_id,
        concept=concept,
        headline=headline,
        article_ids=tuple(a.id for a in articles),
        keywords=keywords,
        entities=entities,
        paragraphs=groups,
        timeline=timeline,
        claims=claims,
        discussion=discussion,
        hotness=hot_rank(articles),  # time-independent rank: see stories.hotness
        first_seen=min(times) if times else None,
        last_updated=max(times) if times else None,
        aliases=tuple(sorted(set(aliases))),
    )
    return replace(story, brief=story_brief(story, {a.id: a.outlet for a in articles}))


#: Running totals of the stories updated last (story id -> totals): a live ingest updates the
#: same stories input after input, each by a report or a few. Bounded as the ingest bounds the
#: aggregates it keeps (stories, and members in all; the last one is always kept); one that
#: does not fit the members given (a new process, a late report, a merge) is made anew.
_TOTALS: OrderedDict[str, RunningTotals] = OrderedDict()
_TOTALS_KEPT = 64
_TOTALS_MEMBERS_KEPT = 5_000


def _running_totals(story_id: str, analyses: Sequence[Analysis], outlets: Sequence[str]) -> RunningTotals:
    """The story's :class:`RunningTotals` over ``analyses`` (in publication order).

    Kept from the story's last build when its members are the first of ``analyses`` (the same
    objects: an ingest keeps the members' digests between inputs), so only the new ones are
    added; else made from all of them.
    """
    totals = _TOTALS.pop(story_id, None)  # out while it changes: a failure leaves none behind
    if totals is None or not totals.extends(analyses, outlets):
        totals = RunningTotals()
    done = len(totals.analyses)
    totals.add(analyses[done:], outlets[done:])
    _TOTALS[story_id] = totals
    kept = sum(len(t.analyses) for t in _TOTALS.values())
    while len(_TOTALS) > 1 and (len(_TOTALS) > _TOTALS_KEPT or kept > _TOTALS_MEMBERS_KEPT):
        kept -= len(_TOTALS.popitem(last=False)[1].analyses)
    return totals
