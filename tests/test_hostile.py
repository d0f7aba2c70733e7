"""Hostile-input fuzzing of the whole product: every input format and field, then the export,
every page, every API route and every feed of the store that results.

The contract (issue 23): no input makes a command, page, route or feed fail for anyone — no
traceback, no 5xx, every feed parses as XML, every message is one line, nothing printed holds
a terminal escape — and every good article ingested beside a bad one lands.

One store takes every example in turn, as a long-running site takes whatever it is sent; a
short run here (CI), a long profile in ``benchmarks/hostile_fuzz.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile_data import FORMATS, check_store, hostile_batch, write_batch
from storyline.pipeline import ingest
from storyline.settings import Settings
from storyline.store import open_store
from storyline.web.app import create_app

# Small: an example ingests up to three hostile inputs beside good ones and walks ten routes
# plus seven per changed story (~0.3 s on a shared 2-core machine); 5 formats x 10 examples
# plus 12 mixed take ~20 s. The long profile is benchmarks/hostile_fuzz.py.
SHORT = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Site:
    store: object
    client: TestClient
    settings: Settings
    folder: Path
    counter: list[int]
    runs: Iterator[int]
    seen: dict[str, str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("hostile")
    conf = Settings(db=str(folder / "s.db"), use_encoder=False, fetch_rate_per_host=0)
    store = open_store(conf.db)
    try:
        yield Site(store, TestClient(create_app(store, conf)), conf, folder, [0], itertools.count(), {})
    finally:
        store.close()


def _run(site: Site, batch) -> None:  # type: ignore[no-untyped-def]
    paths = write_batch(batch, site.folder / f"run{next(site.runs)}")
    report = ingest(paths, settings=site.settings, store=site.store)
    failures = check_store(site.store, site.client, report, batch.good_urls, site.seen)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_hostile_inputs_of_each_format_break_nothing(site: Site, fmt: str) -> None:
    @SHORT
    @given(batch=hostile_batch(site.counter, (fmt,)))
    def run(batch) -> None:  # type: ignore[no-untyped-def]
        _run(site, batch)

    run()


@settings(SHORT, max_examples=12)
@given(data=st.data())
def test_mixed_hostile_batches_break_nothing(site: Site, data: st.DataObject) -> None:
    _run(site, data.draw(hostile_batch(site.counter)))
