"""Pause a queue so no client fetches from it, then resume it.

Output:
paused: True
jobs worked while paused: 0
paused: False
jobs worked after resume: 1
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river


@dataclass
class ReportArgs:
    kind = "report"


class ReportWorker(river.AsyncWorker[ReportArgs]):
    async def work(self, job: river.Job[ReportArgs]) -> None:
        pass


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(ReportWorker())
    client = river.AsyncClient(driver, river.Config(
        queues={"reports": river.QueueConfig(max_workers=5)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    paused = client.subscribe(river.EventKind.QUEUE_PAUSED)
    await client.start()

    await client.queue_pause("reports")
    await paused.get(timeout=30)  # this client's producer has stopped fetching
    print(f"paused: {(await client.queue_get('reports')).paused_at is not None}")
    await client.insert(ReportArgs(), river.InsertOpts(queue="reports"))
    try:
        await completed.get(timeout=1.5)
        print("jobs worked while paused: 1")
    except TimeoutError:
        print("jobs worked while paused: 0")

    await client.queue_resume("reports")
    print(f"paused: {(await client.queue_get('reports')).paused_at is not None}")
    await completed.get(timeout=30)
    print("jobs worked after resume: 1")

    await client.stop()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
