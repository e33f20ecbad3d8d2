"""The leader's maintenance services, each against a real database."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import AEvent, agather, asleep, aspawn
from river._internal.maintenance.cleaner_async import AsyncJobCleaner
from river._internal.maintenance.maintainer_async import AsyncMaintainer
from river._internal.maintenance.periodic_async import AsyncPeriodicJobEnqueuer
from river._internal.maintenance.queue_cleaner_async import AsyncQueueCleaner
from river._internal.maintenance.reindexer_async import REINDEX_INDEXES, AsyncReindexer
from river._internal.maintenance.rescuer_async import RESCUED_ERROR, AsyncJobRescuer
from river._internal.maintenance.scheduler_async import AsyncJobScheduler
from river._internal.maintenance.service_async import AsyncService
from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    QueueCreateOrSetUpdatedAtParams,
)
from river.periodic import NeverSchedule, PeriodicInterval, PeriodicJob, cron
from river.types import JobRow, JobState

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("river.test.maintenance")
T0 = dt.datetime(2026, 1, 1, 12, 10, tzinfo=dt.UTC)
KEY = b"k" * 32
ALL_BUT_RETRYABLE = 0xD5  # unique in available, completed, pending, running, scheduled


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _job(**kw: Any) -> JobInsertFastParams:
    return JobInsertFastParams(**{"encoded_args": "{}", "kind": "maint", **kw})


async def _insert(aexecutor: Any, *jobs: JobInsertFastParams) -> list[int]:
    return [r.job.id for r in await aexecutor.job_insert_fast_many(list(jobs))]


async def _get(aexecutor: Any, ids: list[int]) -> list[JobRow]:
    by_id = {j.id: j for j in await aexecutor.job_get_by_id_many(ids)}
    return [by_id[i] for i in ids]


async def _finalize(aexecutor: Any, id: int, state: JobState, age: dt.timedelta) -> None:
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job "
        "SET state = @state::text::/* TEMPLATE: schema */river_job_state, finalized_at = @at "
        "WHERE id = @id",
        {"state": state.value, "at": _now() - age, "id": id},
    )


async def _make_running(aexecutor: Any, n: int, age: dt.timedelta) -> list[JobRow]:
    """Fetch ``n`` available jobs as a dead client would, ``age`` ago."""
    running = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=n, client_id="dead")
    )
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET attempted_at = @at WHERE state = 'running'",
        {"at": _now() - age},
    )
    return sorted(running, key=lambda j: j.id)


# -- job scheduler ---------------------------------------------------------------------------


async def test_scheduler_makes_due_jobs_available_and_leaves_future_ones(
    aexecutor: Any, schema: str
) -> None:
    past = _now() - dt.timedelta(seconds=1)
    ids = await _insert(
        aexecutor,
        _job(state=JobState.RETRYABLE, scheduled_at=past),
        _job(state=JobState.SCHEDULED, scheduled_at=past),
        _job(state=JobState.SCHEDULED, scheduled_at=_now() + dt.timedelta(hours=1)),
        _job(state=JobState.RETRYABLE, scheduled_at=_now() + dt.timedelta(hours=1)),
        _job(state=JobState.PENDING, scheduled_at=past),
    )
    scheduler = AsyncJobScheduler(aexecutor, schema_name=schema, logger=LOG, test_only=True)
    assert await scheduler.run_once() == 2
    states = [j.state for j in await _get(aexecutor, ids)]
    assert states == [
        JobState.AVAILABLE,
        JobState.AVAILABLE,
        JobState.SCHEDULED,
        JobState.RETRYABLE,
        JobState.PENDING,
    ]
    assert await scheduler.run_once() == 0


async def test_scheduler_looks_ahead_by_its_interval(aexecutor: Any, schema: str) -> None:
    soon = _now() + dt.timedelta(seconds=2)
    [id] = await _insert(aexecutor, _job(state=JobState.SCHEDULED, scheduled_at=soon))
    exact = AsyncJobScheduler(aexecutor, schema_name=schema, look_ahead=0.0, test_only=True)
    assert await exact.run_once() == 0
    ahead = AsyncJobScheduler(aexecutor, schema_name=schema, interval=5.0, test_only=True)
    assert await ahead.run_once() == 1
    [job] = await _get(aexecutor, [id])
    # Available, but producers only fetch it once it is due.
    assert job.state is JobState.AVAILABLE and job.scheduled_at == soon
    fetched = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=10, client_id="c")
    )
    assert fetched == []


async def test_scheduler_discards_unique_conflicts(aexecutor: Any, schema: str) -> None:
    past = _now() - dt.timedelta(seconds=1)
    other_key = b"o" * 32
    ids = await _insert(
        aexecutor,
        # Unique, but not while retryable: a live available twin holds the key.
        _job(
            state=JobState.RETRYABLE,
            scheduled_at=past,
            unique_key=KEY,
            unique_states=ALL_BUT_RETRYABLE,
        ),
        _job(unique_key=KEY, unique_states=0xF5),
        # Two due twins and no live holder: the first wins, the second is discarded.
        _job(
            state=JobState.RETRYABLE,
            scheduled_at=past - dt.timedelta(seconds=1),
            unique_key=other_key,
            unique_states=ALL_BUT_RETRYABLE,
        ),
        _job(
            state=JobState.RETRYABLE,
            scheduled_at=past,
            unique_key=other_key,
            unique_states=ALL_BUT_RETRYABLE,
        ),
    )
    scheduler = AsyncJobScheduler(aexecutor, schema_name=schema, test_only=True)
    assert await scheduler.run_once() == 3
    conflicted, holder, first, second = await _get(aexecutor, ids)
    assert conflicted.state is JobState.DISCARDED and conflicted.finalized_at is not None
    assert conflicted.metadata["unique_key_conflict"] == "scheduler_discarded"
    assert holder.state is JobState.AVAILABLE
    assert first.state is JobState.AVAILABLE and "unique_key_conflict" not in first.metadata
    assert second.state is JobState.DISCARDED
    assert second.metadata["unique_key_conflict"] == "scheduler_discarded"


async def test_scheduler_works_in_batches(aexecutor: Any, schema: str) -> None:
    past = _now() - dt.timedelta(seconds=1)
    ids = await _insert(aexecutor, *[_job(state=JobState.SCHEDULED, scheduled_at=past)] * 5)
    scheduler = AsyncJobScheduler(aexecutor, schema_name=schema, batch_size=2, test_only=True)
    assert await scheduler.run_once() == 5
    assert {j.state for j in await _get(aexecutor, ids)} == {JobState.AVAILABLE}


@pytest.mark.needs_listen_in_pool("listens for the scheduler's notification")
async def test_scheduler_notifies_queues_with_jobs_due_now(
    aexecutor: Any, adriver: Any, schema: str
) -> None:
    past = _now() - dt.timedelta(seconds=1)
    await _insert(
        aexecutor,
        _job(state=JobState.SCHEDULED, scheduled_at=past, queue="due"),
        _job(state=JobState.SCHEDULED, scheduled_at=past, queue="due"),
        _job(
            state=JobState.SCHEDULED, scheduled_at=_now() + dt.timedelta(seconds=3), queue="later"
        ),
        _job(
            state=JobState.RETRYABLE,
            scheduled_at=past,
            queue="conflict",
            unique_key=KEY,
            unique_states=ALL_BUT_RETRYABLE,
        ),
        _job(queue="holder", unique_key=KEY, unique_states=0xF5),
    )
    listener = adriver.get_listener()
    await listener.connect()
    try:
        await listener.listen(f"{schema}.river_insert")
        scheduler = AsyncJobScheduler(aexecutor, schema_name=schema, test_only=True)
        assert await scheduler.run_once() == 4
        note = await listener.wait_for_notification(5.0)
        assert note is not None and json.loads(note.payload) == {"queue": "due"}
        assert await listener.wait_for_notification(0.3) is None
    finally:
        await listener.close()


# -- job rescuer -----------------------------------------------------------------------------


class _FixedRetry:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def next_retry(self, job: JobRow) -> dt.datetime:
        return self.at


async def test_rescuer_outcomes(aexecutor: Any) -> None:
    await _insert(aexecutor, _job(), _job(max_attempts=1), _job())
    retry, out_of_attempts, cancel = await _make_running(aexecutor, 3, dt.timedelta(hours=2))
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET metadata = "
        '\'{"cancel_attempted_at": "2026-01-01T00:00:00Z"}\' WHERE id = @id',
        {"id": cancel.id},
    )
    retry_at = (_now() + dt.timedelta(minutes=5)).replace(microsecond=0)
    rescuer = AsyncJobRescuer(aexecutor, retry_policy=_FixedRetry(retry_at), test_only=True)
    assert await rescuer.run_once() == 3
    r, o, c = await _get(aexecutor, [retry.id, out_of_attempts.id, cancel.id])
    assert r.state is JobState.RETRYABLE and r.scheduled_at == retry_at
    assert r.finalized_at is None
    assert o.state is JobState.DISCARDED and o.finalized_at is not None
    assert o.scheduled_at == out_of_attempts.scheduled_at
    assert c.state is JobState.CANCELLED and c.finalized_at is not None
    for job in (r, o, c):
        assert job.errors[-1].error == RESCUED_ERROR == "Stuck job rescued by JobRescuer"
        assert job.errors[-1].attempt == 1
        assert job.metadata["river:rescue_count"] == 1
    assert await rescuer.run_once() == 0


async def test_rescuer_leaves_recent_and_skipped_jobs(aexecutor: Any) -> None:
    await _insert(aexecutor, _job(), _job(kind="no_timeout"))
    stuck = await _make_running(aexecutor, 2, dt.timedelta(minutes=30))
    rescuer = AsyncJobRescuer(
        aexecutor,
        retry_policy=river.DefaultRetryPolicy(),
        rescue_after=3600.0,
        skip=lambda job: job.kind == "no_timeout",
        test_only=True,
    )
    assert await rescuer.run_once() == 0  # running for 30 minutes only
    rescuer.rescue_after = 60.0
    assert await rescuer.run_once() == 1
    normal, skipped = await _get(aexecutor, [j.id for j in stuck])
    assert normal.state is JobState.RETRYABLE and normal.scheduled_at > _now()
    assert skipped.state is JobState.RUNNING


async def test_rescuer_counts_rescues_and_works_in_batches(aexecutor: Any) -> None:
    await _insert(aexecutor, *[_job()] * 5)
    rescuer = AsyncJobRescuer(
        aexecutor,
        retry_policy=_FixedRetry(_now() - dt.timedelta(seconds=1)),
        rescue_after=60.0,
        batch_size=2,
        test_only=True,
    )
    for count in (1, 2):
        await aexecutor.execute("UPDATE /* TEMPLATE: schema */river_job SET state = 'available'")
        await _make_running(aexecutor, 5, dt.timedelta(hours=2))
        assert await rescuer.run_once() == 5
        jobs = await aexecutor.job_get_by_kind_many(["maint"])
        assert {j.metadata["river:rescue_count"] for j in jobs} == {count}
        assert {len(j.errors) for j in jobs} == {count}


class _RefetchedAfterRead:
    """The executor, with every stuck job fetched again by a live client (attempted
    now) right after the rescuer read it and before it rescues it."""

    def __init__(self, aexecutor: Any) -> None:
        self._executor = aexecutor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._executor, name)

    async def job_get_stuck(self, params: Any) -> list[JobRow]:
        stuck = await self._executor.job_get_stuck(params)
        await self._executor.execute(
            "UPDATE /* TEMPLATE: schema */river_job SET attempted_at = now()"
            " WHERE state = 'running'"
        )
        return list(stuck)


async def test_rescuer_leaves_a_job_fetched_again_since_it_was_read(aexecutor: Any) -> None:
    # River v0.48 fixed its rescuer overwriting such a job.
    await _insert(aexecutor, _job())
    [job] = await _make_running(aexecutor, 1, dt.timedelta(hours=2))
    rescuer = AsyncJobRescuer(
        _RefetchedAfterRead(aexecutor), retry_policy=river.DefaultRetryPolicy(), test_only=True
    )
    assert await rescuer.run_once() == 0
    [after] = await _get(aexecutor, [job.id])
    assert after.state is JobState.RUNNING and after.errors == [] and after.metadata == {}


async def test_rescuer_counts_over_a_rescue_count_that_is_not_a_number(aexecutor: Any) -> None:
    await _insert(aexecutor, _job())
    [job] = await _make_running(aexecutor, 1, dt.timedelta(hours=2))
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job"
        " SET metadata = '{\"river:rescue_count\": \"x\"}' WHERE id = @id",
        {"id": job.id},
    )
    rescuer = AsyncJobRescuer(aexecutor, retry_policy=river.DefaultRetryPolicy(), test_only=True)
    assert await rescuer.run_once() == 1
    [after] = await _get(aexecutor, [job.id])
    assert after.state is JobState.RETRYABLE and after.metadata["river:rescue_count"] == 1


# -- job cleaner -----------------------------------------------------------------------------


async def test_cleaner_deletes_by_per_state_retention(aexecutor: Any) -> None:
    cases = [
        (JobState.COMPLETED, dt.timedelta(hours=25), False),
        (JobState.COMPLETED, dt.timedelta(hours=23), True),
        (JobState.CANCELLED, dt.timedelta(hours=25), False),
        (JobState.CANCELLED, dt.timedelta(hours=23), True),
        (JobState.DISCARDED, dt.timedelta(days=8), False),
        (JobState.DISCARDED, dt.timedelta(days=2), True),
    ]
    ids = await _insert(aexecutor, *[_job()] * len(cases))
    for id, (state, age, _) in zip(ids, cases, strict=True):
        await _finalize(aexecutor, id, state, age)
    # Never finalized: never cleaned, however old.
    [old_available] = await _insert(
        aexecutor,
        _job(
            created_at=_now() - dt.timedelta(days=30), scheduled_at=_now() - dt.timedelta(days=30)
        ),
    )
    cleaner = AsyncJobCleaner(aexecutor, logger=LOG, test_only=True)
    assert await cleaner.run_once() == 3
    kept = {j.id for j in await aexecutor.job_get_by_id_many([*ids, old_available])}
    assert kept == {id for id, (_, _, keep) in zip(ids, cases, strict=True) if keep} | {
        old_available
    }


async def test_cleaner_retention_can_be_disabled_or_changed(aexecutor: Any) -> None:
    ids = await _insert(aexecutor, _job(), _job(), _job())
    for id, state in zip(
        ids, (JobState.COMPLETED, JobState.CANCELLED, JobState.DISCARDED), strict=True
    ):
        await _finalize(aexecutor, id, state, dt.timedelta(days=30))
    keep_all = AsyncJobCleaner(
        aexecutor,
        cancelled_retention=None,
        completed_retention=-1.0,
        discarded_retention=None,
        test_only=True,
    )
    assert await keep_all.run_once() == 0
    only_completed = AsyncJobCleaner(
        aexecutor,
        cancelled_retention=None,
        completed_retention=dt.timedelta(days=1),
        discarded_retention=dt.timedelta(days=60),
        test_only=True,
    )
    assert await only_completed.run_once() == 1
    assert [j.id for j in await aexecutor.job_get_by_id_many(ids)] == ids[1:]


async def test_cleaner_works_in_batches(aexecutor: Any) -> None:
    ids = await _insert(aexecutor, *[_job()] * 5)
    for id in ids:
        await _finalize(aexecutor, id, JobState.COMPLETED, dt.timedelta(days=2))
    cleaner = AsyncJobCleaner(aexecutor, batch_size=2, test_only=True)
    assert await cleaner.run_once() == 5
    assert await aexecutor.job_get_by_id_many(ids) == []


# -- queue cleaner ---------------------------------------------------------------------------


async def test_queue_cleaner_deletes_queues_not_updated_for_the_retention(
    aexecutor: Any,
) -> None:
    for name in ("old1", "old2", "old3", "fresh"):
        await aexecutor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name=name))
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_queue SET updated_at = now() - interval '25 hours' "
        "WHERE name LIKE 'old%'"
    )
    cleaner = AsyncQueueCleaner(aexecutor, batch_size=2, test_only=True)
    assert await cleaner.run_once() == 3
    assert [q.name for q in await aexecutor.queue_list()] == ["fresh"]
    assert await AsyncQueueCleaner(aexecutor, retention=0.0, test_only=True).run_once() == 1


# -- reindexer -------------------------------------------------------------------------------


async def test_reindexer_rebuilds_river_indexes(aexecutor: Any, schema: str) -> None:
    reindexer = AsyncReindexer(aexecutor, schema_name=schema, logger=LOG)
    assert await reindexer.run_once() == len(REINDEX_INDEXES) == 7


async def test_reindexer_skips_missing_indexes_and_leftover_artifacts(
    aexecutor: Any, schema: str
) -> None:
    # What an interrupted REINDEX CONCURRENTLY leaves behind.
    await aexecutor.exec_script(
        "CREATE INDEX river_job_kind_ccnew ON /* TEMPLATE: schema */river_job (kind)"
    )
    try:
        reindexer = AsyncReindexer(
            aexecutor,
            schema_name=schema,
            indexes=["river_job_kind", "river_job_pkey", "no_such_index"],
        )
        assert await reindexer.run_once() == 1
    finally:  # the schema is reused by later tests
        await aexecutor.exec_script("DROP INDEX /* TEMPLATE: schema */river_job_kind_ccnew")


async def test_reindexer_waits_for_its_schedule(aexecutor: Any, schema: str) -> None:
    class InHalfASecond:
        def __init__(self) -> None:
            self.first = _now() + dt.timedelta(seconds=0.5)

        def next(self, after: dt.datetime) -> dt.datetime:
            return self.first if after < self.first else after + dt.timedelta(hours=1)

    reindexer = AsyncReindexer(
        aexecutor, schema_name=schema, indexes=["river_job_pkey"], schedule=InHalfASecond()
    )
    assert 0.3 < reindexer.next_wait() <= 0.5
    task = aspawn(reindexer.run)
    await asleep(0.2)
    assert reindexer.next_wait() > 0  # nothing ran yet
    await asleep(1.0)
    reindexer.stop()
    await agather(task)
    assert reindexer.next_wait() > 3000  # ran, now waits an hour


# -- periodic job enqueuer -------------------------------------------------------------------


@dataclass
class TickArgs:
    kind = "tick"
    n: int = 0


class _Inserted(list[Any]):
    """A stand-in for the client's ``insert_many``."""

    async def __call__(self, params: list[Any]) -> None:
        self.extend(params)


