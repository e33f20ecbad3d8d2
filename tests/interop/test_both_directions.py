# WARNING: this file is generated from 'test_both_directions_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Jobs River Go inserts are worked exactly once by river-queue, and the reverse, with
args, metadata, tags, priority, scheduled_at, max_attempts and unique keys intact; by
each insert path of each language (one by one, many, many by COPY)."""

from __future__ import annotations

import collections
import json
from typing import Any

import pytest

import river
from river.types import JobState
from tests._client_helpers import make_config, started, wait_for
from tests.interop._args import raw_args, raw_args_type
from tests.interop._gopeer import GoPeer
from tests.interop._jobs import (
    ECHO,
    FIELDS,
    QUEUES,
    Spec,
    from_go,
    from_py,
    go_job,
    py_args,
    spec_mismatch,
    specs,
)

pytestmark = pytest.mark.anyio
INSERT_MODES = ["insert", "insert_many", "insert_many_fast"]


class RecordingWorker(river.Worker[Any]):
    """Works any raw-args kind, keeping every row it was given."""

    def __init__(self, kind: str, seen: list[river.JobRow]) -> None:
        self.args_type = raw_args_type(kind)
        self.seen = seen

    def work(self, job: river.Job[Any]) -> None:
        self.seen.append(job.row)


def _workers(seen: list[river.JobRow]) -> river.Workers:
    workers = river.Workers()
    for kind in (ECHO, FIELDS):
        workers.add(RecordingWorker(kind, seen))
    return workers


def _queues() -> dict[str, river.QueueConfig]:
    return {name: river.QueueConfig(max_workers=5) for name in QUEUES}


@pytest.mark.parametrize("mode", INSERT_MODES)
def test_jobs_river_go_inserted_are_worked_once(
    driver: Any, schema: str, gopeer: GoPeer, mode: str
) -> None:
    jobs = specs()
    result = gopeer.insert(schema, [go_job(s) for s in jobs], mode=mode)
    seen: list[river.JobRow] = []
    client = river.Client(driver, make_config(schema, _workers(seen), queues=_queues()))
    workable = sum(s.workable for s in jobs)

    def all_done() -> bool:
        rows = client.job_list(river.JobListParams(limit=100)).jobs
        return sum(r.state is JobState.COMPLETED for r in rows) == workable

    with started(client):
        wait_for(all_done, timeout=30)
    rows = {r.id: r for r in client.job_list(river.JobListParams(limit=100)).jobs}
    assert len(rows) == len(jobs)
    # Each job worked once, and it completed on its first attempt.
    counts = collections.Counter(r.id for r in seen)
    assert sorted(counts.values()) == [1] * workable
    assert all(rows[i].state is JobState.COMPLETED and rows[i].attempt == 1 for i in counts)
    worked = sorted((from_py(r) for r in seen), key=lambda f: f["id"])
    if mode == "insert_many_fast":
        assert result["count"] == len(jobs)
        by_id = sorted(rows.values(), key=lambda r: r.id)
        for spec, row in zip(jobs, by_id, strict=True):
            assert spec_mismatch(from_py(row), spec) == {}
    else:
        go_rows = [from_go(r) for r in result["jobs"]]
        for spec, go_row in zip(jobs, go_rows, strict=True):
            assert spec_mismatch(go_row, spec) == {}
        # river-queue worked exactly what River Go inserted.
        assert worked == [g for g, s in zip(go_rows, jobs, strict=True) if s.workable]
        # The rows not due stay as River Go left them.
        for spec, go_row in zip(jobs, go_rows, strict=True):
            if not spec.workable:
                row = rows[go_row["id"]]
                assert from_py(row) == go_row
                assert row.state in (JobState.PENDING, JobState.SCHEDULED) and row.attempt == 0


def _insert(client: Any, jobs: list[Spec], mode: str) -> list[river.JobRow] | None:
    params = [river.InsertManyParams(py_args(s), s.opts) for s in jobs]
    if mode == "insert":
        return [client.insert(p.args, p.opts).job for p in params]
    if mode == "insert_many":
        return [r.job for r in client.insert_many(params)]
    assert client.insert_many_fast(params) == len(jobs)
    return None


@pytest.mark.parametrize("mode", INSERT_MODES)
def test_jobs_river_queue_inserted_are_worked_once_by_river_go(
    driver: Any, schema: str, gopeer: GoPeer, mode: str
) -> None:
    jobs = specs()
    client = river.Client(driver, river.Config(schema=schema))
    inserted = _insert(client, jobs, mode)
    workable = sum(s.workable for s in jobs)
    result = gopeer.work(
        schema,
        queues=dict.fromkeys(QUEUES, 5),
        expect=workable,
        timeout_seconds=30,
        kinds={ECHO: {"behaviour": "noop"}, FIELDS: {"behaviour": "noop"}},
    )
    assert not result["timed_out"]
    rows = {r.id: r for r in client.job_list(river.JobListParams(limit=100)).jobs}
    by_id = sorted(rows.values(), key=lambda r: r.id)
    worked = sorted((from_go(r) for r in result["worked"]), key=lambda f: f["id"])
    counts = collections.Counter(f["id"] for f in worked)
    assert sorted(counts.values()) == [1] * workable
    assert all(rows[i].state is JobState.COMPLETED and rows[i].attempt == 1 for i in counts)
    # River Go worked exactly the rows river-queue wrote.
    before = [from_py(r) for r in inserted] if inserted is not None else None
    if before is not None:
        assert worked == [b for b, s in zip(before, jobs, strict=True) if s.workable]
    for spec, row in zip(jobs, by_id, strict=True):
        assert spec_mismatch(from_py(row), spec) == {}
        if not spec.workable:
            assert row.state in (JobState.PENDING, JobState.SCHEDULED) and row.attempt == 0
    assert len(worked) == workable


def test_river_go_outcomes_are_read_by_river_queue(
    driver: Any, schema: str, gopeer: GoPeer
) -> None:
    """River Go's worker errors, snoozes and cancels, on jobs river-queue inserted, as
    river-queue reads them back."""
    client = river.Client(driver, river.Config(schema=schema))
    kinds = {
        "interop_fail": {"behaviour": "fail"},
        "interop_snooze": {"behaviour": "snooze", "snooze_seconds": 3600},
        "interop_cancel": {"behaviour": "cancel"},
        "interop_slow": {"behaviour": "slow", "sleep_seconds": 0.2},
    }
    ids = {kind: client.insert(raw_args(kind, '{"x":1}')).job.id for kind in kinds}
    result = gopeer.work(
        schema, queues={"default": 5}, expect=len(kinds), timeout_seconds=30, kinds=kinds
    )
    assert not result["timed_out"]
    # Let River Go's completer finish (Stop waits for it), then read each outcome.
    failed = client.job_get(ids["interop_fail"])
    # Retryable, or already made available again by River Go's scheduler (the first
    # retry is due within seconds).
    assert failed.state in (JobState.RETRYABLE, JobState.AVAILABLE) and failed.attempt == 1
    assert [e.error for e in failed.errors] == ["gopeer: failing as asked"]
    assert failed.errors[0].attempt == 1 and failed.scheduled_at > failed.attempted_at
    snoozed = client.job_get(ids["interop_snooze"])
    assert snoozed.state is JobState.SCHEDULED and snoozed.errors == []
    assert snoozed.metadata.get("snoozes") == 1
    cancelled = client.job_get(ids["interop_cancel"])
    assert cancelled.state is JobState.CANCELLED and cancelled.finalized_at is not None
    assert "gopeer: cancelling as asked" in cancelled.errors[0].error
    slow = client.job_get(ids["interop_slow"])
    assert slow.state is JobState.COMPLETED and slow.attempt == 1
    assert json.loads(slow.encoded_args) == {"x": 1}
