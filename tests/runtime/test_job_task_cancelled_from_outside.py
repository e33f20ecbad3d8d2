"""An ``AsyncClient`` job whose task is cancelled by something other than the client (a
caller cancelling every task, its event loop closing) is still reported: it goes back to
``available`` as on a stop, and the cancellation goes on."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import asleep
from river.context import JobContext, current_job
from tests._client_helpers_async import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class HoldArgs:
    kind = "hold_then_return"


class HoldWorker(river.AsyncWorker[HoldArgs]):
    """Holds its first run (a bounded number of steps); returns at once on the next."""

    def __init__(self) -> None:
        self.runs: list[int] = []
        self.contexts: dict[int, JobContext] = {}
        self.tasks: list[asyncio.Task[Any]] = []

    async def work(self, job: river.Job[HoldArgs]) -> None:
        self.runs.append(job.id)
        if len(self.runs) > 1:
            return
        ctx = current_job.get()
        assert ctx is not None
        task = asyncio.current_task()
        assert task is not None
        self.tasks.append(task)
        self.contexts[job.id] = ctx
        for _ in range(3000):
            await asleep(0.01)


async def test_a_job_task_cancelled_from_outside_is_reported_and_runs_again(
    adriver: Any, schema: str, caplog: Any
) -> None:
    caplog.set_level(logging.ERROR, logger="river")
    worker = HoldWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(adriver, make_config(schema, workers))
    async with started(client):
        job_id = (await client.insert(HoldArgs())).job.id

        async def holding() -> bool:
            return job_id in worker.contexts

        await wait_for(holding, timeout=10.0)
        worker.tasks[0].cancel()  # not through the client: its context never saw a cancel
        done = await wait_for_state(client, job_id, river.JobState.COMPLETED, timeout=10.0)
    assert worker.runs == [job_id, job_id]
    assert done.errors == []  # an interruption is no failed attempt
    assert worker.contexts[job_id].cancel_reason == "client_stop"
    assert worker.tasks[0].cancelled()  # the cancellation went on once the job was reported
    assert "could not be reported" not in caplog.text
