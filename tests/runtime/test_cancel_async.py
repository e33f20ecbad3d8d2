"""Cancelling from the client: every outcome of River's cancellation races."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

import river
from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    JobSetStateIfRunningParams,
    job_set_state_cancelled,
    job_set_state_completed,
    job_set_state_discarded,
    job_set_state_error_retryable,
    job_set_state_snoozed,
)
from river.types import AttemptError, JobState
from tests._client_helpers_async import user_tx

pytestmark = pytest.mark.anyio
NOW = dt.datetime.now(dt.UTC)
ERR = AttemptError(at=NOW, attempt=1, error="boom").to_json()
LATER = NOW + dt.timedelta(minutes=5)

# The running job finishes after the cancel was recorded but before its client heard of it.
RACES: list[tuple[str, Callable[[int], JobSetStateIfRunningParams], JobState]] = [
    ("completed", lambda i: job_set_state_completed(i, NOW), JobState.COMPLETED),
    ("cancelled_itself", lambda i: job_set_state_cancelled(i, NOW, ERR), JobState.CANCELLED),
    ("discarded", lambda i: job_set_state_discarded(i, NOW, ERR), JobState.DISCARDED),
    ("snoozed", lambda i: job_set_state_snoozed(i, LATER, 0), JobState.CANCELLED),
    ("snoozed_soon", lambda i: job_set_state_snoozed(i, NOW, 0, available=True),
     JobState.CANCELLED),
    ("retryable", lambda i: job_set_state_error_retryable(i, LATER, ERR), JobState.CANCELLED),
    ("retry_soon", lambda i: job_set_state_error_retryable(i, NOW, ERR, available=True),
     JobState.CANCELLED),
]


def _client(adriver: Any, schema: str) -> Any:
    return river.AsyncClient(adriver, river.Config(schema=schema))


@pytest.mark.parametrize(("outcome", "change", "final"), RACES, ids=[r[0] for r in RACES])
async def test_running_job_race(
    adriver: Any, schema: str, outcome: str,
    change: Callable[[int], JobSetStateIfRunningParams], final: JobState,
) -> None:
    client = _client(adriver, schema)
    ex = adriver.get_executor(schema)
    await ex.job_insert_fast_many([JobInsertFastParams(encoded_args="{}", kind="k")])
    [job] = await ex.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=1, client_id="other")
    )
    marked = await client.job_cancel(job.id)
    assert marked.state is JobState.RUNNING and "cancel_attempted_at" in marked.metadata
    [done] = await ex.job_set_state_if_running_many([change(job.id)])
    assert done.state is final
    assert done.finalized_at is not None


@pytest.mark.parametrize(
    "state", [JobState.AVAILABLE, JobState.SCHEDULED, JobState.RETRYABLE, JobState.PENDING]
)
async def test_enqueued_jobs_cancel_at_once(adriver: Any, schema: str, state: JobState) -> None:
    client = _client(adriver, schema)
    ex = adriver.get_executor(schema)
    [res] = await ex.job_insert_fast_many(
        [JobInsertFastParams(encoded_args="{}", kind="k", state=state, scheduled_at=LATER)]
    )
    cancelled = await client.job_cancel(res.job.id)
    assert cancelled.state is JobState.CANCELLED and cancelled.finalized_at is not None
    fetched = await ex.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=10, client_id="c")
    )
    assert fetched == []


async def test_finalized_jobs_are_left_alone(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    ex = adriver.get_executor(schema)
    await ex.job_insert_fast_many([JobInsertFastParams(encoded_args="{}", kind="k")])
    [job] = await ex.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=1, client_id="c")
    )
    [done] = await ex.job_set_state_if_running_many([job_set_state_completed(job.id, NOW)])
    again = await client.job_cancel(job.id)
    assert again.state is JobState.COMPLETED
    assert again.finalized_at == done.finalized_at
    assert "cancel_attempted_at" not in again.metadata
    with pytest.raises(river.JobNotFoundError):
        await client.job_cancel(10_000_000)


async def test_cancel_tx_takes_effect_only_on_commit(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    job = (await client.insert_many([river.InsertManyParams(_Args())]))[0].job
    async with user_tx(adriver, rollback=True) as tx:
        assert (await client.job_cancel_tx(tx, job.id)).state is JobState.CANCELLED
    assert (await client.job_get(job.id)).state is JobState.AVAILABLE
    async with user_tx(adriver) as tx:
        await client.job_cancel_tx(tx, job.id)
    assert (await client.job_get(job.id)).state is JobState.CANCELLED


class _Args:
    kind = "cancel_tx"

    def to_json(self) -> str:
        return "{}"
