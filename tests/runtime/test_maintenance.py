# WARNING: this file is generated from 'test_maintenance_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
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
from river._acompat import Event, gather, sleep, spawn
from river._internal.maintenance.cleaner import JobCleaner
from river._internal.maintenance.maintainer import Maintainer
from river._internal.maintenance.periodic import PeriodicJobEnqueuer
from river._internal.maintenance.queue_cleaner import QueueCleaner
from river._internal.maintenance.reindexer import REINDEX_INDEXES, Reindexer
from river._internal.maintenance.rescuer import RESCUED_ERROR, JobRescuer
from river._internal.maintenance.scheduler import JobScheduler
from river._internal.maintenance.service import Service
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
ALL_BUT_RETRYABLE = 213  # unique in available, completed, pending, running, scheduled


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _job(**kw: Any) -> JobInsertFastParams:
    return JobInsertFastParams(**{"encoded_args": "{}", "kind": "maint", **kw})


def _insert(executor: Any, *jobs: JobInsertFastParams) -> list[int]:
    return [r.job.id for r in executor.job_insert_fast_many(list(jobs))]


def _get(executor: Any, ids: list[int]) -> list[JobRow]:
    by_id = {j.id: j for j in executor.job_get_by_id_many(ids)}
    return [by_id[i] for i in ids]


def _finalize(executor: Any, id: int, state: JobState, age: dt.timedelta) -> None:
    executor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = @state::text::/* TEMPLATE: schema */river_job_state, finalized_at = @at WHERE id = @id",
        {"state": state.value, "at": _now() - age, "id": id},
    )


def _make_running(executor: Any, n: int, age: dt.timedelta) -> list[JobRow]:
    """Fetch ``n`` available jobs as a dead client would, ``age`` ago."""
    running = executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=n, client_id="dead")
    )
    executor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET attempted_at = @at WHERE state = 'running'",
        {"at": _now() - age},
    )
    return sorted(running, key=lambda j: j.id)


# -- job scheduler ---------------------------------------------------------------------------


def test_scheduler_makes_due_jobs_available_and_leaves_future_ones(
    executor: Any, schema: str
) -> None:
    past = _now() - dt.timedelta(seconds=1)
    ids = _insert(
        executor,
        _job(state=JobState.RETRYABLE, scheduled_at=past),
        _job(state=JobState.SCHEDULED, scheduled_at=past),
        _job(state=JobState.SCHEDULED, scheduled_at=_now() + dt.timedelta(hours=1)),
        _job(state=JobState.RETRYABLE, scheduled_at=_now() + dt.timedelta(hours=1)),
        _job(state=JobState.PENDING, scheduled_at=past),
    )
    scheduler = JobScheduler(executor, schema_name=schema, logger=LOG, test_only=True)
    assert scheduler.run_once() == 2
    states = [j.state for j in _get(executor, ids)]
    assert states == [
        JobState.AVAILABLE,
        JobState.AVAILABLE,
        JobState.SCHEDULED,
        JobState.RETRYABLE,
        JobState.PENDING,
    ]
    assert scheduler.run_once() == 0


def test_scheduler_looks_ahead_by_its_interval(executor: Any, schema: str) -> None:
    soon = _now() + dt.timedelta(seconds=2)
    [id] = _insert(executor, _job(state=JobState.SCHEDULED, scheduled_at=soon))
    exact = JobScheduler(executor, schema_name=schema, look_ahead=0.0, test_only=True)
    assert exact.run_once() == 0
    ahead = JobScheduler(executor, schema_name=schema, interval=5.0, test_only=True)
    assert ahead.run_once() == 1
    [job] = _get(executor, [id])
    # Available, but producers only fetch it once it is due.
    assert job.state is JobState.AVAILABLE and job.scheduled_at == soon
    fetched = executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=10, client_id="c")
    )
    assert fetched == []


