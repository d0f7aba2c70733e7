"""Each failure of the hostile-input report (issue 23), reproduced on the input that caused it.

One bad article must never break its story, the site, the feeds or the next ingest; one bad
line is that line's error; the CLI prints what inputs hold without obeying it.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from lxml import etree

from storyline.pipeline import ingest
from storyline.records import Keyword, Story
from storyline.settings import Settings
from storyline.store import open_store
from storyline.validate import TEXT_CAPS
from storyline.web.app import create_app
from storyline.web.feeds_out import hot_atom, hot_rss, story_atom

POISON = "软银投资" + "9" * 400 + "亿美元。"
GOOD = {
    "url": "https://example.invalid/good",
    "outlet": "晨星日报",
    "title": "软银宣布投资计划",
    "published_at": "2025-01-22T09:00:00+08:00",
    "paragraphs": ["软银周二宣布，未来四年投资5000亿美元建设数据中心。"],
}
BAD = {
    "url": "https://example.invalid/bad",
    "outlet": "南岸晚报",
    "title": "软银投资巨额",
    "published_at": "2025-01-22T10:00:00+08:00",
    "paragraphs": [POISON, "软银周二宣布，未来四年投资5000亿美元建设数据中心。"],
}


def _jsonl(path: Path, *lines: object) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
        encoding="utf-8",
    )
    return path


def _settings(tmp_path: Path) -> Settings:
    return Settings(db=str(tmp_path / "s.db"), use_encoder=False, page_store="off")


def _every_route(client: TestClient, story_ids: list[str]) -> dict[str, int]:
    paths = ["/", "/feeds/hot.rss", "/feeds/hot.atom", "/api/stories", "/search?q=软银", "/api/search?q=软银"]
    for sid in story_ids:
        paths += [
            f"/story/{sid}",
            f"/api/stories/{sid}",
            f"/api/stories/{sid}/articles",
            f"/api/stories/{sid}/thread",
            f"/api/stories/{sid}/claims",
            f"/feeds/story/{sid}.atom",
        ]
    statuses = {}
    for path in paths:
        r = client.get(path)
        statuses[path] = r.status_code
        if path.startswith("/feeds/") and r.status_code == 200:
            etree.fromstring(r.content)  # well-formed, or this raises
    return statuses


def test_an_overflowing_claim_is_dropped_with_a_warning_and_the_store_stays_readable(tmp_path, caplog):
    settings = _settings(tmp_path)
    src = _jsonl(tmp_path / "poison.jsonl", GOOD, BAD)
    report = ingest([str(src)], settings=settings)
    (outcome,) = report.outcomes
    assert outcome.status == "ingested" and outcome.articles == 2
    assert outcome.warnings == (
        f"{src} line 2: claim '{'9' * 39}…' (paragraph 1) has a value beyond ±1e+21 (inf); claim dropped",
    )
    with open_store(settings.db) as store:
        stories = store.stories()
        assert stories  # before the fix: msgspec.ValidationError, Expected float, got null
        claims = [c for s in stories for c in s.claims]
        assert claims and all(abs(c.value) < 1e21 for c in claims)
        assert {c.value for c in claims} == {5e11}  # the good figure of both articles is kept
        client = TestClient(create_app(store, settings))
        statuses = _every_route(client, [s.id for s in stories])
    assert set(statuses.values()) == {200}, statuses


def test_the_next_ingest_after_a_poisoned_one_lands(tmp_path, seed_paths):
    settings = _settings(tmp_path)
    # The report's own repro: the poisoned paragraph alone, then the seed page of the same story.
    poisoned = {"title": "软银投资巨额", "outlet": "X", "paragraphs": [POISON]}
    ingest([str(_jsonl(tmp_path / "poison.jsonl", poisoned))], settings=settings)
    report = ingest([str(seed_paths[0])], settings=settings)
    assert [o.status for o in report.outcomes] == ["ingested"], report.outcomes[0].message


def _sql(db: str, query: str, params: tuple = ()) -> list[tuple]:
    """One statement on the store's own database, outside storyline (to break a row on purpose)."""
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            cur = conn.execute(query.replace("?", "%s"), params)
            return cur.fetchall() if cur.description else []
    with sqlite3.connect(db) as conn:
        return conn.execute(query, params).fetchall()


