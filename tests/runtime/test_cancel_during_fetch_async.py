"""A cancel heard while a fetch is in flight reaches the jobs that fetch locked before
they start (River v0.48), instead of finding no running job and being lost."""

from __future__ import annotations

from typing import Any

import pytest

import river
import river._internal.producer.producer_async as producer_module
from river._internal.executor.job_outcome import CANCEL_REMOTE
from tests._client_helpers_async import make_config, started, wait_for_state

pytestmark = pytest.mark.anyio


class PlainArgs:
    kind = "cancel_during_fetch"

    def to_json(self) -> str:
        return "{}"


class PlainWorker(river.AsyncWorker[PlainArgs]):
    args_type = PlainArgs

    def __init__(self) -> None:
        self.worked: list[int] = []

    async def work(self, job: river.Job[PlainArgs]) -> None:
        self.worked.append(job.id)


async def test_cancel_heard_during_the_fetch_cancels_the_fetched_job(
    adriver: Any, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    producer_class = producer_module.AsyncProducer
    fetch = producer_class._fetch

    async def fetch_then_hear_cancel(self: Any, limit: int) -> Any:
        jobs = await fetch(self, limit)
        for job in jobs:  # the cancel notification comes before the jobs start
            self.cancel_job(job.id, CANCEL_REMOTE)
        return jobs

    monkeypatch.setattr(producer_class, "_fetch", fetch_then_hear_cancel)
    worker = PlainWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(adriver, make_config(schema, workers))
    async with started(client):
        job = (await client.insert(PlainArgs())).job
        done = await wait_for_state(client, job.id, river.JobState.CANCELLED)
    assert done.state is river.JobState.CANCELLED and worker.worked == []
