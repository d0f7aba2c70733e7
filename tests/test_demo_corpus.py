"""The packaged demo corpus: valid JSONL in the Article schema, in all three scripts."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from importlib import resources

import pytest

from storyline.normalize.script import detect_script

REQUIRED = {"url", "outlet", "title", "published_at", "language", "paragraphs", "stats", "comments"}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    text = resources.files("storyline").joinpath("demo/sample.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_line_has_the_required_fields(rows):
    assert 8 <= len(rows) <= 12
    for row in rows:
        assert set(row) >= REQUIRED, row.get("url")
        assert row["url"].startswith("https://example.invalid/")
        assert datetime.fromisoformat(row["published_at"]).tzinfo is not None
        assert row["paragraphs"] and all(isinstance(p, str) and p for p in row["paragraphs"])
        assert set(row["stats"]) == {"reads", "comments"}


def test_urls_are_unique(rows):
    assert len({row["url"] for row in rows}) == len(rows)


def test_both_scripts_and_english_are_present_and_labelled_truthfully(rows):
    assert Counter(row["language"] for row in rows).keys() == {"zh-Hans", "zh-Hant", "en"}
    for row in rows:
        assert detect_script(row["title"] + "\n" + "\n".join(row["paragraphs"])) == row["language"], row[
            "url"
        ]


def test_one_article_has_a_reader_thread_with_quotes_and_replies(rows):
    threads = [row for row in rows if row["comments"]]
    assert len(threads) == 1
    comments = threads[0]["comments"]
    assert 10 <= len(comments) <= 15
    assert threads[0]["stats"]["comments"] == len(comments)
    floors = {c["floor"] for c in comments}
    assert floors == set(range(1, len(comments) + 1))
    quoting = [c for c in comments if c["quotes"]]
    assert len(quoting) >= 3
    for c in quoting:
        assert c["parent_floor"] in floors and c["parent_floor"] < c["floor"]
        quote = c["quotes"][0]
        assert {"author", "posted_at", "text", "floor"} <= set(quote)
        quoted = next(x for x in comments if x["floor"] == quote["floor"])
        assert (quoted["author"], quoted["text"]) == (quote["author"], quote["text"])


def test_paragraphs_are_copied_across_outlets_and_scripts(rows):
    from storyline.normalize.text import canonical

    seen: dict[str, set[str]] = {}
    for row in rows:
        for p in row["paragraphs"]:
            seen.setdefault(canonical(p), set()).add(row["outlet"])
    shared = [outlets for outlets in seen.values() if len(outlets) > 1]
    assert len(shared) >= 3


def test_figures_partly_disagree(rows):
    text = "\n".join(p for row in rows for p in row["paragraphs"])
    assert "120亿元" in text and "12億元" in text  # the tenfold slip
    assert "3年" in text and "5年" in text
    assert "2000个" in text and "3000個" in text
