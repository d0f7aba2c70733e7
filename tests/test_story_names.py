"""Story names from salience: stories.aggregate.entity_salience / EntityFrequency,
stories.concept.story_concept and the keyword casing of story_keywords."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from storyline.analyze import analyze
from storyline.normalize import normalize_article
from storyline.records import Analysis, Article, EntityMention
from storyline.stories.aggregate import EntityFrequency, entity_salience, story_keywords
from storyline.stories.concept import story_concept

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "fixtures" / "story_name_labels.json"


def _analysis(i, title, *paragraphs) -> Analysis:
    return analyze(
        normalize_article(
            Article(url=f"https://example.invalid/{i}", outlet=f"o{i}", title=title, paragraphs=paragraphs)
        )
    )


def test_specificity_falls_for_a_name_every_article_has():
    freq = EntityFrequency()
    for i in range(20):
        freq.observe(
            Analysis(
                f"a{i}", "en", "", (), "", (), entities=(EntityMention("美国", "US", "place", 1, 2.0, True),)
            )
        )
    freq.observe(
        Analysis(
            "b",
            "en",
            "",
            (),
            "",
            (),
            entities=(EntityMention("Jane Roe", "Jane Roe", "person", 1, 3.0, True),),
        )
    )
    assert freq.specificity("Jane Roe") > 2 * freq.specificity("美国")
    assert freq.specificity("never seen") == pytest.approx(1.0)
    again = EntityFrequency.from_bytes(freq.to_bytes())
    assert again.df == freq.df and again.n_docs == 21


def test_salience_counts_members_and_leads_not_bylines():
    a = _analysis(
        1,
        "Jane Roe arrested after whisky theft",
        "Police arrested Jane Roe in Calgary.",
        "Follow Kim Lee on Twitter: @kimlee",
    )
    b = _analysis(
        2,
        "Whisky thief Jane Roe due in court",
        "Jane Roe appears today.",
        "The court sits at ten.",
        "Kim Lee said nothing.",
    )
    sal = entity_salience([a, b])
    assert sal["Jane Roe"].members == 2 and sal["Jane Roe"].lead_members == 2
    # Kim Lee: a byline in one member, one passing mention in the other: not the story's name.
    assert "Kim Lee" not in sal
    assert story_concept([a, b], story_keywords([a, b])).startswith("Jane Roe")


def test_concept_is_never_a_single_mention_or_a_byline():
    a = _analysis(
        1,
        "Toddler care centres reopen",
        "Centres in Dayton reopen on Monday.",
        "President Trump was in a list.",
    )
    b = _analysis(
        2, "Care centres reopen in Dayton", "Parents in Dayton welcomed it.", "Twitter: @DaytonNews"
    )
    concept = story_concept([a, b], story_keywords([a, b]))
    assert "特朗普" not in concept and "X" not in concept
    assert "Dayton" in concept


def test_keywords_take_the_case_members_print_and_no_function_words():
    a = _analysis(
        1, "AI rules: his plan for AI", "His plan. The AI law is his.", "He said his AI law would pass."
    )
    b = _analysis(2, "The AI law passes", "The law on AI passes; his plan won.", "His law.")
    words = [k.word for k in story_keywords([a, b])]
    assert "AI" in words and "law" in words
    assert not {"his", "HIS", "His", "LAW"} & set(words)


# ------------------------------------------------------------------ real stories, hand labels


def _semeval_stories(semeval_csv: Path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from story_names import articles, title_and_paragraphs

    from storyline.pipeline import analyze_article

    texts = articles(semeval_csv)
    labels = json.loads(LABELS.read_text("utf-8"))
    needed = sorted({sid for key in labels for sid in key.split(",")})
    analysed = {}
    freq = EntityFrequency()
    for sid in needed:
        lang, text = texts[sid]
        title, paragraphs = title_and_paragraphs(text)
        article = Article(
            url=f"https://semeval.invalid/{sid}",
            outlet=f"outlet-{sid}",
            title=title,
            paragraphs=tuple(paragraphs[:40]),
            script="en" if lang == "en" else "",
        )
        analysed[sid] = analyze_article(article)
        freq.observe(analysed[sid][1])
    return labels, analysed, freq


@pytest.mark.slow
def test_labelled_semeval_stories_are_named_from_their_leads(semeval_csv):
    from storyline.analyze.entities import entity_table
    from storyline.normalize.text import canonical
    from storyline.pipeline import build_story

    labels, analysed, freq = _semeval_stories(semeval_csv)
    table = entity_table()

    def aliases(part):
        name = table.name_of(part) or part
        return {canonical(a) for a in (part, name, *table.aliases.get(name, ()))}

    in_leads = agree = some = 0
    for key, label in sorted(labels.items()):
        members = [analysed[sid] for sid in key.split(",")]
        story = build_story("s" + key[:8], members, entity_frequency=freq)
        leads = [canonical("\n".join((an.display_title, *an.display_paragraphs[:2]))) for _, an in members]
        concept = canonical(story.concept)
        parts = [e.name for e in story.entities if canonical(e.name) in concept]
        assert story.concept
        in_leads += all(
            sum(any(a in lead for a in aliases(p)) for lead in leads) * 2 > len(leads) for p in parts
        )
        found = [any(a in concept for a in aliases(p)) for p in label["concept"]]
        agree += all(found)
        some += any(found)
        texts = "\n".join("\n".join((an.display_title, *an.display_paragraphs)) for _, an in members)
        for k in story.keywords:
            assert k.word.lower() not in {"his", "her", "your", "ago", "the"}
            if k.word.isascii() and any(c.isupper() for c in k.word):
                assert re.search(rf"(?<![A-Za-z0-9]){re.escape(k.word)}(?![A-Za-z0-9])", texts), (key, k.word)
    assert in_leads >= 0.85 * len(labels)
    # Measured when written: every labelled part in 15/40, some labelled part in 34/40 (before
    # this change: 1 and 9 of the 26 labelled stories the old clustering rebuilt). The floors
    # leave room for small changes, not for the old behaviour.
    assert agree >= 0.3 * len(labels)
    assert some >= 0.75 * len(labels)


def test_export_lists_english_names_of_english_reports_and_store_counts_names(tmp_path):
    from storyline import Settings, ingest, open_store
    from storyline.pipeline import ENTITY_FREQUENCY_KEY, stories_export

    rows = [
        {
            "url": f"https://example.invalid/{i}",
            "outlet": outlet,
            "title": title,
            "published_at": "2020-01-02T10:00:00+00:00",
            "language": "en",
            "paragraphs": paragraphs,
        }
        for i, (outlet, title, paragraphs) in enumerate(
            [
                (
                    "A",
                    "Penguins rout Senators but lose Jake Guentzel to injury",
                    [
                        "Evgeni Malkin scored twice as the Pittsburgh Penguins beat the Ottawa Senators 5-2.",
                        "Jake Guentzel left the game with a shoulder injury.",
                    ],
                ),
                (
                    "B",
                    "Jake Guentzel hurt as Pittsburgh Penguins win",
                    [
                        "The Pittsburgh Penguins lost Jake Guentzel to an injury in a 5-2 win over Ottawa.",
                        "Evgeni Malkin had two goals. Guentzel will be evaluated.",
                    ],
                ),
            ]
        )
    ]
    path = tmp_path / "hockey.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    db = tmp_path / "store.db"
    assert ingest([path], settings=Settings(db=str(db))).ok
    with open_store(str(db)) as store:
        exported = stories_export(store)
        assert store.get_state(ENTITY_FREQUENCY_KEY)
    story = max(exported, key=lambda s: len(s["articles"]))
    names = {e["name"] for s in exported for e in s["entities"]}
    assert {"Jake Guentzel", "Evgeni Malkin", "Pittsburgh Penguins"} <= names
    assert len(story["articles"]) == 2
    assert story["concept"].startswith(("Jake Guentzel", "Pittsburgh Penguins")), story["concept"]
    assert not {"his", "HIS", "the"} & set(story["keywords"])
