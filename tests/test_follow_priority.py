"""``storyline follow --nice N``: the follower lowers its own CPU priority, so readers come first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storyline.errors import InputError
from storyline.live.priority import MAX_NICE, lower_priority

SRC = Path(__file__).resolve().parent.parent / "src"


def _follow(db: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env["STORYLINE_USE_ENCODER"] = "false"
    return subprocess.Popen(
        # Port 9 (discard) on loopback: nothing listens, so rounds fail fast and the follower runs on.
        [sys.executable, "-m", "storyline.cli", "--db", str(db), "follow", "--allow-private",
         "http://127.0.0.1:9/feed.xml", "--interval", "1", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _niceness(pid: int) -> int:
    # /proc/<pid>/stat: field 19 is the nice value (fields counted after the command's parenthesis).
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the nice value from /proc")
def test_follow_nice_lowers_the_running_followers_priority_and_still_stops_cleanly(tmp_path):
    base = os.nice(0)
    step = min(7, MAX_NICE - base)
    proc = _follow(tmp_path / "live.db", "--nice", str(step))
    try:
        deadline = time.monotonic() + 60
        while _niceness(proc.pid) != base + step and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert _niceness(proc.pid) == base + step
        time.sleep(1.0)  # a round or two at the lower priority
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"running at nice {base + step}" in out + err


@pytest.mark.parametrize("value", ["-1", "20"])
def test_follow_nice_outside_0_to_19_is_refused_naming_the_option(tmp_path, value):
    proc = _follow(tmp_path / "live.db", "--once", "--nice", value)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert f"--nice: {value} is not a priority step" in out + err
    assert not (tmp_path / "live.db").exists() or "asked" not in out  # refused before any round


def test_lower_priority_by_zero_changes_nothing():
    before = os.nice(0)
    assert lower_priority(0).niceness == before == os.nice(0)
    with pytest.raises(InputError, match="give 0"):
        lower_priority(MAX_NICE + 1)
