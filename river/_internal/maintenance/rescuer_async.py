"""The job rescuer: settles jobs left ``running`` by a client that died or hung."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from river._internal.maintenance.service_async import AsyncService, utcnow
from river.driver.executor_async import AsyncExecutor
from river.driver.params import JobGetStuckParams, JobRescueManyParams
from river.retry_policy import RetryPolicy
from river.types import AttemptError, JobRow, JobState

RESCUER_INTERVAL = 30.0
RESCUE_AFTER = 3600.0
RESCUE_BATCH_SIZE = 1000
RESCUED_ERROR = "Stuck job rescued by JobRescuer"  # River's exact text


class AsyncJobRescuer(AsyncService):
    """Every ``interval`` seconds, finds jobs ``running`` since before ``rescue_after``
    seconds ago and settles each one:

    * ``cancelled`` if a cancel was attempted (metadata ``cancel_attempted_at``);
    * ``discarded`` if it has used all its attempts;
    * otherwise ``retryable`` at ``retry_policy.next_retry(job)``.

    Each rescued job gets the error "Stuck job rescued by JobRescuer" and its metadata
    ``river:rescue_count`` is incremented. Jobs for which ``skip(job)`` is true are left
    alone (River leaves jobs of workers without a timeout).
    """

    name = "job rescuer"

    def __init__(
        self,
        executor: AsyncExecutor,
        *,
        retry_policy: RetryPolicy,
        rescue_after: float = RESCUE_AFTER,
        skip: Callable[[JobRow], bool] | None = None,
        logger: logging.Logger | None = None,
        interval: float = RESCUER_INTERVAL,
        batch_size: int = RESCUE_BATCH_SIZE,
        test_only: bool = False,
    ) -> None:
        super().__init__(interval=interval, logger=logger, test_only=test_only)
        self.executor = executor
        self.retry_policy = retry_policy
        self.rescue_after = rescue_after
        self.skip = skip
        self.batch_size = batch_size

    async def run_once(self) -> int:
        """Rescue every stuck job, batch by batch; returns how many were rescued."""
        horizon = utcnow() - dt.timedelta(seconds=self.rescue_after)
        total = 0
        after_id = 0
        while True:
            stuck = await self.executor.job_get_stuck(
                JobGetStuckParams(stuck_horizon=horizon, after_id=after_id, max=self.batch_size)
            )
            if not stuck:
                return total
            after_id = stuck[-1].id
            params = self._rescue_params([j for j in stuck if not (self.skip and self.skip(j))])
            if params.ids:
                total += len(await self.executor.job_rescue_many(params))
            if len(stuck) < self.batch_size:
                return total

    def _rescue_params(self, jobs: list[JobRow]) -> JobRescueManyParams:
        now = utcnow()
        ids: list[int] = []
        errors: list[str] = []
        finalized_at: list[dt.datetime | None] = []
        scheduled_at: list[dt.datetime] = []
        states: list[JobState] = []
        for job in jobs:
            # Metadata written by another client may not be an object.
            if isinstance(job.metadata, dict) and "cancel_attempted_at" in job.metadata:
                state, finalized, when = JobState.CANCELLED, now, job.scheduled_at
            elif job.attempt >= job.max_attempts:
                state, finalized, when = JobState.DISCARDED, now, job.scheduled_at
            else:
                state, finalized, when = JobState.RETRYABLE, None, self.retry_policy.next_retry(job)
            ids.append(job.id)
            errors.append(
                AttemptError(at=now, attempt=max(job.attempt, 0), error=RESCUED_ERROR).to_json()
            )
            finalized_at.append(finalized)
            scheduled_at.append(when)
            states.append(state)
        return JobRescueManyParams(
            ids=ids,
            errors=errors,
            finalized_at=finalized_at,
            scheduled_at=scheduled_at,
            states=states,
        )