def test_scheduler_discards_unique_conflicts(executor: Any, schema: str) -> None:
    past = _now() - dt.timedelta(seconds=1)
    other_key = b"o" * 32
    # Unique, but not while retryable: a live available twin holds the key.
    # Two due twins and no live holder: the first wins, the second is discarded.
    ids = _insert(
        executor,
        _job(
            state=JobState.RETRYABLE,
            scheduled_at=past,
            unique_key=KEY,
            unique_states=ALL_BUT_RETRYABLE,
        ),
        _job(unique_key=KEY, unique_states=245),
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
    scheduler = JobScheduler(executor, schema_name=schema, test_only=True)
    assert scheduler.run_once() == 3
    conflicted, holder, first, second = _get(executor, ids)
    assert conflicted.state is JobState.DISCARDED and conflicted.finalized_at is not None
    assert conflicted.metadata["unique_key_conflict"] == "scheduler_discarded"
    assert holder.state is JobState.AVAILABLE
    assert first.state is JobState.AVAILABLE and "unique_key_conflict" not in first.metadata
    assert second.state is JobState.DISCARDED
    assert second.metadata["unique_key_conflict"] == "scheduler_discarded"


def test_scheduler_works_in_batches(executor: Any, schema: str) -> None:
    past = _now() - dt.timedelta(seconds=1)
    ids = _insert(executor, *[_job(state=JobState.SCHEDULED, scheduled_at=past)] * 5)
    scheduler = JobScheduler(executor, schema_name=schema, batch_size=2, test_only=True)
    assert scheduler.run_once() == 5
    assert {j.state for j in _get(executor, ids)} == {JobState.AVAILABLE}


@pytest.mark.needs_listen_in_pool("listens for the scheduler's notification")
def test_scheduler_notifies_queues_with_jobs_due_now(
    executor: Any, driver: Any, schema: str
) -> None:
    past = _now() - dt.timedelta(seconds=1)
    _insert(
        executor,
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
        _job(queue="holder", unique_key=KEY, unique_states=245),
    )
    listener = driver.get_listener()
    listener.connect()
    try:
        listener.listen(f"{schema}.river_insert")
        scheduler = JobScheduler(executor, schema_name=schema, test_only=True)
        assert scheduler.run_once() == 4
        note = listener.wait_for_notification(5.0)
        assert note is not None and json.loads(note.payload) == {"queue": "due"}
        assert listener.wait_for_notification(0.3) is None
    finally:
        listener.close()


# -- job rescuer -----------------------------------------------------------------------------


class _FixedRetry:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def next_retry(self, job: JobRow) -> dt.datetime:
        return self.at


def test_rescuer_outcomes(executor: Any) -> None:
    _insert(executor, _job(), _job(max_attempts=1), _job())
    retry, out_of_attempts, cancel = _make_running(executor, 3, dt.timedelta(hours=2))
    executor.execute(
        'UPDATE /* TEMPLATE: schema */river_job SET metadata = \'{"cancel_attempted_at": "2026-01-01T00:00:00Z"}\' WHERE id = @id',
        {"id": cancel.id},
    )
    retry_at = (_now() + dt.timedelta(minutes=5)).replace(microsecond=0)
    rescuer = JobRescuer(executor, retry_policy=_FixedRetry(retry_at), test_only=True)
    assert rescuer.run_once() == 3
    r, o, c = _get(executor, [retry.id, out_of_attempts.id, cancel.id])
    assert r.state is JobState.RETRYABLE and r.scheduled_at == retry_at
    assert r.finalized_at is None
    assert o.state is JobState.DISCARDED and o.finalized_at is not None
    assert o.scheduled_at == out_of_attempts.scheduled_at
    assert c.state is JobState.CANCELLED and c.finalized_at is not None
    for job in (r, o, c):
        assert job.errors[-1].error == RESCUED_ERROR == "Stuck job rescued by JobRescuer"
        assert job.errors[-1].attempt == 1
        assert job.metadata["river:rescue_count"] == 1
    assert rescuer.run_once() == 0


def test_rescuer_leaves_recent_and_skipped_jobs(executor: Any) -> None:
    _insert(executor, _job(), _job(kind="no_timeout"))
    stuck = _make_running(executor, 2, dt.timedelta(minutes=30))
    rescuer = JobRescuer(
        executor,
        retry_policy=river.DefaultRetryPolicy(),
        rescue_after=3600.0,
        skip=lambda job: job.kind == "no_timeout",
        test_only=True,
    )
    assert rescuer.run_once() == 0  # running for 30 minutes only
    rescuer.rescue_after = 60.0
    assert rescuer.run_once() == 1
    normal, skipped = _get(executor, [j.id for j in stuck])
    assert normal.state is JobState.RETRYABLE and normal.scheduled_at > _now()
    assert skipped.state is JobState.RUNNING


def test_rescuer_counts_rescues_and_works_in_batches(executor: Any) -> None:
    _insert(executor, *[_job()] * 5)
    rescuer = JobRescuer(
        executor,
        retry_policy=_FixedRetry(_now() - dt.timedelta(seconds=1)),
        rescue_after=60.0,
        batch_size=2,
        test_only=True,
    )
    for count in (1, 2):
        executor.execute("UPDATE /* TEMPLATE: schema */river_job SET state = 'available'")
        _make_running(executor, 5, dt.timedelta(hours=2))
        assert rescuer.run_once() == 5
        jobs = executor.job_get_by_kind_many(["maint"])
        assert {j.metadata["river:rescue_count"] for j in jobs} == {count}
        assert {len(j.errors) for j in jobs} == {count}


class _RefetchedAfterRead:
    """The executor, with every stuck job fetched again by a live client (attempted
    now) right after the rescuer read it and before it rescues it."""

    def __init__(self, executor: Any) -> None:
        self._executor = executor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._executor, name)

    def job_get_stuck(self, params: Any) -> list[JobRow]:
        stuck = self._executor.job_get_stuck(params)
        self._executor.execute(
            "UPDATE /* TEMPLATE: schema */river_job SET attempted_at = now() WHERE state = 'running'"
        )
        return list(stuck)


