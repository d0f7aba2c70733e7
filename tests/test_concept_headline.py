"""stories.aggregate, stories.concept and stories.headline on the two seed pages."""

from __future__ import annotations

import re

import pytest

from semeval_texts import zh_en_texts
from storyline.analyze import analyze
from storyline.normalize import normalize_article
from storyline.records import Analysis, Article, Entity, EntityMention, Keyword
from storyline.stories.aggregate import story_entities, story_keywords
from storyline.stories.concept import concept_name
from storyline.stories.headline import choose_headline, score_title

_FLOOR = re.compile(r"^\d+ 楼$")


def _concept_page(path) -> Article:
    lines = path.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("概念"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    title = next(line for line in lines if " @ " in line).split(" @ ")[0]
    return Article(
        url="https://example.invalid/88iv",
        outlet="88iv",
        title=title,
        paragraphs=tuple(lines[start + 1 : end]),
    )


def _thread_page(path) -> tuple[Article, str]:
    lines = path.read_text("utf-8").splitlines()
    first_floor = next(i for i, line in enumerate(lines) if _FLOOR.match(line.strip()))
    counts = next(i for i, line in enumerate(lines) if line.strip().endswith("评论"))
    body = tuple(line for line in lines[counts + 2 : first_floor - 1] if line.strip())
    article = Article(url="https://example.invalid/rfi", outlet="RFI", title=lines[0], paragraphs=body)
    return article, "\n".join(lines[first_floor - 1 :])


@pytest.fixture(scope="module")
def seeds(seed_paths) -> list[Analysis]:
    thread, comments = _thread_page(seed_paths[1])
    return [
        analyze(normalize_article(_concept_page(seed_paths[0]))),
        analyze(normalize_article(thread), comments),
    ]


def test_seed_concept_page_concept_is_trump_stargate(seeds):
    story = seeds[:1]
    assert concept_name(story_entities(story), story_keywords(story)) == "特朗普星际之门"


def test_both_seeds_concept_is_trump_stargate(seeds):
    # Readers name 马斯克 more often than 特朗普, but the reports are about Trump's plan.
    entities = story_entities(seeds)
    assert entities[0].name == "马斯克"
    assert concept_name(entities, story_keywords(seeds)) == "特朗普星际之门"


def test_headline_of_both_seeds_is_the_thread_page_title(seeds, seed_paths):
    titles = [(a.article_id, a.display_title) for a in seeds]
    chosen = choose_headline(titles, story_keywords(seeds), story_entities(seeds))
    assert chosen == seed_paths[1].read_text("utf-8").splitlines()[0]
    assert chosen == seeds[1].display_title


def test_headline_order_does_not_matter(seeds):
    titles = [(a.article_id, a.display_title) for a in reversed(seeds)]
    assert choose_headline(titles, story_keywords(seeds), story_entities(seeds)) == seeds[1].display_title


def test_concept_page_title_does_not_fit_its_own_content(seeds):
    keywords, entities = story_keywords(seeds), story_entities(seeds)
    assert score_title(seeds[0].display_title, keywords, entities) < score_title(
        seeds[1].display_title, keywords, entities
    )


def test_story_entities_merge_aliases_across_scripts(seeds):
    trump = next(e for e in story_entities(seeds) if e.name == "特朗普")
    assert {"特朗普", "川普", "Trump", "Donald Trump"} <= set(trump.aliases)
    stargate = next(e for e in story_entities(seeds) if e.name == "星际之门")
    assert {"星際之門", "Stargate", "星际之门计划"} <= set(stargate.aliases)
    assert stargate.kind == "project"


def test_story_entities_order_aliases_by_use():
    def a(i, *mentions):
        return Analysis(
            f"a{i}", "zh-Hans", "", (), "", (), entities=tuple(EntityMention(*m) for m in mentions)
        )

    merged = story_entities([a(1, ("特朗普", "川普", "person", 1)), a(2, ("特朗普", "特朗普", "person", 3))])
    assert merged == (Entity("特朗普", ("特朗普", "川普"), "person", 4),)


def test_concept_without_a_leading_person_is_place_and_thing():
    entities = [
        Entity("澄湾市", kind="place", count=8),
        Entity("跨海铁路隧道", kind="project", count=8),
        Entity("林嘉禾", kind="person", count=5),
    ]
    assert (
        concept_name(entities, [Keyword("预算", 1.0), Keyword("跨海铁路隧道", 0.8)]) == "澄湾市跨海铁路隧道"
    )


def test_concept_prefers_the_much_mentioned_organisation_over_a_rare_project():
    entities = [Entity("衡芯半导体", kind="org", count=11), Entity("跨海铁路隧道", kind="project", count=2)]
    assert concept_name(entities, [Keyword("衡芯半导体", 1.0)]) == "衡芯半导体"


def test_concept_of_latin_names_is_spaced():
    entities = [Entity("Lin", kind="person", count=5), Entity("OpenAI", kind="org", count=5)]
    assert concept_name(entities, []) == "Lin OpenAI"


def test_concept_without_entities_uses_keywords():
    assert concept_name([], [Keyword("隧道", 1.0), Keyword("预算", 0.5)]) == "隧道预算"
    assert concept_name([], []) == ""


def test_headline_prefers_an_informative_title_over_a_fragment():
    entities = [Entity("林嘉禾", ("林嘉禾",), "person", 3)]
    keywords = [Keyword("隧道", 1.0), Keyword("预算", 0.6)]
    titles = [("a", "隧道"), ("b", "跨海隧道获批 预算120亿元")]
    assert choose_headline(titles, keywords, entities) == "跨海隧道获批 预算120亿元"


def test_headline_of_no_titles_is_empty():
    assert choose_headline([], [Keyword("隧道", 1.0)], []) == ""
    assert choose_headline([("a", "  ")], [Keyword("隧道", 1.0)], []) == ""


def _semeval_analyses(semeval_csv, n: int) -> list[Analysis]:
    texts = zh_en_texts(semeval_csv, n)
    out = []
    for text in texts:
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        art = Article(url="", outlet="x", title=lines[0][:200], paragraphs=tuple(lines[1:] or lines[:1]))
        out.append(analyze(normalize_article(art)))
    return out


def test_headline_scores_all_titles_at_once_as_one_by_one(seeds, semeval_csv):
    # choose_headline finds each name once in all titles joined; the scores must be the ones
    # score_title gives title by title, to the last bit (ties pick the headline).
    from storyline.stories.headline import _scorer_scores

    story = _semeval_analyses(semeval_csv, 150) + list(seeds)
    titles = [an.display_title for an in story]
    # Latin boundaries: "ai" inside "said" is no hit, one beside a separator or punctuation is.
    titles += ["He said AI-plan", "ai", "AI", "said ai", "a-ai-a", "Trump1 trump", "川普說", "xai ai2 (ai)"]
    keywords = [*story_keywords(story), Keyword("ai", 0.4), Keyword("a-a", 0.1)]
    entities = [*story_entities(story), Entity("AI", ("ai", "AI"), "org", 3)]
    for chosen in (keywords, keywords[:3], []):
        scores, one_by_one = _scorer_scores(titles, chosen, entities)
        assert scores == one_by_one
        assert len(set(scores)) > 3
