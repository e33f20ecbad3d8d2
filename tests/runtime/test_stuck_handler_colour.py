"""A coroutine job stuck handler: awaited on an AsyncClient, the wrong colour (logged,
no slot opened) on a sync Client."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import river
from tests._client_helpers import make_config, started, wait_for
from tests._client_helpers_async import make_config as amake_config
from tests._client_helpers_async import started as astarted
from tests._client_helpers_async import wait_for as await_for
from tests.runtime.test_stuck_jobs import HangArgs, HangWorker, _free_slots
from tests.runtime.test_stuck_jobs_async import HangWorker as AsyncHangWorker
from tests.runtime.test_stuck_jobs_async import _free_slots as _afree_slots


class AsyncHandler(river.JobStuckHandler):
    def __init__(self) -> None:
        self.calls: list[river.JobStuckHandlerParams] = []

    async def handle_job_stuck(
        self, params: river.JobStuckHandlerParams
    ) -> river.JobStuckHandlerResult:
        self.calls.append(params)
        return river.JobStuckHandlerResult(add_worker_slot=True)


def _options(handler: Any) -> dict[str, Any]:
    return {
        "queues": {"default": river.QueueConfig(max_workers=1)},
        "job_timeout": 0.1,
        "job_stuck_threshold": 0.2,
        "job_stuck_handler": handler,
    }


@pytest.mark.anyio
async def test_async_handler_on_async_client_opens_a_slot(adriver: Any, schema: str) -> None:
    worker = AsyncHangWorker()
    handler = AsyncHandler()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(adriver, amake_config(schema, workers, **_options(handler)))
    async with astarted(client):
        try:
            job = (await client.insert(HangArgs())).job

            async def opened() -> bool:
                return bool(handler.calls) and _afree_slots(client) == 1

            await await_for(opened, timeout=5.0)
            assert [c.id for c in handler.calls] == [job.id]
        finally:
            worker.release.set()


def test_async_handler_on_sync_client_opens_no_slot(
    driver: Any, schema: str, caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="river")
    worker = HangWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.Client(driver, make_config(schema, workers, **_options(AsyncHandler())))
    with started(client):
        try:
            job = client.insert(HangArgs()).job
            wait_for(
                lambda: any("appears to be stuck" in r.message for r in caplog.records),
                timeout=5.0,
            )
            assert _free_slots(client) == 0
        finally:
            worker.release.set()
    [record] = [r for r in caplog.records if "returned an awaitable" in r.message]
    assert record.levelno == logging.ERROR and record.job_id == job.id
