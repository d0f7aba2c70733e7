"""The public pairwise call (``storyline.similarity``, ``storyline similar``) and order-free stories.

Real inputs only: the two seed pages, and the SemEval-2022 Task 8 training pairs (read from
../shared/data, never copied; skipped when absent).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import storyline
from storyline import Settings, ingest, open_store
from storyline.cli import cli
from storyline.stories import combiner
from storyline.stories.similarity import PairFeatures, combine, figures_of, latin_words_of, overlap

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "src" / "storyline" / "demo" / "sample.jsonl"


def test_figures_are_numbers_of_two_digits_or_more_without_thousands_separators():
    assert figures_of(["苏莱曼，59岁，2011年起", "1,200 homes in 3 days, 2.5% up", "007"]) == {
        "59",
        "2011",
        "1200",
        "2.5",
    }


def test_latin_words_skip_short_words_and_function_words():
    assert latin_words_of(["据nba消息 the lakers 签下 ai 球员"]) == {"nba", "lakers"}
    assert overlap(frozenset({"nba", "lakers"}), frozenset({"nba", "lakers", "james"})) == 2 / 3


def test_the_shipped_combiner_is_the_one_combine_uses_and_rises_with_evidence():
    c = combiner.load()
    assert set(c.models) == {"same", "same_noemb", "cross", "cross_noemb"}
    weak = PairFeatures(tfidf=0.05, embedding=0.2)
    strong = PairFeatures(tfidf=0.6, entities=0.5, figures=0.5, embedding=0.8)
    assert combine(weak) < 0.5 < combine(strong)
    assert c.score(combine(strong)) < 2.0 < c.score(combine(weak))
    cross_named = PairFeatures(entities=0.5, latin=0.5, figures=0.5, embedding=0.7, cross_lingual=True)
    assert combine(cross_named) > combine(PairFeatures(embedding=0.7, cross_lingual=True))


def test_similarity_of_the_two_seed_pages_says_same_story_and_why(seed_paths):
    result = storyline.similarity(seed_paths[0], seed_paths[1], settings=Settings(use_encoder=False))
    assert result.same_story
    assert 1.0 <= result.score < 2.0
    assert result.features.embedding is None  # encoder off, and said so
    assert not result.features.cross_lingual  # traditional and simplified are one language
    assert result.shared_entities  # the names both pages print
    assert result.shared_figures


def test_cli_similar_prints_the_score_and_its_evidence_as_json(seed_paths, tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "--db",
            str(tmp_path / "none.db"),
            "similar",
            str(seed_paths[0]),
            str(seed_paths[1]),
            "--json",
            "--no-encoder",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["same_story"] is True and d["score"] < 2.0
    assert set(d["features"]) == {
        "tfidf",
        "entities",
        "figures",
        "latin",
        "translit",
        "title",
        "embedding",
        "shared_paragraphs",
        "gap_hours",
    }
    assert d["shared_entities"]
    assert d["transliterated"] == []  # one language: no names across scripts to link


def test_cli_similar_names_an_input_that_does_not_exist(seed_paths, tmp_path):
    res = CliRunner().invoke(
        cli, ["similar", str(seed_paths[0]), str(tmp_path / "missing.txt"), "--no-encoder"]
    )
    assert res.exit_code == 1
    assert "missing.txt" in res.output and "no such file" in res.output


@pytest.mark.slow
def test_training_pair_articles_after_the_demo_corpus_cluster_as_into_an_empty_store(semeval_csv, tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.semeval_e2e import read_pairs, write_jsonl

    _, texts = read_pairs(semeval_csv)
    assert len(texts) == 626
    jsonl = tmp_path / "pairs.jsonl"
    write_jsonl(texts, jsonl)

    def partition(db: Path) -> set[frozenset[str]]:
        with open_store(str(db)) as store:
            wanted = {f"https://semeval.invalid/{aid}" for aid in texts}
            groups = []
            for story in store.stories(limit=100_000):
                urls = frozenset(a.url for a in store.articles(story.article_ids) if a.url in wanted)
                if urls:
                    groups.append(urls)
            return set(groups)

    empty, archive = tmp_path / "empty.db", tmp_path / "archive.db"
    assert ingest([jsonl], settings=Settings(db=str(empty))).ok
    assert ingest([DEMO], settings=Settings(db=str(archive))).ok
    assert ingest([jsonl], settings=Settings(db=str(archive))).ok
    alone = partition(empty)
    assert sum(len(g) for g in alone) == 626
    assert len(alone) < 626 - 50  # the same-story pairs do join (not one story per article)
    assert partition(archive) == alone


def test_embedding_rows_find_the_nearest_live_story_and_forget_dropped_ones():
    import numpy as np

    from storyline.stories.cluster import _EmbeddingRows

    rows = _EmbeddingRows()
    basis = np.eye(512, dtype=np.float32)
    for i in range(100):  # grows past its first allocation
        rows.put(f"s{i}", basis[i])
    near = (basis[7] * 0.8 + basis[9] * 0.6).astype(np.float32)
    assert rows.nearest(near, 2, 0.3) == ["s7", "s9"]
    rows.drop("s7")
    assert rows.nearest(near, 2, 0.3) == ["s9"]
    rows.put("s200", basis[7])  # reuses the freed row
    assert rows.nearest(near, 1, 0.3) == ["s200"] and len(rows.sid) == 100
