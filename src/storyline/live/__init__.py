"""Live mode: ``storyline follow`` keeps the store current from sources on the web.

``sources_list`` reads the user's sources (arguments, OPML, one per line, TOML) and writes OPML;
``schedule`` says when a URL is due again; ``follower`` runs the rounds (fetch → follow items to
their pages → ingest); ``status`` reports each source. The fetch state lives in the store, so a
restart resumes and several followers can share one PostgreSQL store (each URL leased to one).

    >>> from storyline.live import follow, SourceSpec               # doctest: +SKIP
    >>> follow([SourceSpec("https://example.org/feed.xml")], settings=Settings(db="news.db"), once=True)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from storyline.errors import InputError
from storyline.live.follower import Follower, RoundReport, default_owner
from storyline.live.schedule import FollowPolicy
from storyline.live.sources_list import SourceSpec, read_sources, source_args, to_opml
from storyline.live.status import SourceStatus, source_status
from storyline.settings import Settings
from storyline.store.base import Store

__all__ = [
    "FollowPolicy",
    "Follower",
    "RoundReport",
    "SourceSpec",
    "SourceStatus",
    "default_owner",
    "follow",
    "listed_sources",
    "read_sources",
    "source_args",
    "source_status",
    "to_opml",
]


def follow(
    sources: Sequence[SourceSpec] = (),
    *,
    settings: Settings | None = None,
    store: Store | None = None,
    policy: FollowPolicy | None = None,
    once: bool = False,
    stop: threading.Event | None = None,
    owner: str | None = None,
    on_round: Callable[[RoundReport], None] | None = None,
) -> RoundReport | None:
    """Follow ``sources`` (added to those the store already lists) into the store.

    ``once``: one round, returning its report. Otherwise rounds until ``stop`` is set (what the
    CLI's SIGTERM/SIGINT handler does); what is in flight then finishes and leases are freed.
    """
    from storyline.store import open_store

    settings = settings or Settings.from_env()
    own = store is None
    store = store or open_store(settings.db)
    try:
        with Follower(store, settings, policy, owner=owner) as follower:
            if stop is not None:
                follower.stop_event = stop
            if sources:
                follower.add_sources(sources)
            elif not store.fetch_states(listed=True):
                raise InputError(
                    settings.db,
                    "no sources to follow: name feed, front-page or thread URLs, or --sources FILE",
                )
            if once:
                follower.recover_leases()
                report = follower.run_round()
                if on_round is not None:
                    on_round(report)
                return report
            # The claim between rounds is one indexed query: asking four times per interval keeps
            # a due source from waiting most of a tick, for a few queries a second when idle.
            tick = max(0.2, min(1.0, (policy or FollowPolicy()).interval / 4))
            follower.run(tick=tick, on_round=on_round)
            return None
    finally:
        if own:
            store.close()


def listed_sources(store: Store) -> list[SourceSpec]:
    """The sources the store lists (what ``storyline sources --opml`` writes)."""
    return [SourceSpec(s.url, s.outlet, s.interval_s) for s in store.fetch_states(listed=True)]
