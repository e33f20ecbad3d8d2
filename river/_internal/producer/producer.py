# WARNING: this file is generated from 'producer_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""One producer per queue: fetches as many jobs as it has free slots and runs them
(River's ``producer``). Woken by insert notifications, completions and a poll timer.

For its whole life it also refreshes its queue's ``river_queue`` row (so the queue cleaner
keeps it) and, while no notification can reach it (poll-only mode or the listener down),
polls its queue's settings and the cancel requests of its running jobs."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from river._acompat import Event, Lock, sleep, spawn
from river._internal.executor.job_executor import JobExecutor
from river._internal.executor.job_outcome import CANCEL_REMOTE
from river._internal.executor.stuck_jobs import OpenedSlots
from river._internal.notifier.notification import (
    TOPIC_CONTROL,
    TOPIC_INSERT,
    ControlCancel,
    ControlMessage,
    ControlMetadataChanged,
    ControlPause,
    ControlResume,
    parse_control,
    parse_insert,
)
from river._internal.notifier.notifier import Notifier
from river._internal.producer.concurrency_limits import QueueConcurrency
from river._internal.producer.fetch_limit import fetch_limit
from river._internal.producer.pause_gate import PauseGate
from river._internal.producer.token_bucket import TokenBucket
from river._internal.producer.workpool import WorkPool
from river.clock import TimeGenerator
from river.concurrency import ConcurrencyConfig, scan_limit
from river.context import JobClient, JobContext
from river.driver.executor import Executor
from river.driver.params import (
    JobGetAvailableLimitedParams,
    JobGetAvailableParams,
    QueueCreateOrSetUpdatedAtParams,
)
from river.middleware import JobGetAvailableCountMetric, JobGetAvailableDurationMetric, overrides
from river.types import JobRow

# With notifications, settings and cancel requests are still polled this often: one sent
# while the listener was reconnecting is lost (River v0.51).
LISTENING_POLL_INTERVAL = 60.0


