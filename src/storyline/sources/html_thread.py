"""Reader threads from HTML pages: floors, authors, times, quotes and replies, with lxml.

trafilatura (used for the article body) either drops comments or flattens them into one text,
losing floors, authors and quotes; no library we know of reads comment structure generically, so
this is a small set of heuristics over the lxml tree:

1. A thread is a run of repeated sibling blocks (same tag and class) of which most carry an
   author-like or floor-like child (``class="author"``, ``itemprop="author"``, ``data-floor``,
   ``12楼``, ``#12``) and which sit under a comment-ish name (``comment``, ``reply``, ``评论``,
   ``回复``, ``floor``…) or carry a time. Blocks nested inside a block are replies to it.
2. In each block: the floor (``data-floor``, a floor-marker child, ``N楼``/``#N``/``第N楼``,
   else the next number), the author, the time (``<time datetime>``, a ``time``/``date`` child),
   ``<blockquote>`` quotes (author, time and floor when stated; else resolved to the
   quoted author's latest earlier floor), and the reply's own words.
3. ``parent_floor``: the enclosing block for nested replies, else the quoted floor, else the
   floor of the latest earlier reply by ``name`` in ``回复@name:`` / ``回复 name:``.

Example::

    >>> import lxml.html
    >>> page = lxml.html.document_fromstring(
    ...     '<div class="comments"><div class="comment"><span class="author">甲</span><p>好</p></div>'
    ...     '<div class="comment"><span class="author">乙</span><p>回复@甲: 同意</p></div></div>')
    >>> [(c.floor, c.author, c.parent_floor) for c in extract_thread(page, "p.html")]
    [(1, '甲', None), (2, '乙', 1)]
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections import defaultdict
from datetime import datetime

import lxml.html
from lxml import etree

from storyline.errors import InputError
from storyline.records import Comment, Quote
from storyline.sources.dates import parse_date

__all__ = ["extract_thread"]

log = logging.getLogger(__name__)

_THREADISH = re.compile(
    r"comment|reply|replies|respon|discuss|floor|thread|post|楼|樓|评论|評論|回复|回覆|跟帖", re.I
)
_AUTHORISH = re.compile(r"author|user|uname|nick|poster|byline|name|作者|网友|網友", re.I)
_TIMEISH = re.compile(r"\btime\b|date|posted|pubtime|时间|時間|-time|time-", re.I)
_FLOORISH = re.compile(r"floor|楼|樓|\bnum\b|number|\bidx\b|index", re.I)
_CONTENTISH = re.compile(r"content|body|text|message|\bmsg\b|\bcmt\b|正文", re.I)
_ACTIONISH = re.compile(r"action|\bbtn\b|button|toolbar|\blike|vote|share|report|reply-link|\bops?\b", re.I)
_FLOOR_TEXT = re.compile(
    r"(?:第\s*(\d{1,6})\s*[楼樓])|(?:(\d{1,6})\s*[楼樓](?![主层]))|(?:#\s*(\d{1,6})(?!\d))"
)
_REPLY_TO = re.compile(r"^\s*回[复覆]\s*@?\s*([^:：\s]{1,40})\s*[:：]")
_QUOTE_HEAD = re.compile(
    r"^\s*(?:引用\s*)?(?P<name>[^\s:：]{1,40})\s*(?:在\s*[^:：]*?\s*)?"
    r"(?:发表评论于|發表評論於|发表于|發表於|的发言|的發言|写道|寫道|说|說)\s*(?:[0-9０-９][^\n：]*?)?\s*[:：]?\s*$"
)
_ANY_MARK = re.compile("|".join(f"(?:{rx.pattern})" for rx in (_AUTHORISH, _FLOORISH, _TIMEISH)), re.I)
_MAX_TEXT = 20000
_MARK = "data-storyline-block"


def _attrs(el: etree._Element) -> str:
    get = el.get
    return " ".join(v for v in (get("class"), get("id"), get("itemprop"), get("itemtype")) if v)


@functools.lru_cache(maxsize=8192)
def _matches(pattern: re.Pattern[str], attrs: str) -> bool:
    """``pattern.search(attrs)``, remembered: a page repeats a few class names on most elements
    (a thread's hundred ``<li class="item">``), and the names were searched once per element
    and per enclosing block (a fifth of the thread finder's time on the GNE pages)."""
    return attrs != "" and pattern.search(attrs) is not None


def _clean(text: str) -> str:
    return " ".join(text.split())[:_MAX_TEXT]


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


# What a block's descendants carry (bits, for the block, never counting the block itself):
_SHORT_AUTHOR = 1  # an author-like name (class, id, itemprop) holding at most 60 characters
_CITE = 2  # a <cite>
_FLOORISH_NAME = 4  # a floor-like name
_TIME_TAG = 8  # a <time>
_TIMEISH_NAME = 16  # a time-like name


_NOT_BLOCK = frozenset({"script", "style", "head", "meta", "link"})


def _has_floor_char(text: str | None) -> bool:
    """A character every _FLOOR_TEXT match holds: a text without one cannot carry a floor."""
    return bool(text) and ("楼" in text or "樓" in text or "#" in text)  # type: ignore[operator]


def _survey(
    root: etree._Element,
) -> tuple[dict[int, int], dict[int, etree._Element], dict[int, etree._Element]]:
    """The marks below each element, and every element whose children may hold a thread.

    One pass over the tree reads what a thread needs: elements that carry a mark (an author-,
    floor- or time-like name, a <cite>, a <time>), ``data-floor`` blocks and text with a floor
    character. Then walks up from those few, instead of testing every element:

    * marks: for each element (by id) with marked descendants, their marks OR-ed (a block is
      then tested with a bit mask);
    * candidate parents: the parent of every block that could pass the author-or-floor test
      (an author, <cite> or floor-like name below it, its own ``data-floor``, a floor character
      in its text). The children of any other element are all unmarked: never a thread.

    Returns the marks, the candidate parents, and the elements the marks are counted for: the
    caller keeps that alive while it reads the marks (an id names an element only while its
    Python proxy lives; a dead one's id goes to the next proxy made).
    """
    sources: list[tuple[etree._Element, int]] = []
    floored: list[etree._Element] = []  # blocks from which every enclosing one may carry a floor
    for e in root.iter():
        tag = e.tag
        if isinstance(tag, str):  # not a comment or processing instruction (their text is no text)
            get = e.get
            cls = get("class")
            attrs = " ".join(v for v in (cls, get("id"), get("itemprop"), get("itemtype")) if v)  # _attrs
            own = 0
            if attrs and _matches(_ANY_MARK, attrs):  # one search: most names are none of the three
                if _matches(_AUTHORISH, attrs) and len(e.text_content()) <= 60:
                    own |= _SHORT_AUTHOR
                if _matches(_FLOORISH, attrs):
                    own |= _FLOORISH_NAME
                if _matches(_TIMEISH, attrs):
                    own |= _TIMEISH_NAME
            if tag == "cite":
                own |= _CITE
            elif tag == "time":
                own |= _TIME_TAG
            if own:
                sources.append((e, own))
            if get("data-floor") or _has_floor_char(e.text):
                floored.append(e)
        if e is not root and _has_floor_char(e.tail):
            parent = e.getparent()  # a tail is the text of the element it follows in
            if parent is not None:
                floored.append(parent)

    below: dict[int, int] = {}
    alive: dict[int, etree._Element] = {}
    for e, own in sources:
        node = e
        while node is not root:
            parent = node.getparent()
            if parent is None:
                break
            key = id(parent)
            had = below.get(key, 0)
            if had | own == had:
                break  # this ancestor (and so every one above it) already counts these marks
            below[key] = had | own
            alive[key] = parent
            node = parent

    parents: dict[int, etree._Element] = {}
    blocks = [node for key, node in alive.items() if below[key] & (_SHORT_AUTHOR | _CITE | _FLOORISH_NAME)]
    for node in [*floored, *blocks]:
        while node is not root:  # node and every block above it: their parents
            parent = node.getparent()
            if parent is None or id(parent) in parents:
                break
            parents[id(parent)] = parent
            node = parent
    return below, parents, alive


def _has_author(el: etree._Element, below: int) -> bool:
    """An author-like descendant of at most 60 characters, or a <cite>."""
    return bool(below & (_SHORT_AUTHOR | _CITE))


def _has_floor(el: etree._Element, below: int) -> bool:
    """``data-floor``, a floor-like descendant, or a floor mark in the block's first 80 characters."""
    if el.get("data-floor") or below & _FLOORISH_NAME:
        return True
    return _FLOOR_TEXT.search(_head_text(el, 80)) is not None


def _head_text(el: etree._Element, n: int) -> str:
    """``_clean(el.text_content())[:n]`` without joining the whole block's text.

    The spaced-out text of a prefix is a prefix of the whole's (only a word cut at the end is
    short), so reading text nodes until ``n`` characters are past gives the same ``n``.
    """
    parts: list[str] = []
    size = 0
    for piece in el.itertext():  # text_content()'s pieces, in order
        parts.append(piece)
        size += len(piece)
        if size > n:  # spacing only shortens: no need to look before the raw text is this long
            head = " ".join("".join(parts).split())
            if len(head) > n:
                return head[:n]
    return " ".join("".join(parts).split())[:n]


def _has_time(el: etree._Element, below: int) -> bool:
    """A <time> or a time-like descendant."""
    return bool(below & (_TIME_TAG | _TIMEISH_NAME))


def _near_threadish(el: etree._Element, depth: int = 4) -> bool:
    node: etree._Element | None = el
    for _ in range(depth):
        if node is None:
            return False
        if _matches(_THREADISH, _attrs(node)):
            return True
        node = node.getparent()
    return False


def _find_blocks(tree: etree._Element) -> list[etree._Element]:
    """Every comment block in document order (repeated siblings that look like replies).

    A block is one of a group of siblings with the same tag and first class; a group is a thread
    when 60% of its blocks carry an author or a floor and it sits under a thread-like name or
    60% carry a time. Only the groups under :func:`_survey`'s candidate parents are tested.
    """
    chosen: list[etree._Element] = []
    below, parents, _alive = _survey(tree)  # _alive: the ids in ``below`` hold while it lives
    for parent in parents.values():
        groups: dict[tuple[str, str], list[etree._Element]] = defaultdict(list)
        for child in parent:
            tag = child.tag
            if isinstance(tag, str) and tag not in _NOT_BLOCK:
                classes = (child.get("class") or "").split()
                groups[(tag, classes[0] if classes else "")].append(child)
        for members in groups.values():
            if len(members) < 2 and not members[0].get("data-floor"):
                continue
            marks = [below.get(id(m), 0) for m in members]
            if not _mostly_marked(members, marks):
                continue
            timed = sum(1 for m, b in zip(members, marks, strict=True) if _has_time(m, b))
            if _near_threadish(members[0]) or timed * 10 >= len(members) * 6:
                chosen.extend(members)
    if len(chosen) > 1:
        position = {id(e): i for i, e in enumerate(tree.iter())}
        chosen.sort(key=lambda e: position[id(e)])
    return chosen


def _mostly_marked(members: list[etree._Element], marks: list[int]) -> bool:
    """At least 60% of the blocks carry an author or a floor; stops as soon as that is decided
    (the floor test reads a block's text, and most repeated siblings are no thread)."""
    need = -(-len(members) * 6 // 10)  # the least k with k * 10 >= len * 6
    marked = 0
    for left, (m, b) in enumerate(zip(members, marks, strict=True)):
        if marked >= need or marked + len(members) - left < need:
            break
        if _has_author(m, b) or _has_floor(m, b):
            marked += 1
    return marked >= need


def _first(root: etree._Element, pattern: re.Pattern[str], skip: set[int]) -> etree._Element | None:
    for e in _elements(root):
        if e is root or id(e) in skip:
            continue
        if _matches(pattern, _attrs(e)) and e.text_content().strip():
            return e
    return None


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    # Keep the text that follows the element (its tail): it belongs to the parent.
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _quote(bq: etree._Element) -> Quote:
    author = ""
    when: datetime | None = None
    head = bq.find(".//cite")
    if head is None:
        head = _first(bq, _AUTHORISH, set())
    if head is None:
        for tag in ("strong", "b"):
            head = bq.find(f".//{tag}")
            if head is not None:
                break
    full = bq.text_content().strip()
    floor_hint: int | None = None
    if head is not None:
        head_text = _clean(head.text_content())
        m = _QUOTE_HEAD.match(head_text)
        author = m["name"] if m else head_text.split()[0] if head_text.split() else ""
        when = parse_date(head_text) if len(head_text) <= 200 else None
        fm = _FLOOR_TEXT.search(head_text)
        if fm:
            floor_hint = int(next(g for g in fm.groups() if g))
        _drop(head)
        body = _clean(bq.text_content())
    else:
        first, _, rest = full.partition("\n")
        m = _QUOTE_HEAD.match(_clean(first))
        if m:
            author = m["name"]
            when = parse_date(first) if len(first) <= 200 else None
            body = _clean(rest)
        else:
            body = _clean(full)
    return Quote(author=author, text=body, posted_at=when, floor=floor_hint)


def extract_thread(
    tree: lxml.html.HtmlElement, name: str, errors: list[InputError] | None = None
) -> tuple[Comment, ...]:
    """The reader comments of a parsed page, floors numbered, quotes and replies resolved.

    ``tree`` is not modified. A block that cannot be read is skipped (and reported in
    ``errors`` when given); a page without a thread returns ``()``.
    """
    blocks = _find_blocks(tree)
    if not blocks:
        return ()
    index = {id(b): i for i, b in enumerate(blocks)}
    enclosing: list[int | None] = []
    for b in blocks:
        up = b.getparent()
        while up is not None and id(up) not in index:
            up = up.getparent()
        enclosing.append(index[id(up)] if up is not None else None)
    comments: list[Comment] = []
    floor_of_block: dict[int, int] = {}
    used: set[int] = set()
    last_floor_of: dict[str, int] = {}
    history: list[Comment] = []
    for i, block in enumerate(blocks):
        try:
            comment = _read_block(block, index, i, used, enclosing[i], floor_of_block, last_floor_of, history)
        except (ValueError, TypeError, etree.LxmlError) as exc:
            err = InputError(name, f"comment block {i + 1}: cannot be read ({exc}); skipped")
            if errors is None:
                log.warning("%s", err)
            else:
                errors.append(err)
            continue
        if comment is None:
            continue
        floor_of_block[i] = comment.floor
        used.add(comment.floor)
        if comment.author:
            last_floor_of[comment.author] = comment.floor
        comments.append(comment)
        history.append(comment)
    return tuple(comments)


def _read_block(
    block: etree._Element,
    index: dict[int, int],
    i: int,
    used: set[int],
    parent_block: int | None,
    floor_of_block: dict[int, int],
    last_floor_of: dict[str, int],
    history: list[Comment],
) -> Comment | None:
    clone = copy.deepcopy(block)
    # Remove nested blocks (replies of their own) from this block's copy, matched by position.
    originals = [e for e in block.iter() if isinstance(e.tag, str)]
    copies = [e for e in clone.iter() if isinstance(e.tag, str)]
    nested = [c for o, c in zip(originals, copies, strict=True) if o is not block and id(o) in index]
    for c in nested:
        _drop(c)

    floor: int | None = None
    raw_floor = block.get("data-floor")
    if raw_floor and raw_floor.strip().isdigit():
        floor = int(raw_floor.strip())
    floor_el = _first(clone, _FLOORISH, set())
    if floor is None:
        if floor_el is not None:
            probe = _clean(floor_el.text_content())
        else:
            # Look for "N楼"/"#N" in the block's header only, not in the reply's words ("回复3楼").
            body_el = _first(clone, _CONTENTISH, set())
            whole = _clean(clone.text_content())
            body = _clean(body_el.text_content()) if body_el is not None else ""
            probe = (whole.replace(body, " ", 1) if body else whole)[:80]
        m = _FLOOR_TEXT.search(probe)
        if m:
            floor = int(next(g for g in m.groups() if g))
        elif floor_el is not None and (digits := re.search(r"\d{1,6}", probe)):
            floor = int(digits.group(0))
    if floor is None or floor in used or floor <= 0:
        floor = max(used, default=0) + 1

    author_el = clone.find(".//*[@itemprop='author']")
    if author_el is None:
        author_el = _first(clone, _AUTHORISH, set())
    if author_el is None:
        author_el = clone.find(".//cite")
    if author_el is not None and author_el.getparent() is not None:
        inner = author_el.find(".//*[@itemprop='name']")
        author = _clean((inner if inner is not None else author_el).text_content())[:60]
    else:
        author = ""

    posted: datetime | None = None
    time_el = clone.find(".//time")
    if time_el is not None:
        posted = parse_date(time_el.get("datetime") or time_el.text_content() or "")
    if time_el is None:
        time_el = _first(clone, _TIMEISH, set())
        if time_el is not None:
            txt = _clean(time_el.text_content())
            posted = parse_date(txt) if len(txt) <= 200 else None

    quotes: list[Quote] = []
    for bq in list(clone.iter("blockquote")):
        q = _quote(bq)
        q = Quote(
            author=q.author, text=q.text, posted_at=q.posted_at, floor=_resolve(q, history, last_floor_of)
        )
        quotes.append(q)
        _drop(bq)

    for el in (author_el, time_el, floor_el):
        if el is not None and el.getparent() is not None:
            _drop(el)
    for el in [e for e in _elements(clone) if e is not clone and _matches(_ACTIONISH, _attrs(e))]:
        if el.getparent() is not None:
            _drop(el)
    content_el = _first(clone, _CONTENTISH, set())
    text = _clean((content_el if content_el is not None else clone).text_content())
    if not text and not quotes and not author:
        return None

    parent_floor: int | None = None
    if parent_block is not None:
        parent_floor = floor_of_block.get(parent_block)
    if parent_floor is None and quotes and quotes[0].floor is not None:
        parent_floor = quotes[0].floor
    if parent_floor is None:
        m = _REPLY_TO.match(text)
        if m:
            parent_floor = last_floor_of.get(m.group(1))
    return Comment(
        floor=floor,
        author=author,
        text=text,
        posted_at=posted,
        quotes=tuple(quotes),
        parent_floor=parent_floor,
    )


def _resolve(q: Quote, history: list[Comment], last_floor_of: dict[str, int]) -> int | None:
    """The floor a quote points at: stated floor, else same author and time, else same author, else text."""
    floors = {c.floor for c in history}
    if q.floor is not None and q.floor in floors:
        return q.floor
    if q.author:
        for c in reversed(history):
            if c.author == q.author and q.posted_at is not None and c.posted_at == q.posted_at:
                return c.floor
        if q.author in last_floor_of:
            return last_floor_of[q.author]
    if q.text:
        probe = q.text[:40]
        for c in reversed(history):
            if probe and probe in c.text:
                return c.floor
    return None
