"""Every job that started reaches its final state, written by its own client, whatever
interrupts the attempt while it is being reported: a remote cancel (listening or
poll-only), ``stop_and_cancel`` or a stop's ``soft_stop_timeout`` arriving while the error
handler is still awaited, or a ``CancelledError`` the job raised itself. The database is
read without the rescuer having run."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import asleep
from river.context import JobContext, current_job
from tests._client_helpers_async import make_config, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class FailArgs:
    kind = "reported_once_fail"
    mode: str = "error"  # error | own_cancel


class FailWorker(river.AsyncWorker[FailArgs]):
    """Fails at once, keeping its job's context for the handler to watch (the handler
    does not wait for a job whose context it has not got)."""

    def __init__(self) -> None:
        self.contexts: dict[int, JobContext] = {}

    async def work(self, job: river.Job[FailArgs]) -> None:
        if job.args.mode == "own_cancel":
            # Not a cancel of this job: e.g. a future it awaited was cancelled elsewhere.
            raise asyncio.CancelledError()
        ctx = current_job.get()
        assert ctx is not None
        self.contexts[job.id] = ctx
        raise ValueError("boom on purpose")


class CancelAwaitingHandler(river.ErrorHandler):
    """Still awaited when the cancel under test arrives: it waits (a bounded number of
    steps) until its job's context has been cancelled."""

    def __init__(self, worker: FailWorker) -> None:
        self.worker = worker
        self.entered: list[int] = []
        self.returned: list[int] = []

    async def handle_error(
        self, job: river.JobRow, error: BaseException
    ) -> river.ErrorHandlerResult | None:
        self.entered.append(job.id)
        ctx = self.worker.contexts.get(job.id)
        if ctx is not None:
            for _ in range(3000):
                if ctx.cancelled:
                    break
                await asleep(0.01)
        self.returned.append(job.id)
        return None


class LaterRetry:
    """Retries an hour later, so a failed job stays ``retryable`` while the test looks."""

    def next_retry(self, job: river.JobRow) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)


def _client(adriver: Any, schema: str, **kw: Any) -> tuple[Any, CancelAwaitingHandler]:
    worker = FailWorker()
    workers = river.Workers()
    workers.add(worker)
    handler = CancelAwaitingHandler(worker)
    config = make_config(
        schema, workers, error_handler=handler, retry_policy=LaterRetry(),
        queue_poll_interval=0.05, **kw,
    )
    return river.AsyncClient(adriver, config), handler


async def _in_error_handler(client: Any, handler: CancelAwaitingHandler) -> int:
    """Insert a failing job and wait until its error handler is being awaited."""
    job_id: int = (await client.insert(FailArgs())).job.id

    async def entered() -> bool:
        return job_id in handler.entered

    await wait_for(entered, timeout=10.0)
    return job_id


@pytest.mark.parametrize("poll_only", [False, True], ids=["listening", "poll_only"])
async def test_remote_cancel_while_the_error_handler_is_awaited(
    adriver: Any, schema: str, poll_only: bool, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="river")
    client, handler = _client(adriver, schema, poll_only=poll_only)
    other = river.AsyncClient(adriver, river.Config(schema=schema))
    await client.start()
    try:
        job_id = await _in_error_handler(client, handler)
        await other.job_cancel(job_id)
        done = await wait_for_state(other, job_id, river.JobState.CANCELLED, timeout=10.0)
    finally:
        await client.stop()
    assert done.finalized_at is not None
    assert [e.error for e in done.errors] == ["JobCancelledRemotelyError: job cancelled remotely"]
    assert "could not be reported" not in caplog.text


async def test_stop_and_cancel_while_the_error_handler_is_awaited(
    adriver: Any, schema: str
) -> None:
    client, handler = _client(adriver, schema)
    await client.start()
    try:
        job_id = await _in_error_handler(client, handler)
    finally:
        await client.stop_and_cancel()
    # Written by the stopping client itself: the attempt failed before the stop.
    done = await client.job_get(job_id)
    assert done.state is river.JobState.RETRYABLE
    assert [e.error for e in done.errors] == ["ValueError: boom on purpose"]


async def test_soft_stop_timeout_while_the_error_handler_is_awaited(
    adriver: Any, schema: str
) -> None:
    client, handler = _client(adriver, schema, soft_stop_timeout=0.05)
    await client.start()
    try:
        job_id = await _in_error_handler(client, handler)
    finally:
        await client.stop()
    done = await client.job_get(job_id)
    assert done.state is river.JobState.RETRYABLE
    assert [e.error for e in done.errors] == ["ValueError: boom on purpose"]


async def test_a_cancelled_error_the_job_raises_itself_is_its_error(
    adriver: Any, schema: str
) -> None:
    client, handler = _client(adriver, schema)
    await client.start()
    try:
        job_id = (await client.insert(FailArgs(mode="own_cancel"))).job.id
        done = await wait_for_state(client, job_id, river.JobState.RETRYABLE, timeout=10.0)
    finally:
        await client.stop()
    assert [e.error for e in done.errors] == ["CancelledError"]
    assert handler.returned == [job_id]  # the handler was asked, as for any error
