"""Shared fixtures: the real seed pages and data from ../shared (never copied into the repo)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STORYLINE_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
DATA = SHARED / "data"
SEED_CONCEPT_PAGE = SEEDS / "000_3a72efce90bf99e7.txt"
SEED_THREAD_PAGE = SEEDS / "001_276368efd83e594f.txt"


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    if not (SEED_CONCEPT_PAGE.exists() and SEED_THREAD_PAGE.exists()):
        pytest.skip(f"seed pages not found under {SEEDS} (set STORYLINE_SHARED to the shared/ folder)")
    return [SEED_CONCEPT_PAGE, SEED_THREAD_PAGE]


@pytest.fixture(scope="session")
def semeval_csv() -> Path:
    path = DATA / "semeval2022-task8" / "training_set.csv"
    if not path.exists():
        pytest.skip(f"SemEval-2022 Task 8 data not found at {path}")
    return path


@pytest.fixture(scope="session")
def weibo_dir() -> Path:
    path = DATA / "ced-weibo-threads"
    if not path.exists():
        pytest.skip(f"CED Weibo threads not found at {path}")
    return path


@pytest.fixture()
def pg_url() -> str:
    """A PostgreSQL URL for a throwaway database; .ci/run starts the server and sets the variable."""
    url = os.environ.get("STORYLINE_TEST_PG_URL")
    if not url:
        pytest.skip("STORYLINE_TEST_PG_URL not set: no PostgreSQL server for this run (.ci/run starts one)")
    return url


def _with_db(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + dbname))


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database location for one test: a SQLite path or a PostgreSQL URL."""
    if request.param == "sqlite":
        yield str(tmp_path / "nested" / "dir" / "storyline.db")
        return
    psycopg = pytest.importorskip("psycopg")
    base = request.getfixturevalue("pg_url")
    name = "sl_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield _with_db(base, name)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
