"""The clusterer state is saved whole every few inputs; a crash in between loses nothing.

Between two whole saves each input's transaction records the ids it assigned (the journal) and a
new :class:`~storyline.pipeline.Ingestor` replays them from the stored articles. The checks: a
batch cut off between saves (a crash) resumes with the clusterer, bit for bit, that the batch
had in memory, and goes on to the stories of an uninterrupted batch; a write failing midway is
rolled back and the ingest continues as if it never happened; a batch ends with the state saved
whole and nothing left to replay. Real reports: SemEval-2022 Task 8 pairs (zh and en), one
input per annotated pair, so stories are joined and merged.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from storyline import Settings, open_store
from storyline.errors import StoreError
from storyline.export import stories_export
from storyline.pipeline import (
    CLUSTER_JOURNAL_KEY,
    CLUSTER_SAVE_EVERY,
    CLUSTER_STATE_KEY,
    Ingestor,
    ingest_inputs,
    parse_and_analyze,
)
from storyline.records import RawInput
from test_determinism import _corpus, _write

GROUPS = 60  # annotated pairs: about 110 reports, past three whole saves


@pytest.fixture(scope="module")
def inputs(semeval_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> list[RawInput]:
    folder = tmp_path_factory.mktemp("journal")
    out = []
    for n, group in enumerate(_corpus(semeval_csv)[:GROUPS]):
        path = Path(_write(folder / f"pair-{n:03d}.jsonl", group))
        out.append(RawInput(str(path), path.read_bytes()))
    return out


@pytest.fixture(scope="module")
def parsed(inputs: list[RawInput]):
    return {raw.sha256: parse_and_analyze(raw) for raw in inputs}


def _settings(tmp_path: Path, name: str) -> Settings:
    return Settings(db=str(tmp_path / f"{name}.db"), use_encoder=False)


def _journal(store) -> list[str]:
    return msgspec.msgpack.decode(store.get_state(CLUSTER_JOURNAL_KEY) or b"\x90", type=list[str])


def _uninterrupted(tmp_path: Path, inputs, parsed):
    settings = _settings(tmp_path, "whole")
    store = open_store(settings.db)
    ingestor = Ingestor(store, settings)
    for raw in inputs:
        ingestor.ingest_raw(raw, parsed[raw.sha256])
    return store, ingestor


def test_a_batch_cut_between_saves_resumes_with_the_clusterer_it_had(tmp_path: Path, inputs, parsed) -> None:
    reference_store, reference = _uninterrupted(tmp_path, inputs, parsed)
    settings = _settings(tmp_path, "cut")
    with open_store(settings.db) as store:
        first = Ingestor(store, settings)
        cut = 2 * len(inputs) // 3
        for raw in inputs[:cut]:
            first.ingest_raw(raw, parsed[raw.sha256])
        journal = _journal(store)
        # Cut between two whole saves: the stored state lags the store by the journal's articles.
        assert 0 < len(journal) < CLUSTER_SAVE_EVERY and journal == first.journal
        assert store.get_state(CLUSTER_STATE_KEY) != first.clusterer.to_bytes()
        # The process dies here (no flush); the next one replays the journal.
        resumed = Ingestor(store, settings)
        assert resumed.journal == journal
        assert resumed.clusterer.to_bytes() == first.clusterer.to_bytes()
        for raw in inputs[cut:]:
            resumed.ingest_raw(raw, parsed[raw.sha256])
        assert resumed.clusterer.to_bytes() == reference.clusterer.to_bytes()
        assert stories_export(store) == stories_export(reference_store)
    reference_store.close()


def test_a_write_failing_midway_leaves_the_clusterer_of_the_store(
    tmp_path: Path, inputs, parsed, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference_store, reference = _uninterrupted(tmp_path, inputs, parsed)
    settings = _settings(tmp_path, "failing")
    with open_store(settings.db) as store:
        ingestor = Ingestor(store, settings)
        write = store.write_input
        calls = {"n": 0}

        def flaky(w):
            calls["n"] += 1
            if calls["n"] in (CLUSTER_SAVE_EVERY // 2, CLUSTER_SAVE_EVERY + 3):
                raise StoreError("disk full (injected)")
            return write(w)

        monkeypatch.setattr(store, "write_input", flaky)
        failed = 0
        for raw in inputs:
            try:
                ingestor.ingest_raw(raw, parsed[raw.sha256])
            except StoreError:
                failed += 1
                # The clusterer went back to what the store holds: its state and journal.
                assert ingestor.clusterer.to_bytes() == Ingestor(store, settings).clusterer.to_bytes()
                ingestor.ingest_raw(raw, parsed[raw.sha256])  # the retry that then succeeds
        assert failed == 2
        assert ingestor.clusterer.to_bytes() == reference.clusterer.to_bytes()
        assert stories_export(store) == stories_export(reference_store)
    reference_store.close()


def test_a_batch_ends_with_the_state_saved_whole(tmp_path: Path, inputs, parsed) -> None:
    settings = _settings(tmp_path, "batch")
    with open_store(settings.db) as store:
        report = ingest_inputs(inputs[:40], store, settings)
        assert report.ok and len(report.ingested) == 40
        assert _journal(store) == []
        last = Ingestor(store, settings)
        assert last.journal == []
        # What a fresh Ingestor loads is the whole state as saved: nothing was replayed.
        assert last.clusterer.to_bytes() == store.get_state(CLUSTER_STATE_KEY)
