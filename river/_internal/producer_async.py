"""One producer per queue: fetches as many jobs as it has free slots and runs them
(River's ``producer``). Woken by insert notifications, completions and a poll timer."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from typing import Any

from river._acompat import AEvent, asleep
from river._internal.job_executor_async import CANCEL_REMOTE, AsyncJobExecutor
from river._internal.notification import (
    TOPIC_CONTROL,
    TOPIC_INSERT,
    ControlCancel,
    ControlMessage,
    ControlPause,
    ControlResume,
    parse_control,
    parse_insert,
)
from river._internal.notifier_async import AsyncNotifier
from river._internal.workpool import AWorkPool
from river.driver.executor_async import AsyncExecutor
from river.driver.params import JobGetAvailableParams, QueueCreateOrSetUpdatedAtParams
from river.job_context import JobContext
from river.middleware import JobGetAvailableCountMetric, JobGetAvailableDurationMetric, overrides
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
        hooks: Sequence[Any] = (),
    ) -> None:
        self.queue = queue
        # Only hooks that implement metric_emit: the fetch path stays free of the others.
        self._metric_hooks = tuple(h for h in hooks if overrides(h, "metric_emit"))
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

    def subscribe(self, notifier: AsyncNotifier) -> None:
        """Wake on inserts into this queue and obey its control messages."""
        notifier.subscribe(TOPIC_INSERT, self._on_insert)
        notifier.subscribe(TOPIC_CONTROL, self._on_control)
        notifier.on_reconnect(self.trigger_fetch)

    def _on_insert(self, payload: str) -> None:
        notice = parse_insert(payload)
        if notice is not None and notice.queue == self.queue:
            self._wake.set()

    def _on_control(self, payload: str) -> None:
        message = parse_control(payload)
        if message is not None:
            self.handle_control(message)

    def handle_control(self, message: ControlMessage) -> None:
        """Apply a control message (pause, resume or cancel) if it is meant for this queue."""
        if not message.applies_to(self.queue):
            return
        if isinstance(message, ControlPause):
            self.paused = True
        elif isinstance(message, ControlResume):
            self.paused = False
            self._wake.set()
        elif isinstance(message, ControlCancel):
            self.cancel_job(message.job_id, CANCEL_REMOTE)

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
        last_fetch = 0.0
        self._wake.set()
        while not self._stopping:
            jitter = random.uniform(0, max(self._poll_interval * 0.1, 0.01))
            await self._wake.wait_timeout(self._poll_interval + jitter)
            self._wake.clear()
            if self._stopping:
                break
            if self.paused:
                continue
            wait = self._cooldown - (time.monotonic() - last_fetch)
            if wait > 0:
                await asleep(wait)
                if self._stopping:
                    break
            limit = self._max_workers - len(self._active)
            if limit <= 0:
                self._fetch_on_free_slot = True
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
                await asleep(min(self._poll_interval, 1.0))
                continue
            if self._metric_hooks:
                self._emit_fetch_metrics(time.monotonic() - last_fetch, len(jobs))
            for job in jobs:
                self._start(job)
            if len(jobs) == limit:
                # More may be waiting: fetch again as soon as a slot frees up.
                self._fetch_on_free_slot = True

    def _emit_fetch_metrics(self, duration: float, count: int) -> None:
        metrics = (
            JobGetAvailableDurationMetric(duration=duration, queue=self.queue),
            JobGetAvailableCountMetric(count=count, queue=self.queue),
        )
        for hook in self._metric_hooks:
            for metric in metrics:
                try:
                    hook.metric_emit(metric)
                except Exception:
                    self._logger.exception("river: metric_emit hook %r raised", hook)

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
        self._wake.set()

    async def wait_for_jobs(self) -> None:
        """Wait until every started job has been handed to the completer."""
        # A fetch in flight still starts its jobs: let the loop finish before the pool closes.
        while self._loop_running:
            await asleep(0.01)
        await self._pool.wait_all()
        while self._active:
            await asleep(0.01)

