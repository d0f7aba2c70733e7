"""summarize_discussion: the reply graph of a thread, counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storyline.records import Comment, Quote
from storyline.stories.discussion import summarize_discussion
from web_data import THREAD

T0 = datetime(2025, 1, 22, 8, 0, tzinfo=UTC)


def test_most_quoted_floor_counts_resolved_quotes_only():
    s = summarize_discussion(THREAD)
    # floor 2 is quoted by floors 3 and 5, floor 3 by floor 4; the unresolved quote counts nowhere
    assert s.most_quoted == ((2, 2), (3, 1))


def test_most_replied_counts_each_answering_floor_once():
    s = summarize_discussion(THREAD)
    # floor 3 both quotes floor 2 and names it as parent: one reply, not two
    assert s.most_replied == ((2, 2), (3, 1))


def test_counts_comments_authors_and_most_active():
    s = summarize_discussion(THREAD)
    assert (s.comments, s.authors) == (5, 4)
    assert s.most_active[0] == ("老张", 2)


def test_reply_depth_is_the_longest_chain():
    # 4 → 3 → 2 is a chain of two replies
    assert summarize_discussion(THREAD).reply_depth == 2


def test_activity_is_comments_per_hour():
    s = summarize_discussion(THREAD)
    assert s.activity == (
        (T0 + timedelta(hours=2), 2),
        (T0 + timedelta(hours=3), 2),
        (T0 + timedelta(hours=5), 1),
    )


def test_summary_text_names_the_figures():
    text = summarize_discussion(THREAD).summary
    assert "共 5 条评论" in text
    assert "4 位读者" in text
    assert "2 楼（2 次）" in text
    assert "老张（2 条）" in text
    assert "回复链有 2 层" in text


def test_empty_thread():
    s = summarize_discussion([])
    assert (s.comments, s.authors, s.reply_depth, s.most_quoted) == (0, 0, 0, ())
    assert s.summary == "暂无读者评论。"


def test_thread_without_replies_has_depth_zero():
    s = summarize_discussion([Comment(floor=i, author=f"u{i}", text="x") for i in range(1, 4)])
    assert s.reply_depth == 0
    assert s.most_replied == ()
    assert "没有互相回复" in s.summary


def test_cycles_and_self_quotes_do_not_hang_or_count():
    comments = [
        Comment(floor=1, author="a", text="x", parent_floor=2),
        Comment(floor=2, author="b", text="y", parent_floor=1),
        Comment(floor=3, author="c", text="z", quotes=(Quote(author="c", text="z", floor=3),)),
    ]
    s = summarize_discussion(comments)
    assert s.most_quoted == ()
    assert s.reply_depth >= 1


def test_long_chain_does_not_recurse_out():
    n = 5000
    comments = [Comment(floor=1, author="a", text="x")] + [
        Comment(floor=i, author="a", text="x", parent_floor=i - 1) for i in range(2, n + 1)
    ]
    assert summarize_discussion(comments).reply_depth == n - 1


def test_parent_outside_thread_is_ignored():
    s = summarize_discussion([Comment(floor=7, author="a", text="x", parent_floor=3)])
    assert (s.reply_depth, s.most_replied) == (0, ())
