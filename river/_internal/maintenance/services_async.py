"""The leader's maintenance services (River's ``internal/maintenance``).

Each service runs ``run_once`` on an interval until stopped; ``AsyncMaintainer`` starts
them when this client gains leadership and stops them when it loses it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections.abc import Sequence
from typing import Any

from river._acompat import AEvent, aspawn
from river.config import Config, seconds
from river.driver.executor_async import AsyncExecutor
from river.driver.params import (
    JobDeleteBeforeParams,
    JobGetStuckParams,
    JobRescueManyParams,
    JobScheduleParams,
    NotifyManyParams,
)
from river.driver.query import quote_ident
from river.types import AttemptError, JobState

BATCH = 10_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AsyncService:
    name = "service"

    def __init__(self, executor: AsyncExecutor, logger: logging.Logger, interval: float) -> None:
        self.executor = executor
        self.logger = logger
        self.interval = interval
        self._stop = AEvent()

    async def run_once(self) -> int:
        raise NotImplementedError

    async def run(self, stagger: bool = True) -> None:
        if stagger and await self._stop.wait_timeout(random.uniform(0, 1.0)):
            return
        while not self._stop.is_set():
            try:
                await self.run_once()
            except Exception as exc:
                self.logger.warning("river: %s failed: %s", self.name, exc)
            await self._stop.wait_timeout(self.interval)

    def stop(self) -> None:
        self._stop.set()


class AsyncJobScheduler(AsyncService):
    """Makes due scheduled and retryable jobs available and wakes their producers."""

    name = "job scheduler"

    def __init__(
        self, executor: AsyncExecutor, logger: logging.Logger, *, schema_name: str,
        interval: float = 5.0,
    ) -> None:
        super().__init__(executor, logger, interval)
        self._topic = f"{schema_name}.river_insert"

    async def run_once(self) -> int:
        total = 0
        while True:
            now = _now()
            moved = await self.executor.job_schedule(JobScheduleParams(now=now, max=BATCH))
            total += len(moved)
            queues = sorted({m.job.queue for m in moved if not m.conflict_discarded})
            if queues:
                await self.executor.notify_many(NotifyManyParams(
                    topic=self._topic, payloads=[json.dumps({"queue": q}) for q in queues]
                ))
            if len(moved) < BATCH:
                return total


class AsyncJobRescuer(AsyncService):
    """Running jobs stuck past ``rescue_stuck_jobs_after`` are retried, discarded or
    cancelled (when a cancel was attempted)."""

    name = "job rescuer"

    def __init__(
        self, executor: AsyncExecutor, logger: logging.Logger, config: Config, *,
        interval: float = 30.0,
    ) -> None:
        super().__init__(executor, logger, interval)
        self._config = config

    async def run_once(self) -> int:
        horizon = _now() - dt.timedelta(seconds=self._config.rescue_after_seconds())
        total = 0
        after = 0
        while True:
            stuck = await self.executor.job_get_stuck(
                JobGetStuckParams(stuck_horizon=horizon, after_id=after, max=1000)
            )
            if not stuck:
                return total
            now = _now()
            ids, errors, finalized, scheduled, states = [], [], [], [], []
            for job in stuck:
                err = AttemptError(at=now, attempt=job.attempt,
                                   error="Stuck job rescued by Rescuer").to_json()
                if "cancel_attempted_at" in job.metadata:
                    state, fin, when = JobState.CANCELLED, now, job.scheduled_at
                elif job.attempt >= job.max_attempts:
                    state, fin, when = JobState.DISCARDED, now, job.scheduled_at
                else:
                    state, fin = JobState.RETRYABLE, None
                    when = self._config.retry_policy.next_retry(job)
                ids.append(job.id)
                errors.append(err)
                finalized.append(fin)
                scheduled.append(when)
                states.append(state)
            rescued = await self.executor.job_rescue_many(JobRescueManyParams(
                ids=ids, errors=errors, finalized_at=finalized, scheduled_at=scheduled,
                states=states,
            ))
            total += len(rescued)
            after = stuck[-1].id


class AsyncJobCleaner(AsyncService):
    """Deletes finalized jobs past their state's retention period."""

    name = "job cleaner"

    def __init__(
        self, executor: AsyncExecutor, logger: logging.Logger, config: Config, *,
        interval: float = 30.0,
    ) -> None:
        super().__init__(executor, logger, interval)
        self._config = config

    def _horizon(self, retention: object) -> dt.datetime | None:
        secs = seconds(retention)  # type: ignore[arg-type]
        return None if secs is None or secs < 0 else _now() - dt.timedelta(seconds=secs)

    async def run_once(self) -> int:
        params = JobDeleteBeforeParams(
            cancelled_finalized_before=self._horizon(self._config.cancelled_job_retention_period),
            completed_finalized_before=self._horizon(self._config.completed_job_retention_period),
            discarded_finalized_before=self._horizon(self._config.discarded_job_retention_period),
            max=BATCH,
        )
        total = 0
        while True:
            deleted = await self.executor.job_delete_before(params)
            total += deleted
            if deleted < BATCH:
                return total