def test_rescuer_leaves_a_job_fetched_again_since_it_was_read(executor: Any) -> None:
    # River v0.48 fixed its rescuer overwriting such a job.
    _insert(executor, _job())
    [job] = _make_running(executor, 1, dt.timedelta(hours=2))
    rescuer = JobRescuer(
        _RefetchedAfterRead(executor), retry_policy=river.DefaultRetryPolicy(), test_only=True
    )
    assert rescuer.run_once() == 0
    [after] = _get(executor, [job.id])
    assert after.state is JobState.RUNNING and after.errors == [] and (after.metadata == {})


def test_rescuer_counts_over_a_rescue_count_that_is_not_a_number(executor: Any) -> None:
    _insert(executor, _job())
    [job] = _make_running(executor, 1, dt.timedelta(hours=2))
    executor.execute(
        'UPDATE /* TEMPLATE: schema */river_job SET metadata = \'{"river:rescue_count": "x"}\' WHERE id = @id',
        {"id": job.id},
    )
    rescuer = JobRescuer(executor, retry_policy=river.DefaultRetryPolicy(), test_only=True)
    assert rescuer.run_once() == 1
    [after] = _get(executor, [job.id])
    assert after.state is JobState.RETRYABLE and after.metadata["river:rescue_count"] == 1


# -- job cleaner -----------------------------------------------------------------------------


def test_cleaner_deletes_by_per_state_retention(executor: Any) -> None:
    cases = [
        (JobState.COMPLETED, dt.timedelta(hours=25), False),
        (JobState.COMPLETED, dt.timedelta(hours=23), True),
        (JobState.CANCELLED, dt.timedelta(hours=25), False),
        (JobState.CANCELLED, dt.timedelta(hours=23), True),
        (JobState.DISCARDED, dt.timedelta(days=8), False),
        (JobState.DISCARDED, dt.timedelta(days=2), True),
    ]
    ids = _insert(executor, *[_job()] * len(cases))
    for id, (state, age, _) in zip(ids, cases, strict=True):
        _finalize(executor, id, state, age)
    # Never finalized: never cleaned, however old.
    [old_available] = _insert(
        executor,
        _job(
            created_at=_now() - dt.timedelta(days=30), scheduled_at=_now() - dt.timedelta(days=30)
        ),
    )
    cleaner = JobCleaner(executor, logger=LOG, test_only=True)
    assert cleaner.run_once() == 3
    kept = {j.id for j in executor.job_get_by_id_many([*ids, old_available])}
    assert kept == {id for id, (_, _, keep) in zip(ids, cases, strict=True) if keep} | {
        old_available
    }


def test_cleaner_retention_can_be_disabled_or_changed(executor: Any) -> None:
    ids = _insert(executor, _job(), _job(), _job())
    for id, state in zip(
        ids, (JobState.COMPLETED, JobState.CANCELLED, JobState.DISCARDED), strict=True
    ):
        _finalize(executor, id, state, dt.timedelta(days=30))
    keep_all = JobCleaner(
        executor,
        cancelled_retention=None,
        completed_retention=-1.0,
        discarded_retention=None,
        test_only=True,
    )
    assert keep_all.run_once() == 0
    only_completed = JobCleaner(
        executor,
        cancelled_retention=None,
        completed_retention=dt.timedelta(days=1),
        discarded_retention=dt.timedelta(days=60),
        test_only=True,
    )
    assert only_completed.run_once() == 1
    assert [j.id for j in executor.job_get_by_id_many(ids)] == ids[1:]


