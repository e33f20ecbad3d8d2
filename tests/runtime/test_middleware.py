# WARNING: this file is generated from 'test_middleware_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Middleware and hooks on a real client: order, per-worker middleware and hooks, insert
middleware on every insert path, and hooks that replace a job's error."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river.driver.params import JobInsertFastParams, JobInsertResult
from tests._client_helpers import make_config, started, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class TaskArgs:
    kind = "task"
    fail: bool = False


class Tracer(river.WorkerMiddleware):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    def work(self, job: river.JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        self.log.append(f"{self.name}>")
        try:
            call_next()
        finally:
            self.log.append(f"<{self.name}")


class Recorder(river.Hook):
    def __init__(self, name: str, log: list[str], *, swallow: bool = False) -> None:
        self.name = name
        self.log = log
        self.swallow = swallow

    def insert_begin(self, params: JobInsertFastParams) -> None:
        self.log.append(f"{self.name}.insert_begin:{params.kind}")

    def work_begin(self, job: river.JobRow) -> None:
        self.log.append(f"{self.name}.work_begin")

    def work_end(self, job: river.JobRow, error: BaseException | None) -> BaseException | None:
        self.log.append(f"{self.name}.work_end:{(type(error).__name__ if error else None)}")
        return None if self.swallow else error


class TaskWorker(river.Worker[TaskArgs]):
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def work(self, job: river.Job[TaskArgs]) -> None:
        self.log.append("work")
        if job.args.fail:
            raise ValueError("failing")

    def middleware(self, job: river.JobRow) -> Sequence[Any]:
        return [Tracer("worker", self.log)]

    def hooks(self, job: river.JobRow) -> Sequence[Any]:
        return [Recorder("worker_hook", self.log)]


class TagInserts(river.InsertMiddleware):
    def __init__(self) -> None:
        self.batches: list[tuple[int, int]] = []

    def insert_many(
        self,
        params: Sequence[JobInsertFastParams],
        call_next: Callable[[Sequence[JobInsertFastParams]], Awaitable[list[JobInsertResult]]],
    ) -> list[JobInsertResult]:
        for p in params:
            p.tags = [*p.tags, "tagged"]
        results = call_next(params)
        self.batches.append((len(params), len(results)))
        return results


def _client(driver: Any, schema: str, log: list[str], **config: Any) -> Any:
    workers = river.Workers()
    workers.add(TaskWorker(log))
    return river.Client(driver, make_config(schema, workers, **config))


def test_order_of_middleware_and_hooks(driver: Any, schema: str) -> None:
    log: list[str] = []
    client = _client(
        driver,
        schema,
        log,
        middleware=[Tracer("outer", log), Tracer("inner", log)],
        hooks=[Recorder("hook", log)],
    )
    names = [getattr(m, "name", type(m).__name__) for m in client.worker_middleware]
    batch = "BatchMiddleware"
    assert names == ["outer", "inner", batch, "WorkflowMiddleware", "ResumableMiddleware"]
    with started(client):
        job = client.insert(TaskArgs()).job
        wait_for_state(client, job.id, river.JobState.COMPLETED)
    assert log == [
        "hook.insert_begin:task",
        "outer>",
        "inner>",
        "worker>",
        "hook.work_begin",
        "worker_hook.work_begin",
        "work",
        "hook.work_end:None",
        "worker_hook.work_end:None",
        "<worker",
        "<inner",
        "<outer",
    ]


def test_work_end_hook_can_replace_the_error(driver: Any, schema: str) -> None:
    log: list[str] = []
    client = _client(driver, schema, log, hooks=[Recorder("hook", log, swallow=True)])
    with started(client):
        job = client.insert(TaskArgs(fail=True)).job
        done = wait_for_state(client, job.id, river.JobState.COMPLETED)
    assert done.errors == []
    # The worker's own hook runs after the client's and sees the error already cleared.
    assert "hook.work_end:ValueError" in log and "worker_hook.work_end:None" in log


def test_insert_middleware_wraps_every_insert_path(driver: Any, schema: str) -> None:
    tagger = TagInserts()
    client = _client(driver, schema, [], middleware=[tagger])
    assert client.insert_middleware == (tagger,)
    one = client.insert(TaskArgs())
    assert one.job.tags == ["tagged"]
    many = client.insert_many([TaskArgs(), TaskArgs()])
    assert [r.job.tags for r in many] == [["tagged"], ["tagged"]]
    assert client.insert_many_fast([TaskArgs(), TaskArgs(), TaskArgs()]) == 3
    # COPY returns no rows: the middleware sees an empty result list.
    assert tagger.batches == [(1, 1), (2, 2), (3, 0)]
    rows = client.job_list(river.JobListParams(limit=10))
    assert len(rows) == 6 and all(r.tags == ["tagged"] for r in rows)


def test_wrong_colour_middleware_is_rejected(driver: Any, schema: str) -> None:
    # Spelled out so the sync twin keeps the other colour (the generator renames names).
    is_async = inspect.iscoroutinefunction(TaskWorker.work)
    other = getattr(
        river, "WorkerMiddleware" if is_async else "".join(["Async", "WorkerMiddleware"])
    )
    with pytest.raises(river.WrongColourError, match=other.__name__):
        _client(driver, schema, [], middleware=[other()])
