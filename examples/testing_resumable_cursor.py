"""Testing a resumable cursor step from a given cursor with ``river.testing``.

``resumable_step_at_cursor`` starts the job in the named cursor step with the given
cursor, as a retry after partial progress would; the ``TestWorker`` harness works it in a
rolled-back transaction. ``require_inserted_tx`` checks the job the harness inserted.

Output:
event: job_completed
processed: [2, 3]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from river_psycopg3 import PsycopgDriver

import river
from river.testing import (
    RequireInsertedOpts,
    TestWorker,
    require_inserted_tx,
    resumable_step_at_cursor,
)


@dataclass
class BatchArgs:
    kind = "batch"
    ids: list[int] = field(default_factory=list)


@dataclass
class BatchCursor:
    last_processed_id: int = 0


class BatchWorker(river.Worker[BatchArgs]):
    def __init__(self) -> None:
        self.processed: list[int] = []

    def work(self, job: river.Job[BatchArgs]) -> None:
        def process(cursor: BatchCursor) -> None:
            for id in job.args.ids:
                if id > cursor.last_processed_id:
                    self.processed.append(id)
                    river.resumable_set_cursor(BatchCursor(id))

        river.resumable_step_cursor("process_ids", process)


def test_batch_resumes_after_cursor(driver: PsycopgDriver) -> None:
    worker = BatchWorker()
    harness = TestWorker(driver, worker, river.Config())
    with driver.pool.connection() as conn, conn.transaction(force_rollback=True):
        opts = resumable_step_at_cursor(None, "process_ids", BatchCursor(last_processed_id=1))
        result = harness.work(conn, BatchArgs(ids=[1, 2, 3]), opts)
        require_inserted_tx(
            driver, conn, BatchArgs, RequireInsertedOpts(state=river.JobState.COMPLETED),
        )
    assert result.event_kind is river.EventKind.JOB_COMPLETED, result.error
    assert worker.processed == [2, 3]
    print(f"event: {result.event_kind.value}")
    print(f"processed: {worker.processed}")


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    try:
        test_batch_resumes_after_cursor(driver)
    finally:
        driver.close()


if __name__ == "__main__":
    main()
