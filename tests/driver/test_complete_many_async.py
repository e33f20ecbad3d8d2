"""Conformance of ``job_complete_many``: the same rows as River's general state change.

Each case runs twice on twin jobs, once through ``job_complete_many`` and once through
``job_set_state_if_running_many``, and the resulting rows must agree column by column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from river.driver.params import (
    JobCancelParams,
    JobGetAvailableParams,
    JobInsertFastParams,
    JobSetStateIfRunningParams,
    is_plain_completion,
    job_set_state_completed,
    job_set_state_error_retryable,
    job_set_state_snoozed,
)
from river.types import JobRow, JobState

pytestmark = pytest.mark.anyio

CLIENT_ID = "conformance-client"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=123456)


def _shape(row: JobRow) -> dict[str, Any]:
    """Every column River Go's completion can touch or must leave alone."""
    return {
        "state": row.state,
        "attempt": row.attempt,
        "attempted_by": row.attempted_by,
        "finalized_at": row.finalized_at,
        "scheduled_at_set": row.scheduled_at is not None,
        "attempted_at_set": row.attempted_at is not None,
        "errors": row.errors,
        "metadata": row.metadata,
        "args": row.encoded_args,
        "max_attempts": row.max_attempts,
        "priority": row.priority,
        "tags": row.tags,
    }


async def _running_pair(aexecutor: Any, queue: str) -> tuple[JobRow, JobRow]:
    await aexecutor.job_insert_fast_many(
        [
            JobInsertFastParams(encoded_args='{"n":1}', kind="conformance", queue=queue)
            for _ in range(2)
        ]
    )
    a, b = await aexecutor.job_get_available(
        JobGetAvailableParams(queue=queue, max_to_lock=2, client_id=CLIENT_ID)
    )
    return a, b


async def test_completed_row_matches_river_statement(aexecutor: Any) -> None:
    light, general = await _running_pair(aexecutor, "q_complete")
    at = _now()
    [lrow] = await aexecutor.job_complete_many([job_set_state_completed(light.id, at)])
    [grow] = await aexecutor.job_set_state_if_running_many(
        [job_set_state_completed(general.id, at)]
    )
    assert _shape(lrow) == _shape(grow)
    # River Go's completed row: one attempt by this client, finalized at the given time,
    # no errors, metadata untouched, the attempt's timestamps kept.
    assert lrow.state is JobState.COMPLETED
    assert lrow.attempt == 1
    assert lrow.attempted_by == [CLIENT_ID]
    assert lrow.finalized_at == at
    assert lrow.attempted_at == light.attempted_at
    assert lrow.scheduled_at == light.scheduled_at
    assert lrow.errors == []
    assert lrow.metadata == {}
    stored = await aexecutor.job_get_by_id(light.id)
    assert stored is not None and _shape(stored) == _shape(lrow)


async def test_jobs_no_longer_running_are_left_alone_and_returned(aexecutor: Any) -> None:
    light, general = await _running_pair(aexecutor, "q_gone")
    at = _now()
    err = '{"at":"2026-01-01T00:00:00Z","attempt":1,"error":"boom","trace":""}'
    retry_at = at + dt.timedelta(minutes=5)
    for job in (light, general):
        await aexecutor.job_set_state_if_running_many(
            [job_set_state_error_retryable(job.id, retry_at, err)]
        )
    [lrow] = await aexecutor.job_complete_many([job_set_state_completed(light.id, at)])
    [grow] = await aexecutor.job_set_state_if_running_many(
        [job_set_state_completed(general.id, at)]
    )
    assert lrow.state is JobState.RETRYABLE and lrow.finalized_at is None
    assert _shape(lrow) == _shape(grow)


async def test_cancel_attempt_does_not_undo_a_completion(aexecutor: Any) -> None:
    light, general = await _running_pair(aexecutor, "q_cancel")
    at = _now()
    for job in (light, general):
        await aexecutor.job_cancel(
            JobCancelParams(id=job.id, cancel_attempted_at=at, control_topic="river_control")
        )
    [lrow] = await aexecutor.job_complete_many([job_set_state_completed(light.id, at)])
    [grow] = await aexecutor.job_set_state_if_running_many(
        [job_set_state_completed(general.id, at)]
    )
    assert lrow.state is JobState.COMPLETED
    assert "cancel_attempted_at" in lrow.metadata
    assert _shape(lrow) == _shape(grow)


async def test_batch_without_rows_and_missing_ids(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args='{"n":1}', kind="conformance", queue="q_many")] * 3
    )
    jobs = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="q_many", max_to_lock=3, client_id=CLIENT_ID)
    )
    at = _now()
    params = [job_set_state_completed(j.id, at) for j in jobs]
    missing = job_set_state_completed(max(j.id for j in jobs) + 1000, at)
    assert await aexecutor.job_complete_many([*params, missing], returning=False) == []
    rows = await aexecutor.job_get_by_id_many([j.id for j in jobs])
    assert [(r.state, r.finalized_at) for r in rows] == [(JobState.COMPLETED, at)] * 3
    assert await aexecutor.job_complete_many([]) == []


def test_only_plain_completions_take_the_light_path() -> None:
    at = _now()
    assert is_plain_completion(job_set_state_completed(1, at))
    assert not is_plain_completion(job_set_state_completed(1, at, '{"output":1}'))
    assert not is_plain_completion(job_set_state_snoozed(1, at, 0, '{"snoozes":1}'))
    assert not is_plain_completion(
        JobSetStateIfRunningParams(id=1, state=JobState.COMPLETED, finalized_at=None)
    )
