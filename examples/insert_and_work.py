"""Register a worker, start a client, insert a job in a transaction, and work it.

Output:
Sorted strings: ['bear', 'tiger', 'whale']
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river


@dataclass
class SortArgs:
    kind = "sort"
    strings: list[str]


class SortWorker(river.AsyncWorker[SortArgs]):
    async def work(self, job: river.Job[SortArgs]) -> None:
        print("Sorted strings:", sorted(job.args.strings))


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(SortWorker())
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=100)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    await client.start()
    async with driver.pool.acquire() as conn, conn.transaction():
        await client.insert_tx(conn, SortArgs(strings=["whale", "tiger", "bear"]))
    await completed.get(timeout=10)
    await client.stop()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
