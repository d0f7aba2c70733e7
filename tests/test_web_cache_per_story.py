"""Per-story cache invalidation: a write to one story leaves every other story's pages cached.

The response cache keys a story's page, feed and API by ``Store.story_version`` (the stamp of
the last write that changed the story or an article it lists); lists keep the store-wide version.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from storyline.records import Analysis, Article, Comment, RawInput, Story
from storyline.settings import Settings
from storyline.store import open_store
from storyline.store.base import InputWrite, StoryAssignment
from storyline.web.app import create_app
from web_data import ART_A, T0, build_store, counting


def _write(name: str, **parts) -> InputWrite:
    parts = {"articles": [], "analyses": [], **parts}
    return InputWrite(raw=RawInput(name=name, data=name.encode()), **parts)


@pytest.fixture()
def store(tmp_path):
    s = build_store(tmp_path / "per-story.db")
    yield s
    s.close()


def test_a_write_to_story_a_keeps_story_bs_pages_cached_and_renders_as_again(store, monkeypatch):
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    paths = ["/story/s1", "/api/stories/s1", "/api/stories/s1/thread", "/feeds/story/s1.atom"]
    first = {p: client.get(p) for p in [*paths, "/story/sx", "/"]}
    rewrite_sx = _write("sx-again", stories=[replace(store.story("sx"), headline="新的标题")])
    reads = counting(store, monkeypatch, "story")
    summaries = counting(store, monkeypatch, "story_summaries")

    store.write_input(rewrite_sx)  # touches sx only

    for p in paths:  # s1's page, API and feed: served from memory, and unchanged
        r = client.get(p)
        assert r.status_code == 200 and r.content == first[p].content, p
        assert r.headers["etag"] == first[p].headers["etag"], p  # a browser's copy is still good
    assert reads[0] == 0
    sx = client.get("/story/sx")
    assert reads[0] == 1 and "新的标题" in sx.text
    assert sx.headers["etag"] != first["/story/sx"].headers["etag"]
    assert "新的标题" in client.get("/").text and summaries[0] == 1  # the hot list depends on all


def test_a_story_page_is_rendered_again_when_only_one_of_its_articles_changes(store, monkeypatch):
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    client.get("/story/s1"), client.get("/story/sx")
    more = (*ART_A.comments, Comment(floor=6, author="新读者", text="第六楼来了。", posted_at=T0))
    reads = counting(store, monkeypatch, "story")

    # The article alone, without its story: the store still knows the page changed.
    store.write_input(_write("a2", articles=[replace(ART_A, comments=more)]))

    assert "第六楼来了。" in client.get("/story/s1").text and reads[0] == 1
    client.get("/story/sx")
    assert reads[0] == 1  # the other story: still cached


def test_the_cache_falls_back_to_the_store_version_when_a_story_has_none(store, monkeypatch):
    """A store without story versions (the base-class default) gets store-wide invalidation."""
    monkeypatch.setattr(store, "story_version", lambda story_id: None)
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    client.get("/story/s1")
    reads = counting(store, monkeypatch, "story")
    client.get("/story/s1")
    assert reads[0] == 0
    store.write_input(_write("sx-again", stories=[replace(store.story("sx"), headline="别的")]))
    reads[0] = 0
    client.get("/story/s1")
    assert reads[0] == 1


def test_a_merged_alias_redirect_follows_its_new_target(store):
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    assert client.get("/story/s0", follow_redirects=False).headers["location"] == "/story/s1"
    # s1 is merged into sx: the cached redirect of s0 (an alias of s1) must not survive
    sx, s1 = store.story("sx"), store.story("s1")
    sx = replace(sx, article_ids=(*sx.article_ids, *s1.article_ids))
    store.write_input(_write("merge", merged={"s1": "sx"}, stories=[sx]))
    assert client.get("/story/s0", follow_redirects=False).headers["location"] == "/story/sx"
    assert client.get("/story/s1", follow_redirects=False).headers["location"] == "/story/sx"


# ---- Store.story_version on both stores -----------------------------------------------------------
def _article(n: int) -> Article:
    return Article(
        url=f"https://example.org/{n}", outlet=f"媒体{n}", title=f"标题{n}", paragraphs=(f"正文{n}。",)
    )


def _analysis(a: Article, paragraphs: tuple[str, ...] | None = None) -> Analysis:
    paras = paragraphs or a.paragraphs
    return Analysis(a.id, "zh-Hans", a.title, paras, a.title, paras)


def _story(sid: str, *arts: Article, headline: str = "") -> Story:
    return Story(id=sid, concept=sid, headline=headline or sid, article_ids=tuple(a.id for a in arts))


def test_story_version_moves_only_with_writes_that_change_the_story(db):
    a1, a2, b1 = _article(1), _article(2), _article(3)
    store = open_store(db)
    try:
        assert store.story_version("A") is None  # no such story yet
        store.write_input(
            _write(
                "1",
                articles=[a1, a2, b1],
                analyses=[_analysis(a) for a in (a1, a2, b1)],
                assignments=[StoryAssignment(a.id, s) for a, s in ((a1, "A"), (a2, "A"), (b1, "B"))],
                stories=[_story("A", a1, a2), _story("B", b1)],
            )
        )
        a0, b0 = store.story_version("A"), store.story_version("B")
        assert a0 and b0 and a0 != b0

        def step(write: InputWrite) -> tuple[bool, bool]:
            """(A's version moved, B's version moved) across ``write``."""
            nonlocal a0, b0
            store.write_input(write)
            a, b = store.story_version("A"), store.story_version("B")
            moved = (a != a0, b != b0)
            a0, b0 = a, b
            return moved

        assert step(_write("r1", stories=[_story("A", a1, a2, headline="新")])) == (True, False)
        assert step(_write("r2", stories=[_story("B", b1, headline="新")])) == (False, True)
        # an article of A rewritten without A itself; then an analysis of B's article
        art = replace(a2, comments=(Comment(floor=1, author="x", text="评论"),))
        assert step(_write("r3", articles=[art])) == (True, False)
        assert step(_write("r4", analyses=[_analysis(b1, ("改过的正文。",))])) == (False, True)
        # an unchanged article written again, and a write to a third story, move neither
        c1 = _article(4)
        write = _write(
            "r5",
            articles=[a1, c1],
            analyses=[_analysis(c1)],
            assignments=[StoryAssignment(c1.id, "C")],
            stories=[_story("C", c1)],
        )
        assert step(write) == (False, False)
        # B merged into A: A is rewritten, and B's id now resolves to A (so its token follows A)
        merged = _write("r6", merged={"B": "A"}, stories=[_story("A", a1, a2, b1)])
        assert step(merged) == (True, True)
        assert store.story_version("B") == store.story_version("A")
        assert store.story_version("nope") is None
    finally:
        store.close()
