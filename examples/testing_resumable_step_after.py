"""Testing a resumable worker from a given step with ``river.testing``.

``resumable_step_after`` makes the job skip every step up to and including the named
one, as a retry would; the ``TestWorker`` harness works it inside a transaction that is
rolled back afterwards. Such tests catch later steps that depend on state an earlier,
skipped step would have set up.

Output:
event: job_completed
steps run: transform, load
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river
from river.testing import TestWorker, resumable_step_after


@dataclass
class PipelineArgs:
    kind = "pipeline"


class PipelineWorker(river.Worker[PipelineArgs]):
    def __init__(self) -> None:
        self.ran: list[str] = []

    def work(self, job: river.Job[PipelineArgs]) -> None:
        for step in ("download", "transform", "load"):
            river.resumable_step(step, lambda step=step: self.ran.append(step))


def test_pipeline_from_transform(driver: PsycopgDriver) -> None:
    worker = PipelineWorker()
    harness = TestWorker(driver, worker, river.Config())
    with driver.pool.connection() as conn, conn.transaction(force_rollback=True):
        opts = resumable_step_after(river.InsertOpts(), "download")
        result = harness.work(conn, PipelineArgs(), opts)
    assert result.event_kind is river.EventKind.JOB_COMPLETED, result.error
    assert worker.ran == ["transform", "load"]
    print(f"event: {result.event_kind.value}")
    print(f"steps run: {', '.join(worker.ran)}")


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    try:
        test_pipeline_from_transform(driver)
    finally:
        driver.close()


if __name__ == "__main__":
    main()
