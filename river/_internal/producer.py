# WARNING: this file is generated from 'producer_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""One producer per queue: fetches as many jobs as it has free slots and runs them
(River's ``producer``). Woken by insert notifications, completions and a poll timer."""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any

from river._acompat import Event, sleep
from river._internal.job_context import JobContext
from river._internal.job_executor import CANCEL_REMOTE, JobExecutor
from river._internal.workpool import WorkPool
from river.driver.executor import Executor
from river.driver.params import JobGetAvailableParams, QueueCreateOrSetUpdatedAtParams
from river.types import JobRow

# How often a client without a listener reads its queues' rows for a pause or resume
# (River's QueuePollInterval default).
QUEUE_SETTINGS_POLL_INTERVAL = 2.0


class Producer:
    def __init__(
        self,
        *,
        client: Any,
        queue: str,
        max_workers: int,
        fetch_cooldown: float,
        fetch_poll_interval: float,
        executor: Executor,
        job_executor: JobExecutor,
        client_id: str,
        logger: logging.Logger,
        settings_poll_interval: float | None = None,
    ) -> None:
        self.queue = queue
        # Without a listener no pause/resume notification arrives: read the queue's row.
        self._settings_poll_interval = settings_poll_interval
        self._settings_read_at = 0.0
        self._client = client
        self._max_workers = max_workers
        self._cooldown = fetch_cooldown
        self._poll_interval = fetch_poll_interval
        self._executor = executor
        self._job_executor = job_executor
        self._client_id = client_id
        self._logger = logger
        self._pool = WorkPool(max_workers, f"river-{queue}")
        self._active: dict[int, tuple[JobContext, Any]] = {}
        self._wake = Event()
        self._fetch_on_free_slot = False
        self._stopping = False
        self._cancel_all_reason: str | None = None
        self._loop_running = False
        self.paused = False

    def init(self) -> None:
        """Create or touch the queue row, learning whether the queue is paused."""
        queue = self._executor.queue_create_or_set_updated_at(
            QueueCreateOrSetUpdatedAtParams(name=self.queue)
        )
        self.paused = queue.paused_at is not None
        self._settings_read_at = time.monotonic()

    def _poll_settings(self) -> None:
        """Poll-only clients learn of a pause or resume from the queue's row (River's
        ``pollForSettingChanges``)."""
        interval = self._settings_poll_interval
        if interval is None or time.monotonic() - self._settings_read_at < interval:
            return
        self._settings_read_at = time.monotonic()
        try:
            queue = self._executor.queue_get(self.queue)
        except Exception as exc:
            self._logger.warning("river: reading queue %r failed: %s", self.queue, exc)
            return
        if queue is not None and (queue.paused_at is not None) != self.paused:
            self.paused = queue.paused_at is not None
            self._client._emit_queue_event(self.queue, self.paused)

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

    def run(self) -> None:
        """Fetch and start jobs until ``stop_fetching`` is called."""
        self._loop_running = True
        try:
            self._fetch_loop()
        finally:
            self._loop_running = False

    def _fetch_loop(self) -> None:
        last_fetch = 0.0
        self._wake.set()
        while not self._stopping:
            jitter = random.uniform(0, max(self._poll_interval * 0.1, 0.01))
            self._wake.wait_timeout(self._poll_interval + jitter)
            self._wake.clear()
            if self._stopping:
                break
            self._poll_settings()
            if self.paused:
                continue
            wait = self._cooldown - (time.monotonic() - last_fetch)
            if wait > 0:
                sleep(wait)
                if self._stopping:
                    break
            limit = self._max_workers - len(self._active)
            if limit <= 0:
                self._fetch_on_free_slot = True
                continue
            last_fetch = time.monotonic()
            try:
                jobs = self._executor.job_get_available(
                    JobGetAvailableParams(
                        queue=self.queue, max_to_lock=limit, client_id=self._client_id
                    )
                )
            except Exception as exc:
                self._logger.warning("river: fetching jobs from %r failed: %s", self.queue, exc)
                sleep(min(self._poll_interval, 1.0))
                continue
            for job in jobs:
                self._start(job)
            if len(jobs) == limit:
                # More may be waiting: fetch again as soon as a slot frees up.
                self._fetch_on_free_slot = True

    def _start(self, job: JobRow) -> None:
        ctx = JobContext(client=self._client, job=job)
        if self._cancel_all_reason is not None:
            ctx.cancel(self._cancel_all_reason)
        self._active[job.id] = (ctx, None)
        handle = self._pool.submit(self._work, job, ctx)
        ctx.task = handle
        if job.id in self._active:
            self._active[job.id] = (ctx, handle)

    def _work(self, job: JobRow, ctx: JobContext) -> None:
        try:
            self._job_executor.execute(job, ctx)
        except BaseException:
            self._logger.exception("river: job %d could not be reported", job.id)
        finally:
            self._active.pop(job.id, None)
            if self._fetch_on_free_slot:
                self._fetch_on_free_slot = False
                self._wake.set()

    def stop_fetching(self) -> None:
        self._stopping = True
        self._wake.set()

    def wait_for_jobs(self) -> None:
        """Wait until every started job has been handed to the completer."""
        # A fetch in flight still starts its jobs: let the loop finish before the pool closes.
        while self._loop_running:
            sleep(0.01)
        self._pool.wait_all()
        while self._active:
            sleep(0.01)


def parse_payload(payload: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
