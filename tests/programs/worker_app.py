"""Targets for ``river worker`` in tests/test_worker_cli.py (not collected).

The database and schema come from ``RIVER_WORKER_TEST_URL`` and ``RIVER_WORKER_TEST_SCHEMA``.
``client`` is a sync client built at import; ``async_client`` is an async factory.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from dataclasses import dataclass
from typing import Any

import river

URL = os.environ.get("RIVER_WORKER_TEST_URL", "")
SCHEMA = os.environ.get("RIVER_WORKER_TEST_SCHEMA") or None


@dataclass
class SleepArgs:
    """Sleeps ``seconds``; stops early when cancelled (asyncio sleep or cooperative check)."""

    kind = "worker_cli_sleep"
    seconds: float = 0.0


@dataclass
class BlockArgs:
    """Sleeps ``seconds`` in a sync worker that ignores cancellation."""

    kind = "worker_cli_block"
    seconds: float = 0.0


@dataclass
class PairArgs:
    """Holds its queue slot until pair jobs run under two different clients."""

    kind = "worker_cli_pair"


@dataclass
class GcArgs:
    """Records the worker process's garbage-collector threshold as the job's output."""

    kind = "worker_cli_gc"


class SyncSleepWorker(river.Worker[SleepArgs]):
    def work(self, job: river.Job[SleepArgs]) -> None:
        deadline = time.monotonic() + job.args.seconds
        while time.monotonic() < deadline:
            river.check_cancelled()
            time.sleep(0.02)


class BlockWorker(river.Worker[BlockArgs]):
    def work(self, job: river.Job[BlockArgs]) -> None:
        time.sleep(job.args.seconds)


class AsyncSleepWorker(river.AsyncWorker[SleepArgs]):
    async def work(self, job: river.Job[SleepArgs]) -> None:
        await asyncio.sleep(job.args.seconds)


class PairWorker(river.AsyncWorker[PairArgs]):
    async def work(self, job: river.Job[PairArgs]) -> None:
        client = river.client_from_context()
        wanted = river.JobListParams(kinds=[PairArgs.kind], states=[river.JobState.RUNNING])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = await client.job_list(wanted)
            if len({row.attempted_by[-1] for row in rows if row.attempted_by}) >= 2:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the other pair job never ran in another process")


class AsyncGcWorker(river.AsyncWorker[GcArgs]):
    async def work(self, job: river.Job[GcArgs]) -> None:
        river.record_output({"threshold": gc.get_threshold()[0]})


def _config(workers: river.Workers, queues: dict[str, int]) -> river.Config:
    return river.Config(
        schema=SCHEMA,
        queues={name: river.QueueConfig(max_workers=n) for name, n in queues.items()},
        workers=workers,
        fetch_cooldown=0.01,
        fetch_poll_interval=0.2,
    )


def sync_client() -> river.Client[Any]:
    workers = river.Workers()
    workers.add(SyncSleepWorker())
    workers.add(BlockWorker())
    return river.Client.from_url(URL, driver="psycopg3", config=_config(workers, {"default": 5}))


async def async_client() -> river.AsyncClient[Any]:
    workers = river.Workers()
    workers.add(AsyncSleepWorker())
    workers.add(PairWorker())
    workers.add(AsyncGcWorker())
    config = _config(workers, {"default": 5, "pair": 1})
    return await river.AsyncClient.from_url(URL, driver="asyncpg", config=config)


def no_queues() -> river.Client[Any]:
    return river.Client.from_url(URL, driver="psycopg3", config=river.Config(schema=SCHEMA))


def needs_arguments(url: str) -> river.Client[Any]:
    return river.Client.from_url(url, driver="psycopg3")


NOT_A_CLIENT = 42

client = sync_client() if URL else None
