"""weibo ``_thread`` sorts its rows as they stand and builds each Comment positionally.

The old step, copied here, sorted through a key function, read each reply's mid twice and
built each Comment by keywords. Both must give equal comments (and the same errors) on every
CED thread and on generated threads: replies without a date or with a bad one, equal times,
mids as numbers, strings, missing or repeated, parents as numbers, strings, missing, 0 or the
reply's own mid, empty and missing texts, likes, and items that are not replies.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path
from typing import Any

from storyline.errors import InputError, ParseError
from storyline.records import Comment
from storyline.sources import weibo as W


def _old_thread(
    items: list[Any], name: str, post_at: datetime | None, errors: list[InputError] | None
) -> tuple[Comment, ...]:
    rows: list[tuple[datetime | None, int, dict[str, Any]]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
            err = ParseError(name, f"thread item {index}: not a reply object; skipped")
            if errors is not None:
                errors.append(err)
            continue
        rows.append((W._reply_time(item.get("date"), post_at, str(item.get("mid") or "")), index, item))
    far = datetime.max.replace(tzinfo=W.WEIBO_TZ)
    rows.sort(key=lambda r: (r[0] or far, -r[1]))
    floor_of_mid: dict[str, int] = {}
    for floor, (_, _, item) in enumerate(rows, start=1):
        mid = str(item.get("mid") or "")
        if mid:
            floor_of_mid.setdefault(mid, floor)
    last_floor_of: dict[str, int] = {}
    comments: list[Comment] = []
    for floor, (at, _, item) in enumerate(rows, start=1):
        author = str(item.get("uid") or "")
        text = item.get("text") or ""
        parent = str(item.get("parent") or "")
        parent_floor = floor_of_mid.get(parent) if parent else None
        if parent_floor == floor:
            parent_floor = None
        own, quotes = W._split_chain(text, last_floor_of)
        m = W._REPLY_RE.match(own) if "回复" in own else None
        reply_to = m["name"] if m else ""
        reply_to_floor = last_floor_of.get(reply_to) if reply_to else None
        if parent_floor is None:
            if reply_to:
                parent_floor = reply_to_floor
            elif quotes and quotes[0].floor is not None:
                parent_floor = quotes[0].floor
        comments.append(
            Comment(
                floor=floor,
                author=author,
                text=own,
                posted_at=at,
                quotes=quotes,
                parent_floor=parent_floor,
                likes=W._int(likes) if (likes := item.get("likes")) is not None else None,
                reply_to=reply_to,
                reply_to_floor=reply_to_floor,
            )
        )
        if author:
            last_floor_of[author] = floor
    return tuple(comments)


def _same(items: list[Any], post_at: datetime | None) -> tuple[Comment, ...]:
    new_errors: list[InputError] = []
    old_errors: list[InputError] = []
    new = W._thread(items, "t.json", post_at, new_errors)
    old = _old_thread(items, "t.json", post_at, old_errors)
    assert new == old
    assert [(type(c.posted_at), c.posted_at and c.posted_at.tzinfo) for c in new] == [
        (type(c.posted_at), c.posted_at and c.posted_at.tzinfo) for c in old
    ]
    assert [str(e) for e in new_errors] == [str(e) for e in old_errors]
    return new


def test_ced_threads_as_before(weibo_dir: Path) -> None:
    posts = sorted((weibo_dir / "original").glob("*.json"))
    floors = 0
    for p in posts:
        post = json.loads(p.read_text(encoding="utf-8"))
        thread = json.loads((weibo_dir / "threads" / p.name).read_text(encoding="utf-8"))
        floors += len(_same(thread, W._post_time(post.get("time"))))
    assert (len(posts), floors) == (224, 85481)


_DATES = [
    None,
    "",
    "2014-07-24 14:37:38",
    "2014-07-24 14:37:38",
    " 2014-07-24 14:37:39 ",
    "2014-02-30 10:00:00",
    "2014-7-4 1:02:03",
    "08月02日 05:10",
    "13月40日 05:10",
    "2014-07-24T14:37:38+00:00",
    "0001-01-01T00:00:00+14:00",
    "昨天",
    12345,
]
_MIDS = [None, "", 0, "E1Dgewfd1", "z6AQz0uPP", "3516455226098629", 3516455226098629, "m1", "m2", "m1"]
_TEXTS = ["", None, "好", "回复@甲:对", "转发//@乙: 原话//@丙:更早", " 回复 @丁 ： 嗯 ", "//@甲:", 7]


def _generated_thread(rng: random.Random) -> list[Any]:
    items: list[Any] = []
    for _ in range(rng.randint(0, 25)):
        if rng.random() < 0.05:
            items.append(rng.choice(["not a reply", 3, None, ["x"]]))
            continue
        item: dict[str, Any] = {
            "uid": rng.choice(["", "甲", "乙", "丙", "丁", 42, None]),
            "date": rng.choice(_DATES),
            "mid": rng.choice(_MIDS),
            "parent": rng.choice([None, "", 0, "m1", "m2", "E1Dgewfd1", 3516455226098629, "nobody"]),
        }
        text = rng.choice(_TEXTS)
        if text is not None or rng.random() < 0.5:
            item["text"] = text
        if rng.random() < 0.2:
            item["likes"] = rng.choice([0, 5, "7", " 8 ", True, -1, None])
        items.append(item)
    return items


def test_generated_threads_as_before() -> None:
    rng = random.Random(20)
    post_times = [
        None,
        datetime(2014, 7, 24, 12, 0, tzinfo=W.WEIBO_TZ),
        datetime(2016, 12, 31, tzinfo=W.WEIBO_TZ),
    ]
    floors = 0
    for _ in range(4000):
        floors += len(_same(_generated_thread(rng), rng.choice(post_times)))
    assert floors > 30000
