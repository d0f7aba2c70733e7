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


# ---- first run as a newcomer (issue 16) ------------------------------------------------------
def _env(home: Path, **extra: str) -> dict[str, str]:
    """A user with nothing set up yet: their own HOME (so their own default store), no STORYLINE_DB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        PYTHONIOENCODING="utf-8",
        STORYLINE_USE_ENCODER="false",
        **extra,
    )
    return env


def storyline(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``storyline ARGS`` exactly as typed: no --db put in front."""
    return subprocess.run(
        [sys.executable, "-m", "storyline", *args], capture_output=True, text=True, env=env, timeout=300
    )


def on_terminal(*args: str, env: dict[str, str], columns: int = 160) -> tuple[int, str]:
    """``storyline ARGS`` with stdout and stderr on a pseudo-terminal; what the terminal showed."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyline", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=dict(env, TERM="xterm-256color"),
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


def _plain(screen: str) -> list[str]:
    """What the terminal drew, line by line, without colour and cursor codes.

    A progress bar redraws its line after a carriage return: each drawing is one entry here.
    """
    import re

    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", screen)
    return [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]


def test_db_and_verbose_after_the_subcommand(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(SEED_LIKE_DUMP, encoding="utf-8")
    db = tmp_path / "after.db"
    env = _env(tmp_path / "home", STORYLINE_DB=str(tmp_path / "env.db"))
    proc = storyline("ingest", "--db", str(db), str(good), "-v", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "applied migration 001_initial" in proc.stderr  # -v after the subcommand took effect
    assert (
        db.exists() and not (tmp_path / "env.db").exists()
    )  # --db after the command wins over $STORYLINE_DB
    listed = storyline("stories", "--db", str(db), "--json", env=env)
    assert [a["title"] for s in json.loads(listed.stdout) for a in s["articles"]] == [
        "港口隧道获批 预算引争议"
    ]
    # Before the subcommand still works, and both places agree.
    before = storyline("--db", str(db), "stories", "--json", env=env)
    assert json.loads(before.stdout) == json.loads(listed.stdout)


def test_storyline_alone_says_what_to_do_first(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    proc = storyline(env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[2] == "Start here:"
    assert lines[3].split()[:2] == ["storyline", "demo"]
    default = tmp_path / "home" / ".local" / "share" / "storyline"
    assert f"Your store: {default / 'storyline.db'} (SQLite, does not exist yet)" in lines
    assert f"The demo's: {default / 'demo.db'} (SQLite, does not exist yet)" in lines
    assert "Commands:" in lines  # then the usual help
    assert storyline("--help", env=env).stdout in proc.stdout


def test_python_dash_m_storyline_is_the_cli(tmp_path: Path) -> None:
    proc = storyline("--help", env=_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: storyline ")
    assert "ingest" in proc.stdout and "demo" in proc.stdout


def test_demo_then_stories_says_where_the_demo_is(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    demo = storyline("demo", "--no-serve", env=env)
    assert demo.returncode == 0, demo.stderr
    demo_db = tmp_path / "home" / ".local" / "share" / "storyline" / "demo.db"
    default_db = demo_db.with_name("storyline.db")
    # The user's own store is still empty, and says so: where it looked, how to fill it, where the demo is.
    proc = storyline("stories", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    hint = proc.stderr.splitlines()
    assert hint[0] == f"no stories in {default_db} (SQLite) yet. Fill it with:"
    assert hint[1].split()[:3] == ["storyline", "ingest", "FILE_OR_URL..."]
    command = f"storyline stories --db {demo_db}"
    assert hint[2] == f"The demo's stories are in {demo_db}:  {command}"
    # And the command it names shows the demo's stories.
    shown = storyline(*command.split()[1:], env=env)
    assert shown.returncode == 0 and shown.stderr == "", shown.stderr
    assert len(shown.stdout.splitlines()) == len(
        json.loads(storyline(*command.split()[1:], "--json", env=env).stdout)
    )
    assert len(shown.stdout.splitlines()) >= 2


def test_empty_store_without_a_demo_suggests_it(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    db = tmp_path / "empty.db"
    proc = storyline("stories", "--json", "--db", str(db), env=env)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []
    assert proc.stderr.splitlines()[0] == f"no stories in {db} (SQLite) yet. Fill it with:"
    assert proc.stderr.splitlines()[-1].split()[:2] == ["storyline", "demo"]


def test_every_store_command_names_its_store_first_on_a_terminal(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    good = tmp_path / "good.txt"
    good.write_text(SEED_LIKE_DUMP, encoding="utf-8")
    db = tmp_path / "s.db"
    code, screen = on_terminal("ingest", str(good), "--db", str(db), env=env)
    assert code == 0, screen
    assert _plain(screen)[0] == f"store: {db} (SQLite, does not exist yet)"
    story_id = json.loads(storyline("stories", "--json", "--db", str(db), env=env).stdout)[0]["id"]
    for args in (["stories"], ["story", story_id], ["search", "隧道"], ["prerender"]):
        code, screen = on_terminal(*args, "--db", str(db), env=env)
        assert code == 0, screen
        assert _plain(screen)[0] == f"store: {db} (SQLite)", (args, screen)
    code, screen = on_terminal("migrate", "--db", str(db), env=env)
    assert code == 0 and _plain(screen)[0].startswith(f"{db} (SQLite): schema at version "), screen
    # Piped, the output is what it was: no store line on stderr, stdout untouched.
    piped = storyline("stories", "--db", str(db), env=env)
    assert "store:" not in piped.stderr and piped.stdout.startswith(story_id)


def test_store_line_hides_a_postgres_password(tmp_path: Path) -> None:
    from storyline.cli import store_label

    assert (
        store_label("postgresql://news:s3cret@db:5432/news")
        == "postgresql://news:***@db:5432/news (PostgreSQL)"
    )
    assert store_label("postgresql://news@db/news") == "postgresql://news@db/news (PostgreSQL)"
    assert store_label(str(tmp_path / "x.db")) == f"{tmp_path / 'x.db'} (SQLite, does not exist yet)"


def test_long_ingest_shows_progress_on_a_terminal_and_is_quiet_piped(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    inputs = []
    for i in range(4):
        p = tmp_path / f"in{i}.txt"
        p.write_text(
            SEED_LIKE_DUMP.replace("晨星日报", f"晨星日报{i}").replace("120亿元", f"12{i}亿元"),
            encoding="utf-8",
        )
        inputs.append(str(p))
    inputs.append(str(tmp_path / "missing.txt"))
    code, screen = on_terminal("ingest", *inputs, "--db", str(tmp_path / "t.db"), env=env)
    assert code == 1, screen  # one input failed
    bars = [line for line in _plain(screen) if line.startswith("ingest ") and "inputs/s" in line]
    assert bars, screen
    last = bars[-1].split()
    assert "5/5" in last and "1 failed" in " ".join(last) and "4 article(s)" in " ".join(last), bars[-1]
    rate = float(last[last.index("inputs/s") - 1])
    assert rate > 0
    # The per-input lines and the summary follow the bar.
    assert _plain(screen)[-1] == "ingested 4 input(s) (4 article(s)), unchanged 0, failed 1"
    piped = storyline("ingest", *inputs, "--db", str(tmp_path / "p.db"), env=env)
    assert piped.returncode == 1
    assert "inputs/s" not in piped.stderr and "\x1b" not in piped.stderr
    assert piped.stderr.splitlines()[-1] == "ingested 4 input(s) (4 article(s)), unchanged 0, failed 1"


def test_serve_and_demo_say_when_the_port_is_taken(tmp_path: Path) -> None:
    import socket

    env = _env(tmp_path / "home")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        for args in (["serve", "--db", str(tmp_path / "s.db")], ["demo", "--db", str(tmp_path / "d.db")]):
            proc = storyline(*args, "--port", port, env=env)
            assert proc.returncode == 1
            assert proc.stderr.strip() == (
                f"error: 127.0.0.1:{port} is already in use (another server, or a storyline still running?): "
                "choose another port with --port N or $STORYLINE_PORT"
            )
    assert not (tmp_path / "d.db").exists()  # the demo said so before ingesting anything
