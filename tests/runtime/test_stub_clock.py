# WARNING: this file is generated from 'test_stub_clock_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""A stubbed clock (``river.TestConfig(time=river.testing.TimeStub())``): a started client
follows it across a retry, a snooze and a periodic interval without waiting for them, and
inserts, fetches and the maintenance services read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import Event, gather, spawn
from river._internal.maintenance.cleaner import JobCleaner
from river._internal.maintenance.queue_cleaner import QueueCleaner
from river._internal.maintenance.rescuer import JobRescuer
from river._internal.maintenance.service import Service
from river.driver.params import JobGetAvailableParams, QueueCreateOrSetUpdatedAtParams
from river.testing import TimeStub
from tests._client_helpers import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio
# Far from the real time: a statement that used the database's now() instead of the
# stubbed time would see these jobs as decades away.
T0 = dt.datetime(2041, 6, 1, 12, 0, tzinfo=dt.UTC)
PAST = dt.datetime(2001, 6, 1, 12, 0, tzinfo=dt.UTC)


@dataclass
class FlakyArgs:
    kind = "flaky"


@dataclass
class TickArgs:
    kind = "tick"


@dataclass
class PlainArgs:
    kind = "plain"
    n: int = 0


class FlakyWorker(river.Worker[FlakyArgs]):
    """Fails its first attempt, snoozes for 10 minutes on its second, then completes."""

    def work(self, job: river.Job[FlakyArgs]) -> None:
        if not job.errors:
            raise RuntimeError("first attempt fails")
        if not job.metadata.get("snoozes"):
            raise river.JobSnooze(dt.timedelta(minutes=10))


class TickWorker(river.Worker[TickArgs]):
    def work(self, job: river.Job[TickArgs]) -> None:
        return None


class PlainWorker(river.Worker[PlainArgs]):
    def work(self, job: river.Job[PlainArgs]) -> None:
        return None


def _workers() -> river.Workers:
    workers = river.Workers()
    workers.add(FlakyWorker())
    workers.add(TickWorker())
    workers.add(PlainWorker())
    return workers


def test_clock_moves_across_periodic_interval_retry_and_snooze(driver: Any, schema: str) -> None:
    clock = TimeStub(T0)
    tick = river.PeriodicJob(
        river.PeriodicInterval(dt.timedelta(minutes=15)), TickArgs, run_on_start=True
    )
    config = make_config(
        schema, _workers(), periodic_jobs=[tick], test_only=True, test=river.TestConfig(time=clock)
    )
    client = river.Client(driver, config)

    def ticks() -> list[river.JobRow]:
        jobs = client.job_list(river.JobListParams(kinds=["tick"]))
        done = [j for j in jobs if j.state is river.JobState.COMPLETED]
        return done if len(done) == len(jobs) else []

    with started(client):
        # The leader's enqueuer inserts the first tick at the stubbed time.
        [first] = wait_for(ticks, timeout=20)
        assert first.scheduled_at == T0 and first.created_at == T0
        # A periodic interval: the next tick is inserted and worked once the clock moves.
        clock.advance(dt.timedelta(minutes=15))
        done = wait_for(lambda: _at_least(ticks, 2))
        assert [j.scheduled_at for j in done] == [T0, T0 + dt.timedelta(minutes=15)]
        assert done[1].finalized_at == T0 + dt.timedelta(minutes=15)
        # A retry: the backoff (1s ± 10% after the first error) counts from the stub.
        t1 = clock.advance(1)
        job = client.insert(FlakyArgs()).job
        assert job.created_at == t1
        failed = wait_for(lambda: _errored(client, job.id))
        backoff = failed.scheduled_at - t1
        assert dt.timedelta(seconds=0.9) <= backoff <= dt.timedelta(seconds=1.1)
        assert failed.attempt == 1 and failed.errors[0].at == t1
        # Moving past the backoff works the job again: it snoozes for 10 minutes.
        t2 = clock.advance(2)
        snoozed = wait_for_state(client, job.id, river.JobState.SCHEDULED)
        assert snoozed.scheduled_at == t2 + dt.timedelta(minutes=10)
        assert snoozed.metadata["snoozes"] == 1
        # Moving past the snooze: the scheduler makes it available and it completes.
        t3 = clock.advance(dt.timedelta(minutes=10))
        completed = wait_for_state(client, job.id, river.JobState.COMPLETED)
        assert completed.finalized_at == t3 and completed.attempted_at == t3
        assert len(client.job_list(river.JobListParams(kinds=["tick"]))) == 2


