"""Complete a job in the same transaction as the worker's own database changes.

Output:
Transitioned TransactionalWorker job from 'running' to 'completed'
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

import river_asyncpg
from river_asyncpg import AsyncpgDriver

import river


@dataclass
class TransactionalArgs:
    kind = "transactional_worker"


class TransactionalWorker(river.AsyncWorker[TransactionalArgs]):
    def __init__(self, driver: AsyncpgDriver) -> None:
        self.driver = driver

    async def work(self, job: river.Job[TransactionalArgs]) -> None:
        async with self.driver.pool.acquire() as conn, conn.transaction():
            await conn.fetchval("SELECT 1")  # the job's own changes go here
            after = await river_asyncpg.job_complete_tx(conn, job)
        print(f"Transitioned TransactionalWorker job from {job.state.value!r} to "
              f"{after.state.value!r}")


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(TransactionalWorker(driver))
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    await client.start()
    await client.insert(TransactionalArgs())
    await completed.get(timeout=10)
    await client.stop()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