def test_cleaner_works_in_batches(executor: Any) -> None:
    ids = _insert(executor, *[_job()] * 5)
    for id in ids:
        _finalize(executor, id, JobState.COMPLETED, dt.timedelta(days=2))
    cleaner = JobCleaner(executor, batch_size=2, test_only=True)
    assert cleaner.run_once() == 5
    assert executor.job_get_by_id_many(ids) == []


# -- queue cleaner ---------------------------------------------------------------------------


def test_queue_cleaner_deletes_queues_not_updated_for_the_retention(executor: Any) -> None:
    for name in ("old1", "old2", "old3", "fresh"):
        executor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name=name))
    executor.execute(
        "UPDATE /* TEMPLATE: schema */river_queue SET updated_at = now() - interval '25 hours' WHERE name LIKE 'old%'"
    )
    cleaner = QueueCleaner(executor, batch_size=2, test_only=True)
    assert cleaner.run_once() == 3
    assert [q.name for q in executor.queue_list()] == ["fresh"]
    assert QueueCleaner(executor, retention=0.0, test_only=True).run_once() == 1


# -- reindexer -------------------------------------------------------------------------------


def test_reindexer_rebuilds_river_indexes(executor: Any, schema: str) -> None:
    reindexer = Reindexer(executor, schema_name=schema, logger=LOG)
    assert reindexer.run_once() == len(REINDEX_INDEXES) == 7


def test_reindexer_skips_missing_indexes_and_leftover_artifacts(executor: Any, schema: str) -> None:
    # What an interrupted REINDEX CONCURRENTLY leaves behind.
    executor.exec_script(
        "CREATE INDEX river_job_kind_ccnew ON /* TEMPLATE: schema */river_job (kind)"
    )
    try:
        reindexer = Reindexer(
            executor,
            schema_name=schema,
            indexes=["river_job_kind", "river_job_pkey", "no_such_index"],
        )
        assert reindexer.run_once() == 1
    finally:  # the schema is reused by later tests
        executor.exec_script("DROP INDEX /* TEMPLATE: schema */river_job_kind_ccnew")


def test_reindexer_waits_for_its_schedule(executor: Any, schema: str) -> None:

    class InHalfASecond:
        def __init__(self) -> None:
            self.first = _now() + dt.timedelta(seconds=0.5)

        def next(self, after: dt.datetime) -> dt.datetime:
            return self.first if after < self.first else after + dt.timedelta(hours=1)

    reindexer = Reindexer(
        executor, schema_name=schema, indexes=["river_job_pkey"], schedule=InHalfASecond()
    )
    assert 0.3 < reindexer.next_wait() <= 0.5
    task = spawn(reindexer.run)
    sleep(0.2)
    assert reindexer.next_wait() > 0  # nothing ran yet
    sleep(1.0)
    reindexer.stop()
    gather(task)
    assert reindexer.next_wait() > 3000  # ran, now waits an hour


# -- periodic job enqueuer -------------------------------------------------------------------


@dataclass
class TickArgs:
    kind = "tick"
    n: int = 0


class _Inserted(list[Any]):
    """A stand-in for the client's ``insert_many``."""

    def __call__(self, params: list[Any]) -> None:
        self.extend(params)


def test_enqueuer_inserts_on_interval_with_metadata_and_time() -> None:
    inserted = _Inserted()
    counter = iter(range(100))
    hourly = PeriodicJob(
        PeriodicInterval(dt.timedelta(hours=1)), lambda: TickArgs(next(counter)), id="hourly"
    )
    enqueuer = PeriodicJobEnqueuer(inserted, [hourly], LOG)
    assert enqueuer.run_once(now=T0) == 0  # first pass of a term: schedules only
    assert enqueuer.seconds_until_due(now=T0) == 3600
    assert enqueuer.run_once(now=T0 + dt.timedelta(minutes=59)) == 0
    assert enqueuer.run_once(now=T0 + dt.timedelta(hours=1, seconds=2)) == 1
    [p] = inserted
    assert p.args == TickArgs(0)
    assert p.opts.metadata == {"periodic": True, "river:periodic_job_id": "hourly"}
    assert p.opts.scheduled_at == T0 + dt.timedelta(hours=1)
    # The next run keeps the cadence.
    assert enqueuer.run_once(now=T0 + dt.timedelta(hours=2)) == 1
    assert inserted[1].opts.scheduled_at == T0 + dt.timedelta(hours=2)


