"""A synthetic news stream with known stories, for the clustering benchmarks.

N stories, each with on average M reports (1..2M-1), in simplified and traditional Chinese and
English, in publication order:

- a story has 2-4 canonical entities (Zipf over a pool, so popular names recur across many
  stories, as 特朗普 does) and 25 topic concepts (Zipf over a vocabulary, so stories overlap);
  15% of stories are follow-ups of an earlier story (same entities, a third of its topic): the hard
  case for a clusterer (their headlines use their own words; 8 topic words are the parent's);
- a report samples a headline and 4-8 sentences: each word from the story's topic with p=0.5,
  else from the background vocabulary; each story entity is mentioned with p=0.8 and an
  unrelated popular entity with p=0.3; 20% of reports reprint 1-2 "wire" paragraphs verbatim;
- words are synthetic concepts with a simplified form (2-3 common CJK characters), its OpenCC
  s2t traditional form for display, and a pseudo-English word; the Analysis carries the
  canonical (simplified / lower-case) tokens an analyze stage would produce, so no rjieba run is
  needed (segmenting random character strings would only add noise);
- stories start at ``stories_per_hour`` (uniform over the span), reports follow the first after
  an exponential delay (mean 8 h, capped at 72 h): the number of stories alive at once stays
  flat however long the stream is, as in real news.

The embedding of synthetic words means nothing, so benchmarks use ``encoder=False``.

    >>> from benchmarks.stream_generator import stream      # doctest: +SKIP
    >>> for article, analysis, truth in stream(1000): ...   # doctest: +SKIP
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import opencc

from storyline.records import Analysis, Article, EntityMention

_START = datetime(2025, 1, 1, tzinfo=UTC)
_COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方"
    "后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开"
    "它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此"
    "变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老"
    "头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门"
    "即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花"
)
_ENTITY_ZH = "特朗普马斯克奥特曼孙正义纳德拉拜登普京泽连斯基习近平莫迪黄仁勋库克贝索斯扎克伯格盖茨巴菲特"


_CODE = "甲乙丙丁戊己庚辛壬癸"


def _name_code(i: int) -> str:
    """``i`` in base 10 written with the ten heavenly stems (甲乙丙...): unique, digit-free."""
    out = ""
    while True:
        i, r = divmod(i, 10)
        out = _CODE[r] + out
        if not i:
            return out


class Vocabulary:
    """Synthetic concepts: simplified, traditional and English forms of each."""

    def __init__(self, size: int, n_entities: int, seed: int) -> None:
        rng = random.Random(seed)
        zh: list[str] = []
        seen: set[str] = set()
        while len(zh) < size:
            w = "".join(rng.choice(_COMMON) for _ in range(rng.choice((2, 2, 3))))
            if w not in seen:
                seen.add(w)
                zh.append(w)
        trad = opencc.OpenCC("s2t").convert("\n".join(zh)).split("\n")
        letters = "abcdefghijklmnopqrstuvwxyz"
        en = ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(size)]
        self.zh, self.trad, self.en = zh, trad, en
        # Unique names without digits: a report's figures (numbers of 2+ digits) are evidence of
        # their own, and names carrying their index as digits would count each shared name twice.
        self.entities = [
            "".join(rng.choice(_ENTITY_ZH) for _ in range(rng.choice((2, 3, 4)))) + _name_code(i)
            for i in range(n_entities)
        ]
        ranks = np.arange(1, size + 1, dtype=np.float64)
        # Zipf weights kept as their CDF: weighted draws by searchsorted on uniforms, ~50x
        # cheaper than Generator.choice(p=...), which rebuilds the CDF of all 30k words per call
        self.word_cdf = np.cumsum(1 / ranks) / np.sum(1 / ranks)
        eranks = np.arange(1, n_entities + 1, dtype=np.float64)
        self.entity_cdf = np.cumsum(1 / eranks**0.8) / np.sum(1 / eranks**0.8)

    def words(self, r: np.random.Generator, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.word_cdf, r.random(n)), len(self.zh) - 1)

    def distinct(self, r: np.random.Generator, cdf: np.ndarray, k: int) -> list[int]:
        """k distinct weighted draws (Generator.choice(replace=False, p=...) is ~1 ms a call)."""
        out: dict[int, None] = {}
        while len(out) < k:
            for i in np.searchsorted(cdf, r.random(2 * k)):
                out.setdefault(int(min(i, len(cdf) - 1)), None)
                if len(out) == k:
                    break
        return list(out)

    def entity(self, r: np.random.Generator) -> int:
        return int(min(np.searchsorted(self.entity_cdf, r.random()), len(self.entities) - 1))


def stream(
    n_articles: int,
    *,
    per_story: int = 10,
    stories_per_hour: float = 20.0,
    seed: int = 0,
    vocab_size: int = 30_000,
    n_entities: int = 5_000,
) -> Iterator[tuple[Article, Analysis, int]]:
    """Yield (Article, Analysis, true story index) in publication order, built lazily."""
    rng = np.random.default_rng(seed)
    vocab = Vocabulary(vocab_size, n_entities, seed)
    sizes: list[int] = []
    total = 0  # a running total: re-summing the list each turn is quadratic (10^10 adds at 1M)
    while total < n_articles:
        sizes.append(int(rng.integers(1, 2 * per_story)))
        total += sizes[-1]
    sizes[-1] -= total - n_articles
    n_stories = len(sizes)
    span_h = n_stories / stories_per_hour
    # Sorted: story indices in order of start, so a follow-up's parent (one of the 200 stories
    # before it, below) started 0-10 h earlier, at every stream length. Unsorted, the parent was
    # any story of the span: at 10k reports (50 h) it often started after its follow-up, at 1M
    # (5,000 h) it was weeks away and the hard case vanished.
    starts = np.sort(rng.uniform(0, span_h, n_stories))
    events = []
    for s, (size, start) in enumerate(zip(sizes, starts, strict=True)):
        delays = np.minimum(rng.exponential(8.0, size), 72.0)
        delays[0] = 0.0
        events.extend((float(start + d), s, k) for k, d in enumerate(delays))
    events.sort()
    topics: dict[int, tuple[list[int], list[int], list[list[int]]]] = {}

    def topic(s: int) -> tuple[list[int], list[int], list[list[int]]]:
        if s not in topics:
            r = np.random.default_rng((seed, s))
            ents = vocab.distinct(r, vocab.entity_cdf, int(r.integers(2, 5)))
            words = vocab.distinct(r, vocab.word_cdf, 25)
            if s > 0 and r.random() < 0.15:  # a follow-up of an earlier story
                parent = int(r.integers(max(0, s - 200), s))
                pe, pw, _ = topic(parent)
                ents, words = list(pe), words[:17] + list(pw[:8])
            wire = [list(r.choice(words, size=14)) + list(vocab.words(r, 6)) for _ in range(2)]
            topics[s] = (ents, words, wire)
        return topics[s]

    for t, s, k in events:
        ents, words, wire = topic(s)
        r = np.random.default_rng((seed, s, k, 7))
        lang = r.choice(["zh-Hans", "zh-Hant", "en"], p=[0.45, 0.3, 0.25])
        sent_ids: list[list[int]] = []
        title = list(r.choice(words[:12], size=6))
        for _ in range(int(r.integers(4, 9))):
            n = int(r.integers(8, 16))
            topical = r.random(n) < 0.5
            bg = vocab.words(r, n)
            tp = r.choice(words, size=n)
            sent_ids.append([int(tp[i]) if topical[i] else int(bg[i]) for i in range(n)])
        if r.random() < 0.2:
            sent_ids[: int(r.integers(1, 3))] = [list(map(int, w)) for w in wire[: int(r.integers(1, 3))]]
        mentioned = [e for e in ents if r.random() < 0.8] or [ents[0]]
        if r.random() < 0.3:
            mentioned.append(vocab.entity(r))
        names = [vocab.entities[e] for e in mentioned]
        # entity names open the first sentence, as a lead names who did what
        sent_ids_text = sent_ids
        if lang == "en":
            canon_words = [[vocab.en[w] for w in sent] for sent in sent_ids_text]
            title_c = " ".join(vocab.en[w] for w in title)
            display_title = title_c.title()
            canon_paras = [" ".join(ws) + "." for ws in canon_words]
            canon_paras[0] = " ".join(names) + " " + canon_paras[0]
            display = canon_paras
        else:
            forms = vocab.zh if lang == "zh-Hans" else vocab.trad
            canon_words = [[vocab.zh[w] for w in sent] for sent in sent_ids_text]
            title_c = "".join(vocab.zh[w] for w in title)
            display_title = "".join(forms[w] for w in title)
            canon_paras = ["".join(ws) + "。" for ws in canon_words]
            canon_paras[0] = "、".join(names) + canon_paras[0]
            display = ["".join(forms[w] for w in sent) + "。" for sent in sent_ids_text]
            display[0] = "、".join(names) + display[0]
        tokens = tuple(
            [*[vocab.en[w] if lang == "en" else vocab.zh[w] for w in title], *names]
            + [w for ws in canon_words for w in ws]
        )
        when = _START + timedelta(hours=t)
        art = Article(
            url=f"https://synthetic.example/{s}/{k}",
            outlet=f"outlet{int(r.integers(0, 300))}",
            title=display_title,
            paragraphs=tuple(display),
            published_at=when,
            script=str(lang),
        )
        an = Analysis(
            article_id=art.id,
            script=str(lang),
            canonical_title=title_c,
            canonical_paragraphs=tuple(canon_paras),
            display_title=display_title,
            display_paragraphs=tuple(display),
            tokens=tokens,
            entities=tuple(EntityMention(entity=n, alias=n) for n in names),
        )
        yield art, an, s
