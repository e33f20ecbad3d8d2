"""Job-specific insert options: from the args type, and per insert.

Output:
Ran in queue: high_priority
Ran in queue: high_priority
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river


@dataclass
class AlwaysHighPriorityArgs:
    kind = "always_high_priority"

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(queue="high_priority")


@dataclass
class SometimesHighPriorityArgs:
    kind = "sometimes_high_priority"


class QueuePrinter(river.AsyncWorker[AlwaysHighPriorityArgs]):
    async def work(self, job: river.Job[AlwaysHighPriorityArgs]) -> None:
        print(f"Ran in queue: {job.queue}")


class SometimesPrinter(river.AsyncWorker[SometimesHighPriorityArgs]):
    async def work(self, job: river.Job[SometimesHighPriorityArgs]) -> None:
        print(f"Ran in queue: {job.queue}")


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(QueuePrinter())
    workers.add(SometimesPrinter())
    client = river.AsyncClient(driver, river.Config(
        queues={
            "default": river.QueueConfig(max_workers=100),
            "high_priority": river.QueueConfig(max_workers=100),
        },
        workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    await client.start()
    await client.insert(AlwaysHighPriorityArgs())
    await completed.get(timeout=10)
    await client.insert(SometimesHighPriorityArgs(), river.InsertOpts(queue="high_priority"))
    await completed.get(timeout=10)
    await client.stop()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