def test_enqueuer_cron_schedule_and_missed_runs_are_skipped() -> None:
    inserted = _Inserted()
    half_past = PeriodicJob(cron("30 * * * *"), TickArgs)
    enqueuer = PeriodicJobEnqueuer(inserted, [half_past], LOG)
    enqueuer.run_once(now=T0)
    assert enqueuer.run_once(now=T0.replace(minute=30)) == 1
    assert inserted[0].opts.scheduled_at == T0.replace(minute=30)
    assert inserted[0].opts.metadata == {"periodic": True}
    # Leader busy for three hours: one job for the due run, none for the missed ones.
    late = T0.replace(hour=15, minute=45)
    assert enqueuer.run_once(now=late) == 1
    assert inserted[1].opts.scheduled_at == T0.replace(minute=30, hour=13)
    assert enqueuer.seconds_until_due(now=late) == 45 * 60


def test_enqueuer_run_on_start_skip_and_constructor_opts() -> None:
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
    enqueuer = PeriodicJobEnqueuer(inserted, jobs, LOG)
    assert enqueuer.run_once(now=T0) == 2
    started, own = inserted
    assert started.opts.scheduled_at == T0
    assert started.opts.metadata == {"periodic": True, "river:periodic_job_id": "start"}
    assert own.args == TickArgs(7) and own.opts.queue == "q"
    assert own.opts.metadata == {"own": 1, "periodic": True}
    assert own.opts.scheduled_at == own_time
    assert enqueuer.run_once(now=T0 + dt.timedelta(seconds=30)) == 0


def test_enqueuer_failing_constructor_is_logged_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inserted = _Inserted()

    def broken() -> Any:
        raise RuntimeError("boom")

    jobs = [
        PeriodicJob(NeverSchedule(), broken, run_on_start=True),
        PeriodicJob(NeverSchedule(), TickArgs, run_on_start=True),
    ]
    enqueuer = PeriodicJobEnqueuer(inserted, jobs, LOG)
    with caplog.at_level(logging.ERROR):
        assert enqueuer.run_once(now=T0) == 1
    assert "boom" in caplog.text


def test_enqueuer_add_remove_and_clear_at_runtime() -> None:
    inserted = _Inserted()
    enqueuer = PeriodicJobEnqueuer(inserted, (), LOG)
    assert enqueuer.run_once(now=T0) == 0
    a = PeriodicJob(PeriodicInterval(dt.timedelta(minutes=1)), TickArgs, id="job-a")
    b = PeriodicJob(NeverSchedule(), TickArgs, run_on_start=True, id="job-b")
    ha, hb = enqueuer.add_many([a, b])
    assert enqueuer.jobs() == [a, b]
    assert enqueuer.seconds_until_due(now=T0) == 0  # new jobs wait to be scheduled
    # Added during a term: scheduled from now, ``run_on_start`` inserts at once.
    assert enqueuer.run_once(now=T0) == 1
    assert enqueuer.run_once(now=T0 + dt.timedelta(minutes=1)) == 1
    with pytest.raises(river.ConfigError):
        enqueuer.add(PeriodicJob(NeverSchedule(), TickArgs, id="job-a"))
    assert enqueuer.remove_by_id("job-a") is True
    assert enqueuer.remove_by_id("job-a") is False
    assert enqueuer.run_once(now=T0 + dt.timedelta(minutes=2)) == 0
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


def test_enqueuer_rejects_duplicate_ids_and_non_jobs() -> None:
    job = PeriodicJob(NeverSchedule(), TickArgs, id="job-x")
    with pytest.raises(river.ConfigError):
        PeriodicJobEnqueuer(_Inserted(), [job, PeriodicJob(NeverSchedule(), TickArgs, id="job-x")])
    with pytest.raises(river.ConfigError):
        PeriodicJobEnqueuer(_Inserted(), [TickArgs()])  # type: ignore[list-item]


