"""An async error handler on a sync client is the wrong colour: logged, never blocking."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import river
from tests._client_helpers import make_config, started, wait_for_state
from tests.runtime.test_job_failures import BoomArgs, LaterRetry, _workers


class AsyncHandler(river.ErrorHandler):
    async def handle_error(self, job: Any, error: BaseException) -> river.ErrorHandlerResult:
        return river.ErrorHandlerResult(set_cancelled=True)


def test_async_handler_on_sync_client_finalizes_as_without_one(
    driver: Any, schema: str, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG, logger="river")
    config = make_config(
        schema, _workers(), error_handler=AsyncHandler(), retry_policy=LaterRetry()
    )
    client = river.Client(driver, config)
    with started(client):
        job = client.insert(BoomArgs()).job
        done = wait_for_state(client, job.id, river.JobState.RETRYABLE, timeout=5.0)
    assert done.errors[-1].error == "ValueError: boom on purpose"
    assert done.scheduled_at > dt.datetime.now(dt.UTC)
    [record] = [r for r in caplog.records if "AsyncHandler returned an awaitable" in r.message]
    assert record.levelno == logging.ERROR
