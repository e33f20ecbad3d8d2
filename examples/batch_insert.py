"""Insert many jobs in one operation (sync client on psycopg 3).

Output:
Inserted 5 jobs
Worked a job
Worked a job
Worked a job
Worked a job
Worked a job
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river


@dataclass
class BatchInsertArgs:
    kind = "batch_insert"


class BatchInsertWorker(river.Worker[BatchInsertArgs]):
    def work(self, job: river.Job[BatchInsertArgs]) -> None:
        sys.stdout.write("Worked a job\n")  # one write: workers run on several threads


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    workers = river.Workers()
    workers.add(BatchInsertWorker())
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=100)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    results = client.insert_many([BatchInsertArgs() for _ in range(5)])
    print(f"Inserted {len(results)} jobs", flush=True)
    client.start()
    for _ in results:
        completed.get(timeout=10)
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
