"""A resumable cursor step: a retry resumes a loop after its last recorded item.

The step records a cursor after each item; the first attempt fails at ID 4, and the
retry receives the cursor and carries on from there.

Output:
attempt 1: processed 1
attempt 1: processed 2
attempt 1: processed 3
attempt 1: failed at 4
attempt 2: resuming after 3
attempt 2: processed 4
attempt 2: processed 5
Job completed on attempt 2
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from river_psycopg3 import PsycopgDriver

import river


@dataclass
class BatchProcessArgs:
    kind = "batch_process"
    ids: list[int] = field(default_factory=list)


@dataclass
class BatchCursor:
    last_processed_id: int = 0


class BatchProcessWorker(river.Worker[BatchProcessArgs]):
    def work(self, job: river.Job[BatchProcessArgs]) -> None:
        def process_ids(cursor: BatchCursor) -> None:
            if cursor.last_processed_id:
                print(f"attempt {job.attempt}: resuming after {cursor.last_processed_id}")
            for id in job.args.ids:
                if id <= cursor.last_processed_id:
                    continue  # processed by an earlier attempt
                if id == 4 and job.attempt == 1:
                    print(f"attempt {job.attempt}: failed at {id}", flush=True)
                    raise RuntimeError(f"could not process {id}")
                print(f"attempt {job.attempt}: processed {id}", flush=True)
                # Record progress after each item so the next attempt resumes after it.
                river.resumable_set_cursor(BatchCursor(last_processed_id=id))

        river.resumable_step_cursor("process_ids", process_ids)

    def next_retry(self, job: river.Job[BatchProcessArgs]) -> dt.datetime:
        return dt.datetime.now(dt.UTC)  # retry at once, for the example


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    workers = river.Workers()
    workers.add(BatchProcessWorker())
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    client.start()
    client.insert(BatchProcessArgs(ids=[1, 2, 3, 4, 5]))
    event = completed.get(timeout=30)
    assert event is not None and event.job is not None
    print(f"Job completed on attempt {event.job.attempt}")
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
