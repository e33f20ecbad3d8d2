"""The workflow sweeper: the leader's safety net for workflow tasks a promotion missed."""

from __future__ import annotations

import logging

from river._internal.flow.workflow_async import sweep
from river._internal.maintenance.service_async import AsyncService
from river.driver.executor_async import AsyncExecutor

WORKFLOW_SWEEP_INTERVAL = 30.0
WORKFLOW_SWEEP_BATCH = 1000


class AsyncWorkflowSweeper(AsyncService):
    """Every ``interval`` seconds, decides the pending workflow tasks whose dependencies
    have all finished or one failed or was deleted: promotion normally happens in the
    transaction finishing a dependency; this catches changes made outside a client and a
    client lost between the two."""

    name = "workflow sweeper"

    def __init__(
        self,
        executor: AsyncExecutor,
        *,
        insert_topic: str | None = None,
        logger: logging.Logger | None = None,
        interval: float = WORKFLOW_SWEEP_INTERVAL,
        batch_size: int = WORKFLOW_SWEEP_BATCH,
        test_only: bool = False,
    ) -> None:
        super().__init__(interval=interval, logger=logger, test_only=test_only)
        self.executor = executor
        self.insert_topic = insert_topic
        self.batch_size = batch_size

    async def run_once(self) -> int:
        """Sweep until a pass finds nothing; returns how many jobs changed."""
        total = 0
        while True:
            async with self.executor.transaction() as tx:
                changed = await self._sweep(tx)
            total += changed
            if changed == 0:
                return total

    async def _sweep(self, tx: AsyncExecutor) -> int:
        """One pass in ``tx``; returns how many jobs changed."""
        return await sweep(tx, self.insert_topic, self.batch_size)