def test_an_unreadable_stored_row_is_skipped_with_a_logged_error(db, tmp_path, caplog):
    """A store written by an older version (the inf stored as null) reads without that row."""
    settings = Settings(db=db, use_encoder=False, page_store="off")
    other = dict(
        GOOD, url="https://example.invalid/other", title="港口隧道获批", paragraphs=["隧道预算为120亿元。"]
    )
    other["published_at"] = "2025-06-01T09:00:00+08:00"  # months apart: a story of its own
    ingest(
        [str(_jsonl(tmp_path / "a.jsonl", GOOD)), str(_jsonl(tmp_path / "b.jsonl", other))], settings=settings
    )
    sids = [r[0] for r in _sql(db, "SELECT id FROM stories ORDER BY id")]
    assert len(sids) == 2
    bad_id, good_id = sids
    record = json.loads(bytes(_sql(db, "SELECT record FROM stories WHERE id = ?", (bad_id,))[0][0]))
    # The story itself sits under "story" (store.codec.story_record keeps agreement groups apart).
    record["story"]["claims"] = [{"subject": "x", "measure": "m", "value": None, "unit": "USD", "text": "t"}]
    _sql(
        db,
        "UPDATE stories SET record = ?, summary = ? WHERE id = ?",
        (json.dumps(record).encode(), b"{not", bad_id),
    )
    caplog.set_level(logging.ERROR, logger="storyline.store.codec")
    with open_store(settings.db) as store:
        assert [s.id for s in store.stories()] == [good_id]
        assert [s.id for s in store.story_summaries()] == [good_id]
        assert store.story(bad_id) is None
        client = TestClient(create_app(store, settings))
        statuses = _every_route(client, [good_id])
        assert set(statuses.values()) == {200}, statuses
        assert client.get(f"/story/{bad_id}").status_code == 404
    assert any(f"stored story {bad_id} is not readable" in r.getMessage() for r in caplog.records)
    # and the next ingest is not blocked by it
    third = dict(GOOD, url="https://example.invalid/third", title="第三篇", paragraphs=["另一件事。"])
    report = ingest([str(_jsonl(tmp_path / "c.jsonl", third))], settings=settings)
    assert report.ok, report.outcomes[0].message


def test_control_characters_never_reach_a_feed():
    story = Story(
        id="s1",
        concept="概念\x01",
        headline="标题\x01\x1b[31m红\ud800\ufffe",
        article_ids=(),
        keywords=(Keyword("关\x0b键", 1.0),),
    )
    for xml in (hot_rss([story], base="http://h"), hot_atom([story], base="http://h\x02")):
        root = etree.fromstring(xml)
        titles = root.xpath("//title/text() | //*[local-name()='title']/text()")
        assert "标题红" in titles
    etree.fromstring(story_atom(story, [], base="http://h"))


def test_a_megabyte_title_is_capped_where_it_is_shown_and_kept_whole_in_the_raw_input(tmp_path):
    settings = _settings(tmp_path)
    huge = dict(GOOD, title="长" * 1_000_000, outlet="媒" * 5000, author="者" * 5000)
    src = _jsonl(tmp_path / "huge.jsonl", huge)
    assert ingest([str(src)], settings=settings).ok
    with open_store(settings.db) as store:
        (story,) = store.stories()
        (article,) = store.articles(story.article_ids)
        assert len(article.title) == TEXT_CAPS["title"] and article.title.endswith("…")
        assert len(article.outlet) == TEXT_CAPS["outlet"] and len(article.author) == TEXT_CAPS["author"]
        assert store.raw(article.raw_sha256).data == src.read_bytes()  # nothing lost for good
        client = TestClient(create_app(store, settings))
        assert len(client.get("/").content) < 50_000
        assert len(client.get("/feeds/hot.rss").content) < 10_000


def test_a_reply_time_before_year_one_in_beijing_costs_only_that_time(tmp_path):
    # Found by benchmarks/hostile_fuzz.py: the whole Weibo input failed with OverflowError.
    post = {"post": {"text": "港口隧道项目获批。", "time": 1_700_000_000}, "thread": [
        {"uid": "1", "text": "好消息", "date": "0001-01-01T00:00:00+14:00", "mid": "9", "parent": ""}]}  # fmt: skip
    src = tmp_path / "weibo.json"
    src.write_text(json.dumps(post, ensure_ascii=False), encoding="utf-8")
    report = ingest([str(src)], settings=_settings(tmp_path))
    assert report.ok, report.outcomes[0].message
    with open_store(_settings(tmp_path).db) as store:
        (story,) = store.stories()
        (article,) = store.articles(story.article_ids)
        assert [(c.text, c.posted_at) for c in article.comments] == [("好消息", None)]


