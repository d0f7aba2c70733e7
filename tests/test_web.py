"""The portal over a real SQLite store: pages, 繁/简, floor anchors, redirects, escaping, headers."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import lxml.html
import pytest
from fastapi.testclient import TestClient

from storyline.settings import Settings
from storyline.web.app import create_app
from storyline.web.cache import STALE_SECONDS
from storyline.web.links import safe_href, safe_snippet
from web_data import ART_A, ART_B, T0, XSS, XSS_ARTICLE, XSS_ATTR, build_store, counting

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "web.db"
    s = build_store(path)
    yield s
    s.close()


@pytest.fixture()
def client(store):
    # a fresh client per test: the script cookie must not leak from one test to the next
    return TestClient(create_app(store, Settings(db=str(store.path))))


def _doc(html: str):
    return lxml.html.fromstring(html)


# ---- hot list ---------------------------------------------------------------------------------
def test_hot_list_shows_headline_concept_outlets_keywords_and_update(client):
    r = client.get("/")
    assert r.status_code == 200
    doc = _doc(r.text)
    items = doc.cssselect("li.hot-item")
    assert len(items) == 2  # s1 then sx (hotness order); the merged s0 is gone
    first = items[0]
    assert first.cssselect("a.headline")[0].get("href") == "/story/s1"
    assert first.cssselect("a.headline")[0].text_content() == "星门计划宣布投资五千亿美元"
    assert first.cssselect(".concept")[0].text_content() == "星门计划"
    assert first.cssselect(".outlets")[0].text_content() == "3 家媒体"
    assert [li.text_content() for li in first.cssselect("ul.keywords li")] == ["星门", "数据中心", "软件"]
    # last update 13:00 UTC shown in the default Asia/Shanghai zone
    assert "2025-01-22 21:00" in first.cssselect("time")[0].text_content()


def test_viewport_meta_for_phones(client):
    doc = _doc(client.get("/").text)
    assert doc.cssselect('meta[name="viewport"]')[0].get("content") == "width=device-width, initial-scale=1"


# ---- story page --------------------------------------------------------------------------------
def test_story_page_shows_concept_entities_and_articles(client):
    doc = _doc(client.get("/story/s1").text)
    assert doc.cssselect("h1.headline")[0].text_content() == "星门计划宣布投资五千亿美元"
    assert doc.cssselect(".story-head .concept")[0].text_content() == "星门计划"
    assert [a.text_content() for a in doc.cssselect(".entities .alias")] == ["軟銀", "SoftBank"]
    links = {a.get("href") for a in doc.cssselect("ul.articles a.title")}
    assert links == {ART_A.url, ART_B.url, "https://en.example.com/stargate"}
    art_a = doc.get_element_by_id(f"art-{ART_A.id}")
    assert "阅读 1234" in art_a.text_content()
    assert "评论 5" in art_a.text_content()


def test_paragraph_group_is_shown_once_with_every_other_outlet_named(client):
    doc = _doc(client.get("/story/s1").text)
    g1 = doc.get_element_by_id("g-g1")
    assert g1.cssselect("p.para")[0].text_content() == ART_A.paragraphs[0]
    assert "另有 2 家刊登：乙報、Example Wire" in g1.cssselect("p.printed")[0].text_content()
    versions = g1.cssselect("details.versions .version p.para")
    assert [v.text_content() for v in versions] == [ART_A.paragraphs[0], ART_B.paragraphs[0], ART_C_TEXT]
    # a group printed by one outlet has no versions control
    assert not doc.get_element_by_id("g-g2").cssselect("details")


ART_C_TEXT = "The Stargate venture pledged $500 billion for data centres."


def test_claims_ledger_is_one_row_per_figure_with_every_source_and_disputes_first(client):
    doc = _doc(client.get("/story/s1").text)
    rows = doc.cssselect("#claims tbody tr")
    # Two contradicting SoftBank figures first, then the $500B printed by two outlets as ONE row.
    assert len(rows) == 3
    first, second, agreed = rows
    assert "contradicted" in first.get("class") and "contradicted" in second.get("class")
    assert "agreed" in agreed.get("class")
    assert "5000亿 USD" in agreed.text_content()
    assert agreed.cssselect(".mark-ok")[0].text_content().strip() == "✓ 2 处一致"
    sources = agreed.cssselect("ul.claim-sources li")
    assert [li.cssselect("a")[0].get("href") for li in sources] == ["#g-g1", "#g-g1"]
    assert "甲报" in agreed.text_content() and "乙報" in agreed.text_content()
    # a paragraph claim links to the group holding that paragraph, a reader claim to its floor
    by_text = {tr.cssselect("ul.claim-sources li")[0].text_content(): tr for tr in (first, second)}
    reader = next(tr for t, tr in by_text.items() if "现金不够" in t)
    other = next(tr for t, tr in by_text.items() if "一千亿美元" in t)
    assert reader.cssselect("ul.claim-sources a")[0].get("href") == "#floor-2"
    assert other.cssselect("ul.claim-sources a")[0].get("href") == "#g-g2"
    mark = reader.cssselect(".mark-x a")[0]
    assert mark.get("href") == "#" + other.get("id")


def test_timeline_has_list_and_svg_chart(client):
    doc = _doc(client.get("/story/s1").text)
    events = doc.cssselect("ol.events li")
    assert len(events) == 5
    assert "首发" in events[0].text_content()
    svg = doc.cssselect("svg.timeline-chart")[0]
    assert len(svg.findall(".//rect")) >= 3  # one bar per outlet's report (plus legend swatches)
    assert svg.findall(".//path")  # the claim mark
    assert svg.findall(".//circle")  # the discussion burst


def test_thread_floors_have_anchors_and_quotes_link_to_the_quoted_floor(client):
    doc = _doc(client.get("/story/s1").text)
    floors = doc.cssselect("li.floor")
    assert [f.get("id") for f in floors] == [f"floor-{i}" for i in range(1, 6)]
    links = doc.cssselect("li#floor-3 blockquote a.quote-link")
    assert [a.get("href") for a in links] == ["#floor-2"]
    target = doc.get_element_by_id("floor-2")
    assert target.cssselect(".author")[0].text_content() == "小李"
    # floor 5 quotes floor 2 (linked) and someone outside the thread (blockquote, no link)
    quotes5 = doc.cssselect("li#floor-5 blockquote")
    assert len(quotes5) == 2
    assert [a.get("href") for a in doc.cssselect("li#floor-5 blockquote a.quote-link")] == ["#floor-2"]
    assert doc.cssselect("li#floor-3 a.reply-to")[0].get("href") == "#floor-2"


def test_discussion_panel_shows_summary_numbers(client):
    doc = _doc(client.get("/story/s1").text)
    panel = doc.cssselect("#discussion .panel")[0]
    assert "共 5 条评论" in panel.cssselect(".summary")[0].text_content()
    numbers = {
        d.cssselect("dt")[0].text_content(): d.cssselect("dd")[0].text_content()
        for d in panel.cssselect(".numbers > div")
    }
    assert numbers["评论"] == "5"
    assert numbers["最长回复链"] == "2"
    assert panel.cssselect(".numbers a")[0].get("href") == "#floor-2"


def test_story_without_groups_shows_each_articles_display_paragraphs(client):
    doc = _doc(client.get("/story/sx").text)
    paras = doc.cssselect(f"#p-{XSS_ARTICLE.id}-0")
    assert paras and paras[0].text_content() == XSS_ARTICLE.paragraphs[0]


def test_merged_alias_redirects_to_current_id_keeping_the_query(client):
    r = client.get("/story/s0?script=hant", follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == "/story/s1?script=hant"


def test_unknown_story_is_404(client):
    r = client.get("/story/nope")
    assert r.status_code == 404
    assert "找不到" in r.text


# ---- 繁/简 ----------------------------------------------------------------------------------------
def test_traditional_switch_converts_the_whole_page_and_sets_a_cookie(client):
    r = client.get("/story/s1?script=hant")
    assert r.cookies.get("script") == "hant"
    doc = _doc(r.text)
    assert doc.get("lang") == "zh-Hant"
    assert doc.cssselect("h1.headline")[0].text_content() == "星門計劃宣佈投資五千億美元"
    # reader comments and labels too
    assert doc.cssselect("li#floor-2 .ctext")[0].text_content() == "軟銀賬上現金不夠。"
    assert "讀者討論" in r.text and "读者讨论" not in r.text
    # internal links keep the choice
    assert doc.cssselect("a.brand")[0].get("href") == "/?script=hant"


def test_simplified_switch_converts_traditional_outlets(client):
    doc = _doc(client.get("/story/s1?script=hans").text)
    assert doc.get("lang") == "zh-Hans"
    assert "乙报" in doc.text_content() and "乙報" not in doc.text_content()
    assert (
        doc.cssselect("#g-g1 details .version p.para")[1].text_content()
        == "星门计划宣布将投资五千亿美元建设资料中心。"
    )


def test_cookie_remembers_the_choice_without_the_parameter(client):
    client.get("/?script=hant")
    doc = _doc(client.get("/story/s1").text)
    assert doc.cssselect("h1.headline")[0].text_content() == "星門計劃宣佈投資五千億美元"
    client.get("/?script=orig")
    doc = _doc(client.get("/story/s1").text)
    assert doc.cssselect("h1.headline")[0].text_content() == "星门计划宣布投资五千亿美元"


def test_external_links_are_not_converted(client):
    doc = _doc(client.get("/story/s1?script=hant").text)
    assert ART_A.url in {a.get("href") for a in doc.cssselect("ul.articles a.title")}


# ---- search ------------------------------------------------------------------------------------
def test_search_finds_both_scripts_with_marked_snippets(client):
    doc = _doc(client.get("/search?q=星门").text)
    hits = doc.cssselect("li.hit")
    assert len(hits) == 2
    assert {h.cssselect(".outlet")[0].text_content() for h in hits} == {"甲报", "乙報"}
    assert all(h.cssselect(".snippet mark") for h in hits)
    assert hits[0].cssselect("a.headline")[0].get("href").startswith("/story/s1#art-")


def test_search_with_a_script_payload_is_escaped(client):
    r = client.get("/search", params={"q": XSS})
    assert r.status_code == 200
    assert "<script>alert" not in r.text
    assert not _doc(r.text).cssselect("script")


def test_safe_snippet_keeps_only_balanced_marks():
    assert safe_snippet("a <mark>b</mark> c") == "a <mark>b</mark> c"
    assert safe_snippet("&lt;b&gt; <mark>x") == "&lt;b&gt; <mark>x</mark>"
    assert safe_snippet('<img src=x onerror="alert(1)"></mark>') == '&lt;img src=x onerror="alert(1)"&gt;'
    assert safe_snippet("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_safe_href_allows_only_http_and_percent_encodes():
    assert safe_href("javascript:alert(1)") is None
    assert safe_href("JAVASCRIPT:alert(1)") is None
    assert safe_href("data:text/html,x") is None
    assert safe_href("//evil.example/x") is None
    assert safe_href('https://e.org/a"b<c') == "https://e.org/a%22b%3Cc"
    assert safe_href("https://e.org/新闻") == "https://e.org/%E6%96%B0%E9%97%BB"


# ---- security -----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/story/sx", "/story/sx?script=hant", "/search?q=标题"])
def test_xss_payloads_come_out_escaped(client, path):
    r = client.get(path)
    assert r.status_code == 200
    assert XSS not in r.text
    assert "<img src=x" not in r.text
    doc = _doc(r.text)
    assert not doc.cssselect("script")
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        assert not [a for a in el.attrib if a.lower().startswith("on")], (el.tag, dict(el.attrib))
        assert not (el.get("href") or "").lower().startswith("javascript")


def test_javascript_url_is_shown_as_text_not_a_link(client):
    doc = _doc(client.get("/story/sx").text)
    li = doc.get_element_by_id(f"art-{XSS_ARTICLE.id}")
    assert not li.cssselect("a.title")
    assert li.cssselect(".url")[0].text_content() == "javascript:alert(3)"


@pytest.mark.parametrize("path", ["/", "/story/s1", "/api/stories", "/static/style.css", "/story/nope"])
def test_security_headers_on_every_response(client, path):
    h = client.get(path).headers
    assert "default-src 'self'" in h["content-security-policy"]
    assert "script-src 'self'" in h["content-security-policy"]
    assert "'unsafe-inline'" not in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"


def test_no_inline_styles_or_scripts_in_pages(client):
    for path in ["/", "/story/s1", "/search?q=星门", "/docs"]:
        doc = _doc(client.get(path).text)
        assert not doc.cssselect("script, style, [style]"), path


def test_html_etag_gives_304(client):
    r = client.get("/story/s1")
    r2 = client.get("/story/s1", headers={"If-None-Match": r.headers["etag"]})
    assert r2.status_code == 304 and r2.content == b""


# ---- feeds out ---------------------------------------------------------------------------------
def test_hot_rss_lists_stories_with_absolute_links(client):
    r = client.get("/feeds/hot.rss")
    assert r.headers["content-type"].startswith("application/rss+xml")
    items = ET.fromstring(r.content).findall("./channel/item")
    assert [i.findtext("link") for i in items] == ["http://testserver/story/s1", "http://testserver/story/sx"]
    assert items[1].findtext("title").startswith("标题" + XSS)  # XML-escaped on the wire, intact parsed


def test_hot_atom_and_story_atom(client):
    feed = ET.fromstring(client.get("/feeds/hot.atom").content)
    assert len(feed.findall(f"{ATOM}entry")) == 2
    story = ET.fromstring(client.get("/feeds/story/s1.atom").content)
    entries = story.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}author/{ATOM}name").text for e in entries] == ["Example Wire", "乙報", "甲报"]
    xss = ET.fromstring(client.get("/feeds/story/sx.atom").content)
    # a javascript: URL never becomes a feed link; it points back at the story page
    assert xss.find(f"{ATOM}entry/{ATOM}link").get("href") == "http://testserver/story/sx"


def test_story_feed_of_alias_redirects(client):
    r = client.get("/feeds/story/s0.atom", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (301, "/feeds/story/s1.atom")


def test_docs_page_lists_the_api(client):
    doc = _doc(client.get("/docs").text)
    paths = {c.text_content() for c in doc.cssselect("table.api code")}
    assert {"/api/stories", "/api/stories/{story_id}", "/api/search"} <= paths


# ---- the real seed pages, through the whole pipeline ---------------------------------------------
@pytest.fixture(scope="module")
def seed_client(seed_paths, tmp_path_factory):
    from storyline.pipeline import ingest
    from storyline.store import open_store

    db = str(tmp_path_factory.mktemp("seed") / "seed.db")
    settings = Settings(db=db)
    report = ingest([str(p) for p in seed_paths], settings=settings)
    assert [o.status for o in report.outcomes] == ["ingested", "ingested"]
    store = open_store(db)
    yield TestClient(create_app(store, settings))
    store.close()


@pytest.mark.slow
def test_seed_thread_renders_48_floors_and_floor_11_quote_links_to_floor_4(seed_client):
    doc = _doc(seed_client.get("/").text)
    hrefs = [a.get("href") for a in doc.cssselect("li.hot-item a.headline")]
    pages = [_doc(seed_client.get(h).text) for h in hrefs]
    threaded = [p for p in pages if p.cssselect("li.floor")]
    assert len(threaded) == 1
    page = threaded[0]
    assert [f.get("id") for f in page.cssselect("li.floor")] == [f"floor-{i}" for i in range(1, 49)]
    assert [a.get("href") for a in page.cssselect("li#floor-11 blockquote a.quote-link")] == ["#floor-4"]
    # every quote link on the page points at a floor that exists
    ids = {f.get("id") for f in page.cssselect("li.floor")}
    assert all(a.get("href")[1:] in ids for a in page.cssselect("blockquote a.quote-link"))


@pytest.mark.slow
def test_seed_story_in_simplified_script_has_no_traditional_headline(seed_client):
    doc = _doc(seed_client.get("/").text)
    href = doc.cssselect("li.hot-item a.headline")[0].get("href")
    hant = _doc(seed_client.get(href + "?script=hant").text)
    hans = _doc(seed_client.get(href + "?script=hans").text)
    # The brief comes first (above the fold), then the body.
    assert [h.text_content() for h in hant.cssselect("h2")[:2]] == ["要點", "正文"]
    assert "讀者討論" in hant.text_content() and "读者讨论" in hans.text_content()
    assert "讀者討論" not in hans.text_content()


# ---- the response cache (storyline.web.cache) ----------------------------------------------------
def _new_story(sid: str, headline: str, hotness: float):
    from storyline.records import RawInput, Story
    from storyline.store.base import InputWrite

    story = Story(id=sid, concept="新故事", headline=headline, article_ids=(), hotness=hotness)
    return InputWrite(raw=RawInput(name=sid, data=sid.encode()), articles=[], analyses=[], stories=[story])


def _rewritten(sid: str, store):
    """A write that rebuilds story ``sid`` with a new headline (as an ingest adding to it would)."""
    from dataclasses import replace

    from storyline.records import RawInput
    from storyline.store.base import InputWrite

    story = replace(store.story(sid), headline="改写后的标题")
    return InputWrite(
        raw=RawInput(name=f"re-{sid}", data=f"re-{sid}".encode()), articles=[], analyses=[], stories=[story]
    )


def test_cache_serves_repeats_from_memory_and_a_new_ingest_invalidates_it(tmp_path, monkeypatch):
    store = build_store(tmp_path / "cache.db")
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    rewrite_s1 = _rewritten("s1", store)
    summaries = counting(store, monkeypatch, "story_summaries")
    stories = counting(store, monkeypatch, "story")
    first = client.get("/")
    assert len(_doc(first.text).cssselect("li.hot-item")) == 2
    assert client.get("/").text == first.text and summaries[0] == 1  # second one was a hit
    client.get("/story/s1"), client.get("/story/s1")
    assert stories[0] == 1
    client.get("/api/stories"), client.get("/api/stories")
    assert summaries[0] == 2

    store.write_input(_new_story("s9", "新标题", 99.0))  # an ingest, through the same store
    doc = _doc(client.get("/").text)
    assert doc.cssselect("li.hot-item a.headline")[0].text_content() == "新标题"
    assert client.get("/api/stories").json()["stories"][0]["id"] == "s9"
    client.get("/story/s1")
    assert stories[0] == 1  # another story's write leaves this story's page cached (story_version)
    store.write_input(rewrite_s1)
    client.get("/story/s1")
    assert stories[0] == 2  # a write to this story renders it again
    store.close()


def test_cache_sees_an_ingest_made_by_another_process(tmp_path):
    from storyline.store import open_store

    store = build_store(tmp_path / "cache.db")
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    assert len(_doc(client.get("/").text).cssselect("li.hot-item")) == 2
    writer = open_store(str(store.path))  # its own connection, as `storyline ingest` would have
    writer.write_input(_new_story("s9", "别处写入", 99.0))
    writer.close()
    assert _doc(client.get("/").text).cssselect("li.hot-item a.headline")[0].text_content() == "别处写入"
    store.close()


def test_cache_never_serves_one_scripts_page_for_the_other(tmp_path):
    store = build_store(tmp_path / "cache.db")
    app = create_app(store, Settings(db=str(store.path)))
    hant, hans, orig = TestClient(app), TestClient(app), TestClient(app)
    # the same URL, three cookies: each must get its own rendering, also when cached
    hant.cookies.set("script", "hant")
    hans.cookies.set("script", "hans")
    for _ in range(2):
        t, h, o = hant.get("/story/s1").text, hans.get("/story/s1").text, orig.get("/story/s1").text
        assert "讀者討論" in t and "读者讨论" not in t
        assert "读者讨论" in h and "讀者討論" not in h
        assert (
            _doc(o).get("lang") == "zh"
            and _doc(t).get("lang") == "zh-Hant"
            and _doc(h).get("lang") == "zh-Hans"
        )
    # the URL choice beats the cookie, and sets the cookie again on a cached response too
    for _ in range(2):
        r = hans.get("/story/s1?script=hant")
        assert "讀者討論" in r.text and "script=hant" in r.headers["set-cookie"]
    assert "讀者討論" in hans.get("/story/s1").text  # the cookie now says hant
    junk = TestClient(app)
    junk.cookies.set("script", "klingon")  # an unknown choice is the original script
    assert junk.get("/story/s1").text == orig.get("/story/s1").text
    store.close()


def test_cached_responses_keep_security_headers_and_answer_304_from_a_version_etag(tmp_path):
    store = build_store(tmp_path / "cache.db")
    client = TestClient(create_app(store, Settings(db=str(store.path))))
    first, again = client.get("/story/s1"), client.get("/story/s1")
    for r in (first, again):
        assert "default-src 'self'" in r.headers["content-security-policy"]
        # gzipped (the test client asks for it), so the cache varies by Accept-Encoding too
        assert r.headers["vary"] == "Cookie, Accept-Encoding" and r.headers["cache-control"] == "no-cache"
        assert r.headers["content-encoding"] == "gzip"
    etag = first.headers["etag"]
    assert again.headers["etag"] == etag
    plain = client.get("/story/s1", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["etag"] != etag
    assert int(plain.headers["content-length"]) == len(plain.content) == len(first.content)
    r304 = client.get("/story/s1", headers={"If-None-Match": etag})
    assert r304.status_code == 304 and r304.content == b"" and r304.headers["etag"] == etag
    assert "content-security-policy" in r304.headers
    # the ETag is the same for a fresh app over the same store (another worker, a restart) …
    other = TestClient(create_app(store, Settings(db=str(store.path))))
    assert other.get("/story/s1", headers={"If-None-Match": etag}).status_code == 304
    # … and an ingest changing the story makes it stale
    store.write_input(_rewritten("s1", store))
    r = client.get("/story/s1", headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["etag"] != etag
    store.close()


def test_cache_keeps_redirects_but_not_404s_and_is_bounded(tmp_path, monkeypatch):
    store = build_store(tmp_path / "cache.db")
    client = TestClient(create_app(store, Settings(db=str(store.path)), cache_entries=2))
    resolves = counting(store, monkeypatch, "resolve_story_id")
    for _ in range(2):
        r = client.get("/story/s0?script=hant", follow_redirects=False)
        assert r.status_code == 301 and r.headers["location"] == "/story/s1?script=hant"
    assert resolves[0] == 1
    for _ in range(2):
        assert client.get("/story/nope").status_code == 404
    assert resolves[0] == 3  # not kept
    client.get("/story/s1"), client.get("/story/sx"), client.get("/story/s1")  # s0's redirect evicted
    client.get("/story/s0?script=hant", follow_redirects=False)
    assert resolves[0] == 6
    store.close()


def test_cache_entries_zero_turns_the_cache_off(tmp_path, monkeypatch):
    store = build_store(tmp_path / "cache.db")
    client = TestClient(create_app(store, Settings(db=str(store.path)), cache_entries=0))
    stories = counting(store, monkeypatch, "story")
    client.get("/story/s1"), client.get("/story/s1")
    assert stories[0] == 2
    store.close()


def test_cache_is_invalidated_by_ingests_on_both_stores(db):
    """The cache keys on Store.version(): SQLite and PostgreSQL both bump it inside write_input."""
    from storyline.store import open_store

    store = open_store(db)
    try:
        client = TestClient(create_app(store, Settings(db=db)))
        assert _doc(client.get("/").text).cssselect("li.hot-item") == []
        store.write_input(_new_story("s1", "第一条", 1.0))
        assert [a.text_content() for a in _doc(client.get("/").text).cssselect("a.headline")] == ["第一条"]
        assert client.get("/api/stories").json()["stories"][0]["headline"] == "第一条"
        store.write_input(_new_story("s2", "第二条", 2.0))
        # A second write right after the re-render the first caused: the hot list may be served
        # stale for up to STALE_SECONDS (stale-while-revalidate, test_cache_stale.py), not longer.
        time.sleep(STALE_SECONDS)
        headlines = [a.text_content() for a in _doc(client.get("/").text).cssselect("a.headline")]
        assert headlines == ["第二条", "第一条"]
        assert [s["id"] for s in client.get("/api/stories").json()["stories"]] == ["s2", "s1"]
    finally:
        store.close()


def test_concurrent_misses_on_one_page_render_it_once_and_other_pages_are_not_held_up():
    import asyncio

    from storyline.web.cache import ResponseCache

    calls: list[str] = []

    async def app(scope, receive, send):
        calls.append(scope["path"])
        await asyncio.sleep(0.01)  # a slow render: the other requests arrive meanwhile
        body = scope["path"].encode()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": body})

    cache = ResponseCache(app, version=lambda: "e.1", max_renders=4)

    async def get(path: str) -> tuple[int, bytes]:
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": [(b"host", b"h")],
        }
        await cache(scope, None, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    async def main():
        return await asyncio.gather(*(get("/a") for _ in range(5)), get("/b"))

    results = asyncio.run(main())
    assert results == [(200, b"/a")] * 5 + [(200, b"/b")]
    assert sorted(calls) == ["/a", "/b"]
    assert (cache.hits, cache.misses) == (0, 2)


def test_every_partial_escapes_what_readers_wrote():
    """No HTML is built in Python: floors, quotes and chart labels go through autoescape."""
    from zoneinfo import ZoneInfo

    from markupsafe import escape

    from storyline.records import Comment, Quote
    from storyline.web.floors import floor_rows
    from storyline.web.render import partial
    from storyline.web.svg import timeline_svg

    c = Comment(
        floor=1, author=XSS, text=XSS_ATTR, posted_at=T0, quotes=(Quote(author=XSS, text=XSS, floor=None),)
    )
    html = partial(
        "_floors.html", floors=floor_rows([c], lambda c: "floor-1", lambda f: None, ZoneInfo("UTC"))
    )
    assert XSS not in html and XSS_ATTR not in html
    assert html.count(str(escape(XSS))) == 3 and str(escape(XSS_ATTR)) in html
    svg = timeline_svg([(XSS, T0)], [], ())
    assert XSS not in svg and str(escape(XSS)) in svg


def test_pages_are_the_same_run_on_the_event_loop_or_in_the_thread_pool(store):
    inline = TestClient(create_app(store, Settings(db=str(store.path)), inline=True))
    pooled = TestClient(create_app(store, Settings(db=str(store.path)), inline=False))
    for path in [
        "/",
        "/story/s1?script=hant",
        "/api/stories?limit=1",
        "/api/stories/s1/thread",
        "/feeds/hot.rss",
    ]:
        a, b = inline.get(path), pooled.get(path)
        assert (a.status_code, a.text) == (b.status_code, b.text), path
    assert pooled.get("/story/s0", follow_redirects=False).headers["location"] == "/story/s1"
    assert pooled.get("/api/stories?limit=0").status_code == 422  # parameters still validated
    params = {
        p["name"] for p in inline.get("/openapi.json").json()["paths"]["/api/stories"]["get"]["parameters"]
    }
    assert params == {"after", "limit"}
