# WARNING: this file is generated from 'test_rescuer_rules_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The rescuer's per-worker rule (River's ``makeRetryDecision``) and its configuration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._internal.maintenance.rescuer import JobRescuer
from river.driver.params import JobCancelParams, JobGetAvailableParams, JobInsertFastParams
from river.types import JobRow, JobState

pytestmark = pytest.mark.anyio
RETRY_AT = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
WORKER_RETRY_AT = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)


@dataclass
class PlainArgs:
    kind = "plain"


@dataclass
class NoTimeoutArgs:
    kind = "no_timeout"


@dataclass
class LongArgs:
    kind = "long"


@dataclass
class ZeroArgs:
    kind = "zero"


@dataclass
class CustomRetryArgs:
    kind = "custom_retry"


@dataclass
class TypedArgs:
    kind = "typed"
    n: int = 0


@dataclass
class BrokenArgs:
    kind = "broken"


class PlainWorker(river.Worker[PlainArgs]):
    def work(self, job: river.Job[PlainArgs]) -> None:
        pass


class NoTimeoutWorker(river.Worker[NoTimeoutArgs]):
    def timeout(self, job: river.Job[NoTimeoutArgs]) -> float:
        return -1

    def work(self, job: river.Job[NoTimeoutArgs]) -> None:
        pass


class LongWorker(river.Worker[LongArgs]):
    def timeout(self, job: river.Job[LongArgs]) -> dt.timedelta:
        return dt.timedelta(hours=3)

    def work(self, job: river.Job[LongArgs]) -> None:
        pass


class ZeroWorker(river.Worker[ZeroArgs]):
    def timeout(self, job: river.Job[ZeroArgs]) -> float:
        return 0  # the client's timeout

    def work(self, job: river.Job[ZeroArgs]) -> None:
        pass


class CustomRetryWorker(river.Worker[CustomRetryArgs]):
    def next_retry(self, job: river.Job[CustomRetryArgs]) -> dt.datetime:
        return WORKER_RETRY_AT

    def work(self, job: river.Job[CustomRetryArgs]) -> None:
        pass


class TypedWorker(river.Worker[TypedArgs]):
    def work(self, job: river.Job[TypedArgs]) -> None:
        pass


class BrokenWorker(river.Worker[BrokenArgs]):
    def timeout(self, job: river.Job[BrokenArgs]) -> float:
        raise RuntimeError("timeout is broken")

    def next_retry(self, job: river.Job[BrokenArgs]) -> dt.datetime:
        raise RuntimeError("next_retry is broken")

    def work(self, job: river.Job[BrokenArgs]) -> None:
        pass


class _FixedRetry:
    def next_retry(self, job: JobRow) -> dt.datetime:
        return RETRY_AT


def _workers() -> river.Workers:
    workers = river.Workers()
    for worker in (
        PlainWorker(),
        NoTimeoutWorker(),
        LongWorker(),
        ZeroWorker(),
        CustomRetryWorker(),
        TypedWorker(),
        BrokenWorker(),
    ):
        workers.add(worker)
    return workers


def _running(executor: Any, age: dt.timedelta, *jobs: JobInsertFastParams) -> list[int]:
    """Insert ``jobs`` and make them running since ``age`` ago, as a dead client left them."""
    ids = [r.job.id for r in executor.job_insert_fast_many(list(jobs))]
    executor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=len(ids), client_id="dead")
    )
    executor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET attempted_at = @at WHERE id = any(@ids::bigint[])",
        {"at": dt.datetime.now(dt.UTC) - age, "ids": ids},
    )
    return ids


def _job(kind: str, encoded_args: str = "{}", max_attempts: int = 5) -> JobInsertFastParams:
    return JobInsertFastParams(encoded_args=encoded_args, kind=kind, max_attempts=max_attempts)


def _rescuer(executor: Any, **kw: Any) -> JobRescuer:
    options: dict[str, Any] = {
        "retry_policy": _FixedRetry(),
        "rescue_after": 3600.0,
        "workers": _workers(),
        "client_job_timeout": 60.0,
        "test_only": True,
    }
    options.update(kw)
    return JobRescuer(executor, **options)


def _states(executor: Any, ids: list[int]) -> list[JobRow]:
    by_id = {j.id: j for j in executor.job_get_by_id_many(ids)}
    return [by_id[i] for i in ids]


def test_jobs_without_timeout_are_never_rescued(executor: Any) -> None:
    [no_timeout, plain] = _running(
        executor, dt.timedelta(days=3), _job("no_timeout"), _job("plain")
    )
    assert _rescuer(executor).run_once() == 1
    left, rescued = _states(executor, [no_timeout, plain])
    assert left.state is JobState.RUNNING
    assert rescued.state is JobState.RETRYABLE and rescued.scheduled_at == RETRY_AT


def test_a_job_without_timeout_is_cancelled_once_a_cancel_marked_it(executor: Any) -> None:
    """The way to bound a job without a timeout whose client died: ``job_cancel`` marks its
    row, and the rescuer settles a marked job whatever its timeout."""
    [marked, unmarked] = _running(
        executor, dt.timedelta(days=3), _job("no_timeout"), _job("no_timeout")
    )
    row = executor.job_cancel(
        JobCancelParams(
            id=marked, cancel_attempted_at=dt.datetime.now(dt.UTC), control_topic="river_control"
        )
    )
    assert row.state is JobState.RUNNING  # a running job is only marked
    assert _rescuer(executor).run_once() == 1
    cancelled, left = _states(executor, [marked, unmarked])
    assert cancelled.state is JobState.CANCELLED and cancelled.finalized_at is not None
    assert left.state is JobState.RUNNING