def _at_least(cond: Any, n: int) -> Any:
    value = cond()
    return value if len(value) >= n else None


def _errored(client: Any, id: int) -> river.JobRow | None:
    job: river.JobRow = client.job_get(id)
    return job if job.errors and job.state is not river.JobState.RUNNING else None


def test_inserts_read_the_stubbed_clock(driver: Any, schema: str) -> None:
    clock = TimeStub(PAST)
    config = river.Config(schema=schema, test=river.TestConfig(time=clock))
    client = river.Client(driver, config)
    now = client.insert(PlainArgs()).job
    assert now.created_at == PAST and now.scheduled_at == PAST
    assert now.state is river.JobState.AVAILABLE
    # In the real past, yet after the stubbed time: scheduled.
    later = PAST + dt.timedelta(minutes=1)
    scheduled = client.insert(PlainArgs(), river.InsertOpts(scheduled_at=later)).job
    assert scheduled.state is river.JobState.SCHEDULED and scheduled.created_at == PAST
    # Unique periods are counted on the stubbed clock.
    unique = river.InsertOpts(unique_opts=river.UniqueOpts(by_period=dt.timedelta(hours=1)))
    first = client.insert(PlainArgs(n=1), unique)
    clock.advance(dt.timedelta(minutes=1))
    assert client.insert(PlainArgs(n=1), unique).unique_skipped_as_duplicate
    clock.advance(dt.timedelta(hours=1))
    again = client.insert(PlainArgs(n=1), unique)
    assert not again.unique_skipped_as_duplicate and again.job.id != first.job.id
    # Unstubbed, the system clock is back.
    clock.unstub()
    plain = client.insert(PlainArgs()).job
    assert abs(plain.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_manage_calls_read_the_stubbed_clock(driver: Any, schema: str) -> None:
    clock = TimeStub(T0)
    client = river.Client(driver, river.Config(schema=schema, test=river.TestConfig(time=clock)))
    job = client.insert(PlainArgs()).job
    cancelled = client.job_cancel(job.id)
    assert cancelled.finalized_at == T0
    assert cancelled.metadata["cancel_attempted_at"].startswith("2041-06-01T12:00:00")
    t1 = clock.advance(30)
    retried = client.job_retry(job.id)
    assert retried.state is river.JobState.AVAILABLE and retried.scheduled_at == t1


def test_maintenance_services_read_the_stubbed_clock(executor: Any) -> None:
    clock = TimeStub(T0)
    [kept, done, stuck] = [
        r.job
        for r in executor.job_insert_fast_many(
            [
                _fast(created_at=T0, scheduled_at=T0),
                _fast(created_at=T0, scheduled_at=T0),
                _fast(created_at=T0, scheduled_at=T0),
            ]
        )
    ]
    params = {"queue": "default", "client_id": "c", "now": T0}
    executor.job_get_available(JobGetAvailableParams(max_to_lock=3, **params))
    from river.driver.params import job_set_state_completed

    executor.job_set_state_if_running_many(
        [job_set_state_completed(done.id, T0), job_set_state_completed(kept.id, T0)]
    )
    executor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="default", now=T0))
    cleaner = JobCleaner(executor)
    queue_cleaner = QueueCleaner(executor)
    rescuer = JobRescuer(
        executor, retry_policy=river.DefaultRetryPolicy(now=clock.now_utc), rescue_after=3600
    )
    for service in (cleaner, queue_cleaner, rescuer):
        service.time = clock
    # Decades before the real now, nothing has expired yet on the stubbed clock.
    assert cleaner.run_once() == 0
    assert queue_cleaner.run_once() == 0
    assert rescuer.run_once() == 0
    t1 = clock.advance(dt.timedelta(hours=25))
    assert rescuer.run_once() == 1
    rescued = executor.job_get_by_id(stuck.id)
    assert rescued.state is river.JobState.RETRYABLE and rescued.scheduled_at > t1
    assert cleaner.run_once() == 2
    assert executor.job_get_by_id(done.id) is None
    assert queue_cleaner.run_once() == 1


