"""Synthetic news articles for the store benchmarks: CJK text in both scripts plus English words.

Deterministic for a seed. Planted words have known document frequencies so a query's result set
size is controlled: 川普/特朗普 (~1%), 星际之门 (~0.5%), "stargate" (~1%), and the common pair
中国 in ~20% of documents (the expensive case: many matches to sort by date).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from storyline.records import Analysis, Article, RawInput
from storyline.store.bigrams import fold

COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研"
)
TRADITIONAL = "國說發經濟總統貿易關稅軟銀實際宣佈計劃輸電網絡數據處時間學習"
PLANTED = [("川普", 0.01), ("特朗普", 0.01), ("星際之門", 0.005), ("中国", 0.2)]
ENGLISH = [
    "market",
    "policy",
    "energy",
    "data",
    "center",
    "investment",
    "president",
    "stock",
    "chip",
    "cloud",
]


def _sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(COMMON + TRADITIONAL) for _ in range(n))


def article(i: int, rng: random.Random, raw_sha256: str) -> tuple[Article, Analysis]:
    paragraphs = []
    for _ in range(rng.randint(3, 6)):
        parts = [_sentence(rng, rng.randint(20, 60))]
        for word, p in PLANTED:
            if rng.random() < p:
                parts.insert(rng.randint(0, len(parts)), word)
        if rng.random() < 0.3:
            parts.append(" " + " ".join(rng.choices(ENGLISH, k=3)) + " ")
        if rng.random() < 0.01:
            parts.append(" Stargate ")
        paragraphs.append("".join(parts) + "。")
    title = _sentence(rng, rng.randint(8, 20))
    published = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 60 * 24 * 365))
    art = Article(
        url=f"https://example.org/{i}",
        outlet=f"outlet{i % 50}",
        title=title,
        paragraphs=tuple(paragraphs),
        published_at=published,
        script="zh-Hans",
        raw_sha256=raw_sha256,
    )
    an = Analysis(
        article_id=art.id,
        script="zh-Hans",
        canonical_title=fold(title),
        canonical_paragraphs=tuple(fold(p) for p in paragraphs),
        display_title=title,
        display_paragraphs=art.paragraphs,
    )
    return art, an


def batches(
    n: int, per_input: int, seed: int = 7
) -> Iterator[tuple[RawInput, list[Article], list[Analysis]]]:
    """``n`` articles grouped ``per_input`` to an input (one raw, one write_input each)."""
    rng = random.Random(seed)
    for start in range(0, n, per_input):
        raw = RawInput(name=f"synthetic/{start}.jsonl", data=f"synthetic batch {seed} {start}".encode())
        pairs = [article(i, rng, raw.sha256) for i in range(start, min(n, start + per_input))]
        yield raw, [a for a, _ in pairs], [b for _, b in pairs]


@contextmanager
def fresh_pg_database(url: str) -> Iterator[str]:
    """A new empty database on the server of ``url``, dropped afterwards."""
    import psycopg

    name = "sl_bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(url)._replace(path="/" + name))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
