"""An error handler for telemetry; it can also cancel the failing job.

Output:
Job errored with: this job errored
Job errored with: this job crashed
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

from river_asyncpg import AsyncpgDriver

import river


class CustomErrorHandler(river.ErrorHandler):
    def handle_error(self, job: Any, error: BaseException) -> river.ErrorHandlerResult | None:
        print(f"Job errored with: {error}")
        # Cancelling keeps the job from being retried.
        return river.ErrorHandlerResult(set_cancelled=isinstance(error, RuntimeError))


@dataclass
class ErroringArgs:
    kind = "erroring"
    should_error: bool = False
    should_crash: bool = False

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(max_attempts=1)  # never retried: one line each


class ErroringWorker(river.AsyncWorker[ErroringArgs]):
    async def work(self, job: river.Job[ErroringArgs]) -> None:
        if job.args.should_error:
            raise ValueError("this job errored")
        if job.args.should_crash:
            raise RuntimeError("this job crashed")


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(ErroringWorker())
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
        error_handler=CustomErrorHandler(),
    ))
    done = client.subscribe(river.EventKind.JOB_FAILED, river.EventKind.JOB_CANCELLED)
    await client.start()
    await client.insert(ErroringArgs(should_error=True))
    await done.get(timeout=10)
    await client.insert(ErroringArgs(should_crash=True))
    await done.get(timeout=10)
    await client.stop()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
