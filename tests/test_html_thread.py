"""Reader threads from HTML: floors, authors, times, quotes and replies."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from storyline.records import RawInput
from storyline.sources import html
from storyline.sources.html_thread import extract_thread

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def _comments(name: str):
    path = FIXTURES / name
    return html.parse(RawInput(str(path), path.read_bytes()))[0].comments


def test_floors_authors_and_times_are_read_from_comment_blocks() -> None:
    comments = _comments("article_thread.html")
    assert [(c.floor, c.author) for c in comments] == [
        (1, "海边的风"),
        (2, "老码头"),
        (3, "数字控"),
        (4, "海边的风"),
    ]
    assert [c.posted_at.isoformat() for c in comments] == [
        "2025-01-22T14:05:00+08:00",
        "2025-01-22T14:20:10+08:00",
        "2025-01-22T15:02:33+08:00",
        "2025-01-22T15:30:00+08:00",
    ]


def test_comment_text_leaves_out_buttons_author_time_and_floor() -> None:
    comments = _comments("article_thread.html")
    assert comments[0].text == "三百亿元听起来很多，钱真的到位了吗？"
    assert comments[1].text == "两万个岗位是四年总数还是每年？报道没说清楚。"


def test_blockquote_becomes_a_quote_resolved_to_the_quoted_floor() -> None:
    third = _comments("article_thread.html")[2]
    assert third.text == "银行那边只承诺了一百亿，剩下的还没着落。"
    (quote,) = third.quotes
    assert quote.author == "海边的风"
    assert quote.text == "三百亿元听起来很多，钱真的到位了吗？"
    assert quote.posted_at.isoformat() == "2025-01-22T14:05:00+08:00"
    assert quote.floor == 1 and third.parent_floor == 1


def test_reply_at_name_resolves_to_that_readers_latest_floor() -> None:
    fourth = _comments("article_thread.html")[3]
    assert fourth.text.startswith("回复@老码头")
    assert fourth.parent_floor == 2


def test_nested_replies_take_the_enclosing_comment_as_parent() -> None:
    comments = _comments("nested_thread.html")
    assert [(c.floor, c.author, c.parent_floor) for c in comments] == [
        (1, "harbourfan", None),
        (2, "nightowl", 1),
        (3, "quietstreet", 2),
    ]
    assert comments[0].text == "Finally a way home after the late shift."  # the nested reply is not in it
    assert comments[2].quotes[0].author == "nightowl"
    assert comments[2].text == "Buses are quieter than trams at 3 a.m."


def test_hash_floor_numbers_in_forum_posts_are_kept() -> None:
    page = lxml.html.document_fromstring(
        "<div id='posts'>"
        "<div class='post'><span class='user'>甲</span><em>#5</em><div class='message'>第一条</div></div>"
        "<div class='post'><span class='user'>乙</span><em>#7</em><div class='message'>第二条</div></div>"
        "</div>"
    )
    assert [(c.floor, c.author, c.text) for c in extract_thread(page, "forum.html")] == [
        (5, "甲", "第一条"),
        (7, "乙", "第二条"),
    ]


def test_article_paragraphs_are_not_mistaken_for_a_thread() -> None:
    page = lxml.html.document_fromstring(
        "<article><p>第一段正文。</p><p>第二段正文。</p><p>第三段正文。</p></article>"
    )
    assert extract_thread(page, "plain.html") == ()


def test_the_callers_tree_is_left_unchanged() -> None:
    source = (FIXTURES / "article_thread.html").read_text("utf-8")
    tree = lxml.html.document_fromstring(source)
    before = lxml.html.tostring(tree)
    assert len(extract_thread(tree, "a.html")) == 4
    assert lxml.html.tostring(tree) == before
