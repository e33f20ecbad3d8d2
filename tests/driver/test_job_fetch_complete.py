# WARNING: this file is generated from 'test_job_fetch_complete_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Working jobs: fetching, setting states of running jobs, marking running, cancelling.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.params import (
    JobCancelParams,
    JobGetAvailableParams,
    job_set_state_completed,
    job_set_state_error_retryable,
    job_set_state_snoozed,
)
from river.types import AttemptError, JobState
from tests.driver._conformance import AWKWARD, job_params, mixed_case_schema, now_utc

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_get_available_then_set_state_if_running_many(executor: Any) -> None:
    executor.job_insert_fast_many(
        [job_params(priority=2), job_params(priority=1), job_params(queue="other")]
    )
    got = executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=5, client_id="smoke-client")
    )
    assert [j.priority for j in got] == [1, 2]
    assert all(j.state is JobState.RUNNING and j.attempted_by == ["smoke-client"] for j in got)
    done, failed = got
    now = now_utc()
    err = AttemptError(at=now, attempt=1, error=AWKWARD, trace="trace").to_json()
    rows = executor.job_set_state_if_running_many(
        [
            job_set_state_completed(done.id, now, '{"output": "ok"}'),
            job_set_state_error_retryable(failed.id, now + dt.timedelta(seconds=30), err),
        ]
    )
    by_id = {r.id: r for r in rows}
    assert by_id[done.id].state is JobState.COMPLETED
    assert by_id[done.id].metadata == {"output": "ok"}
    assert by_id[failed.id].state is JobState.RETRYABLE
    assert by_id[failed.id].errors[0].error == AWKWARD


def test_cancel(executor: Any, schema: str) -> None:
    [waiting] = executor.job_insert_fast_many([job_params()])
    topic = f"{schema}.river_control"
    cancelled = executor.job_cancel(
        JobCancelParams(id=waiting.job.id, cancel_attempted_at=now_utc(), control_topic=topic)
    )
    assert cancelled.state is JobState.CANCELLED and "cancel_attempted_at" in cancelled.metadata
    missing = JobCancelParams(id=10**9, cancel_attempted_at=now_utc(), control_topic=topic)
    assert executor.job_cancel(missing) is None


def test_get_available_locks_in_priority_order(executor: Any) -> None:
    executor.job_insert_fast_many(
        [
            job_params(priority=2),
            job_params(priority=1),
            job_params(queue="other"),
            job_params(scheduled_at=now_utc() + dt.timedelta(hours=1)),
        ]
    )
    got = executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=10, client_id="c1")
    )
    assert sorted(j.priority for j in got) == [1, 2]
    for j in got:
        assert j.state is JobState.RUNNING and j.attempt == 1 and (j.attempted_by == ["c1"])
        assert j.attempted_at is not None
    again = executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=10, client_id="c1")
    )
    assert again == []


def test_set_state_if_running_many(executor: Any) -> None:
    executor.job_insert_fast_many([job_params(), job_params(), job_params()])
    running = executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=3, client_id="c")
    )
    a, b, c = sorted(running, key=lambda j: j.id)
    now = now_utc()
    err = AttemptError(at=now, attempt=1, error="boom", trace="t").to_json()
    rows = executor.job_set_state_if_running_many(
        [
            job_set_state_completed(a.id, now, '{"output":1}'),
            job_set_state_error_retryable(b.id, now + dt.timedelta(minutes=1), err),
            job_set_state_snoozed(c.id, now + dt.timedelta(minutes=5), 0, '{"snoozes":1}'),
        ]
    )
    by_id = {r.id: r for r in rows}
    assert by_id[a.id].state is JobState.COMPLETED and by_id[a.id].metadata["output"] == 1
    assert by_id[b.id].state is JobState.RETRYABLE and by_id[b.id].errors[0].error == "boom"
    assert by_id[c.id].state is JobState.SCHEDULED and by_id[c.id].attempt == 0
    # Not running any more: state stays, metadata still merges.
    [again] = executor.job_set_state_if_running_many(
        [job_set_state_completed(b.id, now, '{"late":true}')]
    )
    assert again.state is JobState.RETRYABLE and again.metadata["late"] is True


def test_cancel_running_and_waiting(executor: Any) -> None:
    executor.job_insert_fast_many([job_params()])
    [running] = executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=1, client_id="c")
    )
    [waiting] = executor.job_insert_fast_many([job_params()])
    now = now_utc()
    topic = f"{executor.schema}.river_control"
    cancelled = executor.job_cancel(
        JobCancelParams(id=waiting.job.id, cancel_attempted_at=now, control_topic=topic)
    )
    assert cancelled.state is JobState.CANCELLED and cancelled.finalized_at is not None
    still = executor.job_cancel(
        JobCancelParams(id=running.id, cancel_attempted_at=now, control_topic=topic)
    )
    assert still.state is JobState.RUNNING and "cancel_attempted_at" in still.metadata
    # A retry of a job whose cancel was attempted becomes a cancellation.
    err = AttemptError(at=now, attempt=1, error="x").to_json()
    [final] = executor.job_set_state_if_running_many(
        [job_set_state_error_retryable(running.id, now, err)]
    )
    assert final.state is JobState.CANCELLED and final.finalized_at is not None
    assert (
        executor.job_cancel(
            JobCancelParams(id=999999, cancel_attempted_at=now, control_topic=topic)
        )
        is None
    )


def test_job_mark_running(executor: Any) -> None:
    [res] = executor.job_insert_fast_many([job_params()])
    running = executor.job_mark_running(res.job.id, "tester")
    assert running is not None and running.state is JobState.RUNNING
    assert running.attempt == 1 and running.attempted_by == ["tester"]
    assert executor.job_mark_running(res.job.id + 1000, "tester") is None


def test_job_get_cancel_attempted_ids(executor: Any) -> None:
    executor.job_insert_fast_many([job_params(), job_params(), job_params()])
    running = executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=2, client_id="c")
    )
    [waiting] = executor.job_insert_fast_many([job_params()])
    ids = [j.id for j in running]
    assert executor.job_get_cancel_attempted_ids(ids) == []
    assert executor.job_get_cancel_attempted_ids([]) == []
    topic = f"{executor.schema}.river_control"
    executor.job_cancel(
        JobCancelParams(id=ids[1], cancel_attempted_at=now_utc(), control_topic=topic)
    )
    executor.job_cancel(
        JobCancelParams(id=waiting.job.id, cancel_attempted_at=now_utc(), control_topic=topic)
    )
    # Only running jobs are reported; the cancelled waiting job is no longer running.
    assert executor.job_get_cancel_attempted_ids([*ids, waiting.job.id]) == [ids[1]]
