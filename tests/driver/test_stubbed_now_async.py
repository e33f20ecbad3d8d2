"""A stubbed clock: statements take ``now`` and fall back to the database's ``now()``.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from river.driver.params import (
    JobCancelParams,
    JobGetAvailableParams,
    QueueCreateOrSetUpdatedAtParams,
)
from river.types import JobState
from tests.driver._conformance_async import STUB_NOW, job_params, mixed_case_schema, now_utc

pytestmark = pytest.mark.anyio


@pytest.fixture
async def schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    async with mixed_case_schema(adriver) as name:
        yield name


async def test_stubbed_now_decides_what_is_available(aexecutor: Any) -> None:
    [job] = await aexecutor.job_insert_fast_many(
        [job_params(created_at=STUB_NOW, scheduled_at=STUB_NOW + dt.timedelta(seconds=10))]
    )
    params = {"queue": "default", "max_to_lock": 10, "client_id": "c"}
    assert await aexecutor.job_get_available(JobGetAvailableParams(**params)) == []
    assert (
        await aexecutor.job_get_available(
            JobGetAvailableParams(**params, now=STUB_NOW + dt.timedelta(seconds=9))
        )
        == []
    )
    later = STUB_NOW + dt.timedelta(seconds=10)
    [fetched] = await aexecutor.job_get_available(JobGetAvailableParams(**params, now=later))
    assert fetched.id == job.job.id
    assert fetched.attempted_at == later


async def test_stubbed_now_in_mark_running_cancel_retry_and_queue(aexecutor: Any) -> None:
    [a, b] = [r.job for r in await aexecutor.job_insert_fast_many([job_params(), job_params()])]
    running = await aexecutor.job_mark_running(a.id, "c", STUB_NOW)
    assert running.attempted_at == STUB_NOW and running.state is JobState.RUNNING
    unstubbed = await aexecutor.job_mark_running(b.id, "c")
    assert abs(unstubbed.attempted_at - now_utc()) < dt.timedelta(minutes=5)

    [c] = [r.job for r in await aexecutor.job_insert_fast_many([job_params()])]
    topic = f"{aexecutor.schema}.river_control"
    cancelled = await aexecutor.job_cancel(
        JobCancelParams(id=c.id, cancel_attempted_at=STUB_NOW, control_topic=topic, now=STUB_NOW)
    )
    assert cancelled.state is JobState.CANCELLED and cancelled.finalized_at == STUB_NOW

    retried = await aexecutor.job_retry(c.id, STUB_NOW)
    assert retried.state is JobState.AVAILABLE and retried.scheduled_at == STUB_NOW

    queue = await aexecutor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="stubbed", now=STUB_NOW)
    )
    assert queue.created_at == STUB_NOW and queue.updated_at == STUB_NOW
    later = STUB_NOW + dt.timedelta(minutes=1)
    touched = await aexecutor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="stubbed", now=later)
    )
    assert touched.created_at == STUB_NOW and touched.updated_at == later
    plain = await aexecutor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="plain")
    )
    assert abs(plain.updated_at - now_utc()) < dt.timedelta(minutes=5)
