"""Jobs that keep running past their timeout: the job stuck handler, the replacement worker
slot it may open, and the warning without a handler (River's JobStuckHandler)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import AEvent
from tests._client_helpers_async import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio

TIMEOUT = 0.1
THRESHOLD = 0.2


@dataclass
class HangArgs:
    kind = "stuck_hang"
    hang: bool = True


class HangWorker(river.AsyncWorker[HangArgs]):
    """With ``hang``, ignores its timeout until the test sets ``release``: a sync job
    keeps blocking its thread, an async job swallows its cancellation."""

    def __init__(self) -> None:
        self.release = AEvent()
        self.worked: list[int] = []

    async def work(self, job: river.Job[HangArgs]) -> None:
        self.worked.append(job.row.id)
        if not job.args.hang:
            return
        while True:
            try:
                await self.release.wait()
                return
            except asyncio.CancelledError:
                continue


class RecordingHandler(river.JobStuckHandler):
    def __init__(self, answer: Any = None, raises: bool = False) -> None:
        self.answer = answer
        self.raises = raises
        self.calls: list[river.JobStuckHandlerParams] = []

    def handle_job_stuck(self, params: river.JobStuckHandlerParams) -> Any:
        self.calls.append(params)
        if self.raises:
            raise RuntimeError("handler failed on purpose")
        return self.answer


def _client(adriver: Any, schema: str, worker: HangWorker, **kw: Any) -> Any:
    workers = river.Workers()
    workers.add(worker)
    options: dict[str, Any] = {
        "queues": {"default": river.QueueConfig(max_workers=1)},
        "job_timeout": TIMEOUT,
        "job_stuck_threshold": THRESHOLD,
    }
    options.update(kw)
    return river.AsyncClient(adriver, make_config(schema, workers, **options))


def _free_slots(client: Any) -> int:
    """How many more jobs the queue may start (stuck jobs with an opened slot not counted)."""
    producer = client._producers["default"]
    return int(producer._max_workers - producer.active_count() + len(producer.opened_slots))


@contextmanager
def _released(worker: HangWorker) -> Iterator[None]:
    """Let a hanging job return however the test ends: stopping waits for it."""
    try:
        yield
    finally:
        worker.release.set()


async def test_handler_called_once_with_the_stuck_job(adriver: Any, schema: str) -> None:
    worker = HangWorker()
    handler = RecordingHandler()
    client = _client(adriver, schema, worker, job_stuck_handler=handler)
    async with started(client):
        with _released(worker):
            job = (await client.insert(HangArgs())).job

            async def called() -> bool:
                return bool(handler.calls)

            await wait_for(called, timeout=5.0)
            assert client._job_executor.stuck_count.total == 1
            worker.release.set()
            await wait_for_state(
                client, job.id, *[s for s in river.JobState if s is not river.JobState.RUNNING]
            )

            async def unstuck() -> bool:
                return client._job_executor.stuck_count.total == 0

            await wait_for(unstuck, timeout=5.0)
    assert handler.calls == [
        river.JobStuckHandlerParams(id=job.id, kind="stuck_hang", queue="default", total_stuck_jobs=1)
    ]


async def test_opened_slot_works_another_job_and_is_taken_back(adriver: Any, schema: str) -> None:
    worker = HangWorker()
    handler = RecordingHandler(river.JobStuckHandlerResult(add_worker_slot=True))
    client = _client(adriver, schema, worker, job_stuck_handler=handler)
    async with started(client):
        with _released(worker):
            stuck = (await client.insert(HangArgs())).job
            await wait_for_state(client, stuck.id, river.JobState.RUNNING)
            quick = (await client.insert(HangArgs(hang=False))).job
            await wait_for_state(client, quick.id, river.JobState.COMPLETED, timeout=5.0)
            # The second job ran in the opened slot while the first is still running.
            assert (await client.job_get(stuck.id)).state is river.JobState.RUNNING
            assert [c.id for c in handler.calls] == [stuck.id]
            assert _free_slots(client) == 1
            worker.release.set()
            await wait_for_state(
                client, stuck.id, *[s for s in river.JobState if s is not river.JobState.RUNNING]
            )

            async def idle() -> bool:
                return client._producers["default"].active_count() == 0

            await wait_for(idle, timeout=5.0)
            # Back to max_workers=1: the opened slot left with the stuck job.
            assert _free_slots(client) == 1
            assert worker.worked == [stuck.id, quick.id]


async def test_handler_answering_no_opens_no_slot(adriver: Any, schema: str) -> None:
    worker = HangWorker()
    handler = RecordingHandler(river.JobStuckHandlerResult(add_worker_slot=False))
    client = _client(adriver, schema, worker, job_stuck_handler=handler)
    async with started(client):
        with _released(worker):
            job = (await client.insert(HangArgs())).job

            async def called() -> bool:
                return bool(handler.calls)

            await wait_for(called, timeout=5.0)
            assert _free_slots(client) == 0
            assert [c.id for c in handler.calls] == [job.id]


async def test_raising_handler_is_logged_and_opens_no_slot(
    adriver: Any, schema: str, caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="river")
    worker = HangWorker()
    handler = RecordingHandler(raises=True)
    client = _client(adriver, schema, worker, job_stuck_handler=handler)
    async with started(client):
        with _released(worker):
            job = (await client.insert(HangArgs())).job

            async def stuck_logged() -> bool:
                return any("appears to be stuck" in r.message for r in caplog.records)

            await wait_for(stuck_logged, timeout=5.0)
            assert _free_slots(client) == 0
    [record] = [r for r in caplog.records if "job stuck handler" in r.message]
    assert record.levelno == logging.ERROR and record.job_id == job.id
    assert "RecordingHandler raised" in record.message


async def test_without_handler_a_warning_is_logged(
    adriver: Any, schema: str, caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="river")
    worker = HangWorker()
    client = _client(adriver, schema, worker)
    async with started(client):
        with _released(worker):
            job = (await client.insert(HangArgs())).job

            async def stuck_logged() -> bool:
                return any("appears to be stuck" in r.message for r in caplog.records)

            await wait_for(stuck_logged, timeout=5.0)
            assert _free_slots(client) == 0
            worker.release.set()

            async def unstuck_logged() -> bool:
                return any("became unstuck" in r.message for r in caplog.records)

            await wait_for(unstuck_logged, timeout=5.0)
    [warning] = [r for r in caplog.records if "appears to be stuck" in r.message]
    assert warning.levelno == logging.WARNING
    assert (warning.job_id, warning.job_kind, warning.queue) == (job.id, "stuck_hang", "default")
    assert warning.timeout == TIMEOUT
    [info] = [r for r in caplog.records if "became unstuck" in r.message]
    assert info.levelno == logging.INFO and info.job_id == job.id


class OwnTimeoutHangWorker(HangWorker):
    def timeout(self, job: river.Job[HangArgs]) -> float:
        return TIMEOUT


async def test_warning_names_the_workers_own_timeout(
    adriver: Any, schema: str, caplog: Any
) -> None:
    # River v0.48 fixed its warning naming the client's JobTimeout instead.
    caplog.set_level(logging.WARNING, logger="river")
    worker = OwnTimeoutHangWorker()
    client = _client(adriver, schema, worker, job_timeout=3600)
    async with started(client):
        with _released(worker):
            await client.insert(HangArgs())

            async def stuck_logged() -> bool:
                return any("appears to be stuck" in r.message for r in caplog.records)

            await wait_for(stuck_logged, timeout=5.0)
    [warning] = [r for r in caplog.records if "appears to be stuck" in r.message]
    assert warning.timeout == TIMEOUT and "after its 0.1s timeout" in warning.message


async def test_job_returning_within_the_threshold_is_not_stuck(
    adriver: Any, schema: str
) -> None:
    worker = HangWorker()
    handler = RecordingHandler()
    client = _client(
        adriver, schema, worker, job_stuck_handler=handler, job_stuck_threshold=30.0
    )
    async with started(client):
        with _released(worker):
            job = (await client.insert(HangArgs())).job
            await wait_for_state(client, job.id, river.JobState.RUNNING)
            worker.release.set()
            await wait_for_state(
                client, job.id, *[s for s in river.JobState if s is not river.JobState.RUNNING]
            )
    assert handler.calls == []
    assert client._job_executor.stuck_count.total == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"job_stuck_threshold": -1}, "job_stuck_threshold cannot be less than zero"),
        ({"job_stuck_threshold": "10s"}, "job_stuck_threshold must be seconds"),
        ({"job_stuck_handler": object()}, "job_stuck_handler must have a handle_job_stuck"),
    ],
)
def test_bad_stuck_options_raise_config_error(options: dict[str, Any], message: str) -> None:
    with pytest.raises(river.ConfigError, match=message):
        river.Config(**options).validate()


def test_zero_threshold_is_rivers_default() -> None:
    assert river.Config().job_stuck_threshold_seconds() == 10.0
    assert river.Config(job_stuck_threshold=0).job_stuck_threshold_seconds() == 10.0
