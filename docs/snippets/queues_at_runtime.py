"""Add a queue to a running client, give it metadata, then remove it.

Output:
queues: ['default', 'reports']
report job: completed
metadata: {'owner': 'analytics'}
queues after remove: ['default']
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
        queues={"default": river.QueueConfig(max_workers=5)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    await client.start()

    await client.queues.add("reports", river.QueueConfig(max_workers=2))
    print(f"queues: {client.queues.names()}")
    await client.insert(ReportArgs(), river.InsertOpts(queue="reports"))
    event = await completed.get(timeout=10)
    assert event is not None and event.job is not None
    print(f"report job: {event.job.state.value}")

    queue = await client.queue_update("reports", metadata={"owner": "analytics"})
    print(f"metadata: {queue.metadata}")

    await client.queues.remove("reports")  # waits for its running jobs
    print(f"queues after remove: {client.queues.names()}")

    await client.stop()
    await client.stopped()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
