"""What an ingest keeps of a story's last build, so that its next build redoes only what the
new reports change (see :func:`storyline.stories.build.build_story`).

Example::

    >>> kept = KeptBuild()
    >>> len(kept.ledger)
    0
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storyline.stories.ledger_links import KeptLedger
from storyline.stories.stance import LedgerVotes
from storyline.stories.timeline import KeptTimeline

__all__ = ["KeptBuild"]


@dataclass(slots=True)
class KeptBuild:
    """One story's kept ledger, timeline and the ledger's places for the threads' votes (each
    checks that it is handed what it saw last, and starts over when not). The story built with
    them holds the ledger's claims, which the next build changes in place: the ingest writes each
    story before its next input, and drops what it keeps when a write fails."""

    ledger: KeptLedger = field(default_factory=KeptLedger)
    timeline: KeptTimeline = field(default_factory=KeptTimeline)
    votes: LedgerVotes | None = None