class AsyncQueueCleaner(AsyncService):
    """Deletes queues no producer has touched for a day."""

    name = "queue cleaner"

    def __init__(
        self, executor: AsyncExecutor, logger: logging.Logger, *, interval: float = 3600.0,
        retention: float = 86400.0,
    ) -> None:
        super().__init__(executor, logger, interval)
        self._retention = retention

    async def run_once(self) -> int:
        horizon = _now() - dt.timedelta(seconds=self._retention)
        return len(await self.executor.queue_delete_expired(horizon))


REINDEX_INDEXES = (
    "river_job_args_index",
    "river_job_kind",
    "river_job_metadata_index",
    "river_job_pkey",
    "river_job_prioritized_fetching_index",
    "river_job_state_and_finalized_at_index",
    "river_job_unique_idx",
)


class AsyncReindexer(AsyncService):
    """Rebuilds River's indexes concurrently once a day at midnight UTC (bloat control),
    skipping an index whose earlier concurrent rebuild left ``_ccnew``/``_ccold`` behind."""

    name = "reindexer"

    def __init__(
        self, executor: AsyncExecutor, logger: logging.Logger, *, schema_name: str,
        indexes: Sequence[str] = REINDEX_INDEXES,
    ) -> None:
        super().__init__(executor, logger, interval=0.0)
        self._schema = schema_name
        self._indexes = tuple(indexes)

    async def run(self, stagger: bool = True) -> None:
        while not self._stop.is_set():
            now = _now()
            midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                            microsecond=0)
            if await self._stop.wait_timeout((midnight - now).total_seconds()):
                return
            try:
                await self.run_once()
            except Exception as exc:
                self.logger.warning("river: %s failed: %s", self.name, exc)

    async def run_once(self) -> int:
        done = 0
        for index in self._indexes:
            leftovers = await self.executor.fetch_all(
                "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = @schema AND c.relname ~ ('^' || @index || '_cc(new|old)[0-9]*$')",
                {"schema": self._schema, "index": index},
            )
            if leftovers:
                self.logger.warning("river: skipping reindex of %s: artifacts of an earlier "
                                    "concurrent reindex exist", index)
                continue
            # Not in a transaction: REINDEX CONCURRENTLY refuses to run inside one.
            await self.executor.exec_script(
                f"REINDEX INDEX CONCURRENTLY {quote_ident(self._schema)}.{quote_ident(index)}"
            )
            done += 1
        return done


class AsyncMaintainer:
    """Starts the services when leadership is gained and stops them when it is lost."""

    def __init__(self, services: Sequence[Any], logger: logging.Logger) -> None:
        self.services = list(services)
        self._logger = logger
        self._tasks: list[object] = []

    def on_leadership(self, leader: bool) -> None:
        if leader and not self._tasks:
            for service in self.services:
                service._stop.clear()
                self._tasks.append(aspawn(service.run, name=f"river-{service.name}"))
        elif not leader:
            self.stop()

    def stop(self) -> list[object]:
        """Signal every service to stop; returns their tasks (threads) to wait for."""
        for service in self.services:
            service.stop()
        tasks, self._tasks = self._tasks, []
        return tasks
