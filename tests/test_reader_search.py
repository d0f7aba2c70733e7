"""Search as a reader uses it, on the seed story: other names, comments, operators, filters, errors."""

from __future__ import annotations

import lxml.html
import pytest
from fastapi.testclient import TestClient

from storyline import Settings, ingest, open_store
from storyline.search import search, search_query
from storyline.web.app import create_app


@pytest.fixture()
def seeded(db, seed_paths):
    report = ingest(seed_paths, settings=Settings(db=db, use_encoder=False))
    assert report.ok
    with open_store(db) as store:
        yield store


def _outlets(hits):
    return sorted(h.outlet for h in hits)


def test_each_spelling_of_a_name_finds_both_reports(seeded):
    # 88iv prints 特朗普, RFI prints 川普 in its title; each query finds both.
    assert _outlets(search(seeded, "川普")) == _outlets(search(seeded, "特朗普")) == ["88iv", "RFI华语"]
    assert len(search(seeded, "Trump")) == 2


def test_words_only_readers_wrote_are_found(seeded):
    # 一龙 (a nickname of Musk) and B200 appear in the thread; 一龙 also names Musk in the reports.
    assert [h.outlet for h in search(seeded, "B200")] == ["RFI华语"]
    assert "RFI华语" in _outlets(search(seeded, "一龙"))
    assert [h.outlet for h in search(seeded, "800亿")] == ["RFI华语"]


def test_operators_have_their_plain_meaning(seeded):
    assert len(search(seeded, "星际 OR")) == 2  # a dangling OR is ignored
    assert len(search(seeded, "星际 -马斯克")) == 0  # both reports name Musk
    assert len(search(seeded, "软银 OR 不存在的词")) == 2
    assert len(search(seeded, '"elon musk"')) == 2
    only_minus = search_query("-马斯克")
    assert only_minus.empty and search(seeded, only_minus) == []


def test_filters_and_counts(seeded):
    assert seeded.search_count(search_query("星际")) == 2
    hant = search_query("星际", script="zh-Hant")
    assert [h.outlet for h in search(seeded, hant)] == ["88iv"] and seeded.search_count(hant) == 1
    assert [h.outlet for h in search(seeded, search_query("星际", outlet="RFI华语"))] == ["RFI华语"]
    newest = [h.id for h in search(seeded, search_query("星际"))]
    oldest = [h.id for h in search(seeded, search_query("星际", sort="oldest"))]
    assert sorted(newest) == sorted(oldest)


def test_search_page_answers_in_html_with_a_count_and_friendly_errors(seeded, db):
    # The store's own path: a made-up one put its page store (NAME.pages) in the working directory.
    client = TestClient(create_app(seeded, Settings(db=db)))
    r = client.get("/search", params={"q": "川普"})
    doc = lxml.html.fromstring(r.text)
    assert r.status_code == 200 and doc.cssselect("p.count")[0].text_content() == "共 2 篇报道"
    assert "特朗普" in doc.cssselect("p.expanded")[0].text_content()
    long = client.get("/search", params={"q": "星" * 300})
    assert long.status_code == 400 and long.headers["content-type"].startswith("text/html")
    assert "太长" in lxml.html.fromstring(long.text).cssselect("p.error")[0].text_content()
    for params in ({"q": "星际", "offset": "-1"}, {"q": "星际", "offset": "x"}):
        r = client.get("/search", params=params)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    bad = client.get("/search", params={"q": "星际", "since": "yesterday"})
    assert bad.status_code == 400 and "日期" in bad.text
    # filters are part of the cached page's key (the cache keeps only parameters routes read)
    assert (
        len(lxml.html.fromstring(client.get("/search", params={"q": "星际"}).text).cssselect("li.hit")) == 2
    )
    only_hant = client.get("/search", params={"q": "星际", "lang": "zh-Hant"})
    assert len(lxml.html.fromstring(only_hant.text).cssselect("li.hit")) == 1
    api = client.get("/api/search", params={"q": "川普"}).json()
    assert api["total"] == 2 and len(api["hits"]) == 2
