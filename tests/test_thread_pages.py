"""Big threads a reader can read: pages, floor links across pages, best first, conversations.

On the real 909-reply Weibo post ``2698_jy6HYt_1773974463`` (read from ../shared) and on a story
made of two outlets' threads (the seed thread and that Weibo thread) for the summary by outlet.
"""

from __future__ import annotations

import re
from collections import Counter

import lxml.html
import pytest

from storyline.records import Comment, Quote
from storyline.settings import Settings
from storyline.web.thread_pages import PAGE_FLOORS, PAGE_MAX, conversations, page_of_floor, paginate
from thread_data import build_threads_store, weibo_article

FLOOR_HREF = re.compile(
    r"^/story/(?P<s>[^/?#]+)/thread/(?P<a>[^/?#]+)\?(?:view=\w+&)?page=(?P<p>\d+)#floor-(?P<f>\d+)$"
)


@pytest.fixture(scope="module")
def big(tmp_path_factory, weibo_dir, seed_paths):
    """A store with the 909-floor story alone (s-big) and a two-thread story (s-two)."""
    from fastapi.testclient import TestClient

    from storyline.web.app import create_app

    data = build_threads_store(tmp_path_factory.mktemp("threads") / "t.db", weibo_dir, seed_paths[1])
    store = data["store"]
    yield {"client": TestClient(create_app(store, Settings(db=str(store.path)))), **data}
    store.close()


def _doc(resp):
    assert resp.status_code == 200, resp.text[:300]
    return lxml.html.fromstring(resp.text)


def test_pages_hold_every_floor_once_and_conversations_stay_whole(weibo_dir):
    comments = weibo_article(weibo_dir).comments
    assert len(comments) == 909
    for view in ("time", "talk"):
        pages = paginate(comments, view)
        floors = [c.floor for p in pages for c in p]
        assert sorted(floors) == list(range(1, 910)), view
        assert all(len(p) <= PAGE_MAX for p in pages)
    assert [len(p) for p in paginate(comments, "time")] == [PAGE_FLOORS] * 18 + [9]
    talk = paginate(comments, "talk")
    page_of = page_of_floor(talk)
    for conv in conversations(comments):
        assert len({page_of[c.floor] for c in conv}) == 1  # no conversation here exceeds PAGE_MAX
    assert all(len(p) >= PAGE_FLOORS for p in talk[:-1])


def test_a_conversation_longer_than_a_page_is_cut_not_lost():
    chain = [Comment(1, "a", "x")] + [Comment(i, "b", "y", parent_floor=i - 1) for i in range(2, 251)]
    pages = paginate(chain, "talk")
    assert [len(p) for p in pages] == [100, 100, 50]
    quote_only = [Comment(1, "a", "x"), Comment(2, "b", "y", quotes=(Quote("a", "x", floor=1),))]
    assert [[c.floor for c in conv] for conv in conversations(quote_only)] == [[1, 2]]


def test_big_story_page_shows_at_most_100_floors_and_links_to_every_page(big):
    doc = _doc(big["client"].get("/story/s-big"))
    floors = doc.cssselect("#discussion li.floor")
    assert 0 < len(floors) <= 100
    assert len(floors) == 10  # the best ten: a 909-floor thread is summarised, not printed
    texts = [f.cssselect(".ctext")[0].text_content() for f in floors]
    assert all(t.strip() for t in texts)  # bare reposts are never "best"
    more = doc.cssselect("#discussion p.thread-more a")
    hrefs = [a.get("href") for a in more]
    base = f"/story/s-big/thread/{big['weibo'].id}"
    assert hrefs[:19] == [f"{base}?page={n}" for n in range(1, 20)]
    assert hrefs[19:] == [f"{base}?view=best", f"{base}?view=talk"]


def test_every_floor_link_on_the_story_page_resolves_to_the_page_holding_that_floor(big):
    client = big["client"]
    doc = _doc(client.get("/story/s-big"))
    shown = {li.get("id") for li in doc.cssselect("#discussion li.floor")}
    checked = 0
    for a in doc.cssselect("#discussion a[href]"):
        href = a.get("href")
        if href.startswith("#floor-"):
            assert href[1:] in shown, href
            checked += 1
            continue
        m = FLOOR_HREF.match(href)
        if not m:
            continue
        page = _doc(client.get(href.split("#")[0]))
        assert page.get_element_by_id(f"floor-{m['f']}") is not None, href
        checked += 1
    assert checked >= 12