async def test_enqueuer_inserts_on_interval_with_metadata_and_time() -> None:
    inserted = _Inserted()
    counter = iter(range(100))
    hourly = PeriodicJob(
        PeriodicInterval(dt.timedelta(hours=1)), lambda: TickArgs(next(counter)), id="hourly"
    )
    enqueuer = AsyncPeriodicJobEnqueuer(inserted, [hourly], LOG)
    assert await enqueuer.run_once(now=T0) == 0  # first pass of a term: schedules only
    assert enqueuer.seconds_until_due(now=T0) == 3600
    assert await enqueuer.run_once(now=T0 + dt.timedelta(minutes=59)) == 0
    assert await enqueuer.run_once(now=T0 + dt.timedelta(hours=1, seconds=2)) == 1
    [p] = inserted
    assert p.args == TickArgs(0)
    assert p.opts.metadata == {"periodic": True, "river:periodic_job_id": "hourly"}
    assert p.opts.scheduled_at == T0 + dt.timedelta(hours=1)
    # The next run keeps the cadence.
    assert await enqueuer.run_once(now=T0 + dt.timedelta(hours=2)) == 1
    assert inserted[1].opts.scheduled_at == T0 + dt.timedelta(hours=2)


async def test_enqueuer_cron_schedule_and_missed_runs_are_skipped() -> None:
    inserted = _Inserted()
    half_past = PeriodicJob(cron("30 * * * *"), TickArgs)
    enqueuer = AsyncPeriodicJobEnqueuer(inserted, [half_past], LOG)
    await enqueuer.run_once(now=T0)
    assert await enqueuer.run_once(now=T0.replace(minute=30)) == 1
    assert inserted[0].opts.scheduled_at == T0.replace(minute=30)
    assert inserted[0].opts.metadata == {"periodic": True}
    # Leader busy for three hours: one job for the due run, none for the missed ones.
    late = T0.replace(hour=15, minute=45)
    assert await enqueuer.run_once(now=late) == 1
    assert inserted[1].opts.scheduled_at == T0.replace(minute=30, hour=13)
    assert enqueuer.seconds_until_due(now=late) == 45 * 60


