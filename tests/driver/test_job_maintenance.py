# WARNING: this file is generated from 'test_job_maintenance_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The leader's maintenance statements: scheduling due jobs, and the cleaner's delete under
a statement timeout.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.errors import QueryCanceledError
from river.driver.params import JobDeleteBeforeParams, JobScheduleParams
from river.driver.query import SCHEMA_MARK as S
from river.types import JobState
from tests.driver._conformance import job_params, mixed_case_schema, now_utc

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_schedule_moves_due_jobs(executor: Any) -> None:
    past = now_utc() - dt.timedelta(seconds=1)
    res = executor.job_insert_fast_many(
        [
            job_params(state=JobState.SCHEDULED, scheduled_at=past),
            job_params(state=JobState.SCHEDULED, scheduled_at=now_utc() + dt.timedelta(hours=1)),
        ]
    )
    moved = executor.job_schedule(JobScheduleParams(now=now_utc()))
    assert [m.job.id for m in moved] == [res[0].job.id]
    assert moved[0].job.state is JobState.AVAILABLE and (not moved[0].conflict_discarded)


def test_job_delete_before_with_timeout_is_cancelled_when_blocked(executor: Any) -> None:
    [job] = [r.job for r in executor.job_insert_fast_many([job_params()])]
    executor.execute(
        f"UPDATE {S}river_job SET state = 'completed', finalized_at = now() - interval '2 days' WHERE id = @id",
        {"id": job.id},
    )
    params = JobDeleteBeforeParams(
        cancelled_finalized_before=None,
        completed_finalized_before=now_utc() - dt.timedelta(days=1),
        discarded_finalized_before=None,
        max=10,
    )
    with executor.transaction() as locker:
        locker.execute(f"SELECT id FROM {S}river_job WHERE id = @id FOR UPDATE", {"id": job.id})
        with pytest.raises(QueryCanceledError) as caught:
            executor.job_delete_before(params, timeout=0.1)
    assert caught.value.sqlstate == "57014"
    assert [j.id for j in executor.job_get_by_id_many([job.id])] == [job.id]
    # Inside a transaction of the caller's: a savepoint, and the transaction goes on.
    with executor.transaction() as tx:
        assert tx.job_delete_before(params, timeout=5.0) == 1
        row = tx.fetch_one("SELECT 1")
        assert row is not None and row[0] == 1
    assert executor.job_get_by_id_many([job.id]) == []
