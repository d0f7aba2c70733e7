"""The CLI as a user runs it: real processes, a real SQLite file, bad inputs in the same batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SEED_LIKE_DUMP = """港口隧道获批 预算引争议

晨星日报
1200 阅读
3 评论

市政府周一批准了跨港铁路隧道项目，预算为120亿元，预计五年内完工。

反对者认为，预算可能被低估，实际成本或超过150亿元。

读者甲
1 楼
这个预算肯定不够。
读者乙
2 楼
同意楼上。 读者甲 发表评论于 2025-03-03 10:00:00 这个预算肯定不够。
读者丙
3 楼
先看看再说。
"""


def run(*args: str, db: Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", STORYLINE_USE_ENCODER="false")
    proc = subprocess.run(
        [sys.executable, "-m", "storyline.cli", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_bad_inputs_fail_one_line_each_and_the_rest_is_ingested(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(SEED_LIKE_DUMP, encoding="utf-8")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(
        SEED_LIKE_DUMP.replace("晨星日报", "南岸晚报").replace("120亿元", "121亿元").encode("gbk")
    )
    big5 = tmp_path / "big5.txt"
    from storyline.normalize.script import to_traditional

    big5.write_bytes(to_traditional(SEED_LIKE_DUMP.replace("晨星日报", "港湾时报")).encode("big5hkscs"))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    bad_jsonl = tmp_path / "dump.jsonl"
    bad_jsonl.write_text(
        json.dumps(
            {
                "url": "https://example.invalid/a",
                "outlet": "Meridian",
                "title": "Harbour tunnel approved",
                "published_at": "2025-03-03T09:00:00+08:00",
                "paragraphs": ["The city approved the tunnel."],
            }
        )
        + "\n{not json\n",
        encoding="utf-8",
    )
    missing = tmp_path / "missing.txt"
    db = tmp_path / "s.db"
    proc = run(
        "ingest", str(good), str(gbk), str(big5), str(empty), str(binary), str(bad_jsonl), str(missing), db=db
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    failed = [line for line in lines if line.startswith("failed")]
    assert len(failed) == 3, proc.stderr
    assert any("empty.txt" in line and "empty" in line for line in failed)
    assert any("image.txt" in line and "binary" in line for line in failed)
    assert any("missing.txt" in line and "no such file" in line for line in failed)
    assert any("dump.jsonl line 2" in line for line in lines), proc.stderr
    assert "ingested 4 input(s)" in proc.stderr

    stories = json.loads(run("stories", "--json", db=db, check=True).stdout)
    outlets = {a["outlet"] for s in stories for a in s["articles"]}
    assert {"晨星日报", "南岸晚报"} <= outlets
    assert any("港灣" in o or "港湾" in o for o in outlets), outlets
    # No mojibake reached the store: the GBK and Big5 dumps read as Chinese.
    titles = {a["title"] for s in stories for a in s["articles"]}
    assert "港口隧道获批 预算引争议" in titles


def test_second_ingest_reports_unchanged(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(SEED_LIKE_DUMP, encoding="utf-8")
    db = tmp_path / "s.db"
    run("ingest", str(good), db=db, check=True)
    proc = run("ingest", str(good), db=db, check=True)
    assert "unchanged 1" in proc.stderr


def test_search_finds_a_two_character_word_in_either_script(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(SEED_LIKE_DUMP, encoding="utf-8")
    db = tmp_path / "s.db"
    run("ingest", str(good), db=db, check=True)
    hits = json.loads(run("search", "隧道", "--json", db=db, check=True).stdout)
    assert hits and "<mark>" in hits[0]["snippet"]
    hits_hant = json.loads(run("search", "預算", "--json", db=db, check=True).stdout)
    assert hits_hant


def test_demo_builds_a_story_page_store(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    run("demo", "--no-serve", db=db, check=True)
    stories = json.loads(run("stories", "--json", db=db, check=True).stdout)
    assert len(stories) >= 2
    biggest = max(stories, key=lambda s: len(s["articles"]))
    assert len({a["outlet"] for a in biggest["articles"]}) >= 3
    assert {a["script"] for s in stories for a in s["articles"]} >= {"zh-Hans", "zh-Hant", "en"}
    assert any(a["comments"] for s in stories for a in s["articles"])


def test_migrate_is_safe_to_rerun(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    first = run("migrate", db=db, check=True)
    second = run("migrate", db=db, check=True)
    assert first.stderr.strip().split()[-1] == second.stderr.strip().split()[-1]


@pytest.mark.slow
def test_sigkill_mid_batch_leaves_a_consistent_store_and_rerun_completes(tmp_path: Path) -> None:
    import signal
    import sqlite3
    import time

    inputs = []
    for i in range(40):
        p = tmp_path / f"in{i:02d}.jsonl"
        rows = [
            {
                "url": f"https://example.invalid/{i}/{j}",
                "outlet": f"Outlet {j}",
                "title": f"第{i}号事件 报道{j}",
                "published_at": f"2025-03-{1 + i % 27:02d}T{j:02d}:00:00+08:00",
                "paragraphs": [f"第{i}号事件的第{j}段报道，涉及城市{i}的交通项目，预算{i + 1}0亿元。"] * 2,
            }
            for j in range(5)
        ]
        p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
        inputs.append(str(p))
    db = tmp_path / "k.db"
    env = dict(os.environ, STORYLINE_USE_ENCODER="false")
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyline.cli", "--db", str(db), "ingest", *inputs],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    # Kill it once some, but not all, inputs have landed.
    deadline = time.time() + 240
    landed = 0
    while time.time() < deadline:
        time.sleep(0.2)
        if db.exists():
            try:
                con = sqlite3.connect(db, timeout=1)
                landed = con.execute("select count(*) from raw_inputs").fetchone()[0]
                con.close()
            except sqlite3.Error:
                continue
            if landed >= 3:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 3 <= landed < 40, landed

    con = sqlite3.connect(db)
    raws = con.execute("select count(*) from raw_inputs").fetchone()[0]
    arts = con.execute("select count(*) from articles").fetchone()[0]
    assigned = con.execute("select count(*) from story_articles").fetchone()[0]
    con.close()
    assert arts == raws * 5  # every landed input landed whole
    assert assigned == arts  # and every article of it is in a story

    rerun = run("ingest", *inputs, db=db)
    assert rerun.returncode == 0, rerun.stderr
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from raw_inputs").fetchone()[0] == 40
    assert con.execute("select count(*) from articles").fetchone()[0] == 200
    assert con.execute("select count(distinct article_id) from story_articles").fetchone()[0] == 200
    con.close()
