"""The thread finder finds exactly the blocks its plain definition names, however it gets there.

``html_thread._find_blocks`` walks up from the few marked elements of a page instead of testing
every group of siblings (a fifth of a page's ingest went there). The definition it must keep,
written out here the direct way (every element's children grouped by tag and first class; a
group is a thread when 60% of its blocks have an author-like or <cite> descendant, a floor-like
descendant, ``data-floor`` or a floor mark in their first 80 characters, and it sits under a
thread-like name or 60% of its blocks carry a time), is compared with it on generated pages
built to hit every branch and on the real GNE pages (../shared, never copied).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA
from storyline.records import RawInput
from storyline.sources import html
from storyline.sources.html_thread import (
    _AUTHORISH,
    _FLOOR_TEXT,
    _FLOORISH,
    _THREADISH,
    _TIMEISH,
    _find_blocks,
)


def _attrs(el) -> str:
    return " ".join(v for v in (el.get("class"), el.get("id"), el.get("itemprop"), el.get("itemtype")) if v)


def _reference_blocks(tree) -> list:
    """The definition, element by element (html_thread as it read before it was made fast)."""
    elements = [e for e in tree.iter() if isinstance(e.tag, str)]

    def descendants(el):
        return [d for d in el.iter() if d is not el and isinstance(d.tag, str)]

    def has_author(el) -> bool:
        return any(
            (_AUTHORISH.search(_attrs(d)) and len(d.text_content()) <= 60) or d.tag == "cite"
            for d in descendants(el)
        )

    def has_floor(el) -> bool:
        if el.get("data-floor") or any(_FLOORISH.search(_attrs(d)) for d in descendants(el)):
            return True
        return _FLOOR_TEXT.search(" ".join(el.text_content().split())[:80]) is not None

    def has_time(el) -> bool:
        return any(d.tag == "time" or _TIMEISH.search(_attrs(d)) for d in descendants(el))

    def near_threadish(el) -> bool:
        node = el
        for _ in range(4):
            if node is None:
                return False
            if _THREADISH.search(_attrs(node)):
                return True
            node = node.getparent()
        return False

    chosen = []
    for parent in elements:
        groups = defaultdict(list)
        for child in parent:
            if isinstance(child.tag, str) and child.tag not in {"script", "style", "head", "meta", "link"}:
                classes = (child.get("class") or "").split()
                groups[(child.tag, classes[0] if classes else "")].append(child)
        for members in groups.values():
            if len(members) < 2 and not members[0].get("data-floor"):
                continue
            marked = sum(1 for m in members if has_author(m) or has_floor(m))
            if marked * 10 < len(members) * 6:
                continue
            timed = sum(1 for m in members if has_time(m))
            if near_threadish(members[0]) or timed * 10 >= len(members) * 6:
                chosen.extend(members)
    position = {e: i for i, e in enumerate(elements)}
    return sorted(chosen, key=position.__getitem__)


def _paths(tree, blocks) -> list[str]:
    root = tree.getroottree()
    return [root.getpath(b) for b in blocks]


_CLASSES = [
    "", "comment", "comment-item", "reply", "post", "item", "list", "nav", "author", "user-name", "nick",
    "time", "pub-date", "post-time", "floor", "num", "content", "text", "btn like", "cmt", "wrap",
]  # fmt: skip
_TEXTS = [
    "", " ", "好", "同意楼上", "3楼", "第12楼", "#7", "# 8", "12楼主", "回复@甲: 对", "2019-09-09 19:32",
    "一段很长的正文，" * 12, "网友甲", "\n  \t", "楼", "樓", "#", "第2樓 沙发",
]  # fmt: skip
_TAGS = ["div", "li", "p", "span", "dd", "section", "cite", "time", "blockquote", "em", "a", "script"]


@st.composite
def _nodes(draw, depth: int = 0) -> str:
    tag = draw(st.sampled_from(_TAGS))
    attrs = ""
    cls = draw(st.sampled_from(_CLASSES))
    if cls:
        attrs += f' class="{cls}"'
    if draw(st.integers(0, 9)) == 0:
        attrs += f' id="{draw(st.sampled_from(_CLASSES[1:]))}"'
    if draw(st.integers(0, 11)) == 0:
        attrs += f' data-floor="{draw(st.integers(0, 30))}"'
    if draw(st.integers(0, 13)) == 0:
        attrs += ' itemprop="author"'
    text = draw(st.sampled_from(_TEXTS))
    if tag == "script":
        return f"<script>var c = '#fff'; {text}</script>{draw(st.sampled_from(_TEXTS))}"
    children = []
    if depth < 4:
        # Repeated siblings (the shape of a thread) as often as mixed ones.
        n = draw(st.integers(0, 5))
        if draw(st.booleans()):
            one = draw(_nodes(depth + 1))
            children = [one] * n
        else:
            children = [draw(_nodes(depth + 1)) for _ in range(n)]
    comment = f"<!-- {draw(st.sampled_from(_TEXTS))} -->" if draw(st.integers(0, 5)) == 0 else ""
    tail = draw(st.sampled_from(_TEXTS))
    return f"<{tag}{attrs}>{text}{comment}{''.join(children)}</{tag}>{tail}"


@settings(max_examples=300, deadline=None)
@given(st.lists(_nodes(), min_size=1, max_size=4), st.sampled_from(["", "comments", "main"]))
def test_generated_pages_give_the_blocks_of_the_definition(parts: list[str], outer: str) -> None:
    page = f'<html><body><div class="{outer}">{"".join(parts)}</div></body></html>'
    tree = lxml.html.document_fromstring(page)
    assert _paths(tree, _find_blocks(tree)) == _paths(tree, _reference_blocks(tree))


@pytest.mark.parametrize(
    "inner",
    [
        '<b>甲</b> 1楼 好</div><div class="x"><b>乙</b> 2楼 对',  # the floor in a tail
        '甲 #1 好</div><div class="x">乙 #2 对',  # in the block's own text
        '<b>甲 第1樓</b></div><div class="x"><b>乙 第2樓</b>',  # in a child's text
    ],
)
def test_a_floor_mark_anywhere_in_a_blocks_head_makes_it_a_thread(inner: str) -> None:
    tree = lxml.html.document_fromstring(f'<div class="comments"><div class="x">{inner}</div></div>')
    assert len(_find_blocks(tree)) == 2
    assert _paths(tree, _find_blocks(tree)) == _paths(tree, _reference_blocks(tree))


def test_a_subtree_is_read_without_its_parent() -> None:
    # The block a caller passes is the root: its siblings and own data-floor are outside.
    tree = lxml.html.document_fromstring(
        '<div class="comments"><div data-floor="1" class="c"><span class="author">甲</span>好</div>'
        '<div data-floor="2" class="c"><span class="author">乙</span>对</div></div>'
    )
    block = tree.find(".//div[@data-floor='1']")
    assert _find_blocks(block) == _reference_blocks(block) == []
    outer = tree.find(".//div[@class='comments']")
    assert _paths(tree, _find_blocks(outer)) == _paths(tree, _reference_blocks(outer))
    assert len(_find_blocks(outer)) == 2


PAGES = sorted((DATA / "gne-pages" / "tests").glob("*/*.html"))


@pytest.mark.skipif(not PAGES, reason=f"GNE pages not found under {DATA / 'gne-pages'}")
@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_real_pages_give_the_blocks_of_the_definition(path: Path) -> None:
    text = html.decode_html(RawInput(str(path), path.read_bytes()), [])
    tree = html._tree(text, str(path))
    assert _paths(tree, _find_blocks(tree)) == _paths(tree, _reference_blocks(tree))
