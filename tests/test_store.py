"""The store contract, run against both backends: a real SQLite file and a real PostgreSQL database.

The ``postgres`` case uses the ``pg_url`` fixture (skipped when STORYLINE_TEST_PG_URL is unset) and
creates a fresh database per test, dropped afterwards.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import _with_db
from storyline.errors import StoreError
from storyline.records import (
    Analysis,
    Article,
    Claim,
    Comment,
    Keyword,
    Quote,
    RawInput,
    Stats,
    Story,
    TimelineEvent,
)
from storyline.store import InputWrite, Store, StoryAssignment, open_store
from storyline.store.base import StorySummary

CST = timezone(timedelta(hours=8))
TABLES = (
    "raw_inputs",
    "failures",
    "articles",
    "analyses",
    "stories",
    "story_articles",
    "story_aliases",
    "story_parts",
    "state",
)


@pytest.fixture()
def store(db: str) -> Iterator[Store]:
    s = open_store(db)
    yield s
    s.close()


def row_counts(db: str) -> dict[str, int]:
    """Rows per table, read behind the store's back (what really is in the database)."""
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as conn:
            counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
            counts["search"] = conn.execute(
                "SELECT count(*) FROM articles WHERE search_tsv <> ''"
            ).fetchone()[0]
            return counts
    conn = sqlite3.connect(db)
    try:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        counts["search"] = conn.execute("SELECT count(*) FROM search_fts").fetchone()[0]
        return counts
    finally:
        conn.close()


# ---- records built by hand ---------------------------------------------------------------------


def make_article(
    n: int,
    title: str,
    paragraphs: tuple[str, ...],
    *,
    raw: RawInput,
    day: int | None = 1,
    outlet: str = "Outlet",
) -> Article:
    return Article(
        url=f"https://example.org/{n}",
        outlet=outlet,
        title=title,
        paragraphs=paragraphs,
        published_at=None if day is None else datetime(2025, 1, day, 9, 30, tzinfo=CST),
        script="zh-Hant",
        raw_sha256=raw.sha256,
    )


def make_analysis(art: Article) -> Analysis:
    from storyline.store.bigrams import fold

    return Analysis(
        article_id=art.id,
        script=art.script,
        canonical_title=fold(art.title),
        canonical_paragraphs=tuple(fold(p) for p in art.paragraphs),
        display_title=art.title,
        display_paragraphs=art.paragraphs,
        keywords=(Keyword("星际之门", 0.9),),
    )


def make_story(sid: str, articles: list[Article], hotness: float = 1.0) -> Story:
    return Story(
        id=sid,
        concept="星际之门",
        headline=articles[0].title if articles else sid,
        article_ids=tuple(a.id for a in articles),
        hotness=hotness,
        first_seen=datetime(2025, 1, 1, tzinfo=UTC),
        last_updated=datetime(2025, 1, 2, tzinfo=UTC),
    )


def simple_write(raw: RawInput, articles: list[Article], story_id: str = "s1", **kw: object) -> InputWrite:
    return InputWrite(
        raw=raw,
        articles=articles,
        analyses=[make_analysis(a) for a in articles],
        assignments=[StoryAssignment(a.id, story_id) for a in articles],
        stories=[make_story(story_id, articles)],
        **kw,  # type: ignore[arg-type]
    )


RAW = RawInput(
    name="inputs/feed.txt", data=b"\xef\xbb\xbfline\r\n\x00\xff\xfe bytes", media_type="text/plain"
)


# ---- lifecycle -----------------------------------------------------------------------------------


def test_migrate_twice_is_harmless_and_keeps_data(db: str) -> None:
    s = open_store(db)
    version = s.migrate()
    art = make_article(1, "標題", ("正文",), raw=RAW)
    s.write_input(simple_write(RAW, [art]))
    assert s.migrate() == version >= 1
    s.close()
    again = open_store(db)  # open_store migrates once more
    assert again.count_articles() == 1
    assert again.article(art.id) == art
    again.close()


def test_sqlite_creates_parent_folders_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.db"
    s = open_store(str(path))
    s.close()
    assert path.exists()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert applied == [1, 2, 3, 4, 5, 6, 7]
    conn.close()