def test_client_without_timeout_leaves_every_job(executor: Any) -> None:
    [plain] = _running(executor, dt.timedelta(days=3), _job("plain"))
    assert _rescuer(executor, client_job_timeout=None).run_once() == 0
    [job] = _states(executor, [plain])
    assert job.state is JobState.RUNNING


def test_long_timeout_waits_until_it_has_passed(executor: Any) -> None:
    # Past the rescue horizon (1h) but within the worker's own timeout (3h): left alone.
    [recent] = _running(executor, dt.timedelta(hours=2), _job("long"))
    [old] = _running(executor, dt.timedelta(hours=4), _job("long"))
    assert _rescuer(executor).run_once() == 1
    left, rescued = _states(executor, [recent, old])
    assert left.state is JobState.RUNNING
    # Rescued: retryable, or already made available by the leader's scheduler.
    assert rescued.state in (JobState.RETRYABLE, JobState.AVAILABLE)
    assert len(rescued.errors) == 1


def test_zero_worker_timeout_uses_the_clients(executor: Any) -> None:
    [zero] = _running(executor, dt.timedelta(hours=2), _job("zero"))
    assert _rescuer(executor).run_once() == 1
    [job] = _states(executor, [zero])
    assert job.state is JobState.RETRYABLE


def test_unknown_kind_is_discarded(executor: Any) -> None:
    [unknown] = _running(executor, dt.timedelta(hours=2), _job("nobody_works_this"))
    assert _rescuer(executor).run_once() == 1
    [job] = _states(executor, [unknown])
    assert job.state is JobState.DISCARDED and job.finalized_at is not None


def test_undecodable_args_retry_then_discard(executor: Any) -> None:
    bad = '{"n": "not a number"}'
    [retried] = _running(executor, dt.timedelta(hours=2), _job("typed", bad, 5))
    [discarded] = _running(executor, dt.timedelta(hours=2), _job("typed", bad, 1))
    assert _rescuer(executor).run_once() == 2
    r, d = _states(executor, [retried, discarded])
    assert r.state is JobState.RETRYABLE and r.scheduled_at == RETRY_AT
    assert d.state is JobState.DISCARDED


def test_worker_next_retry_is_honoured(executor: Any) -> None:
    [custom] = _running(executor, dt.timedelta(hours=2), _job("custom_retry"))
    assert _rescuer(executor).run_once() == 1
    [job] = _states(executor, [custom])
    assert job.state is JobState.RETRYABLE and job.scheduled_at == WORKER_RETRY_AT


def test_raising_worker_methods_fall_back(executor: Any, caplog: Any) -> None:
    [broken] = _running(executor, dt.timedelta(hours=2), _job("broken"))
    assert _rescuer(executor).run_once() == 1
    [job] = _states(executor, [broken])
    assert job.state is JobState.RETRYABLE and job.scheduled_at == RETRY_AT
    assert "BrokenWorker.timeout() raised" in caplog.text
    assert "BrokenWorker.next_retry() raised" in caplog.text


def test_client_rescuer_leaves_a_job_within_its_worker_timeout(driver: Any, schema: str) -> None:
    """The client's rescuer has the per-worker rule: a 3h job running for 2h is not run
    a second time although it is past the 1h rescue horizon."""
    client = river.Client(
        driver,
        river.Config(
            schema=schema, workers=_workers(), queues={"other": river.QueueConfig(max_workers=1)}
        ),
    )
    ex = driver.get_executor(schema)
    [long_job, plain] = _running(ex, dt.timedelta(hours=2), _job("long"), _job("plain"))
    client.start()
    try:  # type: ignore[union-attr]
        rescuer = next(s for s in client._maintainer.services if isinstance(s, JobRescuer))
        # The leader's own pass may have come first: the outcome is what counts.
        rescuer.run_once()
    finally:
        client.stop()
    left, rescued = _states(ex, [long_job, plain])
    assert left.state is JobState.RUNNING
    # Rescued: retryable, or already made available by the leader's scheduler.
    assert rescued.state in (JobState.RETRYABLE, JobState.AVAILABLE)
    assert len(rescued.errors) == 1


def test_default_rescue_horizon_is_an_hour() -> None:
    assert river.Config().rescue_after_seconds() == 3600.0
    assert river.Config(job_timeout=600).rescue_after_seconds() == 3600.0
    assert river.Config(job_timeout=None).rescue_after_seconds() == 3600.0
    # A job timeout longer than an hour moves the default past it, as in River.
    long = river.Config(job_timeout=dt.timedelta(hours=2))
    assert long.rescue_after_seconds() == 3 * 3600.0
    assert river.Config(rescue_stuck_jobs_after=120).rescue_after_seconds() == 120.0


@pytest.mark.parametrize(
    ("timeout", "rescue"), [(600, 300), (dt.timedelta(hours=2), dt.timedelta(hours=1))]
)
def test_rescue_horizon_shorter_than_job_timeout_is_rejected(timeout: Any, rescue: Any) -> None:
    config = river.Config(job_timeout=timeout, rescue_stuck_jobs_after=rescue)
    with pytest.raises(river.ConfigError, match="rescue_stuck_jobs_after"):
        config.validate()


@pytest.mark.parametrize("rescue", [0, -5])
def test_rescue_horizon_must_be_positive(rescue: float) -> None:
    with pytest.raises(river.ConfigError, match="rescue_stuck_jobs_after"):
        river.Config(rescue_stuck_jobs_after=rescue).validate()