# ---- one line's error is that line's ------------------------------------------------------------
def _cli(*args: str, db: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ, PYTHONIOENCODING="utf-8", STORYLINE_USE_ENCODER="false", STORYLINE_PAGE_STORE="off"
    )
    return subprocess.run(
        [sys.executable, "-m", "storyline.cli", "--db", str(db), *args],
        capture_output=True, text=True, env=env, timeout=timeout,
    )  # fmt: skip


def test_deep_nesting_and_overflowing_numbers_cost_their_line_only(tmp_path):
    src = _jsonl(
        tmp_path / "dump.jsonl",
        GOOD,
        "[" * 100_000 + "]" * 100_000,
        dict(
            GOOD, url="https://example.invalid/2", title="第二篇", stats={"reads": "1e999", "comments": 1e308}
        ),
        '{"title": "x", "paragraphs": ["y"], "stats": {"reads": 1e999}}',
        "{broken",
    )
    proc = _cli("ingest", str(src), db=tmp_path / "s.db")
    assert proc.returncode == 1, proc.stderr  # partial: a script must be able to tell
    assert "Traceback" not in proc.stderr
    skipped = [line for line in proc.stderr.splitlines() if "skipped" in line]
    assert len(skipped) == 3, proc.stderr  # each warning once
    assert f"{src} line 2: JSON nested too deeply to read; line skipped" in proc.stderr
    assert f"{src} line 4: not JSON" in proc.stderr
    assert f"{src} line 5: not JSON" in proc.stderr
    assert f"ingested  {src} (2 article(s))" in proc.stderr
    stories = json.loads(_cli("stories", "--json", db=tmp_path / "s.db").stdout)
    read_counts = {a["title"]: a["stats"]["reads"] for s in stories for a in s["articles"]}
    assert read_counts == {"软银宣布投资计划": None, "第二篇": None}


