# WARNING: this file is generated from 'scheduler_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The job scheduler: makes due ``scheduled`` and ``retryable`` jobs ``available``."""

from __future__ import annotations

import datetime as dt
import logging

from river._internal.maintenance.service import BATCH_SIZE, Service
from river._internal.notifier.notification import TOPIC_INSERT, InsertNotice, channel
from river.driver.executor import Executor
from river.driver.params import JobScheduleParams, NotifyManyParams

SCHEDULER_INTERVAL = 5.0
# Producers are told about jobs due this soon; later ones are found by their fetch poll.
NOTIFY_HORIZON = dt.timedelta(milliseconds=5)


class JobScheduler(Service):
    """Every ``interval`` seconds, moves jobs due within ``look_ahead`` seconds (default: the
    interval, as River) from ``scheduled``/``retryable`` to ``available``, ``batch_size`` rows
    per transaction. Producers still wait for ``scheduled_at`` before fetching a job, so the
    look-ahead only removes the scheduler's delay.

    A unique job whose key is held by a live job (or by an earlier job of the same batch) is
    ``discarded`` instead, with metadata ``unique_key_conflict: scheduler_discarded``. In the
    same transaction it notifies ``<schema_name>.river_insert`` for each queue that received
    a job that is due now, so listening producers fetch at once.
    """

    name = "job scheduler"

    def __init__(
        self,
        executor: Executor,
        *,
        schema_name: str,
        logger: logging.Logger | None = None,
        interval: float = SCHEDULER_INTERVAL,
        look_ahead: float | None = None,
        batch_size: int = BATCH_SIZE,
        test_only: bool = False,
    ) -> None:
        super().__init__(interval=interval, logger=logger, test_only=test_only)
        self.executor = executor
        self.look_ahead = interval if look_ahead is None else look_ahead
        self.batch_size = batch_size
        self._insert_topic = channel(schema_name, TOPIC_INSERT)

    def run_once(self) -> int:
        """Schedule every due job, batch by batch; returns how many changed state."""
        total = 0
        while True:
            with self.executor.transaction() as tx:
                now = self.time.now_utc()
                results = tx.job_schedule(
                    JobScheduleParams(
                        now=now + dt.timedelta(seconds=self.look_ahead), max=self.batch_size
                    )
                )
                horizon = self.time.now_utc() + NOTIFY_HORIZON
                queues = sorted(
                    {
                        r.job.queue
                        for r in results
                        if not r.conflict_discarded and r.job.scheduled_at <= horizon
                    }
                )
                if queues:
                    tx.notify_many(
                        NotifyManyParams(
                            topic=self._insert_topic,
                            payloads=[InsertNotice(q).to_payload() for q in queues],
                        )
                    )
            total += len(results)
            if len(results) < self.batch_size:
                return total
