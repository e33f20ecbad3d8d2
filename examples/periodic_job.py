"""A periodic job, inserted by the leading client on an interval.

Output:
This job will run once immediately then approximately once every 15 minutes
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river


@dataclass
class PeriodicJobArgs:
    kind = "periodic"


class PeriodicJobWorker(river.AsyncWorker[PeriodicJobArgs]):
    async def work(self, job: river.Job[PeriodicJobArgs]) -> None:
        print("This job will run once immediately then approximately once every 15 minutes")


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(PeriodicJobWorker())
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=100)},
        workers=workers,
        periodic_jobs=[
            river.PeriodicJob(
                river.PeriodicInterval(dt.timedelta(minutes=15)),
                lambda: PeriodicJobArgs(),
                run_on_start=True,
            )
        ],
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    await client.start()
    await completed.get(timeout=20)
    await client.stop()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
