"""Recall of paragraph grouping on planted near-copies of real Chinese news paragraphs.

Base paragraphs: sentences-joined chunks of the zh texts of SemEval-2022 Task 8 (real news),
deduplicated by our own index first. For each planted base: a traditional-script copy (OpenCC
s2t), a trimmed copy (last 25% of characters cut), a prefixed copy ("据报道," + text + a closing
remark), and a copy with 10% of characters replaced. Reports LSH candidate recall (paragraph
bands) and verified merge recall per kind, and false merges (a copy joined a group other than
its base's). Then one sentence of each base is reused inside sentences of another paragraph:
reports how many are linked to the base's group as a sentence (and none may merge whole).

    python benchmarks/dedup_recall.py --bases 400
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import unicodedata
from pathlib import Path

import numpy as np
import opencc

from storyline.dedup.groups import PARAGRAPH_BANDS, ParagraphIndex
from storyline.dedup.minhash import band_keys, signatures_of_shingles
from storyline.dedup.shingles import shingles, split_sentences

DATA = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "semeval2022-task8" / "training_set.csv"
)


def canonical(text: str, t2s: opencc.OpenCC) -> str:
    return unicodedata.normalize("NFKC", t2s.convert(text)).lower()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--csv", type=Path, default=DATA)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    t2s, s2t = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")
    csv.field_size_limit(1 << 30)
    chunks: list[str] = []
    with args.csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for lang, text in ((row["lang1"], row["text1"]), (row["lang2"], row["text2"])):
                if lang != "zh":
                    continue
                sentences = [s for s in re.split(r"(?<=[。!?])", text) if s.strip()]
                for i in range(0, len(sentences) - 2, 3):  # three sentences make a paragraph
                    chunk = "".join(sentences[i : i + 3]).strip()
                    if 60 <= len(chunk) <= 400:
                        chunks.append(chunk)
    chunks = sorted(set(chunks))
    rnd.shuffle(chunks)
    spare, chunks = chunks[:150], chunks[150:]  # held out of the index: text around reused sentences
    idx = ParagraphIndex()
    for i, c in enumerate(chunks):
        idx.add_article(f"base{i}", "base", "zh-Hans", [canonical(c, t2s)], [c])
    home = {m.article_id: g.id for g in idx.all_groups() for m in g.members if m.sentence is None}
    singles = [i for i, c in enumerate(chunks) if sum(1 for v in home.values() if v == home[f"base{i}"]) == 1]
    pre_merged = len(chunks) - len(singles)
    planted = singles[: args.bases]
    print(
        f"pool: {len(chunks)} real zh paragraphs, {pre_merged} already repeated in the data; planting {len(planted)}"
    )

    def change10(text: str) -> str:
        chars = list(text)
        cjk = [k for k, ch in enumerate(chars) if "\u4e00" <= ch <= "\u9fff"]
        for k in rnd.sample(cjk, max(1, len(cjk) // 10)):
            chars[k] = chr(rnd.randrange(0x4E00, 0x9FA5))
        return "".join(chars)

    kinds = {
        "traditional": lambda t: s2t.convert(t),
        "trimmed": lambda t: t[: int(len(t) * 0.75)],
        "prefixed": lambda t: "据报道," + t + "此事仍在发展中。",
        "changed10%": change10,
    }
    stats = {k: [0, 0, 0] for k in kinds}  # lsh hit, merged, wrong group
    planted_copies: list[tuple[int, str, str, bool]] = []  # (base, kind, article id, lsh hit)
    for i in planted:
        base_keys = band_keys(signatures_of_shingles([shingles(canonical(chunks[i], t2s))]), PARAGRAPH_BANDS)[
            0
        ]
        for kind, make in kinds.items():
            copy = make(chunks[i])
            canon = canonical(copy, t2s)
            ck = band_keys(signatures_of_shingles([shingles(canon)]), PARAGRAPH_BANDS)[0]
            aid = f"copy{len(planted_copies)}"
            planted_copies.append((i, kind, aid, bool(np.any(ck == base_keys))))
            idx.add_article(aid, kind, "zh-Hant" if kind == "traditional" else "zh-Hans", [canon], [copy])

    # One base sentence between two sentences of a held-out paragraph: the paragraph must keep
    # its own group and link that sentence to the base's group.
    reused: list[tuple[int, str]] = []
    for n_reused, i in enumerate(planted[: len(spare)]):  # each held-out paragraph used once
        sentences = [s for s in split_sentences(chunks[i]) if len(shingles(canonical(s, t2s))) >= 20]
        if not sentences:
            continue
        around = split_sentences(spare[n_reused])
        text = "".join(around[:1]) + rnd.choice(sentences) + "".join(around[1:3])
        aid = f"reuse{n_reused}"
        reused.append((i, aid))
        idx.add_article(aid, "reuse", "zh-Hans", [canonical(text, t2s)], [text])

    home: dict[str, str] = {}
    linked: dict[str, set[str]] = {}
    sizes: dict[str, int] = {}
    for g in idx.all_groups():
        sizes[g.id] = len(g.members)
        for m in g.members:
            if m.sentence is None:
                home[m.article_id] = g.id
            else:
                linked.setdefault(m.article_id, set()).add(g.id)
    for i, kind, aid, hit in planted_copies:
        merged = home[aid] == home[f"base{i}"]
        stats[kind][0] += hit
        stats[kind][1] += merged
        stats[kind][2] += not merged and sizes[home[aid]] > 1
    n = len(planted)
    total_merged = sum(s[1] for s in stats.values())
    for kind, (hit, merged, wrong) in stats.items():
        print(
            f"{kind:12s} paragraph-LSH recall {hit / n:6.1%}  merged {merged / n:6.1%}  wrong-group {wrong}"
        )
    sentence_linked = sum(home[f"base{i}"] in linked.get(aid, ()) for i, aid in reused)
    sentence_wrong = sum(home[aid] == home[f"base{i}"] for i, aid in reused)
    print(
        f"one reused sentence: linked to its base {sentence_linked}/{len(reused)} "
        f"({sentence_linked / max(1, len(reused)):.1%}), wrongly merged as a whole {sentence_wrong}"
    )
    wrong_total = sum(s[2] for s in stats.values())
    print(f"false merges (copy in another base's group): {wrong_total}")
    print(f"overall merge recall: {total_merged / (n * len(kinds)):.1%} of {n * len(kinds)} planted copies")


if __name__ == "__main__":
    main()
