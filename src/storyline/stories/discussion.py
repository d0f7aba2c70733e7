"""What a reader thread says about itself: who is quoted, who answers whom, when it was busy.

A thread is a graph: each floor points at the floor it answers (``Comment.parent_floor``) and at
every floor it quotes (``Quote.floor``). :func:`summarize_discussion` counts that graph and
writes a one-paragraph summary a reader can take in at a glance.

Example::

    >>> from storyline.records import Comment, Quote
    >>> s = summarize_discussion([
    ...     Comment(floor=1, author="甲", text="第一"),
    ...     Comment(floor=2, author="乙", text="同意", quotes=(Quote(author="甲", text="第一", floor=1),)),
    ... ])
    >>> s.most_quoted, s.reply_depth
    (((1, 1),), 1)
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storyline.records import Article, Claim, Comment, DiscussionSummary, FloorStance, ThreadSummary

if TYPE_CHECKING:
    from storyline.stories.stance import HeadlineClaim, LedgerVotes

__all__ = ["best_floors", "reply_counts", "split_line", "summarize_discussion", "summarize_threads"]

log = logging.getLogger(__name__)

TOP = 5  # how many floors / authors each "most …" list keeps


def _targets(comment: Comment, floors: set[int]) -> set[int]:
    """Earlier floors this comment answers or quotes (only those present in the thread)."""
    if not comment.quotes and comment.parent_floor is None:
        return set()  # most floors answer nobody
    out = {q.floor for q in comment.quotes if q.floor is not None}
    if comment.parent_floor is not None:
        out.add(comment.parent_floor)
    out.discard(comment.floor)  # a floor quoting itself is a parsing slip, not a reply
    return out & floors


def _reply_depth(edges: dict[int, set[int]]) -> int:
    """Longest chain of replies (a reply to a reply to … a top-level floor), cycle-safe.

    Iterative memoised DFS: threads of thousands of floors would overflow Python's recursion.
    """
    ordered = _forward_depth(edges)
    if ordered is not None:
        return ordered
    depth: dict[int, int] = {}
    for start in edges:
        if start in depth:
            continue
        if not edges[start]:  # a floor answering nobody starts a chain: what the walk gives it
            depth[start] = 0
            continue
        stack: list[tuple[int, bool]] = [(start, False)]
        on_path: set[int] = set()
        while stack:
            node, done = stack.pop()
            if done:
                on_path.discard(node)
                parents = [p for p in edges.get(node, ()) if p in depth]
                depth[node] = 1 + max((depth[p] for p in parents), default=-1)
                continue
            if node in depth or node in on_path:
                continue  # already known, or a cycle (malformed data): stop walking it
            on_path.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in edges.get(node, ()) if p not in depth and p not in on_path)
    return max(depth.values(), default=0)


def _forward_depth(edges: dict[int, set[int]]) -> int | None:
    """:func:`_reply_depth` of a thread whose every floor answers earlier floors only (a real one:
    no cycle can form), in one pass up the floors; None when some floor answers a later one.

    Each floor's parents are then met before it, so its depth is one more than theirs, a floor
    answering nobody (not in ``edges``) being 0: the longest chain the walk finds.
    """
    depth: dict[int, int] = {}
    deepest = 0
    for floor in sorted(edges):
        parents = edges[floor]
        if not parents:
            depth[floor] = 0
            continue
        d = 0
        for p in parents:
            if p >= floor:
                return None
            dp = depth.get(p, 0)
            if dp >= d:
                d = dp + 1
        depth[floor] = d
        if d > deepest:
            deepest = d
    return deepest


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _per_hour(comments: Sequence[Comment]) -> Counter[datetime]:
    """``Counter(_hour(t) for each comment's time t)``, with one ``_hour`` per distinct hour.

    Times of one zone object (by identity), wall hour and fold give one and the same ``_hour`` (its fields, zone
    and fold): they are tallied under that key first, in order of first sight, which is the
    order, the keys and the counts the Counter over every comment's ``_hour`` has (a time
    equal to it from another zone or wall hour still merges there, as before).
    """
    tally: dict[tuple, list] = {}
    for c in comments:
        at = c.posted_at
        if at is None:
            continue
        key = (id(at.tzinfo), at.year, at.month, at.day, at.hour, at.fold)  # `at` holds the zone
        seen = tally.get(key)
        if seen is None:
            tally[key] = [at, 1]
        else:
            seen[1] += 1
    per_hour: Counter[datetime] = Counter()
    for at, n in tally.values():
        per_hour[_hour(at)] += n
    return per_hour


def _top(counter: Counter, key_order: bool = True) -> tuple:
    """Highest counts first; ties broken by the key (lowest floor / name) so output is stable."""
    items = [(k, n) for k, n in counter.items() if n > 0]
    items.sort(key=lambda kv: (-kv[1], kv[0]))
    return tuple(items[:TOP])


def _summary_text(
    n_comments: int,
    n_authors: int,
    span_hours: int | None,
    most_quoted: tuple[tuple[int, int], ...],
    most_replied: tuple[tuple[int, int], ...],
    most_active: tuple[tuple[str, int], ...],
    depth: int,
) -> str:
    # Written in simplified Chinese like the rest of the portal's labels, so the 繁/简 switch
    # (OpenCC over the rendered page) converts it along with everything else.
    if n_comments == 0:
        return "暂无读者评论。"
    parts = [f"共 {n_comments} 条评论，来自 {n_authors} 位读者"]
    if span_hours is not None:
        parts[0] += f"，历时约 {span_hours} 小时" if span_hours > 0 else "，集中在一小时内"
    if most_quoted:
        floor, times = most_quoted[0]
        parts.append(f"被引用最多的是 {floor} 楼（{times} 次）")
    if most_replied and (not most_quoted or most_replied[0][0] != most_quoted[0][0]):
        floor, times = most_replied[0]
        parts.append(f"回复最多的是 {floor} 楼（{times} 条）")
    if most_active and most_active[0][1] > 1:
        author, times = most_active[0]
        parts.append(f"最活跃的读者是 {author}（{times} 条）")
    if depth > 0:
        parts.append(f"最长的回复链有 {depth} 层")
    else:
        parts.append("读者之间没有互相回复")
    return "；".join(parts) + "。"


def summarize_discussion(comments: Sequence[Comment]) -> DiscussionSummary:
    """Count a thread's reply graph: most quoted / replied floors, active authors, depth, hours.

    ``most_quoted`` counts quotes resolved to a floor; ``most_replied`` counts distinct floors
    that answer or quote a floor; ``reply_depth`` is the longest reply chain (0 when nobody
    answers anybody); ``activity`` is comments per hour for comments with a time.
    """
    graph = _graph(comments)
    authors: Counter[str] = Counter(c.author for c in comments if c.author)
    per_hour = _per_hour(comments)
    times = sorted(per_hour)
    span = None
    if times:
        stamps = [c.posted_at for c in comments if c.posted_at is not None]
        span = int((max(stamps) - min(stamps)).total_seconds() // 3600)
    quoted, replied = graph.quoted, graph.replied
    most_quoted = _top(quoted)
    most_replied = _top(replied)
    most_active = _top(authors)
    depth = _reply_depth(graph.edges)
    return DiscussionSummary(
        comments=len(comments),
        authors=len(authors),
        most_quoted=most_quoted,
        most_replied=most_replied,
        most_active=most_active,
        reply_depth=depth,
        activity=tuple((h, per_hour[h]) for h in times),
        summary=_summary_text(
            len(comments), len(authors), span, most_quoted, most_replied, most_active, depth
        ),
    )


# --------------------------------------------------------------------------------------------
# Several threads, and where their readers stand
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Graph:
    """One thread's reply graph, counted once for the discussion summary, the best-first order and
    the thread summary (each used to walk every floor's targets again)."""

    quoted: Counter[int]  # times quoted, by floor
    replied: Counter[int]  # distinct floors answering or quoting it, by floor
    edges: dict[int, set[int]]  # the floors answering somebody -> their targets, first seen first
    replying: int  # floors answering or quoting somebody


def _graph(comments: Sequence[Comment]) -> _Graph:
    """The reply graph of ``comments``, kept for the last threads seen (by the tuple's identity:
    an article's comments are one tuple, summarised by every stage of a story build)."""
    key = id(comments)
    kept = _GRAPHS.get(key)
    if kept is not None and kept[0] is comments:
        return kept[1]
    graph = _count_graph(comments)
    if type(comments) is tuple:  # a list could change under the same id: counted every time
        if len(_GRAPHS) >= _GRAPHS_KEPT:
            _GRAPHS.pop(next(iter(_GRAPHS)))
        _GRAPHS[key] = (comments, graph)  # the tuple is held: its id is not reused
    return graph


def _count_graph(comments: Sequence[Comment]) -> _Graph:
    """Only the floors that quote or answer somebody are walked: most floors of a big thread do
    neither, and have no targets. A floor without targets is left out of ``edges``, where it
    would start a chain of depth 0 (``_reply_depth`` gives it that when it meets it as a parent).
    """
    floors = {c.floor for c in comments}
    quoted: Counter[int] = Counter()
    replied: Counter[int] = Counter()
    edges: dict[int, set[int]] = {}
    replying = 0
    for c in comments:
        if not c.quotes and c.parent_floor is None:
            continue
        for q in c.quotes:
            if q.floor is not None and q.floor in floors and q.floor != c.floor:
                quoted[q.floor] += 1
        targets = _targets(c, floors)
        if not targets:
            continue
        replying += 1
        if c.floor in edges:
            edges[c.floor] |= targets
        else:
            edges[c.floor] = targets
        for t in targets:
            replied[t] += 1
    if len(floors) != len(comments) and len(edges) > 1:
        # A floor number seen twice takes its place from its first floor, as when every floor
        # was a key: the walk's start order matters on a cyclic (malformed) thread.
        edges = {f: edges[f] for f in dict.fromkeys(c.floor for c in comments) if f in edges}
    return _Graph(quoted, replied, edges, replying)


#: Reply graphs by comment tuple (its id): (tuple, graph).
_GRAPHS: dict[int, tuple[tuple[Comment, ...], _Graph]] = {}
_GRAPHS_KEPT = 64


def reply_counts(comments: Sequence[Comment]) -> tuple[Counter[int], Counter[int]]:
    """(times quoted, distinct replying floors) per floor of one thread."""
    graph = _graph(comments)
    return Counter(graph.quoted), Counter(graph.replied)  # copies: the graph is kept


def best_floors(comments: Sequence[Comment]) -> list[Comment]:
    """The thread's floors best first: most quoted, then most replied, most liked, oldest.

    What a reader who will not read 900 floors wants first: the floors the others argued with.
    """
    graph = _graph(comments)
    # get(f, 0), not [f]: most floors are in neither counter, and Counter's __missing__ is a
    # Python call a floor.
    quoted, replied = graph.quoted.get, graph.replied.get
    # A floor with no words of its own (a bare repost) goes last whatever answers it.
    return sorted(
        comments,
        key=lambda c: (
            not c.text.strip(),
            -quoted(c.floor, 0),
            -replied(c.floor, 0),
            -(c.likes or 0),
            c.floor,
        ),
    )


def _top_of(side: str, stances: Sequence[FloorStance], rank: dict[int, int]) -> int | None:
    floors = [s.floor for s in stances if s.stance == side]
    return min(floors, key=lambda f: rank[f]) if floors else None


def summarize_threads(
    articles: Sequence[Article],
    claims: Sequence[Claim] = (),
    *,
    fold: Callable[[str], str] | None = None,
    votes: LedgerVotes | None = None,
) -> tuple[ThreadSummary, ...]:
    """Every article's thread: floors, replies and the stance of each floor toward its headline.

    Biggest thread first (ties: article id). ``claims`` are the story's ledger (reader figures that
    repeat or contradict the claimant's count as cues); ``fold`` is the text folding the stance
    lexicons need (``normalize.text.canonical``). ``votes``: ``claims`` already read
    (:meth:`~storyline.stories.stance.LedgerVotes.renew`, which a story's build keeps).
    """
    from storyline.stories.stance import LedgerVotes, headline_claim, stances_of

    out: list[ThreadSummary] = []
    ledger = votes if votes is not None else LedgerVotes(claims)
    for a in sorted((a for a in articles if a.comments), key=lambda a: (-len(a.comments), a.id)):
        hc = _HEADLINES.get((a.title, fold))
        if hc is None:
            if len(_HEADLINES) >= _THREADS_KEPT:
                _HEADLINES.pop(next(iter(_HEADLINES)))
            hc = _HEADLINES[(a.title, fold)] = headline_claim(a.title, fold)
        votes = ledger.votes(hc, a.id)
        # A thread's summary is a function of its article and the ledger's votes on its floors:
        # a story is summarised again on every add, and its threads seldom change.
        key = id(a)
        kept = _THREADS.get(key)
        if kept is not None and kept[0] is a and kept[1] is fold and kept[2] == votes:
            out.append(kept[3])
            continue
        # Only the floors that take a side (a floor not listed is "other"): a story is decoded on
        # every uncached page view, and most floors of a big thread are reposts and chatter.
        stances = stances_of(hc, a.comments, votes, fold, sides_only=True)
        rank = {c.floor: i for i, c in enumerate(best_floors(a.comments))}
        n = Counter(s.stance for s in stances)  # one stance a floor: the rest are "other"
        out.append(
            ThreadSummary(
                article_id=a.id,
                outlet=a.outlet,
                title=a.title,
                floors=len(a.comments),
                replies=_graph(a.comments).replying,
                agree=n["agree"],
                disagree=n["disagree"],
                other=len(a.comments) - n["agree"] - n["disagree"],
                top_agree=_top_of("agree", stances, rank),
                top_disagree=_top_of("disagree", stances, rank),
                stances=stances,
            )
        )
        if len(_THREADS) >= _THREADS_KEPT:
            _THREADS.pop(next(iter(_THREADS)))
        _THREADS[key] = (a, fold, votes, out[-1])  # the article is held: its id is not reused
    return tuple(out)


#: Thread summaries by article (the object's id): (article, fold, votes, summary).
_THREADS: dict[int, tuple[Article, Callable[[str], str] | None, dict, ThreadSummary]] = {}
_THREADS_KEPT = 4096
_HEADLINES: dict[tuple[str, Callable[[str], str] | None], HeadlineClaim] = {}  # headline_claim, by title


def split_line(threads: Sequence[ThreadSummary]) -> str:
    """One sentence on how a story's readers split (simplified Chinese, like the other labels).

    >>> split_line([ThreadSummary("a1", floors=48, agree=20, disagree=16, other=12)])
    '48 楼评论中，20 楼赞同标题的说法，16 楼反对，12 楼谈别的。'
    """
    floors = sum(t.floors for t in threads)
    if not floors:
        return "暂无读者评论。"
    agree = sum(t.agree for t in threads)
    disagree = sum(t.disagree for t in threads)
    other = sum(t.other for t in threads)
    where = f"{len(threads)} 个讨论串共 " if len(threads) > 1 else ""
    return f"{where}{floors} 楼评论中，{agree} 楼赞同标题的说法，{disagree} 楼反对，{other} 楼谈别的。"
