# WARNING: this file is generated from 'rescuer_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The job rescuer: settles jobs left ``running`` by a client that died or hung."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from river._internal.executor.job_log import worker_next_retry, worker_timeout
from river._internal.maintenance.service import Service
from river.driver.executor import Executor
from river.driver.params import JobGetStuckParams, JobRescueManyParams
from river.job_args import decode_args
from river.retry_policy import RetryPolicy
from river.types import AttemptError, JobRow, JobState
from river.worker import Job, Workers

RESCUER_INTERVAL = 30.0
RESCUE_AFTER = 3600.0
RESCUE_BATCH_SIZE = 1000
RESCUED_ERROR = "Stuck job rescued by JobRescuer"  # River's exact text


class JobRescuer(Service):
    """Every ``interval`` seconds, finds jobs ``running`` since before ``rescue_after``
    seconds ago and settles each one:

    * ``cancelled`` if a cancel was attempted (metadata ``cancel_attempted_at``);
    * with ``workers`` given, River's per-worker rule (``makeRetryDecision``): a kind
      without a worker is ``discarded``; args that cannot be decoded are retried while
      attempts remain; a job whose timeout (the worker's ``timeout(job)``, else
      ``client_job_timeout``) is none is left alone, and so is one whose timeout has not
      yet passed since ``attempted_at``;
    * ``discarded`` if it has used all its attempts;
    * otherwise ``retryable`` at the worker's ``next_retry(job)``, else
      ``retry_policy.next_retry(job)``.

    Each rescued job gets the error "Stuck job rescued by JobRescuer" and its metadata
    ``river:rescue_count`` is incremented. Jobs for which ``skip(job)`` is true are left
    alone (River leaves jobs of workers without a timeout).
    """

    name = "job rescuer"

    def __init__(
        self,
        executor: Executor,
        *,
        retry_policy: RetryPolicy,
        rescue_after: float = RESCUE_AFTER,
        skip: Callable[[JobRow], bool] | None = None,
        workers: Workers | None = None,
        client_job_timeout: float | None = None,
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
        self.workers = workers
        self.client_job_timeout = client_job_timeout
        self.batch_size = batch_size

    def run_once(self) -> int:
        """Rescue every stuck job, batch by batch; returns how many were rescued."""
        horizon = self.time.now_utc() - dt.timedelta(seconds=self.rescue_after)
        total = 0
        after_id = 0
        while True:
            stuck = self.executor.job_get_stuck(
                JobGetStuckParams(stuck_horizon=horizon, after_id=after_id, max=self.batch_size)
            )
            if not stuck:
                return total
            after_id = stuck[-1].id
            params = self._rescue_params([j for j in stuck if not (self.skip and self.skip(j))])
            params = dataclasses.replace(params, stuck_horizon=horizon)
            if params.ids:
                total += len(self.executor.job_rescue_many(params))
            if len(stuck) < self.batch_size:
                return total

    def _rescue_params(self, jobs: list[JobRow]) -> JobRescueManyParams:
        now = self.time.now_utc()
        ids: list[int] = []
        errors: list[str] = []
        finalized_at: list[dt.datetime | None] = []
        scheduled_at: list[dt.datetime] = []
        states: list[JobState] = []
        for job in jobs:
            # Metadata written by another client may not be an object.
            if isinstance(job.metadata, dict) and "cancel_attempted_at" in job.metadata:
                state, finalized, when = (JobState.CANCELLED, now, job.scheduled_at)
            else:
                decided = self._retry_decision(job, now)
                if decided is None:
                    continue  # its own timeout has not passed yet, or it has none
                if isinstance(decided, dt.datetime):
                    state, finalized, when = (JobState.RETRYABLE, None, decided)
                else:
                    state, finalized, when = (JobState.DISCARDED, now, job.scheduled_at)
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

    def _retry_decision(self, job: JobRow, now: dt.datetime) -> dt.datetime | JobState | None:
        """When to retry a stuck job, ``DISCARDED`` to discard it, None to leave it."""
        if self.workers is None:
            return self._retry_or_discard(job, None)
        extra = {"job_id": job.id, "job_kind": job.kind, "queue": job.queue}
        found = self.workers.get(job.kind)
        if found is None:
            self.logger.error(
                "river: %s: no worker for job kind %r (job %d); discarding",
                self.name,
                job.kind,
                job.id,
                extra=extra,
            )
            return JobState.DISCARDED
        worker, args_type = found
        try:
            args = decode_args(args_type, job.encoded_args)
        except Exception as exc:
            self.logger.error(
                "river: %s: args of job %d (%s) cannot be decoded: %s",
                self.name,
                job.id,
                job.kind,
                exc,
                extra=extra,
            )
            return self._retry_or_discard(job, None)
        typed: Job[Any] = Job(job, args)
        timeout = worker_timeout(worker, typed, self.client_job_timeout, self.logger)
        if timeout is None:
            return None
        attempted_at = job.attempted_at or now
        if (now - attempted_at).total_seconds() < timeout:
            return None
        return self._retry_or_discard(job, worker_next_retry(worker, typed, self.logger))

    def _retry_or_discard(
        self, job: JobRow, retry_at: dt.datetime | None
    ) -> dt.datetime | JobState:
        if job.attempt >= job.max_attempts:
            return JobState.DISCARDED
        return retry_at or self.retry_policy.next_retry(job)
