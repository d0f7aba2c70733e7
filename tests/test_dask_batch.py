"""The Dask path calls the same stage functions as the in-process path and lands the same stories."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from storyline import Settings, ingest, open_store

pytestmark = pytest.mark.dask


def _corpus(tmp_path: Path, seed_paths: list[Path]) -> list[str]:
    events = [
        (
            "港口隧道",
            "市政府批准跨港铁路隧道，预算120亿元，五年内完工。",
            "Harbour tunnel approved with a 12bn budget.",
        ),
        (
            "芯片工厂",
            "北岸科技宣布在东湾建设芯片工厂，投资300亿元，创造5000个岗位。",
            "Northshore to build a chip plant.",
        ),
        (
            "暴雨预警",
            "气象台发布暴雨红色预警，全市停课一天，地铁部分停运。",
            "Red rainstorm warning closes schools.",
        ),
    ]
    paths = [str(p) for p in seed_paths]
    for i, (topic, zh, en) in enumerate(events):
        rows = []
        for j, outlet in enumerate(["晨星日报", "北岸新闻网", "The Meridian Post"]):
            rows.append(
                {
                    "url": f"https://example.invalid/{i}/{j}",
                    "outlet": outlet,
                    "title": f"{topic}：{outlet}报道" if j < 2 else en,
                    "published_at": f"2025-03-0{i + 1}T0{j + 1}:00:00+08:00",
                    "paragraphs": [zh, f"{outlet}记者从现场发回报道。{zh}"] if j < 2 else [en],
                }
            )
        p = tmp_path / f"event{i}.jsonl"
        p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
        paths.append(str(p))
    return paths


def _stories(db: Path) -> list[tuple[str, tuple[str, ...], str]]:
    with open_store(str(db)) as store:
        return sorted((s.id, tuple(sorted(s.article_ids)), s.headline) for s in store.stories(limit=100))


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_and_in_process_paths_produce_the_same_stories(tmp_path: Path, seed_paths, client) -> None:
    from storyline.scale.dask_batch import run_batch

    inputs = _corpus(tmp_path, seed_paths)
    settings = Settings(db=str(tmp_path / "inproc.db"), use_encoder=False)
    in_process = ingest(inputs, settings=settings)
    assert in_process.ok
    dask_settings = Settings(db=str(tmp_path / "dask.db"), use_encoder=False)
    batch = run_batch(inputs, settings=dask_settings, client=client, partition_size=2)
    assert batch.ok, [o.message for o in batch.failed]
    assert [o.status for o in batch.outcomes] == [o.status for o in in_process.outcomes]
    assert _stories(tmp_path / "dask.db") == _stories(tmp_path / "inproc.db")
    assert len(_stories(tmp_path / "dask.db")) >= 4  # the seeds' story + three invented events


def _die_once(marker: str) -> None:
    # Runs on a worker: the first call kills the worker process outright, as a crash would.
    if not os.path.exists(marker):
        Path(marker).write_text("killed")
        os._exit(1)


def test_a_worker_killed_mid_batch_still_completes_the_batch(tmp_path: Path, seed_paths, client) -> None:
    from storyline.scale import dask_batch

    inputs = _corpus(tmp_path, seed_paths)
    marker = str(tmp_path / "killed")
    original = dask_batch._analyse_partition

    def flaky(items):
        _die_once(marker)
        return original(items)

    dask_batch._analyse_partition = flaky
    try:
        report = dask_batch.run_batch(
            inputs, settings=Settings(db=str(tmp_path / "k.db"), use_encoder=False), client=client
        )
    finally:
        dask_batch._analyse_partition = original
    assert os.path.exists(marker)
    assert report.ok and len(report.ingested) == len(inputs)
