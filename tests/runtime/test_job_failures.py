# WARNING: this file is generated from 'test_job_failures_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Failures around a job never leave it running, and are logged at River's levels."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import sleep
from tests._client_helpers import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio
FIELDS = ("job_id", "job_kind", "queue", "attempt", "max_attempts")


@dataclass
class BoomArgs:
    kind = "boom"
    mode: str = "error"


@dataclass
class BadTimeoutArgs:
    kind = "bad_timeout"


@dataclass
class BadRetryArgs:
    kind = "bad_retry"


@dataclass
class ZeroTimeoutArgs:
    kind = "zero_timeout"


@dataclass
class InstanceTimeoutArgs:
    kind = "instance_timeout"


class BoomWorker(river.Worker[BoomArgs]):
    def work(self, job: river.Job[BoomArgs]) -> None:
        if job.args.mode == "ok":
            return
        if job.args.mode == "snooze":
            raise river.JobSnooze(dt.timedelta(minutes=10))
        if job.args.mode == "cancel":
            raise river.JobCancel(ValueError("not needed"))
        if job.args.mode == "unprintable":
            raise UnprintableError()
        raise ValueError("boom on purpose")


class UnprintableError(Exception):
    """An error whose ``str()`` raises, as one holding a value nested past the recursion
    limit does."""

    def __str__(self) -> str:
        raise RecursionError("maximum recursion depth exceeded while getting the repr")


class RaisingLogHandler(logging.Handler):
    """A log handler that raises from ``emit`` (pytest's own raises on a bad record)."""

    def emit(self, record: logging.LogRecord) -> None:
        raise RuntimeError("log handler broke")


class BadTimeoutWorker(river.Worker[BadTimeoutArgs]):
    def timeout(self, job: river.Job[BadTimeoutArgs]) -> float:
        raise RuntimeError("no timeout today")

    def work(self, job: river.Job[BadTimeoutArgs]) -> None:
        pass


class BadRetryWorker(river.Worker[BadRetryArgs]):
    def next_retry(self, job: river.Job[BadRetryArgs]) -> dt.datetime:
        raise RuntimeError("no retry today")

    def work(self, job: river.Job[BadRetryArgs]) -> None:
        raise ValueError("fails")


class ZeroTimeoutWorker(river.Worker[ZeroTimeoutArgs]):
    def timeout(self, job: river.Job[ZeroTimeoutArgs]) -> float:
        return 0  # the client's job_timeout, as in River

    def work(self, job: river.Job[ZeroTimeoutArgs]) -> None:
        for _ in range(10):
            river.check_cancelled()
            sleep(0.02)


class InstanceTimeoutWorker(river.Worker[InstanceTimeoutArgs]):
    """Its timeout is given to the instance, not written in the class."""

    def __init__(self) -> None:
        self.timeout = lambda job: 0.05  # type: ignore[method-assign]

    def work(self, job: river.Job[InstanceTimeoutArgs]) -> None:
        for _ in range(100):
            river.check_cancelled()
            sleep(0.02)


class FailingMiddleware(river.WorkerMiddleware):
    """Raises before calling the rest of the chain."""

    def work(self, job: river.JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        if job.kind == "boom":
            raise RuntimeError("middleware broke")
        call_next()


def _workers() -> river.Workers:
    workers = river.Workers()
    for worker in (
        BoomWorker(),
        BadTimeoutWorker(),
        BadRetryWorker(),
        ZeroTimeoutWorker(),
        InstanceTimeoutWorker(),
    ):
        workers.add(worker)
    return workers


class CancellingHandler(river.ErrorHandler):
    def handle_error(self, job: Any, error: BaseException) -> river.ErrorHandlerResult:
        return river.ErrorHandlerResult(set_cancelled=True)


class RaisingHandler(river.ErrorHandler):
    def handle_error(self, job: Any, error: BaseException) -> river.ErrorHandlerResult:
        raise RuntimeError("handler broke")


class WrongTypeHandler(river.ErrorHandler):
    def handle_error(self, job: Any, error: BaseException) -> Any:
        return "cancel please"


class LaterRetry:
    """Retries an hour later, so a failed job stays ``retryable`` while the test looks."""

    def next_retry(self, job: river.JobRow) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)


def _run(driver: Any, schema: str, args: Any, *states: river.JobState, **kw: Any) -> Any:
    kw.setdefault("retry_policy", LaterRetry())
    client = river.Client(driver, make_config(schema, _workers(), **kw))
    with started(client):
        job = client.insert(args).job
        return wait_for_state(client, job.id, *states, timeout=5.0)


def test_handler_of_the_clients_colour_can_cancel(driver: Any, schema: str) -> None:
    job = _run(
        driver, schema, BoomArgs(), river.JobState.CANCELLED, error_handler=CancellingHandler()
    )
    assert job.errors[-1].error == "ValueError: boom on purpose"


