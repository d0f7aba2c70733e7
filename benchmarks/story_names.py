"""Story names on real news: the SemEval-2022 Task 8 zh/en articles ingested into one empty store.

Every distinct article of the zh-zh, zh-en and en-en training pairs (626) is written as JSONL in
the documented schema (title and paragraphs cut as tests/test_semeval_pipeline.py does, one
outlet per article, one publication time) and ingested with ``storyline.ingest`` into a fresh
SQLite store. For every story of two or more articles it checks:

- concept: every part of the concept (each entity name or keyword it is made of) appears, by
  any alias, in the title or first two paragraphs of most (more than half) of its articles;
- keywords: none is a function word (analyze/data/function_words_en.txt, stopwords.txt) and
  none is printed in capitals no member writes (HIS where members write "his").

With ``--labels tests/fixtures/story_name_labels.json`` it also reports agreement with hand
labels (keyed by a story's sorted article ids): a concept agrees when every labelled part is in
the produced concept (by alias), keywords by the share of labelled keywords produced.

    python benchmarks/story_names.py [--csv PATH] [--labels PATH] [--dump stories.json]

The last line is the figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
from pathlib import Path

from storyline import Settings, ingest, open_store
from storyline.analyze.entities import entity_table
from storyline.analyze.keywords import NEWS_STOPWORDS
from storyline.normalize.text import canonical

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "semeval2022-task8" / "training_set.csv"
PAIRS = (("zh", "zh"), ("zh", "en"), ("en", "en"))
# Read from this checkout's file, not imported, so the figure can be taken on older code too.
FUNCTION_WORDS = frozenset(
    line.strip()
    for line in (ROOT / "src/storyline/analyze/data/function_words_en.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def title_and_paragraphs(text: str) -> tuple[str, list[str]]:
    """As tests/test_semeval_pipeline.py: lines, else sentences of a flattened article."""
    text = text.strip()
    parts = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    if len(parts) < 2:
        parts = [p.strip() for p in re.split(r"(?<=[。！？.!?])\s*", text) if len(p.strip()) > 1]
    title = parts[0][:120]
    return title, parts[1:] or parts


def articles(csv_path: Path) -> dict[str, tuple[str, str]]:
    """SemEval article id -> (language, text), zh/en pairs only, in id order."""
    csv.field_size_limit(1 << 30)
    out: dict[str, tuple[str, str]] = {}
    with csv_path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row["lang1"], row["lang2"]) not in PAIRS:
                continue
            a, b = row["pair_id"].split("_")
            out.setdefault(a, (row["lang1"], row["text1"]))
            out.setdefault(b, (row["lang2"], row["text2"]))
    return dict(sorted(out.items()))


def url_of(sid: str) -> str:
    return f"https://semeval.invalid/{sid}"


def _aliases(part: str) -> set[str]:
    """The part and every alias the table gives its entity (Trump, 川普 for 特朗普)."""
    table = entity_table()
    name = table.name_of(part) or part
    return {canonical(a) for a in (part, name, *table.aliases.get(name, ()))}


def _appears(part: str, lead: str) -> bool:
    for alias in _aliases(part):
        if alias.isascii():
            if re.search(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])", lead):
                return True
        elif alias in lead:
            return True
    return False


def concept_parts(concept: str, story: dict) -> list[str]:
    """The names and words a concept was joined from, read back from the story's entities and
    keywords (longest first), and what is left as one part."""
    candidates = sorted(
        {e["name"] for e in story["entities"]} | {to_simple(k) for k in story["keywords"]},
        key=lambda n: (-len(n), n),
    )
    parts, rest = [], to_simple(concept)
    for name in candidates:
        if name and name in rest:
            parts.append(name)
            rest = rest.replace(name, " ")
    parts += [w for w in rest.split() if w.strip()]
    return parts


def to_simple(text: str) -> str:
    import opencc

    return opencc.OpenCC("t2s").convert(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--labels", type=Path)
    ap.add_argument("--dump", type=Path, help="write every story's name, members and leads (JSON)")
    ap.add_argument(
        "--pages",
        type=Path,
        help="held-out check instead: ingest every *.html under this folder (e.g. ../shared/data/gne-pages)"
        " and check every story, one article or more",
    )
    args = ap.parse_args(argv)
    if args.pages:
        return held_out(args.pages)
    if not args.csv.exists():
        print(f"{args.csv}: not found (the SemEval data lives in ../shared/data)", file=sys.stderr)
        return 2
    texts = articles(args.csv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for sid, (lang, text) in texts.items():
            title, paragraphs = title_and_paragraphs(text)
            rows.append(
                json.dumps(
                    {
                        "url": url_of(sid),
                        "outlet": f"outlet-{sid}",
                        "title": title,
                        "published_at": "2020-01-10T12:00:00+00:00",
                        "language": lang,
                        "paragraphs": paragraphs[:40],
                    },
                    ensure_ascii=False,
                )
            )
        path = Path(tmp) / "semeval.jsonl"
        path.write_text("\n".join(rows), encoding="utf-8")
        db = Path(tmp) / "store.db"
        report = ingest([path], settings=Settings(db=str(db)))
        if not report.ok:
            print([o.message for o in report.failed], file=sys.stderr)
            return 1
        with open_store(str(db)) as store:
            stories = [store.story(s.id) for s in store.stories(limit=100_000)]
            by_id = {}
            for story in stories:
                arts = store.articles(story.article_ids)
                ans = {an.article_id: an for an in store.analyses(story.article_ids)}
                by_id[story.id] = (story, arts, ans)
    url_to_sid = {url_of(s): s for s in texts}
    multi = [(st, arts, ans) for st, arts, ans in by_id.values() if len(st.article_ids) >= 2]
    good = 0
    bad_keywords: list[tuple[str, str]] = []
    dump = []
    for story, arts, ans in sorted(multi, key=lambda t: t[0].id):
        leads = [
            canonical("\n".join((ans[a.id].display_title, *ans[a.id].display_paragraphs[:2])))
            for a in arts
            if a.id in ans
        ]
        sdict = {
            "entities": [{"name": e.name} for e in story.entities],
            "keywords": [k.word for k in story.keywords],
        }
        parts = concept_parts(story.concept, sdict)
        ok = bool(parts) and all(sum(_appears(p, lead) for lead in leads) * 2 > len(leads) for p in parts)
        good += ok
        texts_all = "\n".join(
            "\n".join((ans[a.id].display_title, *ans[a.id].display_paragraphs)) for a in arts if a.id in ans
        )
        for k in story.keywords:
            w = k.word
            low = w.lower()
            if (
                low in FUNCTION_WORDS
                or low in NEWS_STOPWORDS
                or (
                    w.isascii()
                    and any(c.isupper() for c in w)
                    and not re.search(rf"(?<![A-Za-z0-9]){re.escape(w)}(?![A-Za-z0-9])", texts_all)
                )
            ):
                bad_keywords.append((story.id, w))
        key = ",".join(sorted(url_to_sid[a.url] for a in arts))
        dump.append(
            {
                "key": key,
                "concept": story.concept,
                "parts": parts,
                "in_leads": ok,
                "keywords": [k.word for k in story.keywords],
                "titles": [ans[a.id].display_title[:90] for a in arts if a.id in ans],
            }
        )
    if args.dump:
        args.dump.write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")
    agreement = ""
    if args.labels and args.labels.exists():
        labels = json.loads(args.labels.read_text("utf-8"))
        produced = {d["key"]: d for d in dump}
        hit_c = hit_first = hit_k = total_k = matched = 0
        for key, label in sorted(labels.items()):
            d = produced.get(key)
            if d is None:
                continue
            matched += 1
            concept = canonical(to_simple(d["concept"]))
            want = [any(canonical(a) in concept for a in _aliases(p)) for p in label["concept"]]
            hit_c += all(want)
            hit_first += any(want)
            got = {canonical(to_simple(k)) for k in d["keywords"]}
            total_k += len(label["keywords"])
            hit_k += sum(1 for k in label["keywords"] if canonical(k) in got)
        agreement = (
            f"; labels: {matched}/{len(labels)} stories found, concept agreement {hit_c}/{matched}"
            f" ({hit_c / max(matched, 1):.0%}; some part {hit_first}/{matched}),"
            f" keyword agreement {hit_k}/{total_k}"
            f" ({hit_k / max(total_k, 1):.0%})"
        )
    for sid, w in bad_keywords[:20]:
        print(f"bad keyword: {sid} {w}")
    print(f"articles={len(texts)} stories={len(by_id)} multi={len(multi)}")
    print(
        f"concept in most leads: {good}/{len(multi)} ({good / max(len(multi), 1):.1%}); "
        f"bad keywords: {len(bad_keywords)}{agreement}"
    )
    return 0


def _check(story, arts, ans) -> tuple[bool, list[str]]:
    """(concept in the leads of most members, bad keywords) of one stored story."""
    leads = [
        canonical("\n".join((ans[a.id].display_title, *ans[a.id].display_paragraphs[:2])))
        for a in arts
        if a.id in ans
    ]
    sdict = {
        "entities": [{"name": e.name} for e in story.entities],
        "keywords": [k.word for k in story.keywords],
    }
    parts = concept_parts(story.concept, sdict)
    ok = bool(parts) and all(sum(_appears(p, lead) for lead in leads) * 2 > len(leads) for p in parts)
    texts_all = "\n".join(
        "\n".join((ans[a.id].display_title, *ans[a.id].display_paragraphs)) for a in arts if a.id in ans
    )
    bad = []
    for k in story.keywords:
        w, low = k.word, k.word.lower()
        if low in FUNCTION_WORDS or low in NEWS_STOPWORDS or (
            w.isascii()
            and any(c.isupper() for c in w)
            and not re.search(rf"(?<![A-Za-z0-9]){re.escape(w)}(?![A-Za-z0-9])", texts_all)
        ):
            bad.append(w)
    return ok, bad


def held_out(folder: Path) -> int:
    """The same checks on pages never looked at while writing the rules (every story counts)."""
    pages = sorted(folder.rglob("*.html"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"
        report = ingest(pages, settings=Settings(db=str(db)))
        good = total = bad = 0
        with open_store(str(db)) as store:
            for summary in store.stories(limit=100_000):
                story = store.story(summary.id)
                arts = store.articles(story.article_ids)
                ans = {an.article_id: an for an in store.analyses(story.article_ids)}
                ok, bad_kw = _check(story, arts, ans)
                total += 1
                good += ok
                bad += len(bad_kw)
                print(
                    f"{'ok ' if ok else 'NO '} {story.concept} | {' / '.join(k.word for k in story.keywords[:6])}"
                )
    print(f"pages={len(pages)} ingested={len(report.ingested)} stories={total}")
    print(f"held-out: concept in the lead: {good}/{total} ({good / max(total, 1):.1%}); bad keywords: {bad}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
