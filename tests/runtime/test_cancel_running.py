# WARNING: this file is generated from 'test_cancel_running_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Cancelling running jobs with real clients: the signal, the outcome, finalized jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import sleep
from tests._client_helpers import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class WaitArgs:
    kind = "wait_for_cancel"
    then: str = "error"  # what the job does once it sees the cancel: error | return


class WaitWorker(river.Worker[WaitArgs]):
    """Waits for the cancel signal, records whether ``river.job_cancelled()`` saw it."""

    def __init__(self) -> None:
        self.saw: list[bool] = []
        self.started: list[int] = []

    def work(self, job: river.Job[WaitArgs]) -> None:
        self.started.append(job.id)
        try:
            for _ in range(1000):
                if river.job_cancelled():
                    break
                sleep(0.01)
        except BaseException:
            # An async job is interrupted; it may still choose to return successfully.
            self.saw.append(river.job_cancelled())
            if job.args.then == "return":
                return
            raise
        self.saw.append(river.job_cancelled())
        if job.args.then == "error":
            raise RuntimeError("stopped after the cancel signal")


def _client(driver: Any, schema: str, worker: WaitWorker, **kw: Any) -> Any:
    workers = river.Workers()
    workers.add(worker)
    return river.Client(driver, make_config(schema, workers, **kw))


def _wait_worked(client: Any, worker: WaitWorker, job_id: int) -> None:
    """Wait until ``worker`` runs the job. Its row turns ``running`` when fetched, a moment
    before the producer starts it; a cancel heard in that moment finds no job to cancel."""
    wait_for_state(client, job_id, river.JobState.RUNNING)

    def worked() -> bool:
        return job_id in worker.started

    wait_for(worked, timeout=5.0)


def _remote(driver: Any, schema: str) -> Any:
    return river.Client(driver, river.Config(schema=schema))


@pytest.mark.parametrize("same_client", [True, False], ids=["same_client", "other_client"])
def test_running_job_sees_cancel_and_ends_cancelled(
    driver: Any, schema: str, same_client: bool
) -> None:
    worker = WaitWorker()
    client = _client(driver, schema, worker)
    canceller = client if same_client else _remote(driver, schema)
    with started(client):
        job = client.insert(WaitArgs()).job
        _wait_worked(client, worker, job.id)
        marked = canceller.job_cancel(job.id)
        assert marked.state is river.JobState.RUNNING
        done = wait_for_state(client, job.id, river.JobState.CANCELLED, timeout=5.0)
    assert worker.saw == [True]
    assert done.finalized_at is not None and "cancel_attempted_at" in done.metadata


def test_job_returning_after_the_cancel_signal_completes(driver: Any, schema: str) -> None:
    worker = WaitWorker()
    client = _client(driver, schema, worker)
    with started(client):
        job = client.insert(WaitArgs(then="return")).job
        _wait_worked(client, worker, job.id)
        _remote(driver, schema).job_cancel(job.id)
        done = wait_for_state(client, job.id, river.JobState.COMPLETED, timeout=5.0)
    assert worker.saw == [True]
    assert done.errors == []


@pytest.mark.parametrize("final", [river.JobState.CANCELLED, river.JobState.DISCARDED])
def test_cancelling_finalized_jobs_changes_nothing(
    driver: Any, schema: str, final: river.JobState
) -> None:
    worker = WaitWorker()
    client = _client(driver, schema, worker)
    with started(client):
        opts = river.InsertOpts(max_attempts=1)
        job = client.insert(WaitArgs(), opts).job
        _wait_worked(client, worker, job.id)
        if final is river.JobState.CANCELLED:
            client.job_cancel(job.id)
        else:
            # Another client's cancel lands after the job failed for good: it is discarded.
            client._producers["default"].cancel_job(job.id, "timeout")
        before = wait_for_state(client, job.id, final, timeout=5.0)
        after = _remote(driver, schema).job_cancel(job.id)

        def same() -> bool:
            return bool(client.job_get(job.id) == before)

        assert wait_for(same)
    assert after == before
    assert after.state is final and after.finalized_at == before.finalized_at