def test_any_floor_is_reachable_by_its_stable_link(big):
    client = big["client"]
    base = f"/story/s-big/thread/{big['weibo'].id}"
    cache: dict[str, lxml.html.HtmlElement] = {}
    for floor in [1, 2, 50, 51, 99, 100, 101, 500, 850, 900, 909, *range(3, 909, 37)]:
        r = client.get(f"{base}/floor/{floor}", follow_redirects=False)
        assert r.status_code == 302
        loc = r.headers["location"]
        m = FLOOR_HREF.match(loc)
        assert m and m["f"] == str(floor) and int(m["p"]) == (floor - 1) // PAGE_FLOORS + 1, loc
        url = loc.split("#")[0]
        if url not in cache:
            cache[url] = _doc(client.get(url))
        li = cache[url].get_element_by_id(f"floor-{floor}")
        assert li.cssselect("a.fno")[0].text_content() == f"{floor}楼"
    assert client.get(f"{base}/floor/910", follow_redirects=False).status_code == 404
    assert client.get("/story/s-big/thread/nope").status_code == 404


def test_thread_page_links_to_floors_on_other_pages_go_to_those_pages(big):
    client = big["client"]
    base = f"/story/s-big/thread/{big['weibo'].id}"
    doc = _doc(client.get(f"{base}?page=14"))
    ids = [li.get("id") for li in doc.cssselect("li.floor")]
    assert ids == [f"floor-{n}" for n in range(651, 701)]
    assert doc.cssselect("nav.pager [aria-current]")[0].text_content() == "14"
    outside = 0
    for a in doc.cssselect("li.floor a.reply-to, li.floor a.quote-link"):
        href = a.get("href")
        if href.startswith("#"):
            assert href[1:] in ids
        else:
            m = FLOOR_HREF.match(href)
            assert m and int(m["p"]) == (int(m["f"]) - 1) // PAGE_FLOORS + 1, href
            outside += 1
    assert outside > 0  # replies on page 14 answer floors of earlier pages


def test_best_first_view_orders_by_quotes_replies_likes(big):
    from storyline.stories.discussion import best_floors, reply_counts

    client = big["client"]
    comments = big["weibo"].comments
    base = f"/story/s-big/thread/{big['weibo'].id}"
    doc = _doc(client.get(f"{base}?view=best"))
    got = [int(li.get("id").split("-")[1]) for li in doc.cssselect("li.floor")]
    assert got == [c.floor for c in best_floors(comments)[:PAGE_FLOORS]]
    _, replied = reply_counts(comments)
    # four floors with words are answered three times (a fifth, a bare repost, comes after all those)
    assert [replied[f] for f in got[:6]] == [3, 3, 3, 3, 2, 2]
    assert all(c.text.strip() for c in comments if c.floor in got[:6])
    # a floor's link from the best view goes to the best view's page that holds it
    last = _doc(client.get(f"{base}?view=best&page=19"))
    assert len(last.cssselect("li.floor")) == 9


def test_conversation_view_folds_replies_under_their_floor(big):
    client = big["client"]
    base = f"/story/s-big/thread/{big['weibo'].id}"
    doc = _doc(client.get(f"{base}?view=talk"))
    folded = doc.cssselect("li.floor > details.replies")
    assert folded
    for d in folded:
        parent = d.getparent()
        n = int(parent.get("id").split("-")[1])
        kids = d.cssselect("li.floor")
        assert d.cssselect("summary")[0].text_content() == f"{len(kids)} 条回复"
        for k in d.xpath("./ol/li"):
            link = k.cssselect("p.fmeta a.reply-to")
            quoted = [q.get("href") for q in k.cssselect("a.quote-link")]
            assert (link and link[0].get("href") == f"#floor-{n}") or f"#floor-{n}" in quoted
    top = [int(li.get("id").split("-")[1]) for li in doc.xpath("//section[@id='thread']/ol/li")]
    assert top == sorted(top)


def test_export_carries_a_stance_for_every_floor(big):
    client = big["client"]
    data = client.get("/api/stories/s-big").json()
    comments = data["articles"][0]["comments"]
    assert len(comments) == 909
    stances = Counter(c["stance"] for c in comments)
    assert set(stances) <= {"agree", "disagree", "other"} and sum(stances.values()) == 909
    for c in comments:
        assert (c["stance_evidence"] == "") == (c["stance"] == "other")
    (thread,) = data["discussion"]["threads"]
    assert thread["stance"] == {k: stances[k] for k in ("agree", "disagree", "other")}
    assert thread["floors"] == 909
    api_thread = client.get("/api/stories/s-big/thread").json()["threads"][0]["comments"]
    assert [c["stance"] for c in api_thread] == [c["stance"] for c in comments]


