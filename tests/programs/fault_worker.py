"""A worker process for the fault tests: ``python -m tests.programs.fault_worker URL SCHEMA``.

Works ``fault`` jobs until SIGTERM. Every attempt it starts is first recorded as a row
``(job_id, attempt, pid)`` of ``<schema>.fault_log`` (created by the test), so the test
can prove which process ran what, and that nothing ran twice. A job with ``hang_first``
hangs on its first attempt (to be killed mid-job) and completes on later ones. Client id:
``fault-<pid>``; stuck jobs are rescued after 2 s.
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
from river.driver.query import quote_ident


@dataclass
class FaultArgs:
    kind = "fault"
    hang_first: bool = False


class FaultWorker(river.AsyncWorker[FaultArgs]):
    def __init__(self, driver: AsyncpgDriver, schema: str) -> None:
        self.driver = driver
        self.log_sql = (
            f"INSERT INTO {quote_ident(schema)}.fault_log (job_id, attempt, pid) "
            "VALUES ($1, $2, $3)"
        )

    async def work(self, job: river.Job[FaultArgs]) -> None:
        await self.driver.pool.execute(self.log_sql, job.id, job.attempt, os.getpid())
        if job.args.hang_first and job.attempt == 1:
            await asyncio.sleep(600)


async def main(url: str, schema: str) -> None:
    driver = await AsyncpgDriver.open(url, max_size=10)
    workers = river.Workers()
    workers.add(FaultWorker(driver, schema))
    client = river.AsyncClient(driver, river.Config(
        schema=schema,
        id=f"fault-{os.getpid()}",
        queues={"default": river.QueueConfig(max_workers=200)},
        workers=workers,
        # The rescuer leaves a job alone until its timeout has passed (River's rule): hung
        # jobs are killed with their process well before it.
        job_timeout=dt.timedelta(seconds=5),
        fetch_cooldown=0.01,
        fetch_poll_interval=0.2,
        rescue_stuck_jobs_after=dt.timedelta(seconds=5),
    ))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await client.start()
    print("started", flush=True)
    await stop.wait()
    await client.stop_and_cancel()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
