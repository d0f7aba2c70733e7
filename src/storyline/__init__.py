"""storyline — every outlet's report of a news story, and its readers' discussion, on one page.

The public API::

    from storyline import Settings, ingest, open_store
    report = ingest(["page.txt", "dump.jsonl"], settings=Settings(db="news.db"))
    with open_store("news.db") as store:
        for story in store.stories(limit=10):
            print(story.concept, story.headline)
"""

from __future__ import annotations

from storyline.errors import (
    BlockedAddress,
    EncodingError,
    FetchError,
    InputError,
    ParseError,
    StoreError,
    StorylineError,
)
from storyline.export import stories_export
from storyline.records import (
    Analysis,
    Article,
    Claim,
    Comment,
    Entity,
    Keyword,
    ParagraphGroup,
    Quote,
    RawInput,
    Stats,
    Story,
    TimelineEvent,
)
from storyline.settings import Settings
from storyline.store import Store, open_store

__version__ = "0.1.0"

# The pipeline imports every stage (jieba, OpenCC, trafilatura, the encoder's wrapper…), ~0.4 s;
# commands that only read the store should not pay for it, so its names load on first use.
# The same for live mode (it runs the pipeline).
_LAZY = {
    **dict.fromkeys(
        ("IngestReport", "Ingestor", "analyze_article", "build_story", "ingest", "search"), "pipeline"
    ),
    **dict.fromkeys(
        ("Follower", "FollowPolicy", "SourceSpec", "follow", "read_sources", "source_status"), "live"
    ),
    "similarity": "pipeline",  # storyline.similarity(a, b): the pairwise "same story?" call
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"storyline.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'storyline' has no attribute {name!r}")


__all__ = [
    "Analysis",
    "Article",
    "BlockedAddress",
    "Claim",
    "Comment",
    "EncodingError",
    "Entity",
    "FetchError",
    "FollowPolicy",
    "Follower",
    "IngestReport",
    "Ingestor",
    "InputError",
    "Keyword",
    "ParagraphGroup",
    "ParseError",
    "Quote",
    "RawInput",
    "Settings",
    "SourceSpec",
    "Stats",
    "Store",
    "StoreError",
    "Story",
    "StorylineError",
    "TimelineEvent",
    "analyze_article",
    "build_story",
    "follow",
    "ingest",
    "open_store",
    "read_sources",
    "search",
    "similarity",
    "source_status",
    "stories_export",
]
