# WARNING: this file is generated from 'test_cancel_retry_races_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Cancel and retry racing another transaction on the same job (River v0.48/v0.51): the
caller that waited gets the job as the other transaction committed it, and a retry
clears an earlier cancellation request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import river
from river._acompat import gather, spawn
from river.driver.params import JobGetAvailableParams, JobInsertFastParams, job_set_state_discarded
from river.types import AttemptError, JobRow, JobState
from tests._client_helpers import user_tx, wait_for

pytestmark = pytest.mark.anyio
NOW = dt.datetime.now(dt.UTC)
ERR = AttemptError(at=NOW, attempt=1, error="boom").to_json()


def _client(driver: Any, schema: str) -> Any:
    return river.Client(driver, river.Config(schema=schema))


def _blocked_on_a_lock(driver: Any, schema: str) -> None:
    """Return once a session waits for a row lock on river_job."""
    executor = driver.get_executor(schema)

    def waiting() -> bool:
        row = executor.fetch_one(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%river_job%'"
        )
        return bool(row and row[0])

    wait_for(waiting, timeout=60)


def _insert(driver: Any, schema: str) -> int:
    ex = driver.get_executor(schema)
    [result] = ex.job_insert_fast_many([JobInsertFastParams(encoded_args="{}", kind="k")])
    return int(result.job.id)


def test_cancel_waiting_for_a_cancel_gets_the_committed_row(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    job_id = _insert(driver, schema)
    got: list[JobRow] = []

    def cancel() -> None:
        got.append(client.job_cancel(job_id))

    with user_tx(driver) as tx:
        assert client.job_cancel_tx(tx, job_id).state is JobState.CANCELLED
        task = spawn(cancel)
        _blocked_on_a_lock(driver, schema)
    gather(task)
    assert got[0].state is JobState.CANCELLED and got[0].finalized_at is not None


def test_retry_waiting_for_a_retry_gets_the_committed_row(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    job_id = _insert(driver, schema)
    client.job_cancel(job_id)
    got: list[JobRow] = []

    def retry() -> None:
        got.append(client.job_retry(job_id))

    with user_tx(driver) as tx:
        assert client.job_retry_tx(tx, job_id).state is JobState.AVAILABLE
        task = spawn(retry)
        _blocked_on_a_lock(driver, schema)
    gather(task)
    assert got[0].state is JobState.AVAILABLE and got[0].finalized_at is None


def test_retry_clears_an_earlier_cancellation_request(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    ex = driver.get_executor(schema)
    job_id = _insert(driver, schema)
    [running] = ex.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=1, client_id="other")
    )
    assert running.id == job_id
    assert "cancel_attempted_at" in client.job_cancel(job_id).metadata
    # The attempt ends some other way; the retried job must not be cancelled again.
    [done] = ex.job_set_state_if_running_many([job_set_state_discarded(job_id, NOW, ERR)])
    assert done.state is JobState.DISCARDED
    retried = client.job_retry(job_id)
    assert retried.state is JobState.AVAILABLE
    assert "cancel_attempted_at" not in retried.metadata
    # Its next attempt is not among the jobs a producer's poll finds asked to cancel.
    [again] = ex.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=1, client_id="other")
    )
    assert again.id == job_id
    assert ex.job_get_cancel_attempted_ids([job_id]) == []
