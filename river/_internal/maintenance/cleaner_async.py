"""The job cleaner: deletes finalized jobs once their state's retention period has passed."""

from __future__ import annotations

import datetime as dt
import logging

from river._internal.maintenance.service_async import AsyncService
from river._internal.maintenance.service_base import (
    BATCH_SIZE,
    Retention,
    retention_horizon,
)
from river.config import JOB_CLEANER_TIMEOUT_DEFAULT
from river.driver.errors import QueryCanceledError
from river.driver.executor_async import AsyncExecutor
from river.driver.params import JobDeleteBeforeParams

CLEANER_INTERVAL = 30.0
CANCELLED_RETENTION = dt.timedelta(hours=24)
COMPLETED_RETENTION = dt.timedelta(hours=24)
DISCARDED_RETENTION = dt.timedelta(days=7)


class AsyncJobCleaner(AsyncService):
    """Every ``interval`` seconds, deletes ``cancelled``, ``completed`` and ``discarded``
    jobs finalized longer ago than that state's retention (a timedelta or seconds; None or a
    negative value keeps that state forever), ``batch_size`` rows per statement until a
    statement deletes fewer.

    Each delete statement may run ``timeout`` seconds (None: no limit); one that takes
    longer is cancelled, logged as a warning, and the rest waits for the next run, as in
    River (``JobCleanerTimeout``).
    """

    name = "job cleaner"

    def __init__(
        self,
        executor: AsyncExecutor,
        *,
        cancelled_retention: Retention = CANCELLED_RETENTION,
        completed_retention: Retention = COMPLETED_RETENTION,
        discarded_retention: Retention = DISCARDED_RETENTION,
        logger: logging.Logger | None = None,
        interval: float = CLEANER_INTERVAL,
        batch_size: int = BATCH_SIZE,
        timeout: float | None = JOB_CLEANER_TIMEOUT_DEFAULT,
        test_only: bool = False,
    ) -> None:
        super().__init__(interval=interval, logger=logger, test_only=test_only)
        self.executor = executor
        self.cancelled_retention = cancelled_retention
        self.completed_retention = completed_retention
        self.discarded_retention = discarded_retention
        self.batch_size = batch_size
        self.timeout = timeout

    async def run_once(self) -> int:
        """Delete every expired job; returns how many were deleted."""
        now = self.time.now_utc()
        params = JobDeleteBeforeParams(
            cancelled_finalized_before=retention_horizon(self.cancelled_retention, now),
            completed_finalized_before=retention_horizon(self.completed_retention, now),
            discarded_finalized_before=retention_horizon(self.discarded_retention, now),
            max=self.batch_size,
        )
        if (
            params.cancelled_finalized_before is None
            and params.completed_finalized_before is None
            and params.discarded_finalized_before is None
        ):
            return 0
        total = 0
        while True:
            try:
                deleted = await self.executor.job_delete_before(params, timeout=self.timeout)
            except QueryCanceledError as exc:
                self.logger.warning(
                    "river: %s: deleting jobs took longer than %gs and was cancelled; "
                    "trying again at the next run (%s)",
                    self.name, self.timeout, exc,
                )
                return total
            total += deleted
            if deleted < self.batch_size:
                return total
