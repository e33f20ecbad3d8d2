"""Worker middleware that times each attempt, and a hook that counts attempts.

Output:
work_begin: timed
took less than a second: True
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river


class TimingMiddleware(river.AsyncWorkerMiddleware):
    def __init__(self) -> None:
        self.durations: list[float] = []

    async def work(self, job: river.JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        started = time.monotonic()
        try:
            await call_next()
        finally:
            self.durations.append(time.monotonic() - started)


class PrintingHook(river.AsyncHook):
    async def work_begin(self, job: river.JobRow) -> None:
        print(f"work_begin: {job.kind}", flush=True)


@dataclass
class TimedArgs:
    kind = "timed"


class TimedWorker(river.AsyncWorker[TimedArgs]):
    async def work(self, job: river.Job[TimedArgs]) -> None:
        pass


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    timing = TimingMiddleware()
    workers = river.Workers()
    workers.add(TimedWorker())
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
        middleware=[timing], hooks=[PrintingHook()],
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    await client.start()
    await client.insert(TimedArgs())
    await completed.get(timeout=10)
    await client.stop()
    print(f"took less than a second: {timing.durations[0] < 1}")
    await driver.close()


if __name__ == "__main__":
    import asyncio

    asyncio.run(main())
