"""The Weibo reader's per-reply fast paths give what the old steps gave.

A CED date (``2014-07-24 14:37:38``) matched by ``_CED_TIME_RE`` is read by
``datetime.fromisoformat`` instead of ``datetime(*map(int, groups))``; the repost-chain regex
runs only on a text holding ``//`` and the ``回复@`` regex only on one holding ``回复``. Each is
held to the old step, copied here, on every CED reply and on generated edge cases.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path

from storyline.records import Quote
from storyline.sources import weibo


def _old_ced_time(text: str) -> datetime | str | None:
    try:
        m = weibo._CED_TIME_RE.fullmatch(text.strip())
        return datetime(*map(int, m.groups()), tzinfo=weibo.WEIBO_TZ) if m else None
    except ValueError:
        return "ValueError"


def _new_ced_time(text: str) -> datetime | str | None:
    try:
        if weibo._CED_TIME_RE.fullmatch(text.strip()):
            return datetime.fromisoformat(text.strip()).replace(tzinfo=weibo.WEIBO_TZ)
        return None
    except ValueError:
        return "ValueError"


def _old_split_chain(text: str, last_floor_of: dict[str, int]) -> tuple[str, tuple[Quote, ...]]:
    marks = list(weibo._CHAIN_RE.finditer(text))
    if not marks:
        return text.strip(), ()
    own = text[: marks[0].start()].strip()
    quotes = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        author = m["name"]
        quotes.append(Quote(author=author, text=text[m.end() : end].strip(), floor=last_floor_of.get(author)))
    return own, tuple(quotes)


def _ced_replies(weibo_dir: Path) -> list[dict]:
    return [
        item for p in sorted((weibo_dir / "threads").glob("*.json")) for item in json.loads(p.read_bytes())
    ]


def _generated_dates() -> list[str]:
    rng = random.Random(19)
    out = []
    for _ in range(20000):
        y, mo, d = rng.randint(0, 10000), rng.randint(0, 13), rng.randint(0, 32)
        h, mi, s = rng.randint(0, 25), rng.randint(0, 61), rng.randint(0, 61)
        text = f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"
        if rng.random() < 0.2:  # a character changed: another digit, a full-width one, a space
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice("0９ :-T١") + text[i + 1 :]
        out.append(rng.choice(["", " ", "\t"]) + text + rng.choice(["", " ", "\n"]))
    return out


def test_ced_dates_read_as_before(weibo_dir: Path) -> None:
    dates = [item["date"] for item in _ced_replies(weibo_dir)]
    assert len(dates) == 85481
    assert [_new_ced_time(d) for d in dates] == [_old_ced_time(d) for d in dates]


def test_generated_dates_read_as_before() -> None:
    dates = _generated_dates()
    new = [_new_ced_time(d) for d in dates]
    assert new == [_old_ced_time(d) for d in dates]
    assert sum(1 for t in new if isinstance(t, datetime)) > 1000
    assert sum(1 for t in new if t == "ValueError") > 1000
    # ... and the reader's whole answer for them is the one it gave (strptime and the short form
    # after a miss are unchanged).
    post = datetime(2014, 7, 1, tzinfo=weibo.WEIBO_TZ)
    for d in dates[:3000]:
        old = _old_ced_time(d)
        if isinstance(old, datetime):
            assert weibo._reply_time(d, post) == old


def test_ced_chains_and_replies_split_as_before(weibo_dir: Path) -> None:
    texts = [item.get("text") or "" for item in _ced_replies(weibo_dir)]
    floors = {"甲": 3}
    assert [weibo._split_chain(t, floors) for t in texts] == [_old_split_chain(t, floors) for t in texts]
    owns = [weibo._split_chain(t, floors)[0] for t in texts]
    gated = [weibo._REPLY_RE.match(o) if "回复" in o else None for o in owns]
    assert [m and m.group(0) for m in gated] == [(m := weibo._REPLY_RE.match(o)) and m.group(0) for o in owns]
    assert sum(1 for m in gated if m) > 200


def test_generated_chains_and_replies_split_as_before() -> None:
    pieces = ["//", "/", "@", "甲", "乙", ":", "：", " ", "回复", "回", "复", "转发微博", "\n", "//@", "a"]
    rng = random.Random(19)
    floors = {"甲": 1, "乙": 2}
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert weibo._split_chain(text, floors) == _old_split_chain(text, floors)
        own = weibo._split_chain(text, floors)[0]
        if "回复" not in own:
            assert weibo._REPLY_RE.match(own) is None
