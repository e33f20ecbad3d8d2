"""One producer per queue: fetches as many jobs as it has free slots and runs them
(River's ``producer``). Woken by insert notifications, completions and a poll timer."""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any

from river._acompat import AEvent, asleep
from river._internal.job_context import JobContext
from river._internal.job_executor_async import CANCEL_REMOTE, AsyncJobExecutor
from river._internal.workpool import AWorkPool
from river.driver.executor_async import AsyncExecutor
from river.driver.params import JobGetAvailableParams, QueueCreateOrSetUpdatedAtParams
from river.types import JobRow


class AsyncProducer:
    def __init__(
        self,
        *,
        client: Any,
        queue: str,
        max_workers: int,
        fetch_cooldown: float,
        fetch_poll_interval: float,
        executor: AsyncExecutor,
        job_executor: AsyncJobExecutor,
        client_id: str,
        logger: logging.Logger,
    ) -> None:
        self.queue = queue
        self._client = client
        self._max_workers = max_workers
        self._cooldown = fetch_cooldown
        self._poll_interval = fetch_poll_interval
        self._executor = executor
        self._job_executor = job_executor
        self._client_id = client_id
        self._logger = logger
        self._pool = AWorkPool(max_workers, f"river-{queue}")
        self._active: dict[int, tuple[JobContext, Any]] = {}
        self._wake = AEvent()
        self._stopped = AEvent()  # cuts a cooldown wait short on stop
        self._fetch_on_free_slot = False
        self._stopping = False
        self._cancel_all_reason: str | None = None
        self._loop_running = False
        self.paused = False

    async def init(self) -> None:
        """Create or touch the queue row, learning whether the queue is paused."""
        queue = await self._executor.queue_create_or_set_updated_at(
            QueueCreateOrSetUpdatedAtParams(name=self.queue)
        )
        self.paused = queue.paused_at is not None

    def trigger_fetch(self) -> None:
        self._wake.set()

    def handle_control(self, payload: dict[str, Any]) -> None:
        """Apply a ``river_control`` message (pause, resume or cancel) meant for this queue."""
        action = payload.get("action")
        if payload.get("queue") not in (self.queue, "*"):
            return
        if action == "pause":
            self.paused = True
        elif action == "resume":
            self.paused = False
            self._wake.set()
        elif action == "cancel":
            job_id = payload.get("job_id")
            if isinstance(job_id, int):
                self.cancel_job(job_id, CANCEL_REMOTE)

    def cancel_job(self, job_id: int, reason: str) -> bool:
        entry = self._active.get(job_id)
        if entry is None:
            return False
        ctx, handle = entry
        ctx.cancel(reason)
        if handle is not None and ctx.started:
            handle.cancel()
        return True

    def cancel_all(self, reason: str) -> None:
        # Jobs of a fetch still in flight are started later: they are cancelled on start.
        self._cancel_all_reason = reason
        for job_id in list(self._active):
            self.cancel_job(job_id, reason)

    def active_count(self) -> int:
        return len(self._active)

    async def run(self) -> None:
        """Fetch and start jobs until ``stop_fetching`` is called."""
        self._loop_running = True
        try:
            await self._fetch_loop()
        finally:
            self._loop_running = False

    async def _fetch_loop(self) -> None:
        # The fetch rule: while the last fetch filled every free slot, jobs are probably
        # still waiting, so the producer fetches again as soon as a slot frees instead of
        # waiting out the cooldown (which would cap a queue at max_workers / cooldown
        # jobs a second). Once a fetch comes back short the queue is idle or nearly so,
        # and the cooldown and poll interval space fetches out again.
        last_fetch = 0.0
        backlog = False
        self._wake.set()
        while not self._stopping:
            jitter = random.uniform(0, max(self._poll_interval * 0.1, 0.01))
            await self._wake.wait_timeout(self._poll_interval + jitter)
            self._wake.clear()
            if self._stopping:
                break
            if self.paused:
                continue
            wait = 0.0 if backlog else self._cooldown - (time.monotonic() - last_fetch)
            if wait > 0:
                await self._stopped.wait_timeout(wait)
                if self._stopping:
                    break
            limit = self._max_workers - len(self._active)
            if limit <= 0:
                self._fetch_on_free_slot = True
                if len(self._active) < self._max_workers:  # a job ended meanwhile
                    self._wake.set()
                continue
            last_fetch = time.monotonic()
            try:
                jobs = await self._executor.job_get_available(
                    JobGetAvailableParams(
                        queue=self.queue, max_to_lock=limit, client_id=self._client_id
                    )
                )
            except Exception as exc:
                self._logger.warning("river: fetching jobs from %r failed: %s", self.queue, exc)
                backlog = False
                await asleep(min(self._poll_interval, 1.0))
                continue
            backlog = len(jobs) == limit
            if backlog:
                # Set before the jobs start: a sync job may end before _start returns.
                self._fetch_on_free_slot = True
            for job in jobs:
                self._start(job)

    def _start(self, job: JobRow) -> None:
        ctx = JobContext(client=self._client, job=job)
        if self._cancel_all_reason is not None:
            ctx.cancel(self._cancel_all_reason)
        self._active[job.id] = (ctx, None)
        handle = self._pool.submit(self._work, job, ctx)
        ctx.task = handle
        if job.id in self._active:
            self._active[job.id] = (ctx, handle)

    async def _work(self, job: JobRow, ctx: JobContext) -> None:
        try:
            await self._job_executor.execute(job, ctx)
        except BaseException:
            self._logger.exception("river: job %d could not be reported", job.id)
        finally:
            self._active.pop(job.id, None)
            if self._fetch_on_free_slot:
                self._fetch_on_free_slot = False
                self._wake.set()

    def stop_fetching(self) -> None:
        self._stopping = True
        self._stopped.set()
        self._wake.set()

    async def wait_for_jobs(self) -> None:
        """Wait until every started job has been handed to the completer."""
        # A fetch in flight still starts its jobs: let the loop finish before the pool closes.
        while self._loop_running:
            await asleep(0.01)
        await self._pool.wait_all()
        while self._active:
            await asleep(0.01)


def parse_payload(payload: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
