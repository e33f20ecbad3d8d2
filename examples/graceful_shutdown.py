"""A realistic stop loop: the first SIGINT/SIGTERM stops softly (running jobs finish), the
second cancels running jobs, a third exits at once.

This example signals itself twice to show both steps.

Output:
Working job that doesn't finish until cancelled
Received SIGINT/SIGTERM; initiating soft stop (try to wait for jobs to finish)
Received SIGINT/SIGTERM again; initiating hard stop (cancel everything)
Job cancelled
Job state after stop: available
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river


@dataclass
class WaitsForCancelOnlyArgs:
    kind = "waits_for_cancel_only"


class WaitsForCancelOnlyWorker(river.AsyncWorker[WaitsForCancelOnlyArgs]):
    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def work(self, job: river.Job[WaitsForCancelOnlyArgs]) -> None:
        print("Working job that doesn't finish until cancelled", flush=True)
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            print("Job cancelled", flush=True)
            raise


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    worker = WaitsForCancelOnlyWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    await client.start()
    job = (await client.insert(WaitsForCancelOnlyArgs())).job

    signals = 0
    soft_stop: asyncio.Task[None] | None = None
    hard_stop: asyncio.Task[None] | None = None

    def on_signal() -> None:
        nonlocal signals, soft_stop, hard_stop
        signals += 1
        if signals == 1:
            print("Received SIGINT/SIGTERM; initiating soft stop "
                  "(try to wait for jobs to finish)", flush=True)
            soft_stop = asyncio.ensure_future(client.stop())
        elif signals == 2:
            print("Received SIGINT/SIGTERM again; initiating hard stop "
                  "(cancel everything)", flush=True)
            hard_stop = asyncio.ensure_future(client.stop_and_cancel())
        else:
            print("Received SIGINT/SIGTERM a third time; exiting", flush=True)
            sys.exit(1)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)

    await worker.started.wait()
    os.kill(os.getpid(), signal.SIGTERM)  # as if Ctrl+C were pressed …
    await asyncio.sleep(0.2)
    os.kill(os.getpid(), signal.SIGTERM)  # … and pressed again
    while soft_stop is None or not soft_stop.done():
        await asyncio.sleep(0.05)
    print(f"Job state after stop: {(await client.job_get(job.id)).state.value}")
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