def test_migrate_applies_only_the_missing_migrations(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    open_store(str(path)).close()
    conn = sqlite3.connect(path)  # roll the file back to schema version 1
    conn.execute("DROP INDEX articles_newest")
    conn.execute("DELETE FROM schema_migrations WHERE version = 2")
    conn.commit()
    conn.close()
    s = open_store(str(path), migrate=False)
    assert s.migrate() == 7  # the newest version; only number 2 was missing
    s.close()
    conn = sqlite3.connect(path)
    assert (
        conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'articles_newest'").fetchone()[0] == 1
    )
    conn.close()


# ---- round trip ----------------------------------------------------------------------------------


def test_records_round_trip_exactly(store: Store) -> None:
    art = Article(
        url="https://example.org/rfi/1",
        outlet="RFI",
        title="軟銀現金只有243億美元",
        paragraphs=("第一段：星際之門。", "第二段 with English, 5000億美元."),
        published_at=datetime(2025, 1, 22, 13, 40, 20, tzinfo=CST),
        script="zh-Hant",
        site="wenxuecity",
        author="記者",
        stats=Stats(reads=1234, comments=48),
        comments=(
            Comment(floor=1, author="甲", text="沙发", posted_at=datetime(2025, 1, 22, 14, 0, tzinfo=CST)),
            Comment(
                floor=2,
                author="乙",
                text="回复",
                quotes=(Quote(author="甲", text="沙发", floor=1),),
                parent_floor=1,
                likes=3,
            ),
        ),
        source_name="rfi.txt",
        raw_sha256=RAW.sha256,
    )
    analysis = Analysis(
        article_id=art.id,
        script="zh-Hant",
        canonical_title="软银现金只有243亿美元",
        canonical_paragraphs=("第一段：星际之门。", "第二段 with english, 5000亿美元."),
        display_title=art.title,
        display_paragraphs=art.paragraphs,
        tokens=("软银", "现金"),
        claims=(Claim(subject="软银", measure="cash", value=2.43e10, unit="USD", text="243億美元"),),
    )
    story = Story(
        id="st-1",
        concept="星际之门",
        headline=art.title,
        article_ids=(art.id,),
        timeline=(TimelineEvent(at=datetime(2025, 1, 22, tzinfo=UTC), kind="first_report", label="RFI"),),
        hotness=3.5,
        first_seen=datetime(2025, 1, 22, tzinfo=UTC),
    )
    result = store.write_input(
        InputWrite(
            raw=RAW,
            articles=[art],
            analyses=[analysis],
            assignments=[StoryAssignment(art.id, "st-1")],
            stories=[story],
            state={"cluster-index": b"\x00\x01binary\xff"},
        )
    )
    assert (result.raw_new, result.articles_new, result.articles_unchanged) == (True, 1, 0)
    assert store.has_raw(RAW.sha256) and not store.has_raw("0" * 64)
    assert store.raw(RAW.sha256) == RAW
    assert store.raw(RAW.sha256).data == b"\xef\xbb\xbfline\r\n\x00\xff\xfe bytes"
    assert store.raw("0" * 64) is None
    assert store.article(art.id) == art
    assert store.article("nope") is None
    assert store.analyses([art.id, "nope"]) == [analysis]
    assert store.story("st-1") == story
    assert store.story("nope") is None
    assert store.stories() == [story]
    assert store.story_ids_of_articles([art.id, "nope"]) == {art.id: "st-1"}
    assert store.get_state("cluster-index") == b"\x00\x01binary\xff"
    assert store.get_state("missing") is None
    assert store.count_articles() == 1


def test_articles_keep_the_requested_order_and_iterate_oldest_first(store: Store) -> None:
    arts = [
        make_article(1, "三", ("c",), raw=RAW, day=3),
        make_article(2, "一", ("a",), raw=RAW, day=1),
        make_article(3, "无日期", ("x",), raw=RAW, day=None),
        make_article(4, "二", ("b",), raw=RAW, day=2),
    ]
    store.write_input(simple_write(RAW, arts))
    ids = [a.id for a in arts]
    assert [a.id for a in store.articles([ids[3], "unknown", ids[0]])] == [ids[3], ids[0]]
    # Oldest first, the undated one last; batch=1 pages through every keyset step.
    assert [a.title for a in store.iter_articles(batch=1)] == ["一", "二", "三", "无日期"]
    assert [a.title for a in store.iter_articles()] == ["一", "二", "三", "无日期"]


# ---- idempotence and atomicity -------------------------------------------------------------------


def test_same_input_written_twice_adds_nothing(store: Store, db: str) -> None:
    arts = [make_article(i, f"標題{i}", (f"正文{i}",), raw=RAW) for i in range(3)]
    write = simple_write(RAW, arts, state={"k": b"v"})
    first = store.write_input(write)
    counts = row_counts(db)
    second = store.write_input(write)
    assert (first.raw_new, first.articles_new, first.articles_unchanged) == (True, 3, 0)
    assert (second.raw_new, second.articles_new, second.articles_unchanged) == (False, 0, 3)
    assert row_counts(db) == counts
    assert counts["articles"] == 3 and counts["search"] == 3 and counts["raw_inputs"] == 1


def test_an_article_seen_again_in_a_new_input_counts_as_unchanged_and_is_updated(store: Store) -> None:
    art = make_article(1, "標題", ("舊正文",), raw=RAW)
    store.write_input(simple_write(RAW, [art]))
    raw2 = RawInput(name="second.txt", data=b"second")
    newer = Article(
        url=art.url,
        outlet=art.outlet,
        title=art.title,
        paragraphs=("新正文",),
        raw_sha256=raw2.sha256,
        id=art.id,
    )
    result = store.write_input(simple_write(raw2, [newer]))
    assert (result.raw_new, result.articles_new, result.articles_unchanged) == (True, 0, 1)
    assert store.article(art.id).paragraphs == ("新正文",)
    assert [h.id for h in store.search("新正文")] == [art.id]
    assert store.search("舊正文") == []


def test_a_write_failing_midway_leaves_nothing(
    store: Store, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error after the raw, articles and index rows are written rolls all of them back."""
    import storyline.store.postgres as pg_mod
    import storyline.store.sqlite as sqlite_mod

    real = sqlite_mod.to_json

    def failing_on_stories(obj: object) -> bytes:
        if isinstance(obj, Story):
            raise RuntimeError("injected failure while writing stories")
        return real(obj)

    monkeypatch.setattr(sqlite_mod, "to_json", failing_on_stories)
    monkeypatch.setattr(pg_mod, "to_json", failing_on_stories)
    arts = [make_article(1, "川普宣佈", ("星際之門",), raw=RAW)]
    empty = row_counts(db)
    with pytest.raises(RuntimeError, match="injected"):
        store.write_input(simple_write(RAW, arts))
    assert row_counts(db) == empty
    assert not store.has_raw(RAW.sha256)
    assert store.search("川普") == []
    monkeypatch.undo()
    # The store is still usable afterwards, and the same write now succeeds whole.
    assert store.write_input(simple_write(RAW, arts)).articles_new == 1
    assert [h.id for h in store.search("川普")] == [arts[0].id]


def test_a_database_error_midway_is_a_store_error_and_leaves_nothing(store: Store, db: str) -> None:
    art = make_article(1, "標題", ("正文",), raw=RAW)
    orphan = make_analysis(make_article(2, "不存在", ("x",), raw=RAW))  # its article is not written
    write = InputWrite(raw=RAW, articles=[art], analyses=[make_analysis(art), orphan])
    with pytest.raises(StoreError, match=r"write input inputs/feed\.txt"):
        store.write_input(write)
    assert row_counts(db) == dict.fromkeys([*TABLES, "search"], 0)


# ---- stories -------------------------------------------------------------------------------------


def test_merged_story_stays_resolvable_through_its_alias(store: Store) -> None:
    a1 = make_article(1, "甲", ("一",), raw=RAW)
    a2 = make_article(2, "乙", ("二",), raw=RAW)
    store.write_input(
        InputWrite(
            raw=RAW,
            articles=[a1, a2],
            analyses=[],
            assignments=[StoryAssignment(a1.id, "old"), StoryAssignment(a2.id, "keep")],
            stories=[make_story("old", [a1]), make_story("keep", [a2])],
        )
    )
    raw2 = RawInput(name="merge.txt", data=b"merge")
    merged = make_story("keep", [a2, a1])
    store.write_input(
        InputWrite(raw=raw2, articles=[], analyses=[], stories=[merged], merged={"old": "keep"})
    )
    assert store.resolve_story_id("old") == "keep"
    assert store.resolve_story_id("keep") == "keep"
    assert store.resolve_story_id("never") is None
    assert store.story("old") == merged
    assert [s.id for s in store.stories()] == ["keep"]
    assert store.story_ids_of_articles([a1.id, a2.id]) == {a1.id: "keep", a2.id: "keep"}

    # A second merge repoints the first alias too: "old" → "keep" → "final" resolves in one step.
    raw3 = RawInput(name="merge2.txt", data=b"merge2")
    final = make_story("final", [a1, a2])
    store.write_input(
        InputWrite(raw=raw3, articles=[], analyses=[], stories=[final], merged={"keep": "final"})
    )
    assert store.resolve_story_id("old") == "final"
    assert store.story("keep") == final
    assert store.story_ids_of_articles([a1.id, a2.id]) == {a1.id: "final", a2.id: "final"}


def test_stories_page_hottest_first_with_the_last_id_as_cursor(store: Store) -> None:
    hot = {"e": 1.0, "a": 5.0, "c": 3.0, "b": 3.0, "d": 0.5}
    store.write_input(
        InputWrite(raw=RAW, articles=[], analyses=[], stories=[make_story(k, [], v) for k, v in hot.items()])
    )
    pages: list[list[str]] = []
    after = None
    while True:
        page = store.stories(limit=2, after=after)
        if not page:
            break
        pages.append([s.id for s in page])
        after = page[-1].id
    assert pages == [["a", "b"], ["c", "e"], ["d"]]
    assert [s.id for s in store.stories(limit=10)] == ["a", "b", "c", "e", "d"]
    with pytest.raises(StoreError, match="unknown story cursor"):
        store.stories(after="zz")


# ---- cheap reads for the web: version() and story_summaries() -------------------------------------


def test_version_changes_with_every_committed_write_and_only_then(store: Store, db: str) -> None:
    v0 = store.version()
    assert v0 is not None and v0 == store.version()
    arts = [make_article(1, "川普宣佈", ("星際之門",), raw=RAW)]
    store.write_input(simple_write(RAW, arts))
    v1 = store.version()
    assert v1 != v0
    store.story("s1"), store.stories(), store.story_summaries(), store.search("川普")
    assert store.version() == v1  # reads leave it alone
    store.write_input(simple_write(RAW, arts))  # the same input again still commits a transaction
    v2 = store.version()
    assert v2 not in (v0, v1)
    orphan = make_analysis(make_article(2, "不存在", ("x",), raw=RAW))
    with pytest.raises(StoreError):
        store.write_input(InputWrite(raw=RAW, articles=[], analyses=[orphan]))
    assert store.version() == v2  # a rolled-back write is no change
    other = open_store(db)  # another connection (as another process would have) writes
    try:
        other.write_input(
            simple_write(RawInput(name="b", data=b"b"), [make_article(3, "另一", ("y",), raw=RAW)])
        )
        assert store.version() not in (v0, v1, v2)
        assert store.version() == other.version()
    finally:
        other.close()


def test_version_of_two_fresh_databases_differ(tmp_path: Path) -> None:
    a, b = open_store(str(tmp_path / "a.db")), open_store(str(tmp_path / "b.db"))
    try:
        # a recreated database must not repeat a version an HTTP client holds in an ETag
        assert a.version() != b.version()
    finally:
        a.close()
        b.close()


def test_story_summaries_follow_stories_order_and_count_distinct_outlets(store: Store) -> None:
    arts = [
        make_article(i, f"标题{i}", (f"段落{i}",), raw=RAW, outlet=outlet)
        for i, outlet in enumerate(["甲报", "乙报", "甲报", "丙台"])
    ]
    stories = [
        Story(
            id="big",
            concept="星际之门",
            headline="三家媒体",
            article_ids=tuple(a.id for a in arts),
            keywords=(Keyword("星门", 0.9), Keyword("软银", 0.5)),
            hotness=5.0,
            first_seen=datetime(2025, 1, 1, tzinfo=UTC),
            last_updated=datetime(2025, 1, 2, 8, tzinfo=CST),
        ),
        make_story("small", arts[:1], 2.0),
        make_story("none", [], 2.0),
        make_story("cold", [], 0.1),
    ]
    store.write_input(
        InputWrite(
            raw=RAW,
            articles=arts,
            analyses=[],
            assignments=[StoryAssignment(a.id, "big") for a in arts],
            stories=stories,
        )
    )
    got = store.story_summaries(limit=10)
    assert [s.id for s in got] == [s.id for s in store.stories(limit=10)] == ["big", "none", "small", "cold"]
    assert got[0] == StorySummary(
        id="big",
        concept="星际之门",
        headline="三家媒体",
        keywords=("星门", "软银"),
        articles=4,
        outlets=3,
        hotness=5.0,
        first_seen=datetime(2025, 1, 1, tzinfo=UTC),
        last_updated=datetime(2025, 1, 2, 8, tzinfo=CST),
    )
    assert [(s.articles, s.outlets) for s in got[1:]] == [(0, 0), (1, 1), (0, 0)]
    assert [s.id for s in store.story_summaries(limit=2, after="none")] == ["small", "cold"]
    # the interface's fallback (full records + articles) gives the same answer
    assert Store.story_summaries(store, limit=10) == got
    with pytest.raises(StoreError, match="unknown story cursor"):
        store.story_summaries(after="zz")


def _sql(db: str, statement: str) -> list[tuple]:
    """Run one statement behind the store's back (SQLite file or PostgreSQL URL)."""
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(statement).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


def test_summaries_of_rows_from_before_the_summary_column_are_computed_then_filled(db: str) -> None:
    s = open_store(db)
    arts = [make_article(1, "标题", ("段落",), raw=RAW, outlet="甲报")]
    s.write_input(simple_write(RAW, arts))
    expected = s.story_summaries()
    assert expected[0].outlets == 1
    s.close()
    _sql(db, "UPDATE stories SET summary = NULL")  # as if written before migration 003
    s = open_store(db, migrate=False)
    assert s.story_summaries() == expected
    s.migrate()
    s.close()
    assert _sql(db, "SELECT count(*) FROM stories WHERE summary IS NULL")[0][0] == 0


# ---- search --------------------------------------------------------------------------------------


@pytest.fixture()
def news(store: Store) -> dict[str, Article]:
    """Four reports: traditional and simplified 川普 / 特朗普, one English, at known times."""
    arts = {
        "trad_old": make_article(
            1, "美國總統川普宣佈星際之門", ("川普在白宮宣佈五千億美元投資。",), raw=RAW, day=20
        ),
        "simp_new": make_article(
            2, "美国总统川普宣布星际之门", ("川普在白宫宣布五千亿美元投资。",), raw=RAW, day=22
        ),
        "trad_trump": make_article(3, "特朗普與馬斯克", ("特朗普說：軟銀有錢。",), raw=RAW, day=21),
        "english": make_article(
            4,
            "Stargate: the $500B plan",
            ("President Trump announced Stargate at the White House.",),
            raw=RAW,
            day=23,
        ),
    }
    store.write_input(simple_write(RAW, list(arts.values())))
    return arts


def test_two_character_word_finds_both_scripts_newest_first(store: Store, news: dict[str, Article]) -> None:
    assert [h.id for h in store.search("川普")] == [news["simp_new"].id, news["trad_old"].id]
    assert [h.id for h in store.search("總統川普")] == [news["simp_new"].id, news["trad_old"].id]
    assert [h.id for h in store.search("总统川普")] == [news["simp_new"].id, news["trad_old"].id]
    # A traditional query finds the simplified text and vice versa.
    assert [h.id for h in store.search("白宮")] == [news["simp_new"].id, news["trad_old"].id]
    assert [h.id for h in store.search("白宫")] == [news["simp_new"].id, news["trad_old"].id]
    assert [h.id for h in store.search("軟银")] == [news["trad_trump"].id]
    # Words are matched as adjacent characters, not as any two pairs in the text.
    assert store.search("普川") == []


def test_search_hit_marks_the_match_in_the_published_script(store: Store, news: dict[str, Article]) -> None:
    hits = store.search("特朗普")
    assert len(hits) == 1
    hit = hits[0]
    assert hit.id == news["trad_trump"].id
    assert hit.kind == "article" and hit.story_id == "s1" and hit.outlet == "Outlet"
    assert hit.title == "特朗普與馬斯克"
    assert hit.snippet == "<mark>特朗普</mark>說：軟銀有錢。"
    assert hit.published_at == datetime(2025, 1, 21, 9, 30, tzinfo=CST)
    simp = store.search("白宮宣佈")  # traditional query, the simplified article is marked in simplified
    assert [h.snippet for h in simp] == [
        "川普在<mark>白宫宣布</mark>五千亿美元投资。",
        "川普在<mark>白宮宣佈</mark>五千億美元投資。",
    ]


def test_english_words_match_whole_and_case_insensitively(store: Store, news: dict[str, Article]) -> None:
    hits = store.search("STARGATE")
    assert [h.id for h in hits] == [news["english"].id]
    assert hits[0].snippet == "President Trump announced <mark>Stargate</mark> at the White House."
    assert [h.id for h in store.search("white house")] == [news["english"].id]
    assert store.search("star") == []
    assert store.search("stargate 川普") == []  # every part of a query is required


def test_single_character_and_mixed_queries(store: Store, news: dict[str, Article]) -> None:
    assert [h.id for h in store.search("普")] == [
        news["simp_new"].id,
        news["trad_trump"].id,
        news["trad_old"].id,
    ]
    assert [h.id for h in store.search("星際之門 川普")] == [news["simp_new"].id, news["trad_old"].id]
    assert store.search("") == [] and store.search("  ，。") == []


def test_search_pages_with_limit_and_offset(store: Store, news: dict[str, Article]) -> None:
    assert [h.id for h in store.search("普", limit=1, offset=1)] == [news["trad_trump"].id]
    assert store.search("普", limit=5, offset=3) == []


def test_pages_of_a_common_word_agree_with_one_big_page(store: Store) -> None:
    """Small pages of a word in most articles walk the date index; one big page sorts the matches."""
    arts = [
        make_article(
            i,
            f"第{i}篇",
            ("中国新闻" if i % 5 else "别的新闻",),
            raw=RAW,
            day=None if i % 7 == 0 else 1 + i % 28,
        )
        for i in range(40)
    ]
    store.write_input(simple_write(RAW, arts))
    everything = [h.id for h in store.search("中国", limit=1000)]
    paged = [h.id for off in range(0, 40, 4) for h in store.search("中国", limit=4, offset=off)]
    assert paged == everything and len(everything) == 32
    by_id = {a.id: a for a in arts}
    dated = [by_id[i].published_at for i in everything if by_id[i].published_at is not None]
    assert dated == sorted(dated, reverse=True)
    assert all(by_id[i].published_at is None for i in everything[len(dated) :])  # undated last
    assert len(everything) - len(dated) == 4


def test_a_phrase_of_two_common_pairs_is_found_when_the_newest_first_walk_gives_up(store: Store) -> None:
    """特朗 and 朗普 are each in every article, the phrase 特朗普 only in the oldest: the estimate
    (the rarer pair's count) says "walk newest first", the walk runs out of budget, and the
    sorted plan finds the one real match."""
    arts = [make_article(i, f"第{i}篇", (f"特朗{i}朗普",), raw=RAW, day=2 + i % 27) for i in range(400)]
    oldest = make_article(400, "旧闻", ("特朗普宣布",), raw=RAW, day=1)
    store.write_input(simple_write(RAW, [*arts, oldest]))
    assert [h.id for h in store.search("特朗普")] == [oldest.id]
    assert [h.id for h in store.search("特朗普", limit=5, offset=1)] == []


# ---- threads and errors --------------------------------------------------------------------------


def test_reads_from_many_threads_while_writing(store: Store) -> None:
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(30):
                store.stories(limit=5)
                store.search("正文")
                store.count_articles()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(10):
        raw = RawInput(name=f"in{i}.txt", data=f"in{i}".encode())
        store.write_input(
            simple_write(raw, [make_article(i, f"題{i}", (f"正文{i}",), raw=raw)], story_id=f"s{i}")
        )
    for t in threads:
        t.join()
    assert errors == []
    assert store.count_articles() == 10


def test_postgres_unreachable_server_is_an_actionable_store_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as info:
        open_store("postgresql://someone:s3cret@127.0.0.1:1/nowhere")
    message = str(info.value)
    assert message.startswith(
        "could not connect to postgresql://someone:***@127.0.0.1:1/nowhere: is the server running"
    )
    assert "s3cret" not in message


def test_postgres_server_gone_mid_write_rolls_back(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The backend is killed between the article rows and the stories: StoreError, nothing committed."""
    import psycopg

    import storyline.store.postgres as pg_mod

    name = "sl_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = _with_db(pg_url, name)
    try:
        s = open_store(url)
        real = pg_mod.to_json

        def kill_backend_on_stories(obj: object) -> bytes:
            if isinstance(obj, Story):
                with psycopg.connect(pg_url, autocommit=True) as admin:
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (name,),
                    )
            return real(obj)

        monkeypatch.setattr(pg_mod, "to_json", kill_backend_on_stories)
        arts = [make_article(1, "川普", ("星際之門",), raw=RAW)]
        with pytest.raises(StoreError, match=r"write input inputs/feed\.txt.*is the server still running"):
            s.write_input(simple_write(RAW, arts))
        monkeypatch.undo()
        assert row_counts(url) == dict.fromkeys([*TABLES, "search"], 0)
        # The next call reconnects by itself.
        assert s.write_input(simple_write(RAW, arts)).articles_new == 1
        assert s.count_articles() == 1
        s.close()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_file_that_is_not_a_database_is_a_store_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is a text file, not SQLite\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.db.*not a database"):
        open_store(str(path))
