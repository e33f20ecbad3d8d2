"""A worker process for the multi-process tests: ``python -m tests.programs.cluster_worker URL SCHEMA``.

Works ``cluster`` jobs (sleeping ``args.sleep`` seconds, cancellable) until SIGTERM, then
stops cleanly. Its client id is ``cluster-<pid>``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river


@dataclass
class ClusterArgs:
    kind = "cluster"
    sleep: float = 0.0


class ClusterWorker(river.AsyncWorker[ClusterArgs]):
    async def work(self, job: river.Job[ClusterArgs]) -> None:
        if job.args.sleep:
            await asyncio.sleep(job.args.sleep)


async def main(url: str, schema: str) -> None:
    driver = await AsyncpgDriver.open(url, max_size=10)
    workers = river.Workers()
    workers.add(ClusterWorker())
    client = river.AsyncClient(driver, river.Config(
        schema=schema,
        id=f"cluster-{os.getpid()}",
        queues={"default": river.QueueConfig(max_workers=50)},
        workers=workers,
        fetch_cooldown=0.01,
        fetch_poll_interval=0.1,
        # Rescued once stuck past both (River's rule); the tests kill workers well before.
        job_timeout=dt.timedelta(seconds=5),
        rescue_stuck_jobs_after=dt.timedelta(seconds=5),
    ))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await client.start()
    # start() waits 5 s at most for LISTEN; a loaded machine may need longer, and the
    # cancel test needs notifications from the moment "started" is printed.
    notifier = client._notifier
    if notifier is not None:
        await notifier.connected.wait_timeout(30)
    print("started", flush=True)
    await stop.wait()
    await client.stop()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
