"""The hot statements get new plans once ``river_job`` has grown several-fold, against a
real database.

A connection that fetched and completed jobs while the table was empty holds generic
plans that read the whole table (what Postgres rightly picks for a page of rows). Without
new plans, every later fetch and completion scans every row until autovacuum analyzes the
table. The scans are counted by Postgres itself (``pg_stat_xact_user_tables``) on one
connection, inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    job_set_state_completed,
)

pytestmark = pytest.mark.anyio
# Enough runs for every driver to have switched to a generic plan (psycopg prepares a
# statement on its 6th run, and Postgres plans the first 5 runs of a prepared one anew).
RUNS_ON_EMPTY = 15
JOBS = 5000  # hundreds of kilobytes: far past the size the first plans were made at


async def _seq_scans(tx: Any) -> int:
    row = await tx.fetch_one(
        "SELECT seq_scan FROM pg_stat_xact_user_tables "
        "WHERE relid = '/* TEMPLATE: schema */river_job'::regclass"
    )
    return int(row[0]) if row else 0


def _fetch(limit: int) -> JobGetAvailableParams:
    # The transaction's now() is older than the jobs inserted in it: the client's clock.
    return JobGetAvailableParams(
        queue="default", max_to_lock=limit, client_id="test", now=dt.datetime.now(dt.UTC)
    )


async def test_fetches_and_completions_are_planned_anew_once_the_table_has_grown(
    aexecutor: Any,
) -> None:
    await aexecutor.exec_script(
        "TRUNCATE /* TEMPLATE: schema */river_job; ANALYZE /* TEMPLATE: schema */river_job"
    )
    now = dt.datetime.now(dt.UTC)
    async with aexecutor.transaction() as tx:
        assert tx.plans is aexecutor.plans  # a transaction's executor plans as its pool's
        # Keeps autovacuum from analyzing the table meanwhile: its statistics would count
        # the pages of the rows inserted below but none of the rows (not committed).
        await tx.exec_script(
            "LOCK TABLE /* TEMPLATE: schema */river_job IN SHARE UPDATE EXCLUSIVE MODE"
        )
        for _ in range(RUNS_ON_EMPTY):  # plans made on an empty table
            assert await tx.job_get_available(_fetch(10)) == []
            assert await tx.job_complete_many([job_set_state_completed(-1, now)]) == []
        await tx.job_insert_fast_many_no_returning(
            [JobInsertFastParams(encoded_args="{}", kind="grown") for _ in range(JOBS)]
        )
        first = await tx.job_get_available(_fetch(10))  # sees the table has grown
        assert len(first) == 10
        assert tx.plans.generation >= 1

        before = await _seq_scans(tx)
        fetched = []
        for _ in range(4):
            fetched += await tx.job_get_available(_fetch(10))
        completed = await tx.job_complete_many(
            [job_set_state_completed(job.id, now) for job in fetched[:10]]
        )
        assert len(fetched) == 40
        assert {job.state.value for job in completed} == {"completed"}
        assert await _seq_scans(tx) == before
