"""Cancel and retry racing another transaction on the same job (River v0.48/v0.51): the
caller that waited gets the job as the other transaction committed it, and a retry
clears an earlier cancellation request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import river
from river._acompat import agather, aspawn
from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    job_set_state_discarded,
)
from river.types import AttemptError, JobRow, JobState
from tests._client_helpers_async import user_tx, wait_for

pytestmark = pytest.mark.anyio
NOW = dt.datetime.now(dt.UTC)
ERR = AttemptError(at=NOW, attempt=1, error="boom").to_json()


def _client(adriver: Any, schema: str) -> Any:
    return river.AsyncClient(adriver, river.Config(schema=schema))


async def _blocked_on_a_lock(adriver: Any, schema: str) -> None:
    """Return once a session waits for a row lock on river_job."""
    executor = adriver.get_executor(schema)

    async def waiting() -> bool:
        row = await executor.fetch_one(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND query LIKE '%river_job%'"
        )
        return bool(row and row[0])

    await wait_for(waiting, timeout=60)


async def _insert(adriver: Any, schema: str) -> int:
    ex = adriver.get_executor(schema)
    [result] = await ex.job_insert_fast_many([JobInsertFastParams(encoded_args="{}", kind="k")])
    return int(result.job.id)


async def test_cancel_waiting_for_a_cancel_gets_the_committed_row(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema)
    job_id = await _insert(adriver, schema)
    got: list[JobRow] = []

    async def cancel() -> None:
        got.append(await client.job_cancel(job_id))

    async with user_tx(adriver) as tx:
        assert (await client.job_cancel_tx(tx, job_id)).state is JobState.CANCELLED
        task = aspawn(cancel)
        await _blocked_on_a_lock(adriver, schema)
    await agather(task)
    assert got[0].state is JobState.CANCELLED and got[0].finalized_at is not None


async def test_retry_waiting_for_a_retry_gets_the_committed_row(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema)
    job_id = await _insert(adriver, schema)
    await client.job_cancel(job_id)
    got: list[JobRow] = []

    async def retry() -> None:
        got.append(await client.job_retry(job_id))

    async with user_tx(adriver) as tx:
        assert (await client.job_retry_tx(tx, job_id)).state is JobState.AVAILABLE
        task = aspawn(retry)
        await _blocked_on_a_lock(adriver, schema)
    await agather(task)
    assert got[0].state is JobState.AVAILABLE and got[0].finalized_at is None


async def test_retry_clears_an_earlier_cancellation_request(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    ex = adriver.get_executor(schema)
    job_id = await _insert(adriver, schema)
    [running] = await ex.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=1, client_id="other")
    )
    assert running.id == job_id
    assert "cancel_attempted_at" in (await client.job_cancel(job_id)).metadata
    # The attempt ends some other way; the retried job must not be cancelled again.
    [done] = await ex.job_set_state_if_running_many([job_set_state_discarded(job_id, NOW, ERR)])
    assert done.state is JobState.DISCARDED
    retried = await client.job_retry(job_id)
    assert retried.state is JobState.AVAILABLE
    assert "cancel_attempted_at" not in retried.metadata
    # Its next attempt is not among the jobs a producer's poll finds asked to cancel.
    [again] = await ex.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=1, client_id="other")
    )
    assert again.id == job_id
    assert await ex.job_get_cancel_attempted_ids([job_id]) == []
