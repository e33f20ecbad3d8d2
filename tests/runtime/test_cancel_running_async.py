"""Cancelling running jobs with real clients: the signal, the outcome, finalized jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import asleep
from tests._client_helpers_async import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class WaitArgs:
    kind = "wait_for_cancel"
    then: str = "error"  # what the job does once it sees the cancel: error | return


class WaitWorker(river.AsyncWorker[WaitArgs]):
    """Waits for the cancel signal, records whether ``river.job_cancelled()`` saw it."""

    def __init__(self) -> None:
        self.saw: list[bool] = []
        self.started: list[int] = []

    async def work(self, job: river.Job[WaitArgs]) -> None:
        self.started.append(job.id)
        try:
            for _ in range(1000):
                if river.job_cancelled():
                    break
                await asleep(0.01)
        except BaseException:
            # An async job is interrupted; it may still choose to return successfully.
            self.saw.append(river.job_cancelled())
            if job.args.then == "return":
                return
            raise
        self.saw.append(river.job_cancelled())
        if job.args.then == "error":
            raise RuntimeError("stopped after the cancel signal")


def _client(adriver: Any, schema: str, worker: WaitWorker, **kw: Any) -> Any:
    workers = river.Workers()
    workers.add(worker)
    return river.AsyncClient(adriver, make_config(schema, workers, **kw))


async def _wait_worked(client: Any, worker: WaitWorker, job_id: int) -> None:
    """Wait until ``worker`` runs the job. Its row turns ``running`` when fetched, a moment
    before the producer starts it; a cancel heard in that moment finds no job to cancel."""
    await wait_for_state(client, job_id, river.JobState.RUNNING)

    async def worked() -> bool:
        return job_id in worker.started

    await wait_for(worked, timeout=5.0)


def _remote(adriver: Any, schema: str) -> Any:
    return river.AsyncClient(adriver, river.Config(schema=schema))


@pytest.mark.parametrize("same_client", [True, False], ids=["same_client", "other_client"])
async def test_running_job_sees_cancel_and_ends_cancelled(
    adriver: Any, schema: str, same_client: bool
) -> None:
    worker = WaitWorker()
    client = _client(adriver, schema, worker)
    canceller = client if same_client else _remote(adriver, schema)
    async with started(client):
        job = (await client.insert(WaitArgs())).job
        await _wait_worked(client, worker, job.id)
        marked = await canceller.job_cancel(job.id)
        assert marked.state is river.JobState.RUNNING
        done = await wait_for_state(client, job.id, river.JobState.CANCELLED, timeout=5.0)
    assert worker.saw == [True]
    assert done.finalized_at is not None and "cancel_attempted_at" in done.metadata


async def test_job_returning_after_the_cancel_signal_completes(adriver: Any, schema: str) -> None:
    worker = WaitWorker()
    client = _client(adriver, schema, worker)
    async with started(client):
        job = (await client.insert(WaitArgs(then="return"))).job
        await _wait_worked(client, worker, job.id)
        await _remote(adriver, schema).job_cancel(job.id)
        done = await wait_for_state(client, job.id, river.JobState.COMPLETED, timeout=5.0)
    assert worker.saw == [True]
    assert done.errors == []


@pytest.mark.parametrize("final", [river.JobState.CANCELLED, river.JobState.DISCARDED])
async def test_cancelling_finalized_jobs_changes_nothing(
    adriver: Any, schema: str, final: river.JobState
) -> None:
    worker = WaitWorker()
    client = _client(adriver, schema, worker)
    async with started(client):
        opts = river.InsertOpts(max_attempts=1)
        job = (await client.insert(WaitArgs(), opts)).job
        await _wait_worked(client, worker, job.id)
        if final is river.JobState.CANCELLED:
            await client.job_cancel(job.id)
        else:
            # Another client's cancel lands after the job failed for good: it is discarded.
            client._producers["default"].cancel_job(job.id, "timeout")
        before = await wait_for_state(client, job.id, final, timeout=5.0)
        after = await _remote(adriver, schema).job_cancel(job.id)

        async def same() -> bool:
            return bool(await client.job_get(job.id) == before)

        assert await wait_for(same)
    assert after == before
    assert after.state is final and after.finalized_at == before.finalized_at
