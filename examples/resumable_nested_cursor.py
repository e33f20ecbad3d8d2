"""Nested loops in one cursor step: the cursor records both levels, so a retry skips
finished outer items and, within the current one, finished inner items.

Output:
attempt 1: 1/a
attempt 1: 1/b
attempt 1: 2/a
attempt 1: failed at 2/b
attempt 2: 2/b
attempt 2: 2/c
attempt 2: 3/a
Job completed on attempt 2
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from dataclasses import dataclass, field

from river_asyncpg import AsyncpgDriver

import river


@dataclass
class NestedArgs:
    kind = "nested"
    ids: list[int] = field(default_factory=list)
    sub_ids: dict[str, list[str]] = field(default_factory=dict)  # JSON keys are strings


@dataclass
class NestedCursor:
    last_processed_id: int = 0
    last_processed_sub_id: str = ""


class NestedWorker(river.AsyncWorker[NestedArgs]):
    async def work(self, job: river.Job[NestedArgs]) -> None:
        async def process_ids(cursor: NestedCursor) -> None:
            for id in job.args.ids:
                if id < cursor.last_processed_id:
                    continue
                for sub_id in job.args.sub_ids[str(id)]:
                    if id == cursor.last_processed_id and sub_id <= cursor.last_processed_sub_id:
                        continue
                    if (id, sub_id) == (2, "b") and job.attempt == 1:
                        print(f"attempt {job.attempt}: failed at {id}/{sub_id}", flush=True)
                        raise RuntimeError("sub item failed")
                    await asyncio.sleep(0)  # the real work would go here
                    print(f"attempt {job.attempt}: {id}/{sub_id}", flush=True)
                    river.resumable_set_cursor(NestedCursor(id, sub_id))

        await river.aresumable_step_cursor("process_ids", process_ids)

    def next_retry(self, job: river.Job[NestedArgs]) -> dt.datetime:
        return dt.datetime.now(dt.UTC)  # retry at once, for the example


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(NestedWorker())
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    await client.start()
    await client.insert(NestedArgs(
        ids=[1, 2, 3], sub_ids={"1": ["a", "b"], "2": ["a", "b", "c"], "3": ["a"]},
    ))
    event = await completed.get(timeout=30)
    assert event is not None and event.job is not None
    print(f"Job completed on attempt {event.job.attempt}")
    await client.stop()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
