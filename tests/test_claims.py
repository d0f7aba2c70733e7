"""Claims extraction on the real seed pages and on short invented variants."""

from __future__ import annotations

import re
from pathlib import Path

import opencc

from storyline.analyze.claims import extract_claims
from storyline.records import Analysis, Article, Claim, Comment

_T2S = opencc.OpenCC("t2s")
_FLOOR = re.compile(r"^(\d+) 楼$")


def _analysis_for(article: Article) -> Analysis:
    canon = tuple(_T2S.convert(p).lower() for p in article.paragraphs)
    return Analysis(
        article_id=article.id,
        script="zh-Hans",
        canonical_title=_T2S.convert(article.title).lower(),
        canonical_paragraphs=canon,
        display_title=article.title,
        display_paragraphs=article.paragraphs,
    )


def read_seed(path: Path) -> Article:
    """A plain line reading of a seed dump: body between header and footer, floors as comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    floors = [i for i, line in enumerate(lines) if _FLOOR.match(line.strip())]
    concept = next((i for i, line in enumerate(lines) if line.startswith(("概念", "概念"))), None)
    if concept is not None:  # the concept page: body after 概念:, up to the first blank line
        end = next(i for i in range(concept + 1, len(lines)) if not lines[i].strip())
        body = [line for line in lines[concept + 1 : end] if line.strip()]
        return Article(url=f"file://{path.name}", outlet="88iv", title=lines[4], paragraphs=tuple(body))
    outlet_line = next(i for i, line in enumerate(lines) if line.strip().endswith("评论")) + 1
    body = [line.strip() for line in lines[outlet_line + 1 : floors[0] - 1] if line.strip()]
    comments = tuple(
        Comment(floor=int(_FLOOR.match(lines[i].strip()).group(1)), author=lines[i - 1].strip(), text=lines[i + 1].strip())
        for i in floors
    )
    return Article(
        url=f"file://{path.name}",
        outlet=lines[outlet_line].strip(),
        title=lines[0],
        paragraphs=tuple(body),
        comments=comments,
    )


def seed_claims(paths: list[Path]) -> list[Claim]:
    out: list[Claim] = []
    for p in paths:
        art = read_seed(p)
        out += extract_claims(art, _analysis_for(art))
    return out
