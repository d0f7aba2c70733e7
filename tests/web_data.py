"""Hand-made records for the web tests: a real SQLite store with a story, an alias and an XSS story.

Every string here is invented for the tests (no seed or data text). ``build_store`` writes the
records through ``Store.write_input`` exactly as the pipeline would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storyline.records import (
    Analysis,
    Article,
    Claim,
    Comment,
    Entity,
    GroupMember,
    Keyword,
    ParagraphGroup,
    Quote,
    RawInput,
    Stats,
    Story,
    TimelineEvent,
)
from storyline.store.base import InputWrite, StoryAssignment
from storyline.store.sqlite import SQLiteStore
from storyline.stories.discussion import summarize_discussion

T0 = datetime(2025, 1, 22, 8, 0, tzinfo=UTC)
XSS = "<script>alert(1)</script>"
XSS_ATTR = '" onmouseover="alert(2)'

THREAD = (
    Comment(floor=1, author="老张", text="这笔钱到底从哪里来？", posted_at=T0 + timedelta(hours=2)),
    Comment(floor=2, author="小李", text="软银账上现金不够。", posted_at=T0 + timedelta(hours=2, minutes=5)),
    Comment(
        floor=3,
        author="老王",
        text="同意楼上，资金是个问题。",
        posted_at=T0 + timedelta(hours=3),
        quotes=(
            Quote(
                author="小李",
                text="软银账上现金不够。",
                posted_at=T0 + timedelta(hours=2, minutes=5),
                floor=2,
            ),
        ),
        parent_floor=2,
    ),
    Comment(
        floor=4,
        author="老张",
        text="信息来源请注明。",
        posted_at=T0 + timedelta(hours=3, minutes=10),
        quotes=(Quote(author="老王", text="资金是个问题", floor=3),),
    ),
    Comment(
        floor=5,
        author="路人",
        text="两位都有道理。",
        posted_at=T0 + timedelta(hours=5),
        quotes=(
            Quote(author="小李", text="现金不够", floor=2),
            Quote(author="无名", text="不在本帖", floor=None),
        ),
    ),
)

ART_A = Article(
    url="https://news.example.org/a/1",
    outlet="甲报",
    title="星门计划宣布投资五千亿美元",
    paragraphs=("星门计划宣布将投资五千亿美元建设数据中心。", "软件公司表示首期投入一千亿美元。"),
    published_at=T0,
    script="zh-Hans",
    stats=Stats(reads=1234, comments=5),
    comments=THREAD,
)
ART_B = Article(
    url="https://tw.example.org/news/2",
    outlet="乙報",
    title="星門計畫投資五千億美元",
    paragraphs=("星門計畫宣布將投資五千億美元建設資料中心。",),
    published_at=T0 + timedelta(hours=1),
    script="zh-Hant",
)
ART_C = Article(
    url="https://en.example.com/stargate",
    outlet="Example Wire",
    title="Stargate pledges $500 billion",
    paragraphs=("The Stargate venture pledged $500 billion for data centres.",),
    published_at=T0 + timedelta(hours=4),
    script="en",
)

CLAIMS = (
    Claim(
        subject="星门计划",
        measure="investment",
        value=5e11,
        unit="USD",
        text="五千亿美元",
        qualifier="",
        speaker="甲报",
        article_id=ART_A.id,
        paragraph=0,
        id="c1",
        agrees_with=("c2",),
    ),
    Claim(
        subject="星门计划",
        measure="investment",
        value=5e11,
        unit="USD",
        text="五千億美元",
        speaker="乙報",
        article_id=ART_B.id,
        paragraph=0,
        id="c2",
        agrees_with=("c1",),
    ),
    Claim(
        subject="软银",
        measure="cash",
        value=2e10,
        unit="USD",
        text="现金不够",
        speaker="小李",
        speaker_kind="reader",
        article_id=ART_A.id,
        floor=2,
        id="c3",
        contradicts=("c4",),
    ),
    Claim(
        subject="软银",
        measure="cash",
        value=1e11,
        unit="USD",
        text="一千亿美元",
        qualifier="at least",
        speaker="软件公司",
        article_id=ART_A.id,
        paragraph=1,
        id="c4",
        contradicts=("c3",),
    ),
)

GROUPS = (
    ParagraphGroup(
        id="g1",
        text=ART_A.paragraphs[0],
        members=(
            GroupMember(ART_A.id, "甲报", "zh-Hans", 0, 1.0, text=ART_A.paragraphs[0]),
            GroupMember(ART_B.id, "乙報", "zh-Hant", 0, 0.93, text=ART_B.paragraphs[0]),
            GroupMember(ART_C.id, "Example Wire", "en", 0, 0.71, text=ART_C.paragraphs[0]),
        ),
    ),
    ParagraphGroup(
        id="g2",
        text=ART_A.paragraphs[1],
        members=(GroupMember(ART_A.id, "甲报", "zh-Hans", 1, 1.0, text=ART_A.paragraphs[1]),),
    ),
)

STORY = Story(
    id="s1",
    concept="星门计划",
    headline="星门计划宣布投资五千亿美元",
    article_ids=(ART_A.id, ART_B.id, ART_C.id),
    keywords=(Keyword("星门", 0.9), Keyword("数据中心", 0.5), Keyword("软件", 0.4)),
    entities=(Entity("软银", ("軟銀", "SoftBank"), "org", 3),),
    paragraphs=GROUPS,
    timeline=(
        TimelineEvent(T0, "first_report", "甲报首发", ART_A.id, "甲报"),
        TimelineEvent(T0 + timedelta(hours=1), "outlet_joined", "乙報跟进", ART_B.id, "乙報"),
        TimelineEvent(
            T0 + timedelta(hours=4), "outlet_joined", "Example Wire joins", ART_C.id, "Example Wire"
        ),
        TimelineEvent(T0 + timedelta(hours=1), "claim", "五千亿美元", ART_A.id, "甲报"),
        TimelineEvent(T0 + timedelta(hours=3), "discussion_burst", "讨论高峰", ART_A.id, "甲报"),
    ),
    claims=CLAIMS,
    discussion=summarize_discussion(THREAD),
    hotness=10.0,
    first_seen=T0,
    last_updated=T0 + timedelta(hours=5),
    aliases=("s0",),
)

XSS_ARTICLE = Article(
    url="javascript:alert(3)",
    outlet=f"坏人{XSS}",
    title=f"标题{XSS}{XSS_ATTR}",
    paragraphs=(f"正文{XSS}<img src=x onerror=alert(4)>",),
    published_at=T0 + timedelta(hours=6),
    script="zh-Hans",
    comments=(
        Comment(
            floor=1,
            author=f"作者{XSS_ATTR}",
            text=f"评论{XSS}",
            posted_at=T0 + timedelta(hours=7),
            quotes=(Quote(author=XSS, text=XSS, floor=1),),
        ),
    ),
)
XSS_STORY = Story(
    id="sx",
    concept=f"概念{XSS}",
    headline=f"标题{XSS}{XSS_ATTR}",
    article_ids=(XSS_ARTICLE.id,),
    keywords=(Keyword(XSS, 1.0),),
    entities=(Entity(XSS, (XSS_ATTR,)),),
    claims=(
        Claim(
            subject=XSS, measure="x", value=1.0, unit="USD", text=XSS, speaker=XSS, article_id=XSS_ARTICLE.id
        ),
    ),
    timeline=(TimelineEvent(T0 + timedelta(hours=6), "first_report", XSS, XSS_ARTICLE.id, XSS),),
    hotness=1.0,
    first_seen=T0 + timedelta(hours=6),
    last_updated=T0 + timedelta(hours=7),
)


def _analysis(a: Article) -> Analysis:
    return Analysis(
        article_id=a.id,
        script=a.script,
        canonical_title=a.title,
        canonical_paragraphs=a.paragraphs,
        display_title=a.title,
        display_paragraphs=a.paragraphs,
    )


def build_store(path: Path) -> SQLiteStore:
    """A migrated SQLite store holding STORY (with alias s0 merged into it) and XSS_STORY."""
    store = SQLiteStore(str(path))
    store.migrate()
    # s0 first exists on its own, then a second input merges it into s1 (its id becomes an alias)
    old = Story(id="s0", concept="星门", headline="旧标题", article_ids=(ART_A.id,), hotness=1.0)
    store.write_input(
        InputWrite(
            raw=RawInput(name="a.jsonl", data=b"a"),
            articles=[ART_A],
            analyses=[_analysis(ART_A)],
            assignments=[StoryAssignment(ART_A.id, "s0")],
            stories=[old],
        )
    )
    store.write_input(
        InputWrite(
            raw=RawInput(name="bc.jsonl", data=b"bc"),
            articles=[ART_B, ART_C],
            analyses=[_analysis(ART_B), _analysis(ART_C)],
            assignments=[StoryAssignment(a, "s1") for a in STORY.article_ids],
            stories=[STORY],
            merged={"s0": "s1"},
        )
    )
    store.write_input(
        InputWrite(
            raw=RawInput(name="x.jsonl", data=b"x"),
            articles=[XSS_ARTICLE],
            analyses=[_analysis(XSS_ARTICLE)],
            assignments=[StoryAssignment(XSS_ARTICLE.id, "sx")],
            stories=[XSS_STORY],
        )
    )
    return store


def counting(store, monkeypatch, name: str) -> list[int]:
    """Count calls of ``store.<name>`` (a cache hit must not reach the store); ``[n]``, live."""
    calls = [0]
    real = getattr(store, name)

    def counted(*a, **kw):
        calls[0] += 1
        return real(*a, **kw)

    monkeypatch.setattr(store, name, counted)
    return calls