def test_enqueuer_loop_inserts_through_a_client(driver: Any, schema: str) -> None:
    client = river.Client(driver, river.Config(schema=schema))
    quick = PeriodicJob(
        PeriodicInterval(dt.timedelta(milliseconds=200)), TickArgs, run_on_start=True, id="quick"
    )
    enqueuer = PeriodicJobEnqueuer(client.insert_many, [quick], LOG, test_only=True)
    started = _now()
    task = spawn(enqueuer.run)
    sleep(0.5)
    # Added while running: inserted at once by ``run_on_start``.
    enqueuer.add(PeriodicJob(NeverSchedule(), lambda: TickArgs(9), run_on_start=True))
    sleep(0.3)
    enqueuer.stop()
    gather(task)
    rows = client.job_list()
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


class _Counting(Service):
    name = "counting"

    def __init__(self) -> None:
        super().__init__(interval=0.02, test_only=True)
        self.passes = 0

    def run_once(self) -> int:
        self.passes += 1
        return 0


class _Failing(Service):
    name = "failing"

    def __init__(self) -> None:
        super().__init__(interval=0.02, test_only=True)
        self.passes = 0

    def run_once(self) -> int:
        self.passes += 1
        raise RuntimeError("database gone")


def test_maintainer_follows_leadership() -> None:
    counting, failing = (_Counting(), _Failing())
    maintainer = Maintainer([counting, failing], logger=LOG)
    maintainer.on_leadership_change(True)
    assert maintainer.running
    sleep(0.2)
    assert counting.passes > 2 and failing.passes > 2  # a failing pass does not end the loop
    maintainer.on_leadership_change(False)
    assert not maintainer.running
    sleep(0.1)
    paused_at = counting.passes
    sleep(0.2)
    assert counting.passes == paused_at
    # Leader again (a new term): the services run again.
    maintainer.on_leadership_change(True)
    maintainer.on_leadership_change(True)  # repeated: no second set of tasks
    sleep(0.2)
    assert counting.passes > paused_at
    start = time.monotonic()
    maintainer.stop(timeout=5.0)
    assert time.monotonic() - start < 1.0
    assert not maintainer.running
    paused_at = counting.passes
    sleep(0.1)
    assert counting.passes == paused_at


def test_services_stagger_their_start_unless_test_only() -> None:
    service = _Counting()
    service.test_only = False
    service.interval = 10.0
    task = spawn(service.run)
    sleep(0.01)
    stagger_is_long = service.passes == 0
    service.stop()
    gather(task)
    # Stopping during the stagger returns without a pass; at most 1s either way.
    assert service.passes in (0, 1) and (stagger_is_long or service.passes == 1)


def test_stop_before_leadership_is_harmless() -> None:
    maintainer = Maintainer([_Counting()])
    maintainer.on_leadership_change(False)
    maintainer.stop()
    assert not maintainer.running


# -- a started client ------------------------------------------------------------------------


def test_leading_client_schedules_and_inserts_periodic_jobs(driver: Any, schema: str) -> None:
    from tests._client_helpers import make_config, started, wait_for

    worked = Event()

    class TickWorker(river.Worker[TickArgs]):
        def work(self, job: river.Job[TickArgs]) -> None:
            worked.set()

    workers = river.Workers()
    workers.add(TickWorker())
    periodic = PeriodicJob(
        PeriodicInterval(dt.timedelta(minutes=15)), TickArgs, run_on_start=True, id="tick"
    )
    client = river.Client(driver, make_config(schema, workers, periodic_jobs=[periodic]))
    with started(client):
        wait_for(lambda: _is_leader(client))
        assert worked.wait_timeout(15.0)
        [row] = client.job_list()
        assert row.metadata["periodic"] is True
        assert row.metadata["river:periodic_job_id"] == "tick"


def _is_leader(client: Any) -> bool:
    return bool(client.is_leader)


@dataclass
class BadOptsArgs:
    kind = "bad_opts"

    def insert_opts(self) -> river.InsertOpts:
        raise RuntimeError("options unavailable")


def test_enqueuer_inserts_the_others_when_one_has_bad_options(
    driver: Any, schema: str, caplog: Any
) -> None:
    client = river.Client(driver, river.Config(schema=schema))
    jobs = [
        PeriodicJob(NeverSchedule(), BadOptsArgs, run_on_start=True, id="bad"),
        PeriodicJob(NeverSchedule(), lambda: TickArgs(5), run_on_start=True, id="good"),
    ]
    enqueuer = PeriodicJobEnqueuer(client.insert_many, jobs, LOG, test_only=True)
    assert enqueuer.run_once() == 1
    [row] = client.job_list()
    assert row.kind == "tick" and row.args == {"n": 5}
    assert "BadOptsArgs.insert_opts() raised RuntimeError" in caplog.text
