"""A worker process for the durable-checkpoint test:
``python -m tests.programs.resumable_kill_worker URL SCHEMA DRIVER COLOUR KILL_AT``.

Works one ``durable_items`` job: each item is written to ``processed`` and checkpointed
with ``resumable_set_step_cursor_tx`` in one transaction. At item ``KILL_AT`` (0: never)
the process kills itself with SIGKILL after the item's write, before the commit.
Exits once the job has left ``running``.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import river
from tests import _client_helpers, _client_helpers_async


@dataclass
class DurableArgs:
    kind = "durable_items"
    items: list[int] = field(default_factory=list)


def _sql(schema: str) -> str:
    return f'INSERT INTO "{schema}".processed (item, attempt) VALUES ($1, $2)'


def _params(query: str, driver: str) -> str:
    return query if driver == "asyncpg" else query.replace("$1", "%s").replace("$2", "%s")


def _config(schema: str, worker: Any) -> river.Config:
    workers = river.Workers()
    workers.add(worker)
    return river.Config(
        schema=schema, workers=workers, queues={"default": river.QueueConfig(max_workers=2)},
        fetch_cooldown=0.01, fetch_poll_interval=0.05,
    )


def main_sync(url: str, schema: str, name: str, kill_at: int) -> None:
    tx_module: Any = importlib.import_module(f"river_{name}")
    driver: Any = (tx_module.Psycopg2Driver if name == "psycopg2" else tx_module.PsycopgDriver).open(url)
    insert = _params(_sql(schema), name)

    class Durable(river.Worker[DurableArgs]):
        def work(self, job: river.Job[DurableArgs]) -> None:
            def process(cursor: int) -> None:
                for item in job.args.items:
                    if item <= cursor:
                        continue
                    with _client_helpers.user_tx(driver) as tx:
                        tx.cursor().execute(insert, (item, job.attempt))
                        tx_module.resumable_set_step_cursor_tx(tx, job, item)
                        if item == kill_at:
                            os.kill(os.getpid(), signal.SIGKILL)

            river.resumable_step_cursor("items", process)

    client = river.Client(driver, _config(schema, Durable()))
    client.start()
    executor = driver.get_executor(schema)
    while any(j.state is river.JobState.RUNNING or j.state is river.JobState.AVAILABLE
              for j in executor.job_list(river.JobListParams())):
        time.sleep(0.05)
    client.stop()
    driver.close()


async def main_async(url: str, schema: str, name: str, kill_at: int) -> None:
    tx_module: Any = importlib.import_module(f"river_{name}")
    cls = tx_module.AsyncpgDriver if name == "asyncpg" else tx_module.AsyncPsycopgDriver
    driver: Any = await cls.open(url)
    insert = _params(_sql(schema), name)

    class Durable(river.AsyncWorker[DurableArgs]):
        async def work(self, job: river.Job[DurableArgs]) -> None:
            async def process(cursor: int) -> None:
                for item in job.args.items:
                    if item <= cursor:
                        continue
                    async with _client_helpers_async.user_tx(driver) as tx:
                        await tx.execute(insert, *(item, job.attempt)) if name == "asyncpg" \
                            else await tx.execute(insert, (item, job.attempt))
                        await tx_module.resumable_set_step_cursor_tx(tx, job, item)
                        if item == kill_at:
                            os.kill(os.getpid(), signal.SIGKILL)

            await river.aresumable_step_cursor("items", process)

    client = river.AsyncClient(driver, _config(schema, Durable()))
    await client.start()
    executor = driver.get_executor(schema)
    while any(j.state in (river.JobState.RUNNING, river.JobState.AVAILABLE)
              for j in await executor.job_list(river.JobListParams())):
        await asyncio.sleep(0.05)
    await client.stop()
    await driver.close()


if __name__ == "__main__":
    url, schema, name, colour, kill = sys.argv[1:6]
    if colour == "sync":
        main_sync(url, schema, name, int(kill))
    else:
        asyncio.run(main_async(url, schema, name, int(kill)))
