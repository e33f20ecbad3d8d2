# WARNING: this file is generated from 'test_stubbed_now_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""A stubbed clock: statements take ``now`` and fall back to the database's ``now()``.

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
    QueueCreateOrSetUpdatedAtParams,
)
from river.types import JobState
from tests.driver._conformance import STUB_NOW, job_params, mixed_case_schema, now_utc

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_stubbed_now_decides_what_is_available(executor: Any) -> None:
    [job] = executor.job_insert_fast_many(
        [job_params(created_at=STUB_NOW, scheduled_at=STUB_NOW + dt.timedelta(seconds=10))]
    )
    params = {"queue": "default", "max_to_lock": 10, "client_id": "c"}
    assert executor.job_get_available(JobGetAvailableParams(**params)) == []
    assert (
        executor.job_get_available(
            JobGetAvailableParams(**params, now=STUB_NOW + dt.timedelta(seconds=9))
        )
        == []
    )
    later = STUB_NOW + dt.timedelta(seconds=10)
    [fetched] = executor.job_get_available(JobGetAvailableParams(**params, now=later))
    assert fetched.id == job.job.id
    assert fetched.attempted_at == later


def test_stubbed_now_in_mark_running_cancel_retry_and_queue(executor: Any) -> None:
    [a, b] = [r.job for r in executor.job_insert_fast_many([job_params(), job_params()])]
    running = executor.job_mark_running(a.id, "c", STUB_NOW)
    assert running.attempted_at == STUB_NOW and running.state is JobState.RUNNING
    unstubbed = executor.job_mark_running(b.id, "c")
    assert abs(unstubbed.attempted_at - now_utc()) < dt.timedelta(minutes=5)
    [c] = [r.job for r in executor.job_insert_fast_many([job_params()])]
    topic = f"{executor.schema}.river_control"
    cancelled = executor.job_cancel(
        JobCancelParams(id=c.id, cancel_attempted_at=STUB_NOW, control_topic=topic, now=STUB_NOW)
    )
    assert cancelled.state is JobState.CANCELLED and cancelled.finalized_at == STUB_NOW
    retried = executor.job_retry(c.id, STUB_NOW)
    assert retried.state is JobState.AVAILABLE and retried.scheduled_at == STUB_NOW
    queue = executor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="stubbed", now=STUB_NOW)
    )
    assert queue.created_at == STUB_NOW and queue.updated_at == STUB_NOW
    later = STUB_NOW + dt.timedelta(minutes=1)
    touched = executor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="stubbed", now=later)
    )
    assert touched.created_at == STUB_NOW and touched.updated_at == later
    plain = executor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="plain"))
    assert abs(plain.updated_at - now_utc()) < dt.timedelta(minutes=5)
