"""Leader election and the leader's maintenance services against a real database."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

import river
from river._acompat import agather, asleep, aspawn
from river._internal.elector_async import AsyncElector
from river._internal.maintenance.services_async import (
    AsyncJobCleaner,
    AsyncJobRescuer,
    AsyncJobScheduler,
    AsyncQueueCleaner,
    AsyncReindexer,
)
from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    QueueCreateOrSetUpdatedAtParams,
    job_set_state_completed,
)
from river.types import JobState
from tests._client_helpers_async import wait_for

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("river.test")


def _job(**kw: Any) -> JobInsertFastParams:
    return JobInsertFastParams(encoded_args="{}", kind="maint", **kw)


async def test_one_leader_and_handover(aexecutor: Any, schema: str) -> None:
    changes: dict[str, list[bool]] = {"a": [], "b": []}
    a = AsyncElector(aexecutor, "a", schema_name=schema, on_change=changes["a"].append,
                     logger=LOG, interval=0.1)
    b = AsyncElector(aexecutor, "b", schema_name=schema, on_change=changes["b"].append,
                     logger=LOG, interval=0.1)
    ta = aspawn(a.run)
    await wait_for(lambda: _leader_is(aexecutor, "a"))
    tb = aspawn(b.run)
    await asleep(0.5)
    assert a.is_leader and not b.is_leader
    a.stop()
    await agather(ta)
    await wait_for(lambda: _leader_is(aexecutor, "b"), timeout=5)
    assert changes["a"] == [True, False] and changes["b"] == [True]
    b.stop()
    await agather(tb)
    assert await aexecutor.leader_get_elected_leader() is None


async def _leader_is(aexecutor: Any, name: str) -> bool:
    leader = await aexecutor.leader_get_elected_leader()
    return leader is not None and leader.leader_id == name


async def test_scheduler_moves_due_jobs_and_discards_unique_conflicts(
    aexecutor: Any, schema: str
) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    future = past + dt.timedelta(hours=1)
    key = b"k" * 32
    res = await aexecutor.job_insert_fast_many([
        _job(state=JobState.RETRYABLE, scheduled_at=past),
        _job(state=JobState.SCHEDULED, scheduled_at=future),
        # Unique on available/running/… but not retryable: a live available twin exists.
        _job(state=JobState.RETRYABLE, scheduled_at=past, unique_key=key, unique_states=0xD5),
        _job(unique_key=key, unique_states=0xF5),
    ])
    ids = [r.job.id for r in res]
    moved = await AsyncJobScheduler(aexecutor, LOG, schema_name=schema).run_once()
    assert moved == 2
    jobs = {j.id: j for j in await aexecutor.job_get_by_id_many(ids)}
    assert jobs[ids[0]].state is JobState.AVAILABLE
    assert jobs[ids[1]].state is JobState.SCHEDULED
    assert jobs[ids[2]].state is JobState.DISCARDED
    assert jobs[ids[2]].metadata["unique_key_conflict"] == "scheduler_discarded"


async def test_rescuer_outcomes(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many([_job(), _job(max_attempts=1), _job()])
    running = sorted(
        await aexecutor.job_get_available(
            JobGetAvailableParams(queue="default", max_to_lock=3, client_id="dead")
        ),
        key=lambda j: j.id,
    )
    retry, out_of_attempts, cancel = running
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET metadata = "
        "'{\"cancel_attempted_at\": \"2026-01-01T00:00:00Z\"}' WHERE id = @id",
        {"id": cancel.id},
    )
    config = river.Config(rescue_stuck_jobs_after=0.0)
    await asleep(0.05)
    assert await AsyncJobRescuer(aexecutor, LOG, config).run_once() == 3
    jobs = {j.id: j for j in await aexecutor.job_get_by_id_many([j.id for j in running])}
    assert jobs[retry.id].state is JobState.RETRYABLE
    assert jobs[out_of_attempts.id].state is JobState.DISCARDED
    assert jobs[cancel.id].state is JobState.CANCELLED
    for job in jobs.values():
        assert job.errors[-1].error == "Stuck job rescued by Rescuer"
        assert job.metadata["river:rescue_count"] == 1


async def test_cleaners(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many([_job(), _job()])
    [done, _] = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=2, client_id="c")
    )
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    await aexecutor.job_set_state_if_running_many([job_set_state_completed(done.id, old)])
    config = river.Config()
    assert await AsyncJobCleaner(aexecutor, LOG, config).run_once() == 1
    assert await aexecutor.job_get_by_id(done.id) is None
    await aexecutor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert await AsyncQueueCleaner(aexecutor, LOG, retention=0.0).run_once() == 1


async def test_started_client_leads_and_schedules(adriver: Any, schema: str) -> None:
    from tests._client_helpers_async import make_config, started, wait_for_state
    from tests.test_client_async import FailArgs, FailWorker, _workers

    client = river.AsyncClient(adriver, make_config(schema, _workers(FailWorker())))
    async with started(client):
        await wait_for(lambda: _is_leader(client))
        job = (await client.insert(FailArgs(mode="snooze_short"))).job
        # Snoozed for 1s: straight back to available, then snoozed again.
        await wait_for(lambda: _snoozes(client, job.id, 2), timeout=15)
        await wait_for_state(client, job.id, JobState.AVAILABLE, JobState.RUNNING,
                             JobState.SCHEDULED)


async def _is_leader(client: Any) -> bool:
    return bool(client.is_leader)


async def _snoozes(client: Any, job_id: int, n: int) -> bool:
    job = await client.job_get(job_id)
    return int(job.metadata.get("snoozes", 0)) >= n


async def test_reindexer_rebuilds_river_indexes(aexecutor: Any, schema: str) -> None:
    assert await AsyncReindexer(aexecutor, LOG, schema_name=schema).run_once() == 7
