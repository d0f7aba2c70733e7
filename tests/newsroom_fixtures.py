"""The loopback newsroom (benchmarks/newsroom.py) for the follow tests, skipped without the shared data."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

from conftest import DATA

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

from newsroom import Newsroom, load_corpus  # noqa: E402

__all__ = ["Newsroom", "corpus"]


@functools.cache
def _load() -> tuple:
    return load_corpus(DATA)


def corpus() -> tuple:
    """The real texts and replies, read once per test session (skips when the data is absent)."""
    try:
        return _load()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