class Producer:
    def __init__(
        self,
        *,
        client: JobClient,
        queue: str,
        max_workers: int,
        fetch_cooldown: float,
        fetch_poll_interval: float,
        queue_report_interval: float,
        queue_poll_interval: float,
        executor: Executor,
        job_executor: JobExecutor,
        client_id: str,
        logger: logging.Logger,
        hooks: Sequence[Any] = (),
        listening: Callable[[], bool] | None = None,
        on_paused_change: Callable[[str, bool], None] | None = None,
        concurrency: ConcurrencyConfig | None = None,
    ) -> None:
        self.queue = queue
        # Only hooks that implement metric_emit: the fetch path stays free of the others.
        self._metric_hooks = tuple(h for h in hooks if overrides(h, "metric_emit"))
        self._client = client
        # What is due is judged by the client's clock when stubbed, else by now().
        self._time: TimeGenerator = client.time
        self._max_workers = max_workers
        self._cooldown = fetch_cooldown
        self._poll_interval = fetch_poll_interval
        self._executor = executor
        self._job_executor = job_executor
        self._client_id = client_id
        self._logger = logger
        self._pool = WorkPool(max_workers, f"river-{queue}")
        self._active: dict[int, JobContext] = {}
        # Stuck jobs still running whose slot the job stuck handler opened.
        self.opened_slots = OpenedSlots()
        self._wake = Event()
        self._stopped = Event()  # cuts a cooldown wait short on stop
        self._fetch_on_free_slot = False
        self._stopping = False
        self._cancel_all_reason: str | None = None
        # Cancels heard while a fetch is in flight, for jobs it may have locked: applied to
        # them before they start (River v0.48).
        self._fetching = False
        self._cancelled_in_fetch: dict[int, str] = {}
        self._loop_running = False
        self._report_interval = queue_report_interval
        self._settings_poll_interval = queue_poll_interval
        # Whether notifications currently reach this producer; None: never (poll-only).
        self._listening = listening
        # Told when a pause or resume has taken effect: once no fetch is in flight.
        self._gate = PauseGate(
            None if on_paused_change is None else functools.partial(on_paused_change, queue)
        )
        # The side loops outlive fetching: running jobs may still be cancelled remotely.
        self._side_stopping = False
        self._side_wake = Event()
        self.metadata: dict[str, Any] = {}
        # Pause, resume and metadata notifications applied so far: a settings poll applies
        # what it read only if none came while it read.
        self._settings_notices = 0
        # The configured limits, or the override in the queue's metadata.
        self._concurrency = QueueConcurrency(queue, concurrency, logger)
        # Under a global limit a job that has ended holds its slot, for every client's
        # fetch, until its outcome is written: the completer writes it at once.
        self._flush_on_end = False
        # Jobs its batch leaders have gathered (``river.batch``): run by this client outside
        # the work pool, they count against the limits as its running jobs.
        self.batched: set[int] = set()
        # The jobs of its last limited fetch until they are in the work pool.
        self._fetched: set[int] = set()
        # Its limited fetches and its leaders' gathers take turns, so that each counts the
        # jobs the other has just set running.
        self.limited_turn = Lock()

    def init(self) -> None:
        """Create or touch the queue row, learning whether the queue is paused."""
        queue = self._executor.queue_create_or_set_updated_at(
            QueueCreateOrSetUpdatedAtParams(name=self.queue, now=self._time.now_utc_or_none())
        )
        self._gate.load(queue.paused_at is not None)
        self.metadata = queue.metadata if isinstance(queue.metadata, dict) else {}

    def trigger_fetch(self) -> None:
        self._wake.set()

    def subscribe(self, notifier: Notifier) -> None:
        """Wake on inserts into this queue and obey its control messages."""
        notifier.subscribe(TOPIC_INSERT, self._on_insert)
        notifier.subscribe(TOPIC_CONTROL, self._on_control)
        notifier.on_reconnect(self.trigger_fetch)

    def unsubscribe(self, notifier: Notifier) -> None:
        """Undo ``subscribe`` (the queue was removed from a running client)."""
        notifier.unsubscribe(TOPIC_INSERT, self._on_insert)
        notifier.unsubscribe(TOPIC_CONTROL, self._on_control)
        notifier.remove_reconnect_handler(self.trigger_fetch)

    def _on_insert(self, payload: str) -> None:
        notice = parse_insert(payload)
        if notice is not None and notice.queue == self.queue:
            self._wake.set()

    def _on_control(self, payload: str) -> None:
        message = parse_control(payload)
        if message is not None:
            self.handle_control(message)

    def handle_control(self, message: ControlMessage) -> None:
        """Apply a control message (pause, resume, cancel or a metadata change) if it is
        meant for this queue."""
        if not message.applies_to(self.queue):
            return
        if not isinstance(message, ControlCancel):
            self._settings_notices += 1
        if isinstance(message, ControlMetadataChanged):
            if message.metadata is not None:
                self.metadata = message.metadata
        elif isinstance(message, ControlPause):
            self.set_paused(True)
        elif isinstance(message, ControlResume):
            self.set_paused(False)
        elif isinstance(message, ControlCancel):
            self.cancel_jobs([message.job_id], CANCEL_REMOTE)

    @property
    def paused(self) -> bool:
        return self._gate.paused

    def set_paused(self, paused: bool) -> bool:
        """Stop or resume fetching; returns whether the state changed. The change is
        reported to ``on_paused_change`` once a fetch in flight has returned."""
        if not self._gate.set(paused):
            return False
        if not paused:
            self._wake.set()  # jobs may have piled up while paused
        return True

    def cancel_jobs(self, job_ids: Iterable[int], reason: str) -> list[int]:
        """Cancel the contexts of those of ``job_ids`` this producer runs; returns them."""
        return [job_id for job_id in job_ids if self.cancel_job(job_id, reason)]

    def cancel_job(self, job_id: int, reason: str) -> bool:
        ctx = self._active.get(job_id)
        if ctx is None:
            if self._fetching:
                self._cancelled_in_fetch[job_id] = reason
            return False
        ctx.cancel(reason)
        if ctx.task is not None and ctx.started:
            ctx.task.cancel()
        return True

    def cancel_all(self, reason: str) -> None:
        # Jobs of a fetch still in flight are started later: they are cancelled on start.
        self._cancel_all_reason = reason
        for job_id in list(self._active):
            self.cancel_job(job_id, reason)

    def active_count(self) -> int:
        return len(self._active)

    def busy(self) -> bool:
        """Whether jobs are running or may still start: the fetch loop runs until a fetch
        in flight has started its jobs (the database shows them running before that)."""
        return bool(self._active) or self._loop_running

    def open_slot(self, job_id: int) -> None:
        """Stop counting the stuck job ``job_id`` against ``max_workers`` until it ends."""
        if self.opened_slots.open(job_id, self._active):
            self._pool.grow()
            self._wake.set()

    def run(self) -> None:
        """Fetch and start jobs until ``stop_fetching`` is called."""
        self._loop_running = True
        side = [
            spawn(self._report_loop, name=f"river-queue-report-{self.queue}"),
            spawn(self._settings_poll_loop, name=f"river-queue-poll-{self.queue}"),
        ]
        try:
            self._fetch_loop()
        finally:
            self._loop_running = False
            for task in side:
                _join(task)

    def _report_loop(self) -> None:
        """Refresh the queue's row on River's schedule so the queue cleaner keeps it."""
        while not self._side_stopping:
            self._side_wake.wait_timeout(self._report_interval)
            if self._side_stopping:
                return
            try:
                self._executor.queue_create_or_set_updated_at(
                    QueueCreateOrSetUpdatedAtParams(
                        name=self.queue, now=self._time.now_utc_or_none()
                    )
                )
            except Exception as exc:
                self._logger.error(
                    "river: refreshing queue %r failed: %s",
                    self.queue,
                    exc,
                    exc_info=exc,
                    extra={"queue": self.queue},
                )

    def _settings_poll_loop(self) -> None:
        """While no notification can reach this producer, poll what they would bring; while
        they can, poll once every ``LISTENING_POLL_INTERVAL`` for the ones that were lost."""
        last_poll = time.monotonic()
        while not self._side_stopping:
            self._side_wake.wait_timeout(self._settings_poll_interval)
            if self._side_stopping:
                return
            if self._listening is not None and self._listening():
                if time.monotonic() - last_poll < LISTENING_POLL_INTERVAL:
                    continue
            last_poll = time.monotonic()
            try:
                self.poll_settings_once()
            except Exception as exc:
                self._logger.error(
                    "river: polling settings of queue %r failed: %s",
                    self.queue,
                    exc,
                    exc_info=exc,
                    extra={"queue": self.queue},
                )

    def poll_settings_once(self) -> None:
        """Read the queue's paused state and metadata and the cancel requests of the running
        jobs (one query each), and apply them as the notifications would."""
        notices = self._settings_notices
        queue = self._executor.queue_get(self.queue)
        if queue is None:
            self._logger.error(
                "river: queue %r not found when polling its settings",
                self.queue,
                extra={"queue": self.queue},
            )
        elif notices == self._settings_notices:
            # A notification that came during the read is as new as the row read or
            # newer: applying the row would undo it (a pause, a concurrency override).
            self.set_paused(queue.paused_at is not None)
            self.metadata = queue.metadata if isinstance(queue.metadata, dict) else {}
        running = [job_id for job_id, ctx in self._active.items() if not ctx.cancelled]
        if running:
            cancelled = self._executor.job_get_cancel_attempted_ids(running)
            self.cancel_jobs(cancelled, CANCEL_REMOTE)

    def _fetch_loop(self) -> None:
        # The fetch rule: while the last fetch filled every free slot, jobs are probably
        # still waiting, so the producer fetches again as soon as a slot frees instead of
        # waiting for the cooldown (which would cap a queue at max_workers / cooldown
        # jobs a second). Once a fetch comes back short the queue is idle or nearly so,
        # and the cooldown spaces fetches out again: a token bucket (BURST fetches at
        # once, then one per cooldown), so a job that comes shortly after a fetch is
        # fetched at once, while a storm of wake-ups still makes no more than one fetch
        # per cooldown. A backlog's fetches spend tokens too, but never wait for one.
        bucket = TokenBucket(self._cooldown, time.monotonic())
        backlog = False
        self._wake.set()
        while not self._stopping:
            jitter = random.uniform(0, max(self._poll_interval * 0.1, 0.01))
            self._wake.wait_timeout(self._poll_interval + jitter)
            self._wake.clear()
            if self._stopping:
                break
            if self.paused:
                continue
            wait = 0.0 if backlog else bucket.wait(time.monotonic())
            if wait > 0:
                self._stopped.wait_timeout(wait)
                if self._stopping:
                    break
                if self.paused:  # paused during the cooldown
                    continue
            # Stuck jobs whose slot was opened do not count against max_workers.
            limit = fetch_limit(
                self._max_workers - len(self._active) + len(self.opened_slots),
                self._max_workers,
                backlog=backlog,
            )
            if limit <= 0:
                self._fetch_on_free_slot = True
                if len(self._active) - len(self.opened_slots) < self._max_workers:  # one ended
                    self._wake.set()
                continue
            if not self._gate.begin_fetch():  # paused since the check above
                continue
            last_fetch = time.monotonic()
            bucket.spend(last_fetch)
            self._fetching = True
            try:
                jobs = self._fetch(limit)
            except Exception as exc:
                self._fetching = False
                self._cancelled_in_fetch.clear()
                self._logger.error(
                    "river: fetching jobs from %r failed: %s",
                    self.queue,
                    exc,
                    exc_info=exc,
                    extra={"queue": self.queue},
                )
                backlog = False
                sleep(min(self._poll_interval, 1.0))
                continue
            if self._metric_hooks:
                self._emit_fetch_metrics(time.monotonic() - last_fetch, len(jobs))
            backlog = len(jobs) == limit
            if backlog:
                # Set before the jobs start: a sync job may end before _start returns.
                self._fetch_on_free_slot = True
            self._start_all(jobs)
            # While jobs wait, fetch the rest at once if slots are free now: the other half,
            # or slots whose jobs ended during the fetch (they saw no fetch to ask for).
            if backlog and self._max_workers - len(self._active) + len(self.opened_slots) > 0:
                self._wake.set()

    def _fetch(self, limit: int) -> list[JobRow]:
        concurrency = self._concurrency.limits(self.metadata)
        self._flush_on_end = concurrency is not None and concurrency.global_limit is not None
        if concurrency is not None:
            return self._fetch_limited(limit, concurrency)
        try:
            return self._executor.job_get_available(
                JobGetAvailableParams(
                    queue=self.queue,
                    max_to_lock=limit,
                    client_id=self._client_id,
                    now=self._time.now_utc_or_none(),
                )
            )
        finally:
            self._gate.end_fetch()  # a pause made meanwhile has now taken effect

    def _fetch_limited(self, limit: int, concurrency: ConcurrencyConfig) -> list[JobRow]:
        # Jobs may be waiting on a limit rather than on a free slot: any job that ends,
        # here or (seen at the next fetch) elsewhere, may let one of them run.
        self._fetch_on_free_slot = True
        try:
            with self.limited_turn:
                jobs = self._executor.job_get_available_limited(
                    JobGetAvailableLimitedParams(
                        queue=self.queue,
                        max_to_lock=limit,
                        client_id=self._client_id,
                        active_ids=self.limited_active_ids(),
                        global_limit=concurrency.global_limit,
                        local_limit=concurrency.local_limit,
                        by_args=concurrency.partition.by_args,
                        by_kind=concurrency.partition.by_kind,
                        scan_limit=scan_limit(concurrency, limit),
                        now=self._time.now_utc_or_none(),
                    )
                )
                self._fetched.update(job.id for job in jobs)
                return jobs
        finally:
            self._gate.end_fetch()

    def limited_active_ids(self) -> list[int]:
        """This client's jobs of the queue that a limited fetch or a gather counts as
        running: those in its work pool (or on their way there) and those gathered into
        batches."""
        return [*self._active, *self._fetched, *self.batched]

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

    def _start_all(self, jobs: list[JobRow]) -> None:
        """Count the jobs as running, then hand them to the work pool."""
        started = []
        for job in jobs:
            ctx = JobContext(client=self._client, job=job)
            if self._cancel_all_reason is not None:
                ctx.cancel(self._cancel_all_reason)
            self._active[job.id] = ctx
            started.append(ctx)
        self._fetched.clear()
        self._fetching = False
        for job in jobs:
            reason = self._cancelled_in_fetch.pop(job.id, None)
            if reason is not None:
                self._active[job.id].cancel(reason)
        self._cancelled_in_fetch.clear()
        self._submit_all(started)

    def _submit_all(self, started: list[JobContext]) -> None:
        for ctx in started:
            # The handle cancels the job (once it has started): see cancel_job.
            ctx.task = self._pool.submit(self._work, ctx.job, ctx)

    def _work(self, job: JobRow, ctx: JobContext) -> None:
        try:
            self._job_executor.execute(job, ctx, self.open_slot, flush_at_once=self._flush_on_end)
        except asyncio.CancelledError:
            raise  # cancelled from outside the client, once the job was reported
        except BaseException:
            self._logger.exception("river: job %d could not be reported", job.id)
        finally:
            self._active.pop(job.id, None)
            self.opened_slots.close(job.id)
            if self._fetch_on_free_slot:
                self._fetch_on_free_slot = False
                self._wake.set()

    def stop_fetching(self) -> None:
        self._stopping = True
        self._stopped.set()
        self._wake.set()

    def wait_for_jobs(self) -> None:
        """Wait until every started job has been handed to the completer."""
        # A fetch in flight still starts its jobs: let the loop finish before the pool closes.
        while self._loop_running:
            sleep(0.01)
        self._pool.wait_all()
        while self._active:
            sleep(0.01)
        self._side_stopping = True
        self._side_wake.set()


def _join(task: Any) -> None:
    task.join()
