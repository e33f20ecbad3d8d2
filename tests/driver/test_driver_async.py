"""Driver conformance: River's executor operations behave the same on every driver."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from river.driver.params import (
    JobCancelParams,
    JobGetAvailableParams,
    JobInsertFastParams,
    JobListParams,
    JobScheduleParams,
    JobUpdateParams,
    LeaderElectParams,
    LeaderResignParams,
    NotifyManyParams,
    QueueCreateOrSetUpdatedAtParams,
    QueuePauseParams,
    job_set_state_completed,
    job_set_state_error_retryable,
    job_set_state_snoozed,
)
from river.types import AttemptError, JobState
from tests._client_helpers_async import user_tx

pytestmark = pytest.mark.anyio


def _job(**kw: Any) -> JobInsertFastParams:
    base: dict[str, Any] = {"encoded_args": '{"n":1}', "kind": "conformance"}
    base.update(kw)
    return JobInsertFastParams(**base)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def test_insert_fast_many_round_trips_every_column(aexecutor: Any) -> None:
    key = hashlib.sha256(b"k").digest()
    sched = _now() + dt.timedelta(hours=1)
    [res] = await aexecutor.job_insert_fast_many(
        [
            _job(
                encoded_args='{"a":"<x>","b":[1,2]}',
                max_attempts=7,
                metadata='{"m":true}',
                priority=3,
                queue="q1",
                scheduled_at=sched,
                state=JobState.SCHEDULED,
                tags=("t1", "t2"),
                unique_key=key,
                unique_states=0xF5,
            )
        ]
    )
    job = res.job
    assert not res.unique_skipped_as_duplicate
    assert job.id > 0 and job.kind == "conformance" and job.args == {"a": "<x>", "b": [1, 2]}
    assert (job.max_attempts, job.priority, job.queue) == (7, 3, "q1")
    assert job.state is JobState.SCHEDULED and job.metadata == {"m": True}
    assert job.tags == ["t1", "t2"] and job.unique_key == key and job.unique_states == 0xF5
    assert abs((job.scheduled_at - sched).total_seconds()) < 0.001
    assert job.attempt == 0 and job.errors == [] and job.attempted_by == []
    got = await aexecutor.job_get_by_id(job.id)
    assert got == job


async def test_unique_duplicate_is_skipped(aexecutor: Any) -> None:
    key = hashlib.sha256(b"unique").digest()
    first = await aexecutor.job_insert_fast_many([_job(unique_key=key, unique_states=0xF5)])
    second = await aexecutor.job_insert_fast_many(
        [_job(unique_key=key, unique_states=0xF5), _job()]
    )
    assert second[0].unique_skipped_as_duplicate
    assert second[0].job.id == first[0].job.id
    assert not second[1].unique_skipped_as_duplicate
    assert len(await aexecutor.job_list(JobListParams())) == 2


async def test_copy_insert_no_returning(aexecutor: Any) -> None:
    key = hashlib.sha256(b"copy").digest()
    params = [_job(encoded_args=json.dumps({"i": i}), tags=("a",)) for i in range(500)]
    assert await aexecutor.job_insert_fast_many_no_returning(params) == 500
    # A batch with a unique job takes the other COPY path of some drivers.
    unique = [_job(unique_key=key, unique_states=0xF5, metadata='{"x":"tab\\there"}')]
    assert await aexecutor.job_insert_fast_many_no_returning(unique) == 1
    jobs = await aexecutor.job_list(JobListParams(limit=1000))
    assert len(jobs) == 501
    assert jobs[0].args == {"i": 0} and jobs[0].tags == ["a"]
    assert jobs[-1].unique_key == key and jobs[-1].unique_states == 0xF5
    assert jobs[-1].metadata == {"x": "tab\there"}


async def test_get_available_locks_in_priority_order(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many(
        [
            _job(priority=2),
            _job(priority=1),
            _job(queue="other"),
            _job(scheduled_at=_now() + dt.timedelta(hours=1)),
        ]
    )
    got = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=10, client_id="c1")
    )
    assert sorted(j.priority for j in got) == [1, 2]
    for j in got:
        assert j.state is JobState.RUNNING and j.attempt == 1 and j.attempted_by == ["c1"]
        assert j.attempted_at is not None
    again = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=10, client_id="c1")
    )
    assert again == []


async def test_set_state_if_running_many(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many([_job(), _job(), _job()])
    running = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=3, client_id="c")
    )
    a, b, c = sorted(running, key=lambda j: j.id)
    now = _now()
    err = AttemptError(at=now, attempt=1, error="boom", trace="t").to_json()
    rows = await aexecutor.job_set_state_if_running_many(
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
    [again] = await aexecutor.job_set_state_if_running_many(
        [job_set_state_completed(b.id, now, '{"late":true}')]
    )
    assert again.state is JobState.RETRYABLE and again.metadata["late"] is True


async def test_cancel_running_and_waiting(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many([_job()])
    [running] = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=1, client_id="c")
    )
    [waiting] = await aexecutor.job_insert_fast_many([_job()])
    now = _now()
    topic = f"{aexecutor.schema}.river_control"
    cancelled = await aexecutor.job_cancel(
        JobCancelParams(id=waiting.job.id, cancel_attempted_at=now, control_topic=topic)
    )
    assert cancelled.state is JobState.CANCELLED and cancelled.finalized_at is not None
    still = await aexecutor.job_cancel(
        JobCancelParams(id=running.id, cancel_attempted_at=now, control_topic=topic)
    )
    assert still.state is JobState.RUNNING and "cancel_attempted_at" in still.metadata
    # A retry of a job whose cancel was attempted becomes a cancellation.
    err = AttemptError(at=now, attempt=1, error="x").to_json()
    [final] = await aexecutor.job_set_state_if_running_many(
        [job_set_state_error_retryable(running.id, now, err)]
    )
    assert final.state is JobState.CANCELLED and final.finalized_at is not None
    assert (
        await aexecutor.job_cancel(
            JobCancelParams(id=999_999, cancel_attempted_at=now, control_topic=topic)
        )
        is None
    )


async def test_job_get_cancel_attempted_ids(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many([_job(), _job(), _job()])
    running = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=2, client_id="c")
    )
    [waiting] = await aexecutor.job_insert_fast_many([_job()])
    ids = [j.id for j in running]
    assert await aexecutor.job_get_cancel_attempted_ids(ids) == []
    assert await aexecutor.job_get_cancel_attempted_ids([]) == []
    topic = f"{aexecutor.schema}.river_control"
    await aexecutor.job_cancel(
        JobCancelParams(id=ids[1], cancel_attempted_at=_now(), control_topic=topic)
    )
    await aexecutor.job_cancel(
        JobCancelParams(id=waiting.job.id, cancel_attempted_at=_now(), control_topic=topic)
    )
    # Only running jobs are reported; the cancelled waiting job is no longer running.
    assert await aexecutor.job_get_cancel_attempted_ids([*ids, waiting.job.id]) == [ids[1]]


async def test_list_filters_update_delete_retry(aexecutor: Any) -> None:
    res = await aexecutor.job_insert_fast_many(
        [_job(kind="k1", tags=("x", "y")), _job(kind="k2", queue="q2", priority=4)]
    )
    one, two = res[0].job, res[1].job
    assert [j.id for j in await aexecutor.job_list(JobListParams(kinds=["k2"]))] == [two.id]
    assert [j.id for j in await aexecutor.job_list(JobListParams(tags_all=["x", "y"]))] == [one.id]
    assert [j.id for j in await aexecutor.job_list(JobListParams(descending=True))] == [
        two.id,
        one.id,
    ]
    page = await aexecutor.job_list(JobListParams(after=(one.id, one.id)))
    assert [j.id for j in page] == [two.id]
    updated = await aexecutor.job_update(JobUpdateParams(id=one.id, metadata_merge='{"o":1}'))
    assert updated.metadata == {"o": 1}
    deleted = await aexecutor.job_delete(two.id)
    assert deleted.id == two.id and await aexecutor.job_get_by_id(two.id) is None
    retried = await aexecutor.job_retry(one.id)
    assert retried.state is JobState.AVAILABLE


async def test_schedule_moves_due_jobs(aexecutor: Any) -> None:
    past = _now() - dt.timedelta(seconds=1)
    res = await aexecutor.job_insert_fast_many(
        [
            _job(state=JobState.SCHEDULED, scheduled_at=past),
            _job(state=JobState.SCHEDULED, scheduled_at=_now() + dt.timedelta(hours=1)),
        ]
    )
    moved = await aexecutor.job_schedule(JobScheduleParams(now=_now()))
    assert [m.job.id for m in moved] == [res[0].job.id]
    assert moved[0].job.state is JobState.AVAILABLE and not moved[0].conflict_discarded


async def test_leader_elect_reelect_resign(aexecutor: Any) -> None:
    ttl = dt.timedelta(seconds=15)
    leader = await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="a", ttl=ttl))
    assert leader is not None and leader.leader_id == "a"
    assert await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="b", ttl=ttl)) is None
    assert await aexecutor.leader_attempt_reelect(LeaderElectParams(leader_id="a", ttl=ttl))
    assert not await aexecutor.leader_attempt_reelect(LeaderElectParams(leader_id="b", ttl=ttl))
    topic = f"{aexecutor.schema}.river_leadership"
    assert await aexecutor.leader_resign(LeaderResignParams(leader_id="a", leadership_topic=topic))
    assert await aexecutor.leader_get_elected_leader() is None


async def test_queue_pause_resume(aexecutor: Any) -> None:
    q = await aexecutor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert q.paused_at is None
    assert await aexecutor.queue_pause(QueuePauseParams(name="q")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is not None
    assert await aexecutor.queue_resume(QueuePauseParams(name="*")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is None
    assert await aexecutor.queue_pause(QueuePauseParams(name="missing")) == 0
    assert [x.name for x in await aexecutor.queue_list()] == ["q"]


async def test_listener_receives_notify(adriver: Any, aexecutor: Any) -> None:
    listener = adriver.get_listener()
    await listener.connect()
    try:
        channel = f"{aexecutor.schema}.river_insert"
        await listener.listen(channel)
        await aexecutor.notify_many(NotifyManyParams(topic=channel, payloads=['{"queue":"x"}']))
        note = await listener.wait_for_notification(5.0)
        assert note is not None and note.topic == channel and note.payload == '{"queue":"x"}'
        assert await listener.wait_for_notification(0.05) is None
    finally:
        await listener.close()


async def test_transactions_commit_rollback_savepoint(aexecutor: Any) -> None:
    async with aexecutor.transaction() as tx:
        await tx.job_insert_fast_many([_job(kind="kept")])
        with pytest.raises(RuntimeError):
            async with tx.transaction() as sp:
                await sp.job_insert_fast_many([_job(kind="savepoint")])
                raise RuntimeError("roll back the savepoint")
    with pytest.raises(RuntimeError):
        async with aexecutor.transaction() as tx:
            await tx.job_insert_fast_many([_job(kind="gone")])
            raise RuntimeError("roll back")
    assert [j.kind for j in await aexecutor.job_list(JobListParams())] == ["kept"]


async def test_unwrap_executor_joins_callers_transaction(adriver: Any, schema: str) -> None:
    async with user_tx(adriver, rollback=True) as tx:
        ex = adriver.unwrap_executor(tx, schema)
        await ex.job_insert_fast_many([_job(kind="rolled_back")])
        assert len(await ex.job_list(JobListParams())) == 1
    async with user_tx(adriver) as tx:
        ex = adriver.unwrap_executor(tx, schema)
        await ex.job_insert_fast_many([_job(kind="committed")])
    jobs = await adriver.get_executor(schema).job_list(JobListParams())
    assert [j.kind for j in jobs] == ["committed"]


async def test_job_count_by_queue_and_state(aexecutor: Any) -> None:
    assert await aexecutor.job_count_by_queue_and_state() == []
    await aexecutor.job_insert_fast_many(
        [_job(queue="a"), _job(queue="a"), _job(queue="b", state=JobState.SCHEDULED,
                                                 scheduled_at=_now() + dt.timedelta(hours=1))]
    )
    counts = await aexecutor.job_count_by_queue_and_state()
    assert [(c.queue, c.state, c.count) for c in counts] == [
        ("a", JobState.AVAILABLE, 2),
        ("b", JobState.SCHEDULED, 1),
    ]
