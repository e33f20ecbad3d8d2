"""River's metric-emit and periodic-jobs-start hooks: called at their moments, with
what River passes them; only hooks that implement them are called."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._internal.maintenance.periodic_async import AsyncPeriodicJobEnqueuer
from river.middleware import (
    JobGetAvailableCountMetric,
    JobGetAvailableDurationMetric,
    Metric,
    PeriodicJobsStartParams,
)
from tests._client_helpers_async import make_config, started, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class NoteArgs:
    kind = "note"


class NoteWorker(river.AsyncWorker[NoteArgs]):
    async def work(self, job: river.Job[NoteArgs]) -> None:
        return None


class MetricRecorder(river.AsyncHook):
    def __init__(self) -> None:
        self.metrics: list[Metric] = []

    def metric_emit(self, metric: Metric) -> None:
        self.metrics.append(metric)


class StartRecorder(river.AsyncHook):
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[PeriodicJobsStartParams] = []
        self.fail = fail

    async def periodic_jobs_start(self, params: PeriodicJobsStartParams) -> None:
        self.calls.append(params)
        if self.fail:
            raise RuntimeError("refusing to start")


async def test_metric_emit_after_each_fetch(adriver: Any, schema: str) -> None:
    recorder = MetricRecorder()
    workers = river.Workers()
    workers.add(NoteWorker())
    client = river.AsyncClient(adriver, make_config(schema, workers, hooks=[recorder]))
    async with started(client):
        job = (await client.insert(NoteArgs())).job
        await wait_for_state(client, job.id, river.JobState.COMPLETED)
    counts = [m for m in recorder.metrics if isinstance(m, JobGetAvailableCountMetric)]
    durations = [m for m in recorder.metrics if isinstance(m, JobGetAvailableDurationMetric)]
    assert len(counts) == len(durations) >= 1
    assert {m.queue for m in recorder.metrics} == {"default"}
    assert sum(m.count for m in counts) == 1
    assert all(m.duration >= 0 for m in durations)


async def test_periodic_jobs_start_hook() -> None:
    job = river.PeriodicJob(river.PeriodicInterval(dt.timedelta(minutes=5)), lambda: NoteArgs())

    async def insert_many(params: Any) -> None:
        return None

    ok, plain = StartRecorder(), river.AsyncHook()
    enqueuer = AsyncPeriodicJobEnqueuer(insert_many, [job], hooks=[plain, ok], test_only=True)
    assert await enqueuer._run_start_hooks() is True
    assert ok.calls == [PeriodicJobsStartParams(periodic_jobs=(job,))]

    failing, after = StartRecorder(fail=True), StartRecorder()
    enqueuer = AsyncPeriodicJobEnqueuer(insert_many, [job], hooks=[failing, after], test_only=True)
    # An exception stops the enqueuer's start for this term; later hooks are not called.
    assert await enqueuer._run_start_hooks() is False
    assert len(failing.calls) == 1 and after.calls == []