@pytest.mark.parametrize(
    ("handler", "logged"),
    [
        (RaisingHandler(), "RaisingHandler raised"),
        (WrongTypeHandler(), "WrongTypeHandler returned 'cancel please'"),
    ],
    ids=["raises", "wrong_type"],
)
def test_misbehaving_handler_finalizes_as_without_one(
    driver: Any, schema: str, caplog: Any, handler: Any, logged: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="river")
    job = _run(driver, schema, BoomArgs(), river.JobState.RETRYABLE, error_handler=handler)
    assert job.errors[-1].error == "ValueError: boom on purpose"
    records = [r for r in caplog.records if logged in r.getMessage()]
    assert records and records[0].levelno == logging.ERROR
    assert getattr(records[0], "job_id", None) == job.id


def test_raising_timeout_uses_the_clients(driver: Any, schema: str, caplog: Any) -> None:
    job = _run(driver, schema, BadTimeoutArgs(), river.JobState.COMPLETED)
    assert job.errors == []
    assert "BadTimeoutWorker.timeout() raised" in caplog.text


def test_zero_worker_timeout_means_the_clients(driver: Any, schema: str) -> None:
    job = _run(driver, schema, ZeroTimeoutArgs(), river.JobState.COMPLETED)
    assert job.errors == []


def test_a_timeout_given_to_the_worker_instance_is_kept(driver: Any, schema: str) -> None:
    job = _run(driver, schema, InstanceTimeoutArgs(), river.JobState.RETRYABLE)
    assert job.errors[-1].error == "TimeoutError: job timed out"


def test_raising_next_retry_uses_the_retry_policy(driver: Any, schema: str, caplog: Any) -> None:
    job = _run(driver, schema, BadRetryArgs(), river.JobState.RETRYABLE)
    assert job.errors[-1].error == "ValueError: fails"
    assert "BadRetryWorker.next_retry() raised" in caplog.text


def test_middleware_raising_before_call_next_fails_the_attempt(driver: Any, schema: str) -> None:
    job = _run(
        driver,
        schema,
        BoomArgs(mode="ok"),
        river.JobState.RETRYABLE,
        middleware=[FailingMiddleware()],
    )
    assert job.errors[-1].error == "RuntimeError: middleware broke"


def test_an_error_whose_str_raises_is_recorded_under_its_own_type(
    driver: Any, schema: str, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="river")
    job = _run(driver, schema, BoomArgs(mode="unprintable"), river.JobState.RETRYABLE)
    assert job.errors[-1].error == "UnprintableError: <str() raised RecursionError>"
    assert "UnprintableError" in job.errors[-1].trace
    assert "<str() raised RecursionError>" in caplog.text


def test_a_log_handler_that_raises_does_not_keep_the_job_running(driver: Any, schema: str) -> None:
    handler = RaisingLogHandler(logging.WARNING)
    logger = logging.getLogger("river")
    logger.addHandler(handler)
    try:
        job = _run(driver, schema, BoomArgs(), river.JobState.RETRYABLE)
    finally:
        logger.removeHandler(handler)
    assert job.errors[-1].error == "ValueError: boom on purpose" and job.attempt == 1


# -- logging -------------------------------------------------------------------------------


def _job_records(caplog: Any, job_id: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "job_id", None) == job_id]


@pytest.mark.parametrize(
    ("mode", "max_attempts", "level", "with_exc_info", "states"),
    [
        ("error", 3, logging.WARNING, True, (river.JobState.RETRYABLE,)),
        ("error", 1, logging.ERROR, True, (river.JobState.DISCARDED,)),
        ("snooze", 3, logging.INFO, False, (river.JobState.SCHEDULED,)),
        ("cancel", 3, logging.INFO, False, (river.JobState.CANCELLED,)),
        ("ok", 3, logging.DEBUG, False, (river.JobState.COMPLETED,)),
    ],
    ids=["retryable", "discarded", "snoozed", "cancelled", "completed"],
)
def test_outcome_log_levels(
    driver: Any,
    schema: str,
    caplog: Any,
    mode: str,
    max_attempts: int,
    level: int,
    with_exc_info: bool,
    states: tuple[river.JobState, ...],
) -> None:
    caplog.set_level(logging.DEBUG, logger="river")
    client = river.Client(driver, make_config(schema, _workers(), retry_policy=LaterRetry()))
    with started(client):
        job = client.insert(BoomArgs(mode=mode), river.InsertOpts(max_attempts=max_attempts)).job
        wait_for_state(client, job.id, *states, timeout=5.0)

        def logged() -> list[logging.LogRecord]:
            return _job_records(caplog, job.id)

        [record] = wait_for(logged)
    assert record.levelno == level
    assert record.name.startswith("river")
    assert (record.exc_info is not None) == with_exc_info
    values = [getattr(record, name) for name in FIELDS]
    assert values == [job.id, "boom", "default", 1, max_attempts]
