"""Story timeline: first report, outlets joining, new claims, discussion bursts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storyline.records import Article, Claim, Comment
from storyline.stories.timeline import build_timeline

T0 = datetime(2025, 1, 22, 1, 30, tzinfo=UTC)


def art(outlet: str, hours: float, comments: tuple[Comment, ...] = (), title: str = "t") -> Article:
    return Article(
        url=f"https://{outlet}/{hours}",
        outlet=outlet,
        title=title,
        paragraphs=("p",),
        published_at=T0 + timedelta(hours=hours),
        comments=comments,
    )


def thread(times_minutes: list[float | None]) -> tuple[Comment, ...]:
    return tuple(
        Comment(
            floor=i + 1, author=f"r{i}", text="x", posted_at=None if m is None else T0 + timedelta(minutes=m)
        )
        for i, m in enumerate(times_minutes)
    )


def test_first_report_then_each_outlet_once_in_time_order():
    rfi, bbc, rfi2, cna = art("RFI", 0, title="马斯克泼冷水"), art("BBC", 5), art("RFI", 7), art("CNA", 3)
    undated = Article(url="u", outlet="Undated", title="t", paragraphs=())
    events = build_timeline([bbc, rfi2, cna, rfi, undated])
    assert [(e.kind, e.outlet) for e in events] == [
        ("first_report", "RFI"),
        ("outlet_joined", "CNA"),
        ("outlet_joined", "BBC"),
    ]
    assert events[0].label == "RFI: 马斯克泼冷水" and events[0].at == T0 and events[0].article_id == rfi.id


def test_a_figure_appears_once_at_its_first_report_and_reader_claims_at_their_floor_time():
    rfi = art("RFI", 0, comments=thread([600.0]))
    bbc = art("BBC", 2)
    softbank = dict(subject="软银", measure="cash", value=2.43e10, unit="USD")
    claims = [
        Claim(**softbank, text="243亿美元", speaker="FT", article_id=bbc.id, id="c2"),
        Claim(**softbank, text="243亿美元", speaker="RFI", article_id=rfi.id, id="c1"),
        Claim(
            subject="微软",
            measure="investment",
            value=8e10,
            unit="USD",
            text="800亿美元",
            speaker="reader",
            article_id=rfi.id,
            floor=1,
            paragraph=-1,
            id="c3",
        ),
        Claim(subject="x", measure="y", value=1, unit="jobs", text="orphan", article_id="missing", id="c4"),
    ]
    events = [e for e in build_timeline([rfi, bbc], claims) if e.kind == "claim"]
    assert [(e.at, e.label) for e in events] == [
        (T0, "RFI: 软银 243亿美元"),
        (T0 + timedelta(minutes=600), "reader: 微软 800亿美元"),
    ]


def test_an_hour_with_many_comments_is_a_burst_and_undated_comments_are_skipped():
    # one comment an hour for 10 hours, then 8 comments in hour 10, plus undated ones
    minutes = [60.0 * h for h in range(10)] + [600.0 + i for i in range(8)] + [None] * 20
    a = art("RFI", 0, comments=thread(minutes))
    bursts = [e for e in build_timeline([a]) if e.kind == "discussion_burst"]
    assert len(bursts) == 1
    assert bursts[0].at == datetime(2025, 1, 22, 11, tzinfo=UTC)
    assert bursts[0].label == "8 comments in one hour" and bursts[0].article_id == a.id


def test_a_steady_thread_has_no_burst_and_a_small_spike_is_below_the_minimum():
    steady = art("RFI", 0, comments=thread([10.0 * i for i in range(60)]))  # 6 an hour for 10 h
    assert not [e for e in build_timeline([steady]) if e.kind == "discussion_burst"]
    spike = art("BBC", 0, comments=thread([0.0, 300.0, 301.0, 302.0]))
    assert not [e for e in build_timeline([spike]) if e.kind == "discussion_burst"]
    assert [e.kind for e in build_timeline([spike], burst_min=3)].count("discussion_burst") == 1


def test_events_are_sorted_by_time():
    a = art("RFI", 0, comments=thread([0.0, 60.0, 120.0, 180.0] + [200.0 + i for i in range(6)]))
    b = art("BBC", 0.25)
    events = build_timeline([b, a])
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert [e.kind for e in events] == ["first_report", "outlet_joined", "discussion_burst"]
