# WARNING: this file is generated from 'workflow_sweeper_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The workflow sweeper: the leader's safety net for workflow tasks a promotion missed."""

from __future__ import annotations

import logging

from river._internal.flow.workflow import sweep
from river._internal.maintenance.service import Service
from river.driver.executor import Executor

WORKFLOW_SWEEP_INTERVAL = 30.0
WORKFLOW_SWEEP_BATCH = 1000


class WorkflowSweeper(Service):
    """Every ``interval`` seconds, decides the pending workflow tasks whose dependencies
    have all finished or one failed or was deleted: promotion normally happens in the
    transaction finishing a dependency; this catches changes made outside a client and a
    client lost between the two."""

    name = "workflow sweeper"

    def __init__(
        self,
        executor: Executor,
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

    def run_once(self) -> int:
        """Sweep until a pass finds nothing; returns how many jobs changed."""
        total = 0
        while True:
            with self.executor.transaction() as tx:
                changed = self._sweep(tx)
            total += changed
            if changed == 0:
                return total

    def _sweep(self, tx: Executor) -> int:
        """One pass in ``tx``; returns how many jobs changed."""
        return sweep(tx, self.insert_topic, self.batch_size)