def _fast(**kw: Any) -> Any:
    from river.driver.params import JobInsertFastParams

    return JobInsertFastParams(encoded_args="{}", kind="plain", **kw)


def test_without_a_stub_the_database_clock_decides(driver: Any, schema: str) -> None:
    client = river.Client(driver, river.Config(schema=schema))
    assert client.time.now_utc_or_none() is None
    job = client.insert(PlainArgs()).job
    assert abs(job.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_time_stub() -> None:
    clock = TimeStub()
    assert clock.now_utc_or_none() is None
    assert abs(clock.now_utc() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    moves: list[dt.datetime | None] = []
    listener = lambda: moves.append(clock.now_utc_or_none())  # noqa: E731
    clock.add_listener(listener)
    naive = clock.stub_now_utc(dt.datetime(2030, 1, 1))
    assert naive == dt.datetime(2030, 1, 1, tzinfo=dt.UTC) == clock.now_utc()
    assert clock.advance(dt.timedelta(minutes=1)) == dt.datetime(2030, 1, 1, 0, 1, tzinfo=dt.UTC)
    assert clock.advance(1.5) == dt.datetime(2030, 1, 1, 0, 1, 1, 500000, tzinfo=dt.UTC)
    other = dt.timezone(dt.timedelta(hours=2))
    assert clock.stub_now_utc(dt.datetime(2030, 1, 1, 2, tzinfo=other)).tzinfo is dt.UTC
    assert len(moves) == 4
    clock.remove_listener(listener)
    clock.advance(1)
    assert len(moves) == 4
    with pytest.raises(TypeError, match="needs a datetime"):
        clock.stub_now_utc("2030-01-01")  # type: ignore[arg-type]
    assert isinstance(clock, river.TimeGenerator)


def test_test_config_checks_its_clock() -> None:
    with pytest.raises(river.ConfigError, match="test\\.time must have now_utc"):
        river.Config(test=river.TestConfig(time=object())).validate()  # type: ignore[arg-type]
    with pytest.raises(river.ConfigError, match="test must be a river\\.TestConfig"):
        river.Config(test={"time": None}).validate()  # type: ignore[arg-type]


class _CountingService(Service):
    """Counts its passes; a pass waits for ``release`` while ``hold`` is set."""

    def __init__(self) -> None:
        super().__init__(interval=3600.0, test_only=True)
        self.passes = 0
        self.entered = Event()
        self.release = Event()
        self.hold = False

    def run_once(self) -> int:
        self.passes += 1
        self.entered.set()
        if self.hold:
            self.release.wait_timeout(10)
        return 0


def test_a_woken_service_runs_a_pass_at_once() -> None:
    service = _CountingService()
    task = spawn(service.run)
    wait_for(lambda: _passes(service, 1))
    service.wake()  # instead of the hour-long interval
    wait_for(lambda: _passes(service, 2))
    service.stop()
    gather(task, timeout=5)


def test_a_run_stopped_mid_pass_returns_after_a_new_term_starts() -> None:
    service = _CountingService()
    service.hold = True
    old = spawn(service.run)
    wait_for(lambda: _entered(service))
    service.stop()  # leadership lost during a pass
    service.rearm()  # and gained again: a new run starts
    service.hold = False
    new = spawn(service.run)
    wait_for(lambda: _passes(service, 2))
    service.release.set()
    gather(old, timeout=5)  # the old run ends with its pass, not an hour later
    service.stop()
    gather(new, timeout=5)


def _passes(service: _CountingService, n: int) -> bool:
    return service.passes >= n


def _entered(service: _CountingService) -> bool:
    return service.entered.is_set()
