"""The outcome of an attempt that was rescued while it ran never lands on a newer attempt.

A host cut off from the database keeps working its jobs; meanwhile the rescuer gives them
to another client, which runs them again (the next attempt, ``running`` again). When the
first host comes back, its completer writes the outcomes it kept: they belong to an
attempt that is over and must leave the newer one alone (not complete it, not fail it).
The same holds for a job completed in the worker's own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import AEvent
from tests._client_helpers_async import make_config, user_tx, wait_for

pytestmark = pytest.mark.anyio


@dataclass
class HeldArgs:
    kind = "stale_attempt_held"
    outcome: str = "complete"  # complete | fail | complete_tx


async def _complete_in_tx(adriver: Any, job: river.Job[HeldArgs]) -> None:
    name = type(adriver).__name__
    async with user_tx(adriver) as conn:
        if name == "AsyncpgDriver":
            from river_asyncpg import job_complete_tx as complete_asyncpg

            await complete_asyncpg(conn, job)
        elif name == "Psycopg2Driver":
            from river_psycopg2 import job_complete_tx as complete_psycopg2

            await complete_psycopg2(conn, job)
        else:
            from river_psycopg3 import job_complete_tx as complete_psycopg

            await complete_psycopg(conn, job)


@pytest.mark.parametrize("outcome", ["complete", "fail", "complete_tx"])
async def test_late_outcome_of_a_rescued_attempt_leaves_the_newer_attempt_alone(
    adriver: Any, aexecutor: Any, schema: str, outcome: str
) -> None:
    started, release, finished = AEvent(), AEvent(), AEvent()

    class HeldWorker(river.AsyncWorker[HeldArgs]):
        async def work(self, job: river.Job[HeldArgs]) -> None:
            started.set()
            try:
                await release.wait_timeout(60)
                if job.args.outcome == "fail":
                    raise RuntimeError("attempt 1 failed after its rescue")
                if job.args.outcome == "complete_tx":
                    await _complete_in_tx(adriver, job)
            finally:
                finished.set()

    workers = river.Workers()
    workers.add(HeldWorker())
    client = river.AsyncClient(adriver, make_config(schema, workers, id="cut-off-host"))
    await client.start()
    try:
        inserted = await client.insert(HeldArgs(outcome=outcome))
        job_id = inserted.job.id
        await wait_for(lambda: _is_set(started), timeout=30)
        # Meanwhile the job was rescued and another client runs its second attempt.
        newer = await aexecutor.job_mark_running(job_id, "other-host")
        assert newer is not None and newer.attempt == 2
        release.set()
        await wait_for(lambda: _is_set(finished), timeout=30)
    finally:
        release.set()
        await client.stop()  # flushes the completer: the late outcome is written now
    row = await aexecutor.job_get_by_id(job_id)
    assert row.state == river.JobState.RUNNING
    assert row.attempt == 2
    assert row.attempted_by[-1] == "other-host"
    assert row.finalized_at is None
    assert row.errors == []


async def _is_set(event: AEvent) -> bool:
    return event.is_set()
