# WARNING: this file is generated from 'test_work_context_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""river.testing's ``work_context`` (a worker's ``work`` called directly, with the job
context features working) and ``AsyncTestWorker`` ignoring uniqueness and following a
stubbed clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river.testing import TestWorker, TimeStub, work_context
from tests._client_helpers import user_tx

pytestmark = pytest.mark.anyio
T0 = dt.datetime(2041, 6, 1, 12, 0, tzinfo=dt.UTC)


@dataclass
class ReportArgs:
    kind = "report"
    n: int = 0


@dataclass
class OnceArgs:
    """Args whose own insert options make every job unique by args."""

    kind = "once"
    n: int = 0

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True))


class ReportWorker(river.Worker[ReportArgs]):
    def __init__(self) -> None:
        self.steps: list[str] = []
        self.client: Any = None
        self.saw_cancel = False

    def work(self, job: river.Job[ReportArgs]) -> None:
        self.client = river.client_from_context()
        river.metadata_set("seen", job.args.n)
        river.resumable_step("fetch", self._step("fetch"))
        river.resumable_step("send", self._step("send"))
        self.saw_cancel = river.job_cancelled()
        river.record_output({"n": job.args.n})

    def _step(self, name: str) -> Any:

        def run() -> None:
            self.steps.append(name)

        return run


class OnceWorker(river.Worker[OnceArgs]):
    def work(self, job: river.Job[OnceArgs]) -> None:
        return None


class FailingWorker(river.Worker[ReportArgs]):
    def work(self, job: river.Job[ReportArgs]) -> None:
        raise RuntimeError("fails")


class SnoozeWorker(river.Worker[ReportArgs]):
    def work(self, job: river.Job[ReportArgs]) -> None:
        raise river.JobSnooze(dt.timedelta(minutes=5))


def test_work_context_gives_the_worker_its_job_features(driver: Any, schema: str) -> None:
    client = river.Client(driver, river.Config(schema=schema))
    worker = ReportWorker()
    with work_context(client) as ctx:
        worker.work(river.Job(ctx.job, ReportArgs(n=3)))
    assert worker.client is client
    assert ctx.metadata_updates == {"seen": 3, "output": {"n": 3}}
    assert worker.steps == ["fetch", "send"] and (not worker.saw_cancel)
    assert ctx.job.id == 0 and ctx.job.state is river.JobState.RUNNING
    # Outside the block the job context is gone again.
    with pytest.raises(RuntimeError, match="only be called while a job is being worked"):
        river.record_output(1)


def test_work_context_with_a_job_resumes_and_cancels(driver: Any, schema: str) -> None:
    client = river.Client(driver, river.Config(schema=schema))
    inserted = client.insert(ReportArgs(n=1)).job
    job = river.JobRow(
        **{
            **{
                f: getattr(inserted, f)
                for f in (
                    "id",
                    "state",
                    "attempt",
                    "max_attempts",
                    "attempted_at",
                    "created_at",
                    "finalized_at",
                    "scheduled_at",
                    "priority",
                    "encoded_args",
                    "attempted_by",
                    "errors",
                    "kind",
                    "queue",
                    "tags",
                )
            },
            "metadata": {"river:resumable_step": "fetch"},
        }
    )
    worker = ReportWorker()
    with work_context(client, job) as ctx:
        ctx.cancel("test")
        worker.work(river.Job(job, ReportArgs(n=1)))
    assert ctx.job is job
    assert worker.steps == ["send"]  # the saved step is skipped
    assert worker.saw_cancel
    with pytest.raises(river.JobCancelledError):
        with work_context(client, job) as ctx:
            ctx.cancel("test")
            river.check_cancelled()


def test_test_worker_ignores_unique_options(driver: Any, schema: str) -> None:
    harness = TestWorker(driver, OnceWorker(), river.Config(schema=schema))
    assert harness.client.config.test.disable_unique_enforcement
    unique = river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True, by_queue=True))
    with user_tx(driver, rollback=True) as tx:
        first = harness.work(tx, OnceArgs(n=1))
        second = harness.work(tx, OnceArgs(n=1))
        third = harness.work(tx, OnceArgs(n=1), unique)
        ids = {first.job.id, second.job.id, third.job.id}
        assert len(ids) == 3
        for result in (first, second, third):
            assert result.event_kind is river.EventKind.JOB_COMPLETED
            assert result.job.unique_key is None and result.job.unique_states is None
    # A plain client still enforces the args' uniqueness.
    client = river.Client(driver, river.Config(schema=schema))
    client.insert(OnceArgs(n=1))
    assert client.insert(OnceArgs(n=1)).unique_skipped_as_duplicate


def test_test_worker_follows_a_stubbed_clock(driver: Any, schema: str) -> None:
    clock = TimeStub(T0)
    config = river.Config(schema=schema, test=river.TestConfig(time=clock))
    harness = TestWorker(driver, SnoozeWorker(), config)
    with user_tx(driver, rollback=True) as tx:
        result = harness.work(tx, ReportArgs())
    assert result.event_kind is river.EventKind.JOB_SNOOZED
    assert result.job.created_at == T0 and result.job.attempted_at == T0
    assert result.job.scheduled_at == T0 + dt.timedelta(minutes=5)
    assert result.job.state is river.JobState.SCHEDULED


def test_test_worker_counts_retries_from_a_stubbed_clock(driver: Any, schema: str) -> None:
    clock = TimeStub(T0)
    config = river.Config(schema=schema, test=river.TestConfig(time=clock))
    harness = TestWorker(driver, FailingWorker(), config)
    with user_tx(driver, rollback=True) as tx:
        result = harness.work(tx, ReportArgs())
    assert result.event_kind is river.EventKind.JOB_FAILED
    assert result.job.errors[0].at == T0
    backoff = result.job.scheduled_at - T0  # 1s ± 10% after the first error
    assert dt.timedelta(seconds=0.9) <= backoff <= dt.timedelta(seconds=1.1)