def test_special_files_give_one_line_errors_and_never_hang(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    good = _jsonl(tmp_path / "good.jsonl", GOOD)
    proc = _cli("ingest", "/dev/zero", str(fifo), str(tmp_path), str(good), db=tmp_path / "s.db", timeout=60)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 1
    assert "failed    /dev/zero: is a character device, not a regular file; only regular files" in proc.stderr
    assert f"failed    {fifo}: is a FIFO (named pipe), not a regular file" in proc.stderr
    assert f"failed    {tmp_path}: is a directory" in proc.stderr
    assert lines[-1] == "ingested 1 input(s) (1 article(s)), unchanged 0, failed 3"


def test_standard_input_is_read_with_the_size_cap(tmp_path):
    env = dict(os.environ, STORYLINE_USE_ENCODER="false", STORYLINE_MAX_INPUT_BYTES="1000")
    cmd = [sys.executable, "-m", "storyline.cli", "--db", str(tmp_path / "s.db"), "ingest", "-"]
    big = subprocess.run(cmd, input=b"x" * 5000, capture_output=True, env=env, timeout=60)
    assert b"standard input: is more than 1,000 bytes, over the 1,000-byte limit" in big.stderr
    ok = subprocess.run(cmd, input=json.dumps(GOOD).encode(), capture_output=True, env=env, timeout=60)
    assert ok.returncode == 0, ok.stderr


# ---- the CLI prints what inputs hold, literally ------------------------------------------------
def test_markup_and_terminal_escapes_in_titles_and_file_names_print_literally(tmp_path):
    db = tmp_path / "s.db"
    evil = dict(
        GOOD,
        title="[/x] [bold red]假[/bold red] \x1b[2J\x1b]0;pwned\x07清屏\x9b31m",
        outlet="[link=http://e]O[/link]",
    )
    (tmp_path / "[red]a[").mkdir()
    src = _jsonl(tmp_path / "[red]a[" / "x].jsonl", evil)  # the path reads "…/[red]a[/x].jsonl"
    assert "[red]a[/x]" in str(src)
    proc = _cli("ingest", str(src), db=db)
    assert proc.returncode == 0, proc.stderr
    assert "MarkupError" not in proc.stderr and f"ingested  {src} (1 article(s))" in proc.stderr
    listed = _cli("stories", db=db)
    assert listed.returncode == 0, listed.stderr
    assert "[/x] [bold red]假[/bold red] 清屏" in listed.stdout
    found = _cli("search", "清屏", db=db)
    assert found.returncode == 0, found.stderr
    assert "[link=http://e]O[/link]" in found.stdout
    for out in (proc.stderr, listed.stdout, found.stdout):
        assert not any(ch in out for ch in "\x1b\x07\x9b"), repr(out)


def test_terminal_helpers_strip_escapes_and_never_read_markup():
    from rich.console import Console

    from storyline.terminal import line, plain

    assert plain("a\x1b[31mb\x1b]8;;http://e\x1b\\c\x9b2Jd\u202ee\x00") == "abcde"
    console = Console(record=True, width=200, color_system=None)
    console.print(line(("error:", "red"), " ", "[/x] trailing\\"))
    assert console.export_text().strip() == "error: [/x] trailing\\"


# ---- the portal --------------------------------------------------------------------------------
def test_unknown_routes_and_bad_queries_get_the_html_error_page_json_only_under_api(tmp_path):
    settings = _settings(tmp_path)
    ingest([str(_jsonl(tmp_path / "a.jsonl", GOOD))], settings=settings)
    with open_store(settings.db) as store:
        client = TestClient(create_app(store, settings))
        for path, status in [("/nope", 404)]:
            r = client.get(path)
            assert r.status_code == status and r.headers["content-type"].startswith("text/html"), path
            assert "<h1>" in r.text and "storyline" in r.text
            assert r.headers["cache-control"] == "no-store"
        # The search page reads its own parameters: a bad offset is the first page, in HTML.
        for path in ("/search?q=x&offset=abc", "/search?q=x&offset=-1"):
            r = client.get(path)
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        assert client.post("/").headers["content-type"].startswith("text/html")
        for path, status in [
            ("/api/nope", 404),
            ("/api/stories?limit=0", 422),
            ("/api/stories?after=zz", 400),
        ]:
            r = client.get(path)
            assert r.status_code == status and r.headers["content-type"] == "application/json", path
            assert "detail" in r.json()


def test_junk_query_strings_do_not_grow_the_page_store(tmp_path):
    settings = Settings(db=str(tmp_path / "s.db"), use_encoder=False)
    ingest([str(_jsonl(tmp_path / "a.jsonl", GOOD))], settings=settings)
    with open_store(settings.db) as store:
        (story,) = store.stories()
        client = TestClient(create_app(store, settings))
        first = client.get(f"/story/{story.id}")
        for n in range(50):
            r = client.get(f"/story/{story.id}?junk={n}&utm_source=x{n}")
            assert r.status_code == 200 and r.content == first.content
            assert f"junk={n}" not in r.text  # the app never saw the junk: it cannot echo it
        pages = client.app.state.pages
        assert len(pages) == 1
        assert client.get(f"/api/stories/{story.id}?x=1").status_code == 200
        assert len(pages) == 2


def test_page_store_evicts_least_recently_used_pages_past_its_byte_bound(tmp_path):
    import random

    from storyline.store.pages import PageStore

    pages = PageStore(tmp_path / "p.pages", build="b", max_bytes=200_000)
    noise = random.Random(7)
    bodies = {f"/story/s{i}": noise.randbytes(12_000) for i in range(40)}  # incompressible
    for i, (key, body) in enumerate(bodies.items()):
        assert pages.put(key, "v", 200, [], body)
        if i >= 3:
            assert pages.get("/story/s0", "v") is not None  # kept in use: never the one evicted
            pages._db.execute("UPDATE pages SET used = ? WHERE key = ?", (1e12, "/story/s0"))
    assert pages.stored_bytes() <= 200_000
    assert pages.get("/story/s0", "v") is not None
    assert pages.get("/story/s1", "v") is None  # the oldest untouched page went first
    assert pages.get("/story/s39", "v") is not None
    assert pages.evicted > 20
    assert not pages.put("/story/huge", "v", 200, [], noise.randbytes(100_000))  # > 1/8 of the bound
