"""Subscribe to events about worked jobs.

Output:
Got job with state: completed
Got job with state: available
Got job with state: cancelled
Client stopped
Subscription is closed
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river


@dataclass
class SubscriptionArgs:
    kind = "subscription"
    cancel: bool = False
    fail: bool = False


class SubscriptionWorker(river.AsyncWorker[SubscriptionArgs]):
    async def work(self, job: river.Job[SubscriptionArgs]) -> None:
        if job.args.cancel:
            raise river.JobCancel("cancelling job")
        if job.args.fail:
            raise ValueError("failing job")


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(SubscriptionWorker())
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    events = client.subscribe(
        river.EventKind.JOB_COMPLETED, river.EventKind.JOB_FAILED, river.EventKind.JOB_CANCELLED
    )
    await client.start()
    # Inserted one at a time so the events come in this order. The failed job's first
    # retry is due within a second, so it goes straight back to 'available'.
    for args in (SubscriptionArgs(), SubscriptionArgs(fail=True), SubscriptionArgs(cancel=True)):
        await client.insert(args)
        event = await events.get(timeout=10)
        assert event is not None and event.job is not None
        print(f"Got job with state: {event.job.state.value}")
    await client.stop()
    print("Client stopped")
    if await events.get(timeout=1) is None:
        print("Subscription is closed")
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