async def test_enqueuer_run_on_start_skip_and_constructor_opts() -> None:
    inserted = _Inserted()
    own_time = T0 + dt.timedelta(days=1)
    jobs = [
        PeriodicJob(NeverSchedule(), TickArgs, run_on_start=True, id="start"),
        PeriodicJob(NeverSchedule(), lambda: None, run_on_start=True),
        PeriodicJob(
            NeverSchedule(),
            lambda: (
                TickArgs(7),
                river.InsertOpts(queue="q", metadata={"own": 1}, scheduled_at=own_time),
            ),
            run_on_start=True,
        ),
        PeriodicJob(PeriodicInterval(dt.timedelta(minutes=1)), TickArgs),
    ]
    enqueuer = AsyncPeriodicJobEnqueuer(inserted, jobs, LOG)
    assert await enqueuer.run_once(now=T0) == 2
    started, own = inserted
    assert started.opts.scheduled_at == T0
    assert started.opts.metadata == {"periodic": True, "river:periodic_job_id": "start"}
    assert own.args == TickArgs(7) and own.opts.queue == "q"
    assert own.opts.metadata == {"own": 1, "periodic": True}
    assert own.opts.scheduled_at == own_time
    assert await enqueuer.run_once(now=T0 + dt.timedelta(seconds=30)) == 0


