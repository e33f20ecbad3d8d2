"""The workers of the chaos soak, run with ``river worker tests.programs.chaos_app:client``.

Database, schema and driver come from ``CHAOS_URL``, ``CHAOS_SCHEMA`` and
``CHAOS_DRIVER`` (asyncpg or psycopg3). Every attempt first records ``(job, attempt,
client)`` in ``chaos_attempt``; transaction-completing jobs record their effect in
``chaos_effect`` in the transaction that completes them. Workflow tasks (``chaos_wf``)
check the outputs of their dependencies and record their own. The soak's invariants are
checked on those tables and ``river_job``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

import river

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {schema}.chaos_attempt (
    job_id bigint NOT NULL,
    attempt int NOT NULL,
    snoozes int NOT NULL,
    client_id text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS {schema}.chaos_effect (
    job_id bigint NOT NULL,
    attempt int NOT NULL
);
"""
# Jobs run at most this long, well inside the rescue horizon.
SLOW_SECONDS = 1.5
RESCUE_AFTER = dt.timedelta(seconds=6)
JOB_TIMEOUT = dt.timedelta(seconds=4)
QUEUES = ("default", "other")


@dataclass
class NoopArgs:
    kind = "chaos_noop"
    n: int = 0


@dataclass
class SlowArgs:
    kind = "chaos_slow"
    n: int = 0


@dataclass
class FailArgs:
    """Fails its first ``fail_attempts`` attempts."""

    kind = "chaos_fail"
    n: int = 0
    fail_attempts: int = 1


@dataclass
class SnoozeArgs:
    """Snoozes on its first run, then completes."""

    kind = "chaos_snooze"
    n: int = 0


@dataclass
class UniqueArgs:
    kind = "chaos_unique"
    key: int = 0


@dataclass
class ResumableArgs:
    kind = "chaos_resumable"
    n: int = 0


@dataclass
class TxCompleteArgs:
    kind = "chaos_tx"
    n: int = 0


@dataclass
class WorkflowStepArgs:
    """A workflow task: fails its first ``fail_attempts`` attempts (a task failing more
    often than its ``max_attempts`` is discarded, cancelling its dependents), runs for
    ``seconds``."""

    kind = "chaos_wf"
    n: int = 0
    fail_attempts: int = 0
    seconds: float = 0.0


def _snoozes(job: river.Job[Any]) -> int:
    # A snooze gives the attempt back, so a snoozed job runs the same attempt again.
    return int(job.metadata.get("snoozes", 0))


async def _record_attempt(job: river.Job[Any]) -> None:
    client = river.client_from_context()
    executor = client.driver.get_executor(client.config.schema)
    await executor.execute(
        "INSERT INTO /* TEMPLATE: schema */chaos_attempt (job_id, attempt, snoozes, client_id)"
        " VALUES (@job_id, @attempt, @snoozes, @client_id)",
        {
            "job_id": job.id,
            "attempt": job.attempt,
            "snoozes": _snoozes(job),
            "client_id": client.id,
        },
    )


class NoopWorker(river.AsyncWorker[NoopArgs]):
    async def work(self, job: river.Job[NoopArgs]) -> None:
        await _record_attempt(job)


class SlowWorker(river.AsyncWorker[SlowArgs]):
    async def work(self, job: river.Job[SlowArgs]) -> None:
        await _record_attempt(job)
        await asyncio.sleep(SLOW_SECONDS)


class FailWorker(river.AsyncWorker[FailArgs]):
    async def work(self, job: river.Job[FailArgs]) -> None:
        await _record_attempt(job)
        if job.attempt <= job.args.fail_attempts:
            raise RuntimeError(f"failing attempt {job.attempt} on purpose")


class SnoozeWorker(river.AsyncWorker[SnoozeArgs]):
    async def work(self, job: river.Job[SnoozeArgs]) -> None:
        await _record_attempt(job)
        if _snoozes(job) == 0:
            raise river.JobSnooze(0.5)


class UniqueWorker(river.AsyncWorker[UniqueArgs]):
    async def work(self, job: river.Job[UniqueArgs]) -> None:
        await _record_attempt(job)
        await asyncio.sleep(0.2)


class ResumableWorker(river.AsyncWorker[ResumableArgs]):
    async def work(self, job: river.Job[ResumableArgs]) -> None:
        await _record_attempt(job)
        for step in ("one", "two", "three"):
            await river.aresumable_step(step, lambda: asyncio.sleep(0.2))


class TxCompleteWorker(river.AsyncWorker[TxCompleteArgs]):
    async def work(self, job: river.Job[TxCompleteArgs]) -> None:
        await _record_attempt(job)
        client = river.client_from_context()
        effect = (
            f"INSERT INTO {client.config.schema}.chaos_effect (job_id, attempt) VALUES ({int(job.id)}, {int(job.attempt)})"
        )
        driver = client.driver
        if type(driver).__name__ == "AsyncpgDriver":
            from river_asyncpg import job_complete_tx as complete_asyncpg

            async with driver.pool.acquire() as conn, conn.transaction():
                await conn.execute(effect)
                await complete_asyncpg(conn, job)
        else:
            from river_psycopg3 import job_complete_tx as complete_psycopg

            async with driver.pool.connection() as conn, conn.transaction():
                await conn.execute(effect)
                await complete_psycopg(conn, job)


class WorkflowStepWorker(river.AsyncWorker[WorkflowStepArgs]):
    async def work(self, job: river.Job[WorkflowStepArgs]) -> None:
        await _record_attempt(job)
        # Each dependency's output, as it recorded it; one the task may run without
        # (ignore_*_deps) may have none.
        deps = job.metadata.get("deps") or []
        outputs = river.workflow_outputs()
        ignores = any(job.metadata.get(flag) for flag in river.workflow.IGNORE_FLAGS)
        if sorted(outputs) != sorted(deps) or (not ignores and any(
            outputs[dep] != {"task": dep} for dep in deps
        )):
            raise RuntimeError(f"dependencies' outputs {outputs!r}, deps {deps!r}")
        if job.args.seconds:
            await asyncio.sleep(job.args.seconds)
        if job.attempt <= job.args.fail_attempts:
            raise RuntimeError(f"failing attempt {job.attempt} on purpose")
        river.record_output({"task": job.metadata["task"]})


def workers() -> river.Workers:
    registry = river.Workers()
    for worker in (
        NoopWorker(),
        SlowWorker(),
        FailWorker(),
        SnoozeWorker(),
        UniqueWorker(),
        ResumableWorker(),
        TxCompleteWorker(),
        WorkflowStepWorker(),
    ):
        registry.add(worker)
    return registry


def config(schema: str | None, client_id: str | None = None) -> river.Config:
    return river.Config(
        schema=schema,
        id=client_id,
        queues={name: river.QueueConfig(max_workers=8) for name in QUEUES},
        workers=workers(),
        job_timeout=JOB_TIMEOUT,
        rescue_stuck_jobs_after=RESCUE_AFTER,
        fetch_cooldown=0.02,
        fetch_poll_interval=0.5,
    )


async def client() -> river.AsyncClient[Any]:
    url = os.environ["CHAOS_URL"]
    schema = os.environ.get("CHAOS_SCHEMA") or None
    driver = os.environ.get("CHAOS_DRIVER", "asyncpg")
    client_id = f"chaos-{os.environ.get('CHAOS_WORKER', 'w')}-{os.getpid()}"
    return await river.AsyncClient.from_url(
        url, driver=driver, config=config(schema, client_id)
    )
