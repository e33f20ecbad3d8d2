"""Durable checkpoints: each item's write and its checkpoint commit together, with
``resumable_set_step_cursor_tx``, so progress survives even a crash of the process.

The first attempt fails while writing item 3, inside that item's transaction: the write
and the checkpoint roll back together, and the retry resumes at item 3.

Output:
attempt 1: committed item 1
attempt 1: committed item 2
attempt 1: failed in item 3 (rolled back)
attempt 2: resuming after item 2
attempt 2: committed item 3
attempt 2: committed item 4
Items written: [(1, 1), (2, 1), (3, 2), (4, 2)]
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from river_psycopg3 import PsycopgDriver, resumable_set_step_cursor_tx

import river


@dataclass
class DurableArgs:
    kind = "durable"
    items: list[int] = field(default_factory=list)


class DurableWorker(river.Worker[DurableArgs]):
    def __init__(self, driver: PsycopgDriver) -> None:
        self.driver = driver

    def work(self, job: river.Job[DurableArgs]) -> None:
        def process(cursor: int) -> None:
            if cursor:
                print(f"attempt {job.attempt}: resuming after item {cursor}")
            for item in job.args.items:
                if item <= cursor:
                    continue
                with self.driver.pool.connection() as conn, conn.transaction():
                    conn.execute(
                        "INSERT INTO written (item, attempt) VALUES (%s, %s)",
                        (item, job.attempt),
                    )
                    if item == 3 and job.attempt == 1:
                        print(f"attempt {job.attempt}: failed in item {item} (rolled back)")
                        raise RuntimeError("crashed mid-item")
                    # Persisted in the same transaction as the write: both or neither.
                    resumable_set_step_cursor_tx(conn, job, item)
                print(f"attempt {job.attempt}: committed item {item}", flush=True)

        river.resumable_step_cursor("write_items", process)

    def next_retry(self, job: river.Job[DurableArgs]) -> dt.datetime:
        return dt.datetime.now(dt.UTC)  # retry at once, for the example


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    driver.get_executor().exec_script(
        "CREATE TABLE IF NOT EXISTS written (item int PRIMARY KEY, attempt int NOT NULL)"
    )
    workers = river.Workers()
    workers.add(DurableWorker(driver))
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    client.start()
    client.insert(DurableArgs(items=[1, 2, 3, 4]))
    assert completed.get(timeout=30) is not None
    client.stop()
    with driver.pool.connection() as conn:
        rows = conn.execute("SELECT item, attempt FROM written ORDER BY item")
        print(f"Items written: {rows.fetchall()}")
    driver.close()


if __name__ == "__main__":
    main()
