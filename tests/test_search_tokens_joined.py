"""An article's search tokens come from one tokenizer pass over its folded texts joined by newlines.

The old step tokenised each text on its own (a call a reply). A newline is in no token, so no
token can span two texts and the joined pass must give each text's tokens in turn. Held to the
old step, copied here, on every CED post with its thread and on generated texts built to cross
the joins (CJK or Latin at both ends, texts holding newlines, full-width and traditional forms,
characters NFKC or ``lower`` expand).
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from storyline.records import Article, Comment, RawInput
from storyline.sources import parse_input
from storyline.store.bigrams import fold_all, index_tokens
from storyline.store.codec import article_search_tokens


def _old_tokens(article: Article) -> list[str]:
    texts = [article.title, *article.paragraphs, *(c.text for c in article.comments)]
    texts = [t for t in texts if t]
    return [tok for text in fold_all(texts) for tok in index_tokens(text, folded=True)]


def _ced_articles(weibo_dir: Path) -> list[Article]:
    posts = sorted((weibo_dir / "original").glob("*.json"))
    return [a for p in posts for a in parse_input(RawInput(str(p), p.read_bytes()))]


def test_ced_tokens_as_before(weibo_dir: Path) -> None:
    articles = _ced_articles(weibo_dir)
    assert (len(articles), sum(len(a.comments) for a in articles)) == (224, 85481)
    tokens = 0
    for art in articles:
        new = article_search_tokens(art, None)
        assert new == _old_tokens(art), art.url
        tokens += len(new)
    assert tokens == 627201


_PIECES = [
    "特朗普",
    "說",
    "川普",
    "ＴＲＵＭＰ",
    "trump",
    "abc",
    "_x_",
    "123",
    "١٢",
    "㈱",
    "İstanbul",
    "\n",
    " ",
    "，",
    "//",
    "@某人:",
    "ß",
    "한국",
    "カナ",
    "𠀀",
    "\u2028",
    "\r",
]


def _generated_texts(rng: random.Random) -> list[str]:
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(0, 12))]


def test_generated_tokens_as_before() -> None:
    rng = random.Random(19)
    base = Article(url="https://example.com/a", outlet="x", title="", paragraphs=())
    for _ in range(3000):
        texts = _generated_texts(rng)
        art = replace(
            base,
            title=texts[0] if texts else "",
            paragraphs=tuple(texts[1:3]),
            comments=tuple(Comment(floor=i + 1, author="u", text=t) for i, t in enumerate(texts[3:])),
        )
        assert article_search_tokens(art, None) == _old_tokens(art), texts
