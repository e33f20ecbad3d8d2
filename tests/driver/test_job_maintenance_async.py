"""The leader's maintenance statements: scheduling due jobs, and the cleaner's delete under
a statement timeout.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from river.driver.errors import QueryCanceledError
from river.driver.params import JobDeleteBeforeParams, JobScheduleParams
from river.driver.query import SCHEMA_MARK as S
from river.types import JobState
from tests.driver._conformance_async import job_params, mixed_case_schema, now_utc

pytestmark = pytest.mark.anyio


@pytest.fixture
async def schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    async with mixed_case_schema(adriver) as name:
        yield name


async def test_schedule_moves_due_jobs(aexecutor: Any) -> None:
    past = now_utc() - dt.timedelta(seconds=1)
    res = await aexecutor.job_insert_fast_many(
        [
            job_params(state=JobState.SCHEDULED, scheduled_at=past),
            job_params(state=JobState.SCHEDULED, scheduled_at=now_utc() + dt.timedelta(hours=1)),
        ]
    )
    moved = await aexecutor.job_schedule(JobScheduleParams(now=now_utc()))
    assert [m.job.id for m in moved] == [res[0].job.id]
    assert moved[0].job.state is JobState.AVAILABLE and not moved[0].conflict_discarded


async def test_job_delete_before_with_timeout_is_cancelled_when_blocked(aexecutor: Any) -> None:
    [job] = [r.job for r in await aexecutor.job_insert_fast_many([job_params()])]
    await aexecutor.execute(
        f"UPDATE {S}river_job SET state = 'completed', finalized_at = now() - interval '2 days' "
        "WHERE id = @id",
        {"id": job.id},
    )
    params = JobDeleteBeforeParams(
        cancelled_finalized_before=None,
        completed_finalized_before=now_utc() - dt.timedelta(days=1),
        discarded_finalized_before=None,
        max=10,
    )
    async with aexecutor.transaction() as locker:
        await locker.execute(
            f"SELECT id FROM {S}river_job WHERE id = @id FOR UPDATE", {"id": job.id}
        )
        with pytest.raises(QueryCanceledError) as caught:
            await aexecutor.job_delete_before(params, timeout=0.1)
    assert caught.value.sqlstate == "57014"
    assert [j.id for j in await aexecutor.job_get_by_id_many([job.id])] == [job.id]
    # Inside a transaction of the caller's: a savepoint, and the transaction goes on.
    async with aexecutor.transaction() as tx:
        assert await tx.job_delete_before(params, timeout=5.0) == 1
        row = await tx.fetch_one("SELECT 1")
        assert row is not None and row[0] == 1
    assert await aexecutor.job_get_by_id_many([job.id]) == []