async def test_enqueuer_failing_constructor_is_logged_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inserted = _Inserted()

    def broken() -> Any:
        raise RuntimeError("boom")

    jobs = [
        PeriodicJob(NeverSchedule(), broken, run_on_start=True),
        PeriodicJob(NeverSchedule(), TickArgs, run_on_start=True),
    ]
    enqueuer = AsyncPeriodicJobEnqueuer(inserted, jobs, LOG)
    with caplog.at_level(logging.ERROR):
        assert await enqueuer.run_once(now=T0) == 1
    assert "boom" in caplog.text


async def test_enqueuer_add_remove_and_clear_at_runtime() -> None:
    inserted = _Inserted()
    enqueuer = AsyncPeriodicJobEnqueuer(inserted, (), LOG)
    assert await enqueuer.run_once(now=T0) == 0
    a = PeriodicJob(PeriodicInterval(dt.timedelta(minutes=1)), TickArgs, id="job-a")
    b = PeriodicJob(NeverSchedule(), TickArgs, run_on_start=True, id="job-b")
    ha, hb = enqueuer.add_many([a, b])
    assert enqueuer.jobs() == [a, b]
    assert enqueuer.seconds_until_due(now=T0) == 0  # new jobs wait to be scheduled
    # Added during a term: scheduled from now, ``run_on_start`` inserts at once.
    assert await enqueuer.run_once(now=T0) == 1
    assert await enqueuer.run_once(now=T0 + dt.timedelta(minutes=1)) == 1
    with pytest.raises(river.ConfigError):
        enqueuer.add(PeriodicJob(NeverSchedule(), TickArgs, id="job-a"))
    assert enqueuer.remove_by_id("job-a") is True
    assert enqueuer.remove_by_id("job-a") is False
    assert await enqueuer.run_once(now=T0 + dt.timedelta(minutes=2)) == 0
    # Same id again once removed; the same job object twice gets two handles.
    hc = enqueuer.add(a)
    hd = enqueuer.add(PeriodicJob(NeverSchedule(), TickArgs))
    assert len({ha, hb, hc, hd}) == 4
    enqueuer.remove(hb)
    assert enqueuer.jobs() == [a, enqueuer.jobs()[1]]
    enqueuer.clear()
    assert enqueuer.jobs() == []
    assert enqueuer.seconds_until_due(now=T0) == 3600.0
    # Several at once, by handle or by id; unknown ones are ignored.
    c = PeriodicJob(NeverSchedule(), TickArgs, id="job-c")
    d = PeriodicJob(NeverSchedule(), TickArgs, id="job-d")
    e = PeriodicJob(NeverSchedule(), TickArgs)
    he, _hf, hg = enqueuer.add_many([c, d, e])
    enqueuer.remove_many([he, hg, 999])
    assert enqueuer.jobs() == [d]
    enqueuer.add(c)
    enqueuer.remove_many_by_id(["job-c", "job-d", "job-none"])
    assert enqueuer.jobs() == []


