"""The sequence sweeper: the leader's safety net for sequences a promotion missed."""

from __future__ import annotations

from river._internal.flow.sequence_async import sweep
from river._internal.maintenance.workflow_sweeper_async import AsyncWorkflowSweeper
from river.driver.executor_async import AsyncExecutor


class AsyncSequenceSweeper(AsyncWorkflowSweeper):
    """Every ``interval`` seconds (as the workflow sweeper), makes available the next job
    of each sequence that has nothing in its way: promotion normally happens in the
    transaction inserting or finishing a job of the sequence; this catches changes made
    outside a client and a client lost between the two."""

    name = "sequence sweeper"

    async def _sweep(self, tx: AsyncExecutor) -> int:
        return await sweep(tx, self.insert_topic, self.batch_size)
