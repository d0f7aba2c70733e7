"""The stores the thread tests read: the real 909-reply Weibo post alone, and with the seed thread.

Both texts are read from ../shared at test time (never copied here).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from storyline.pipeline import analyze_article, build_story
from storyline.records import RawInput
from storyline.store import InputWrite, StoryAssignment
from storyline.store.sqlite import SQLiteStore

BIG = "2698_jy6HYt_1773974463"


def weibo_article(weibo_dir: Path):
    from storyline.sources.weibo import parse_pair

    post = weibo_dir / "original" / f"{BIG}.json"
    return parse_pair(post.read_bytes(), (weibo_dir / "threads" / f"{BIG}.json").read_bytes(), str(post))


def build_threads_store(path: Path, weibo_dir: Path, seed_thread: Path) -> dict:
    """A store with the 909-floor story alone (``s-big``) and a two-thread story (``s-two``)."""
    from storyline.sources.textdump import parse as parse_text

    weibo, weibo_an = analyze_article(weibo_article(weibo_dir))
    seed_raw = RawInput(str(seed_thread), seed_thread.read_bytes())
    seed, seed_an = analyze_article(parse_text(seed_raw)[0])
    store = SQLiteStore(str(path))
    store.migrate()
    raw_one, raw_two = RawInput("weibo", b"w"), RawInput("two", b"2")
    weibo = replace(weibo, raw_sha256=raw_one.sha256)
    alone = build_story("s-big", [(weibo, weibo_an)])
    store.write_input(
        InputWrite(
            raw=raw_one,
            articles=[weibo],
            analyses=[weibo_an],
            assignments=[StoryAssignment(weibo.id, "s-big")],
            stories=[alone],
        )
    )
    # The same two reports again under other URLs, as one story of two outlets' threads.
    w2 = replace(weibo, url=weibo.url + "?two", id="", raw_sha256=raw_two.sha256)
    s2 = replace(seed, url="https://example.org/seed-two", id="", raw_sha256=raw_two.sha256)
    w2_an = replace(weibo_an, article_id=w2.id)
    s2_an = replace(seed_an, article_id=s2.id)
    two = build_story("s-two", [(s2, s2_an), (w2, w2_an)])
    store.write_input(
        InputWrite(
            raw=raw_two,
            articles=[s2, w2],
            analyses=[s2_an, w2_an],
            assignments=[StoryAssignment(s2.id, "s-two"), StoryAssignment(w2.id, "s-two")],
            stories=[two],
        )
    )
    return {"weibo": weibo, "w2": w2, "s2": s2, "store": store}