async def test_enqueuer_rejects_duplicate_ids_and_non_jobs() -> None:
    job = PeriodicJob(NeverSchedule(), TickArgs, id="job-x")
    with pytest.raises(river.ConfigError):
        AsyncPeriodicJobEnqueuer(
            _Inserted(), [job, PeriodicJob(NeverSchedule(), TickArgs, id="job-x")]
        )
    with pytest.raises(river.ConfigError):
        AsyncPeriodicJobEnqueuer(_Inserted(), [TickArgs()])  # type: ignore[list-item]


async def test_enqueuer_loop_inserts_through_a_client(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    quick = PeriodicJob(
        PeriodicInterval(dt.timedelta(milliseconds=200)), TickArgs, run_on_start=True, id="quick"
    )
    enqueuer = AsyncPeriodicJobEnqueuer(client.insert_many, [quick], LOG, test_only=True)
    started = _now()
    task = aspawn(enqueuer.run)
    await asleep(0.5)
    # Added while running: inserted at once by ``run_on_start``.
    enqueuer.add(PeriodicJob(NeverSchedule(), lambda: TickArgs(9), run_on_start=True))
    await asleep(0.3)
    enqueuer.stop()
    await agather(task)
    rows = await client.job_list()
    ticks = [r for r in rows if r.args.get("n", 0) == 0]
    assert 3 <= len(ticks) <= 6
    assert [r for r in rows if r.args.get("n") == 9] != []
    for row in ticks:
        assert row.kind == "tick" and row.state is JobState.AVAILABLE
        assert row.metadata == {"periodic": True, "river:periodic_job_id": "quick"}
        assert row.scheduled_at >= started - dt.timedelta(seconds=1)
    times = sorted(r.scheduled_at for r in ticks)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    # run_on_start at the start of the term, then every 200ms on the interval's cadence.
    assert all(g == pytest.approx(0.2, abs=0.01) for g in gaps[1:])


# -- maintainer ------------------------------------------------------------------------------


class _Counting(AsyncService):
    name = "counting"

    def __init__(self) -> None:
        super().__init__(interval=0.02, test_only=True)
        self.passes = 0

    async def run_once(self) -> int:
        self.passes += 1
        return 0


class _Failing(AsyncService):
    name = "failing"

    def __init__(self) -> None:
        super().__init__(interval=0.02, test_only=True)
        self.passes = 0

    async def run_once(self) -> int:
        self.passes += 1
        raise RuntimeError("database gone")


async def test_maintainer_follows_leadership() -> None:
    counting, failing = _Counting(), _Failing()
    maintainer = AsyncMaintainer([counting, failing], logger=LOG)
    maintainer.on_leadership_change(True)
    assert maintainer.running
    await asleep(0.2)
    assert counting.passes > 2 and failing.passes > 2  # a failing pass does not end the loop
    maintainer.on_leadership_change(False)
    assert not maintainer.running
    await asleep(0.1)
    paused_at = counting.passes
    await asleep(0.2)
    assert counting.passes == paused_at
    # Leader again (a new term): the services run again.
    maintainer.on_leadership_change(True)
    maintainer.on_leadership_change(True)  # repeated: no second set of tasks
    await asleep(0.2)
    assert counting.passes > paused_at
    start = time.monotonic()
    await maintainer.stop(timeout=5.0)
    assert time.monotonic() - start < 1.0
    assert not maintainer.running
    paused_at = counting.passes
    await asleep(0.1)
    assert counting.passes == paused_at


async def test_services_stagger_their_start_unless_test_only() -> None:
    service = _Counting()
    service.test_only = False
    service.interval = 10.0
    task = aspawn(service.run)
    await asleep(0.01)
    stagger_is_long = service.passes == 0
    service.stop()
    await agather(task)
    # Stopping during the stagger returns without a pass; at most 1s either way.
    assert service.passes in (0, 1) and (stagger_is_long or service.passes == 1)


async def test_stop_before_leadership_is_harmless() -> None:
    maintainer = AsyncMaintainer([_Counting()])
    maintainer.on_leadership_change(False)
    await maintainer.stop()
    assert not maintainer.running


# -- a started client ------------------------------------------------------------------------


async def test_leading_client_schedules_and_inserts_periodic_jobs(
    adriver: Any, schema: str
) -> None:
    from tests._client_helpers_async import make_config, started, wait_for

    worked = AEvent()

    class TickWorker(river.AsyncWorker[TickArgs]):
        async def work(self, job: river.Job[TickArgs]) -> None:
            worked.set()

    workers = river.Workers()
    workers.add(TickWorker())
    periodic = PeriodicJob(
        PeriodicInterval(dt.timedelta(minutes=15)), TickArgs, run_on_start=True, id="tick"
    )
    aclient = river.AsyncClient(adriver, make_config(schema, workers, periodic_jobs=[periodic]))
    async with started(aclient):
        await wait_for(lambda: _is_leader(aclient))
        assert await worked.wait_timeout(15.0)
        [row] = await aclient.job_list()
        assert row.metadata["periodic"] is True
        assert row.metadata["river:periodic_job_id"] == "tick"


async def _is_leader(aclient: Any) -> bool:
    return bool(aclient.is_leader)


@dataclass
class BadOptsArgs:
    kind = "bad_opts"

    def insert_opts(self) -> river.InsertOpts:
        raise RuntimeError("options unavailable")


async def test_enqueuer_inserts_the_others_when_one_has_bad_options(
    adriver: Any, schema: str, caplog: Any
) -> None:
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    jobs = [
        PeriodicJob(NeverSchedule(), BadOptsArgs, run_on_start=True, id="bad"),
        PeriodicJob(NeverSchedule(), lambda: TickArgs(5), run_on_start=True, id="good"),
    ]
    enqueuer = AsyncPeriodicJobEnqueuer(client.insert_many, jobs, LOG, test_only=True)
    assert await enqueuer.run_once() == 1
    [row] = await client.job_list()
    assert row.kind == "tick" and row.args == {"n": 5}
    assert "BadOptsArgs.insert_opts() raised RuntimeError" in caplog.text
