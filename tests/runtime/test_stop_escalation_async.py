"""A stop's ``soft_stop_timeout`` escalates to cancelling running jobs whatever else is
waiting on the client: here a ``queues.remove`` without a timeout, waiting for the job it
holds the client for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import agather, asleep, aspawn
from tests._client_helpers_async import make_config, wait_for

pytestmark = pytest.mark.anyio


@dataclass
class HoldArgs:
    kind = "hold_until_cancelled"


class HoldWorker(river.AsyncWorker[HoldArgs]):
    """Runs until its job is cancelled (a bounded number of steps, then returns)."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.saw_cancel: list[bool] = []

    async def work(self, job: river.Job[HoldArgs]) -> None:
        self.started.append(job.id)
        try:
            for _ in range(3000):
                river.check_cancelled()
                await asleep(0.01)
        finally:
            self.saw_cancel.append(river.job_cancelled())


async def test_soft_stop_timeout_applies_while_a_queue_removal_waits(
    adriver: Any, schema: str
) -> None:
    worker = HoldWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(adriver, make_config(schema, workers, soft_stop_timeout=0.05))
    await client.start()
    job_id = (await client.insert(HoldArgs())).job.id

    async def holding() -> bool:
        return job_id in worker.started

    await wait_for(holding, timeout=10.0)
    removal = aspawn(client.queues.remove, "default")

    async def removing() -> bool:
        return client._stop_lock.locked()  # type: ignore[no-any-return]

    await wait_for(removing, timeout=10.0)
    await client.stop()
    await agather(removal)
    # The escalation cancelled the job the removal waited for: it did not run to its end.
    assert worker.saw_cancel == [True]
    done = await client.job_get(job_id)
    assert done.state is river.JobState.AVAILABLE  # interrupted by the stop, not completed
    assert done.errors == []