def test_story_of_two_threads_summarises_each_outlet_and_links_each_sides_most_quoted_floor(big):
    client = big["client"]
    story = big["store"].story("s-two")
    by_outlet = {t.outlet: t for t in story.discussion.threads}
    assert {o: t.floors for o, t in by_outlet.items()} == {"微博": 909, "RFI华语": 48}
    assert [t.outlet for t in story.discussion.threads] == ["微博", "RFI华语"]  # biggest first
    doc = _doc(client.get("/story/s-two"))
    rows = doc.cssselect("table.by-outlet tbody tr")
    assert [r.cssselect("td")[0].text_content() for r in rows] == ["微博", "RFI华语"]
    assert [r.cssselect("td")[1].text_content() for r in rows] == ["909", "48"]
    seed = by_outlet["RFI华语"]
    cell = rows[1].cssselect("td")[3]
    assert cell.cssselect("svg.split")[0].get("aria-label") == (
        f"赞同 {seed.agree} 楼，反对 {seed.disagree} 楼，其他 {seed.other} 楼"
    )
    assert cell.text_content().strip().endswith(f"{seed.agree} / {seed.disagree} / {seed.other}")
    line = doc.cssselect("#discussion p.split-line")[0]
    total = {k: sum(getattr(t, k) for t in story.discussion.threads) for k in ("agree", "disagree", "other")}
    assert line.text_content().startswith(
        f"2 个讨论串共 957 楼评论中，{total['agree']} 楼赞同标题的说法，{total['disagree']} 楼反对，{total['other']} 楼谈别的。"
    )
    # the most-quoted (then most-replied) floor of each side over both threads, named with its
    # outlet; each link lands on that floor, on this page or on its thread page
    from storyline.stories.discussion import reply_counts

    arts = {big["w2"].id: big["w2"], big["s2"].id: big["s2"]}
    for side in ("agree", "disagree"):
        weight = {}
        for t in story.discussion.threads:
            quoted, replied = reply_counts(arts[t.article_id].comments)
            f = getattr(t, f"top_{side}")
            weight[(t.outlet, f, t.article_id)] = (quoted[f], replied[f])
        outlet, floor, aid = max(weight, key=lambda k: weight[k])
        a = line.cssselect(f"a.top-{side}")[0]
        assert a.text_content() == f"{outlet} {floor}楼"
        href = a.get("href")
        if href.startswith("#"):
            assert doc.get_element_by_id(href[1:]).cssselect("a.fno")[0].text_content() == f"{floor}楼"
        else:
            m = FLOOR_HREF.match(href)
            assert m and m["a"] == aid and m["f"] == str(floor)
            target = _doc(client.get(href.split("#")[0])).get_element_by_id(f"floor-{floor}")
            assert target is not None
    # the page as a whole stays within the floor budget
    assert len(doc.cssselect("li.floor")) <= 100


def test_seed_story_page_says_in_one_line_how_readers_split(big):
    store = big["store"]
    seed_thread = next(t for t in store.story("s-two").discussion.threads if t.outlet == "RFI华语")
    assert (seed_thread.agree, seed_thread.disagree, seed_thread.other) == (22, 10, 16)
    # only the floors that take a side are stored with the story
    assert len(seed_thread.stances) == 32 and all(s.stance != "other" for s in seed_thread.stances)


def test_a_ledger_figure_on_a_floor_the_thread_lacks_does_not_break_the_page(big):
    from dataclasses import replace

    from storyline.records import Claim, RawInput
    from storyline.store import InputWrite

    store = big["store"]
    story = store.story("s-big")
    weibo = big["weibo"]
    odd = Claim("x", "m", 1.0, "USD", "1美元", speaker="读者", article_id=weibo.id, floor=5000, id="codd")
    near = Claim("x", "m", 1.0, "USD", "1美元", speaker="读者", article_id=weibo.id, floor=700, id="cnear")
    store.write_input(
        InputWrite(
            raw=RawInput("odd", b"odd"),
            articles=[],
            analyses=[],
            stories=[replace(story, claims=(odd, near))],
        )
    )
    doc = _doc(big["client"].get("/story/s-big"))
    hrefs = [a.get("href") for a in doc.cssselect("ul.claim-sources a")]
    assert "#floor-5000" in hrefs  # kept as an anchor: no page holds it
    assert f"/story/s-big/thread/{weibo.id}?page=14#floor-700" in hrefs  # not on the story page
    store.write_input(InputWrite(raw=RawInput("back", b"back"), articles=[], analyses=[], stories=[story]))
