"""Every job of an ``AsyncClient`` runs as its own asyncio task, from its first line: on
Python 3.12+ a job starts eagerly (it runs at once until it first suspends), and what it
does before that first suspension still belongs to its own task."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._internal.producer.workpool import AWorkPool
from tests._client_helpers_async import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class TaskArgs:
    kind = "task_probe"
    n: int = 0
    time_out: bool = False


class TaskWorker(river.AsyncWorker[TaskArgs]):
    def __init__(self) -> None:
        self.tasks: dict[int, asyncio.Task[Any] | None] = {}

    async def work(self, job: river.Job[TaskArgs]) -> None:
        self.tasks[job.args.n] = asyncio.current_task()  # before any suspension
        if job.args.time_out:
            # A timeout scope entered before the first suspension cancels this job's own
            # task, and nothing else.
            async with asyncio.timeout(0.05):
                await asyncio.sleep(30)


def _client(adriver: Any, schema: str, worker: TaskWorker) -> Any:
    workers = river.Workers()
    workers.add(worker)
    return river.AsyncClient(adriver, make_config(schema, workers, max_attempts=1))


async def test_each_job_runs_in_its_own_task_from_its_first_line(
    adriver: Any, schema: str
) -> None:
    worker = TaskWorker()
    client = _client(adriver, schema, worker)
    async with started(client):
        await client.insert_many([TaskArgs(n=i) for i in range(20)])

        async def all_seen() -> bool:
            return len(worker.tasks) == 20

        await wait_for(all_seen, timeout=30)
    tasks = list(worker.tasks.values())
    assert None not in tasks
    assert len({id(t) for t in tasks}) == 20
    assert asyncio.current_task() not in tasks


async def test_a_timeout_entered_before_the_first_await_cancels_only_its_job(
    adriver: Any, schema: str
) -> None:
    worker = TaskWorker()
    client = _client(adriver, schema, worker)
    async with started(client):
        timed = (await client.insert(TaskArgs(n=0, time_out=True), None)).job
        row = await wait_for_state(client, timed.id, river.JobState.DISCARDED, timeout=30)
        assert row.errors and "TimeoutError" in row.errors[-1].error
        # The producer that started the job is still fetching.
        later = (await client.insert(TaskArgs(n=1))).job
        await wait_for_state(client, later.id, river.JobState.COMPLETED, timeout=30)


async def test_a_job_that_never_suspends_is_done_when_started_on_312() -> None:
    pool = AWorkPool(10, "probe")
    ran: list[int] = []

    async def job() -> None:
        ran.append(1)

    task = pool.submit(job)
    eager = sys.version_info >= (3, 12)
    assert task.done() is eager and ran == ([1] if eager else [])
    await pool.wait_all()
    assert ran == [1] and task.done() and len(pool) == 0


async def test_finished_tasks_kept_are_about_as_many_as_the_running_ones() -> None:
    # Each finished task holds its coroutine and context for every full garbage
    # collection to scan: the pool lets them go once it has doubled, not at a multiple
    # of max_workers.
    pool = AWorkPool(2000, "probe")
    release = asyncio.Event()

    async def blocked() -> None:
        await release.wait()

    async def short() -> None:
        await asyncio.sleep(0)

    for _ in range(10):
        pool.submit(blocked)
    for _ in range(1000):
        pool.submit(short)
        await asyncio.sleep(0)
    for _ in range(3):  # let the last ones finish
        await asyncio.sleep(0)
    assert len(pool) == 10
    assert len(pool._tasks) <= 2 * 64
    release.set()
    await pool.wait_all()
    assert len(pool) == 0


async def test_a_jobs_task_is_let_go_in_its_last_step(adriver: Any, schema: str) -> None:
    # A finished task kept by the pool holds its coroutine and context for the garbage
    # collector to scan until the next prune; the producer lets each go as its job ends.
    class Suspending(river.AsyncWorker[TaskArgs]):
        async def work(self, job: river.Job[TaskArgs]) -> None:
            await asyncio.sleep(0)  # not finished inside submit on 3.12

    workers = river.Workers()
    workers.add(Suspending())
    client = river.AsyncClient(adriver, make_config(schema, workers, max_attempts=1))
    async with started(client):
        await client.insert_many([TaskArgs(n=i) for i in range(300)])
        pool = client._producers["default"]._pool

        async def all_done() -> bool:
            rows = await client.job_list(river.JobListParams(kinds=["task_probe"], limit=500))
            return len(rows.jobs) == 300 and all(
                r.state is river.JobState.COMPLETED for r in rows.jobs
            )

        await wait_for(all_done, timeout=30)
        assert [t for t in pool._tasks if t.done()] == []
