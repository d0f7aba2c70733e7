"""The JSON API over a real SQLite store: the export contract, pagination, redirects, ETags."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from storyline.export import story_export
from storyline.settings import Settings
from storyline.web.app import create_app
from web_data import ART_A, ART_B, ART_C, STORY, build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = build_store(tmp_path_factory.mktemp("api") / "api.db")
    yield s
    s.close()


@pytest.fixture()
def client(store):
    return TestClient(create_app(store, Settings(db=str(store.path))))


def test_hot_stories_paginate_with_a_cursor(client):
    first = client.get("/api/stories", params={"limit": 1}).json()
    assert [s["id"] for s in first["stories"]] == ["s1"]
    assert first["next"] == "s1"
    assert first["stories"][0] == {
        "id": "s1",
        "concept": "星门计划",
        "headline": "星门计划宣布投资五千亿美元",
        "keywords": ["星门", "数据中心", "软件"],
        "articles": 3,
        "hotness": 10.0,
        "first_seen": "2025-01-22T08:00:00+00:00",
        "last_updated": "2025-01-22T13:00:00+00:00",
    }
    second = client.get("/api/stories", params={"limit": 1, "after": "s1"}).json()
    assert [s["id"] for s in second["stories"]] == ["sx"]
    assert second["next"] is None


def test_unknown_cursor_is_a_400(client):
    r = client.get("/api/stories", params={"after": "nope"})
    assert r.status_code == 400
    assert "cursor" in r.json()["detail"]


def test_limit_is_bounded(client):
    assert client.get("/api/stories", params={"limit": 0}).status_code == 422
    assert client.get("/api/stories", params={"limit": 101}).status_code == 422


def test_story_json_follows_the_export_contract(client):
    d = client.get("/api/stories/s1").json()
    assert {"id", "concept", "headline", "keywords", "entities", "articles", "paragraphs", "claims"} <= set(d)
    assert d["entities"] == [{"name": "软银", "aliases": ["軟銀", "SoftBank"]}]
    assert [a["id"] for a in d["articles"]] == [ART_A.id, ART_B.id, ART_C.id]
    a = d["articles"][0]
    assert {k: a[k] for k in ("id", "outlet", "title", "url", "published_at", "script", "stats")} == {
        "id": ART_A.id,
        "outlet": "甲报",
        "title": ART_A.title,
        "url": ART_A.url,
        "published_at": "2025-01-22T08:00:00+00:00",
        "script": "zh-Hans",
        "stats": {"reads": 1234, "comments": 5},
    }
    floor3 = a["comments"][2]
    assert {k: floor3[k] for k in ("floor", "author", "posted_at", "text")} == {
        "floor": 3,
        "author": "老王",
        "posted_at": "2025-01-22T11:00:00+00:00",
        "text": "同意楼上，资金是个问题。",
    }
    assert floor3["quotes"] == [
        {"author": "小李", "posted_at": "2025-01-22T10:05:00+00:00", "text": "软银账上现金不够。", "floor": 2}
    ]
    g1 = d["paragraphs"][0]
    assert g1["text"] == ART_A.paragraphs[0]
    assert g1["members"][1] == {
        "article_id": ART_B.id,
        "outlet": "乙報",
        "script": "zh-Hant",
        "position": 0,
        "similarity": 0.93,
    }
    c3 = d["claims"][2]
    assert {
        k: c3[k]
        for k in ("subject", "measure", "value", "unit", "qualifier", "speaker", "text", "article_id")
    } == {
        "subject": "软银",
        "measure": "cash",
        "value": 2e10,
        "unit": "USD",
        "qualifier": "",
        "speaker": "小李",
        "text": "现金不够",
        "article_id": ART_A.id,
    }
    assert c3["contradicts"] == ["c4"]


def test_api_story_equals_story_export(client, store):
    assert client.get("/api/stories/s1").json() == json.loads(
        json.dumps(story_export(store, store.story("s1")))
    )


def test_merged_alias_redirects_in_the_api(client):
    for suffix in ("", "/claims", "/thread", "/articles"):
        r = client.get(f"/api/stories/s0{suffix}", follow_redirects=False)
        assert r.status_code == 301
        assert r.headers["location"] == f"http://testserver/api/stories/s1{suffix}"


def test_unknown_story_is_404(client):
    assert client.get("/api/stories/nope").status_code == 404
    assert client.get("/api/stories/nope/claims").status_code == 404


def test_articles_thread_and_claims_endpoints(client):
    arts = client.get("/api/stories/s1/articles").json()
    assert [a["outlet"] for a in arts["articles"]] == ["甲报", "乙報", "Example Wire"]
    assert "comments" not in arts["articles"][0]
    thread = client.get("/api/stories/s1/thread").json()
    assert thread["discussion"]["comments"] == 5
    assert thread["discussion"]["most_quoted"][0] == {"floor": 2, "count": 2}
    assert [t["article_id"] for t in thread["threads"]] == [ART_A.id]
    assert [c["floor"] for c in thread["threads"][0]["comments"]] == [1, 2, 3, 4, 5]
    claims = client.get("/api/stories/s1/claims").json()["claims"]
    assert [(c["id"], c["contradicts"], c["agrees_with"]) for c in claims] == [
        ("c1", [], ["c2"]),
        ("c2", [], ["c1"]),
        ("c3", ["c4"], []),
        ("c4", ["c3"], []),
    ]
    assert len(claims) == len(STORY.claims)


def test_search_finds_either_script(client):
    d = client.get("/api/search", params={"q": "星门"}).json()
    assert d["query"] == "星门"
    assert {h["outlet"] for h in d["hits"]} == {"甲报", "乙報"}
    assert all(h["story_id"] == "s1" and "<mark>" in h["snippet"] for h in d["hits"])
    assert client.get("/api/search").status_code == 422


def test_etag_and_cache_control_with_304(client):
    r = client.get("/api/stories/s1")
    etag = r.headers["etag"]
    assert etag.startswith('"') and r.headers["cache-control"] == "public, max-age=30"
    again = client.get("/api/stories/s1", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get("/api/stories/s1", headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get("/api/stories/s1", headers={"If-None-Match": f'W/{etag}, "x"'}).status_code == 304


def test_openapi_describes_the_endpoints(client):
    spec = client.get("/openapi.json").json()
    assert {
        "/api/stories",
        "/api/stories/{story_id}",
        "/api/stories/{story_id}/articles",
        "/api/stories/{story_id}/thread",
        "/api/stories/{story_id}/claims",
        "/api/search",
    } <= set(spec["paths"])
    assert "StoryOut" in spec["components"]["schemas"]
    # the HTML pages are not part of the API description
    assert "/story/{story_id}" not in spec["paths"]
