# WARNING: this file is generated from 'test_maintenance_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Leader election and the leader's maintenance services against a real database."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

import river
from river._acompat import gather, sleep, spawn
from river._internal.elector import Elector
from river._internal.maintenance.services import (
    JobCleaner,
    JobRescuer,
    JobScheduler,
    QueueCleaner,
    Reindexer,
)
from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    QueueCreateOrSetUpdatedAtParams,
    job_set_state_completed,
)
from river.types import JobState
from tests._client_helpers import wait_for

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("river.test")


def _job(**kw: Any) -> JobInsertFastParams:
    return JobInsertFastParams(encoded_args="{}", kind="maint", **kw)


def test_one_leader_and_handover(executor: Any, schema: str) -> None:
    changes: dict[str, list[bool]] = {"a": [], "b": []}
    a = Elector(
        executor, "a", schema_name=schema, on_change=changes["a"].append, logger=LOG, interval=0.1
    )
    b = Elector(
        executor, "b", schema_name=schema, on_change=changes["b"].append, logger=LOG, interval=0.1
    )
    ta = spawn(a.run)
    wait_for(lambda: _leader_is(executor, "a"))
    tb = spawn(b.run)
    sleep(0.5)
    assert a.is_leader and (not b.is_leader)
    a.stop()
    gather(ta)
    wait_for(lambda: _leader_is(executor, "b"), timeout=5)
    assert changes["a"] == [True, False] and changes["b"] == [True]
    b.stop()
    gather(tb)
    assert executor.leader_get_elected_leader() is None


def _leader_is(executor: Any, name: str) -> bool:
    leader = executor.leader_get_elected_leader()
    return leader is not None and leader.leader_id == name


def test_scheduler_moves_due_jobs_and_discards_unique_conflicts(executor: Any, schema: str) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    future = past + dt.timedelta(hours=1)
    key = b"k" * 32
    # Unique on available/running/… but not retryable: a live available twin exists.
    res = executor.job_insert_fast_many(
        [
            _job(state=JobState.RETRYABLE, scheduled_at=past),
            _job(state=JobState.SCHEDULED, scheduled_at=future),
            _job(state=JobState.RETRYABLE, scheduled_at=past, unique_key=key, unique_states=213),
            _job(unique_key=key, unique_states=245),
        ]
    )
    ids = [r.job.id for r in res]
    moved = JobScheduler(executor, LOG, schema_name=schema).run_once()
    assert moved == 2
    jobs = {j.id: j for j in executor.job_get_by_id_many(ids)}
    assert jobs[ids[0]].state is JobState.AVAILABLE
    assert jobs[ids[1]].state is JobState.SCHEDULED
    assert jobs[ids[2]].state is JobState.DISCARDED
    assert jobs[ids[2]].metadata["unique_key_conflict"] == "scheduler_discarded"


def test_rescuer_outcomes(executor: Any) -> None:
    executor.job_insert_fast_many([_job(), _job(max_attempts=1), _job()])
    running = sorted(
        executor.job_get_available(
            JobGetAvailableParams(queue="default", max_to_lock=3, client_id="dead")
        ),
        key=lambda j: j.id,
    )
    retry, out_of_attempts, cancel = running
    executor.execute(
        'UPDATE /* TEMPLATE: schema */river_job SET metadata = \'{"cancel_attempted_at": "2026-01-01T00:00:00Z"}\' WHERE id = @id',
        {"id": cancel.id},
    )
    config = river.Config(rescue_stuck_jobs_after=0.0)
    sleep(0.05)
    assert JobRescuer(executor, LOG, config).run_once() == 3
    jobs = {j.id: j for j in executor.job_get_by_id_many([j.id for j in running])}
    assert jobs[retry.id].state is JobState.RETRYABLE
    assert jobs[out_of_attempts.id].state is JobState.DISCARDED
    assert jobs[cancel.id].state is JobState.CANCELLED
    for job in jobs.values():
        assert job.errors[-1].error == "Stuck job rescued by Rescuer"
        assert job.metadata["river:rescue_count"] == 1


def test_cleaners(executor: Any) -> None:
    executor.job_insert_fast_many([_job(), _job()])
    [done, _] = executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=2, client_id="c")
    )
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    executor.job_set_state_if_running_many([job_set_state_completed(done.id, old)])
    config = river.Config()
    assert JobCleaner(executor, LOG, config).run_once() == 1
    assert executor.job_get_by_id(done.id) is None
    executor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert QueueCleaner(executor, LOG, retention=0.0).run_once() == 1


def test_started_client_leads_and_schedules(driver: Any, schema: str) -> None:
    from tests._client_helpers import make_config, started, wait_for_state
    from tests.test_client import FailArgs, FailWorker, _workers

    client = river.Client(driver, make_config(schema, _workers(FailWorker())))
    with started(client):
        wait_for(lambda: _is_leader(client))
        job = client.insert(FailArgs(mode="snooze_short")).job
        # Snoozed for 1s: straight back to available, then snoozed again.
        wait_for(lambda: _snoozes(client, job.id, 2), timeout=15)
        wait_for_state(client, job.id, JobState.AVAILABLE, JobState.RUNNING, JobState.SCHEDULED)


def _is_leader(client: Any) -> bool:
    return bool(client.is_leader)


def _snoozes(client: Any, job_id: int, n: int) -> bool:
    job = client.job_get(job_id)
    return int(job.metadata.get("snoozes", 0)) >= n


def test_reindexer_rebuilds_river_indexes(executor: Any, schema: str) -> None:
    assert Reindexer(executor, LOG, schema_name=schema).run_once() == 7
