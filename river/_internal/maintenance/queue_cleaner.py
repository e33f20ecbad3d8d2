# WARNING: this file is generated from 'queue_cleaner_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The queue cleaner: forgets queues that no producer has touched for a long time."""

from __future__ import annotations

import datetime as dt
import logging

from river._internal.maintenance.service import Service
from river.driver.executor import Executor

QUEUE_CLEANER_INTERVAL = 3600.0
QUEUE_RETENTION = 86400.0
QUEUE_BATCH_SIZE = 1000


class QueueCleaner(Service):
    """Every ``interval`` seconds, deletes ``river_queue`` rows whose ``updated_at`` is
    older than ``retention`` seconds. Producers refresh their queue's row while they run, so
    only queues without any live producer expire.
    """

    name = "queue cleaner"

    def __init__(
        self,
        executor: Executor,
        *,
        retention: float = QUEUE_RETENTION,
        logger: logging.Logger | None = None,
        interval: float = QUEUE_CLEANER_INTERVAL,
        batch_size: int = QUEUE_BATCH_SIZE,
        test_only: bool = False,
    ) -> None:
        super().__init__(interval=interval, logger=logger, test_only=test_only)
        self.executor = executor
        self.retention = retention
        self.batch_size = batch_size

    def run_once(self) -> int:
        """Delete every expired queue; returns how many were deleted."""
        horizon = self.time.now_utc() - dt.timedelta(seconds=self.retention)
        total = 0
        while True:
            deleted = self.executor.queue_delete_expired(horizon, max=self.batch_size)
            total += len(deleted)
            if len(deleted) < self.batch_size:
                return total
