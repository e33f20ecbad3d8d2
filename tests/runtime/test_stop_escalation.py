# WARNING: this file is generated from 'test_stop_escalation_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""A stop's ``soft_stop_timeout`` escalates to cancelling running jobs whatever else is
waiting on the client: here a ``queues.remove`` without a timeout, waiting for the job it
holds the client for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import gather, sleep, spawn
from tests._client_helpers import make_config, wait_for

pytestmark = pytest.mark.anyio


@dataclass
class HoldArgs:
    kind = "hold_until_cancelled"


class HoldWorker(river.Worker[HoldArgs]):
    """Runs until its job is cancelled (a bounded number of steps, then returns)."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.saw_cancel: list[bool] = []

    def work(self, job: river.Job[HoldArgs]) -> None:
        self.started.append(job.id)
        try:
            for _ in range(3000):
                river.check_cancelled()
                sleep(0.01)
        finally:
            self.saw_cancel.append(river.job_cancelled())


def test_soft_stop_timeout_applies_while_a_queue_removal_waits(driver: Any, schema: str) -> None:
    worker = HoldWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.Client(driver, make_config(schema, workers, soft_stop_timeout=0.05))
    client.start()
    job_id = client.insert(HoldArgs()).job.id

    def holding() -> bool:
        return job_id in worker.started

    wait_for(holding, timeout=10.0)
    removal = spawn(client.queues.remove, "default")

    def removing() -> bool:
        return client._stop_lock.locked()  # type: ignore[no-any-return]

    wait_for(removing, timeout=10.0)
    client.stop()
    gather(removal)
    # The escalation cancelled the job the removal waited for: it did not run to its end.
    assert worker.saw_cancel == [True]
    done = client.job_get(job_id)
    assert done.state is river.JobState.AVAILABLE  # interrupted by the stop, not completed
    assert done.errors == []
