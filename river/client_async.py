"""``AsyncClient``: inserts jobs and, once started, works them (River's ``Client``).

The sync ``river.Client`` is generated from this file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from river import _acompat
from river._acompat import ALock, asleep, aspawn
from river._internal.completer_async import AsyncBatchCompleter
from river._internal.delete_many import check_delete_many_params
from river._internal.elector_async import AsyncElector
from river._internal.job_executor_async import AsyncJobExecutor
from river._internal.job_outcome import CANCEL_CLIENT_STOP, CANCEL_REMOTE, JobOutcome
from river._internal.maintenance.cleaner_async import AsyncJobCleaner
from river._internal.maintenance.maintainer_async import AsyncMaintainer
from river._internal.maintenance.periodic_async import AsyncPeriodicJobEnqueuer
from river._internal.maintenance.queue_cleaner_async import AsyncQueueCleaner
from river._internal.maintenance.reindexer_async import AsyncReindexer
from river._internal.maintenance.rescuer_async import AsyncJobRescuer
from river._internal.maintenance.scheduler_async import AsyncJobScheduler
from river._internal.maintenance.sequence_sweeper_async import AsyncSequenceSweeper
from river._internal.maintenance.workflow_sweeper_async import AsyncWorkflowSweeper
from river._internal.notification import (
    TOPIC_CONTROL,
    TOPIC_INSERT,
    TOPIC_LEADERSHIP,
    ControlMetadataChanged,
    ControlPause,
    ControlResume,
    InsertNotice,
    channel,
    check_payload_size,
)
from river._internal.notifier_async import AsyncNotifier
from river._internal.producer_async import AsyncProducer
from river._internal.release_async import release as _release
from river._internal.release_base import release_on_removal
from river._internal.sequence_async import lock as _sequence_lock
from river._internal.sequence_async import promote as _sequence_promote
from river._internal.subscription_async import AsyncSubscription, AsyncSubscriptionManager
from river._internal.workflow_async import (
    cancel as _workflow_cancel,
)
from river._internal.workflow_async import (
    get as _workflow_get,
)
from river._internal.workflow_async import (
    insert as _workflow_insert,
)
from river._internal.workflow_async import (
    list_workflows as _workflow_list,
)
from river._internal.workflow_async import (
    retry as _workflow_retry,
)
from river.client_base import ClientBase, Colour
from river.client_bundles_async import AsyncClientStopped, AsyncNotifyBundle, AsyncQueueBundle
from river.client_bundles_base import (
    check_works_jobs,
    encode_queue_metadata,
    queue_metadata_field,
)
from river.config import Config, QueueConfig, seconds
from river.context import output_metadata_merge
from river.driver.driver_async import AsyncDriver
from river.driver.executor_async import AsyncExecutor
from river.driver.job_list import JobListResult, job_list_result
from river.driver.params import (
    JobCancelParams,
    JobInsertFastParams,
    JobInsertResult,
    JobListParams,
    JobUpdateParams,
    NotifyManyParams,
    QueuePauseParams,
    QueueUpdateParams,
)
from river.driver.tx_adapters import AsyncOrmTx, resolve_tx_async
from river.errors import (
    ClientError,
    ConfigError,
    JobNotFoundError,
    JobRunningError,
    QueueAlreadyAddedError,
    QueueNotFoundError,
    SchemaNotMigratedError,
)
from river.events import ALL_JOB_EVENT_KINDS, Event, EventKind, JobStatistics, event_kind_for
from river.insert_opts import InsertManyParams, InsertOpts
from river.middleware import AsyncHook, AsyncInsertMiddleware, AsyncWorkerMiddleware
from river.sequence import has_sequence, sequence_key_of, sequence_keys_of, with_states
from river.types import JobRow, JobState, Queue
from river.worker import AsyncWorker
from river.workflow import (
    Workflow,
    WorkflowInfo,
    WorkflowInsertResult,
    WorkflowSummary,
)

TxT = TypeVar("TxT")
# States an attempt's change never leaves a job in (see _on_completed).
_NOT_FINISHED = frozenset({JobState.PENDING, JobState.RUNNING})
if True:  # ASYNC
    IS_ASYNC = True
    DEFAULT_DRIVER = "asyncpg"  # for from_url
else:
    IS_ASYNC = False
    DEFAULT_DRIVER = "psycopg3"

class AsyncClient(ClientBase[TxT]):
    """A River client for asyncio: async workers, async middleware, an async driver."""

    colour = Colour(
        name="async" if IS_ASYNC else "sync",
        worker=AsyncWorker,
        worker_middleware=AsyncWorkerMiddleware,
        insert_middleware=AsyncInsertMiddleware,
        hook=AsyncHook,
    )
    worker_middleware: tuple[AsyncWorkerMiddleware, ...]
    insert_middleware: tuple[AsyncInsertMiddleware, ...]
    hooks: tuple[AsyncHook, ...]
    _producers: dict[str, AsyncProducer]
    _subscriptions: AsyncSubscriptionManager

    def __init__(self, driver: AsyncDriver[TxT], config: Config | None = None) -> None:
        super().__init__(config)
        self.driver = driver
        self._executor = driver.get_executor(self.config.schema)
        self._subscriptions = AsyncSubscriptionManager(self.logger)
        self._tasks: list[Any] = []
        self._completer: AsyncBatchCompleter | None = None
        self._notifier: AsyncNotifier | None = None
        self._elector: AsyncElector | None = None
        self._maintainer: AsyncMaintainer | None = None
        self._stop_lock = ALock()
        self._owns_driver = False
        # The queues ``start`` works: Config.queues, changed by ``queues.add``/``remove``.
        self._queue_configs: dict[str, QueueConfig] = dict(self.config.queues)
        self._job_executor: AsyncJobExecutor | None = None
        self._producer_tasks: dict[str, Any] = {}
        self._stopped_event = _acompat.AEvent()
        self._stopped_event.set()  # not running
        #: The queues this client works, changed at runtime (River's ``Queues()``):
        #: ``await client.queues.add(name, QueueConfig(...))``, ``await client.queues.remove(name)``.
        self.queues = AsyncQueueBundle(self)
        #: Notifications to other clients (River's ``Notify()``): ``request_resign()``.
        self.notify = AsyncNotifyBundle(self)
        #: Periodic jobs (River's ``PeriodicJobs()``): ``add``, ``remove``, ``remove_by_id``,
        #: ``clear``; the leading client inserts them when due.
        self.periodic_jobs = AsyncPeriodicJobEnqueuer(
            self.insert_many, self.config.periodic_jobs, self.logger, hooks=self.hooks,
            test_only=self.config.test_only,
        )
        self._clock_unlisten: Any = None  # stops _listen_to_clock's listener

    @classmethod
    async def from_url(
        cls, url: str, *, driver: str = DEFAULT_DRIVER, config: Config | None = None
    ) -> AsyncClient[Any]:
        """A client on a new pool opened by the named driver plugin; ``close`` closes it."""
        from river.plugins.manager import aopen_driver

        opened = await aopen_driver(url, driver)
        client: AsyncClient[Any] = cls(opened, config)
        client._owns_driver = True
        return client

    async def _tx_executor(self, tx: Any) -> AsyncExecutor:
        """An executor on the caller's transaction ``tx``: the driver's own connection or
        an ORM's (``river.driver.tx_adapters``)."""
        return self.driver.unwrap_executor(
            await resolve_tx_async(self.driver, tx), self.config.schema
        )

    # -- inserting --------------------------------------------------------------------

    async def insert(self, args: Any, opts: InsertOpts | None = None) -> JobInsertResult:
        """Insert one job in its own transaction."""
        return (await self.insert_many([InsertManyParams(args, opts)]))[0]

    async def insert_tx(
        self, tx: TxT | AsyncOrmTx, args: Any, opts: InsertOpts | None = None
    ) -> JobInsertResult:
        """Insert one job in the caller's transaction: invisible until it commits."""
        return (await self.insert_many_tx(tx, [InsertManyParams(args, opts)]))[0]

    async def insert_many(self, params: Sequence[Any]) -> list[JobInsertResult]:
        """Insert many jobs in one transaction, returning every row (unique-aware)."""
        built = self._build(params)
        if has_sequence(built) or self._insert_middleware_for(built):
            async with self._executor.transaction() as tx:
                results = await self._insert_on(tx, built)
        else:
            # A single statement (insert and notification) is a transaction of its own.
            results = await self._insert_on(self._executor, built)
        self._poke_local(built)
        return results

    async def insert_many_tx(self, tx: TxT | AsyncOrmTx, params: Sequence[Any]) -> list[JobInsertResult]:
        built = self._build(params)
        return await self._insert_on(await self._tx_executor(tx), built)

    async def insert_many_fast(self, params: Sequence[Any]) -> int:
        """Insert many jobs with COPY, returning only the count. Without insert hooks or
        middleware, the COPY sends the first jobs while the rest are built."""
        built: list[JobInsertFastParams] = []
        streamed = self._build_streamed(params, built)
        if streamed is None:
            built = self._build(params)
        async with self._executor.transaction() as tx:
            if streamed is None:
                count = await self._insert_fast_on(tx, built)
            else:
                count = await tx.job_insert_fast_many_no_returning(streamed)
                await self._notify_inserted(tx, built)
        self._poke_local(built)
        return count

    async def insert_many_fast_tx(self, tx: TxT | AsyncOrmTx, params: Sequence[Any]) -> int:
        built = self._build(params)
        return await self._insert_fast_on(
            await self._tx_executor(tx), built
        )

    async def _insert_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> list[JobInsertResult]:
        keys = sequence_keys_of(params)
        if keys:  # before inserting: a key's ids grow in the order its inserts commit
            await _sequence_lock(executor, keys)
        results = await self._insert_rows_on(executor, params)
        if keys:
            promoted = await _sequence_promote(
                executor, keys, insert_topic=await self._topic(executor, TOPIC_INSERT)
            )
            results = with_states(results, promoted)
        return results

    async def _insert_rows_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> list[JobInsertResult]:
        async def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            await self._insert_begin(ps)
            return await executor.job_insert_fast_many(ps)

        middleware = self._insert_middleware_for(params)
        if not middleware:
            await self._insert_begin(params)
            queues, held_back = self._queues_to_notify(params)
            if held_back:
                self._start_notice_flusher()
            notify = await self._insert_notification(executor, queues)
            try:
                return await executor.job_insert_fast_many(params, notify)
            except BaseException:
                self._forget_notified(queues)
                raise
        call = inner
        for mw in reversed(middleware):
            call = _wrap_insert(mw, call)
        results = await call(params)
        await self._notify_inserted(executor, params)
        return results

    async def _insert_fast_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> int:
        keys = sequence_keys_of(params)
        if keys:  # as in _insert_on
            await _sequence_lock(executor, keys)
        count = await self._copy_rows_on(executor, params)
        if keys:
            await _sequence_promote(
                executor, keys, insert_topic=await self._topic(executor, TOPIC_INSERT)
            )
        return count

    async def _copy_rows_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> int:
        middleware = self._insert_middleware_for(params)
        if not middleware:
            await self._insert_begin(params)
            count = await executor.job_insert_fast_many_no_returning(params)
            await self._notify_inserted(executor, params)
            return count
        counted: list[int] = []

        async def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            await self._insert_begin(ps)
            counted.append(await executor.job_insert_fast_many_no_returning(ps))
            return []  # COPY returns no rows

        call = inner
        for mw in reversed(middleware):
            call = _wrap_insert(mw, call)
        await call(params)
        await self._notify_inserted(executor, params)
        return sum(counted)

    async def _insert_begin(self, params: Sequence[JobInsertFastParams]) -> None:
        """``insert_begin`` of the client's hooks, then of the job's args hooks, per job
        (innermost, on the params the middleware passed on, as in River)."""
        lookup = self.args_plugins
        if not self.insert_begin_hooks and not lookup.any:
            return
        for p in params:
            for hook in self.insert_begin_hooks:
                await hook.insert_begin(p)
            if lookup.any:
                for hook in lookup.by_kind(p.kind).insert_begin:
                    await hook.insert_begin(p)

    async def _notify_inserted(
        self, executor: AsyncExecutor, params: Sequence[JobInsertFastParams]
    ) -> None:
        """NOTIFY ``river_insert`` for queues that got available jobs: now, or once the
        queue's next token comes (``insert_notice_limiter``)."""
        queues, held_back = self._queues_to_notify(params)
        if held_back:
            self._start_notice_flusher()
        if queues:
            topic = await self._topic(executor, TOPIC_INSERT)
            payloads = [InsertNotice(q).to_payload() for q in queues]
            await executor.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

    def _start_notice_flusher(self) -> None:
        aspawn(self._flush_held_notices, name="river-insert-notices")

    async def _flush_held_notices(self) -> None:
        """Send the held-back insert notifications as their queues' tokens come (the
        trailing edge), until none is held back."""
        limiter = self._notice_limiter
        try:
            while True:
                delay = limiter.next_due(time.monotonic())
                if delay is None:
                    return
                if delay > 0:
                    await asleep(delay)
                await self._send_insert_notices(limiter.take_due(time.monotonic()))
        except BaseException as exc:
            left = limiter.stop()
            if isinstance(exc, Exception):
                self.logger.warning(
                    "river: sending held-back insert notifications for %s failed: %s",
                    ", ".join(left) or "queues", exc,
                )
                return
            raise

    async def _send_insert_notices(self, queues: Sequence[str]) -> None:
        if queues:
            topic = await self._topic(self._executor, TOPIC_INSERT)
            payloads = [InsertNotice(q).to_payload() for q in queues]
            await self._executor.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

    async def _insert_notification(
        self, executor: AsyncExecutor, queues: Sequence[str]
    ) -> NotifyManyParams | None:
        """The ``river_insert`` notification for ``queues``, sent with the insert."""
        if not queues:
            return None
        topic = await self._topic(executor, TOPIC_INSERT)
        return NotifyManyParams(topic=topic, payloads=[InsertNotice(q).to_payload() for q in queues])

    async def _topic(self, executor: AsyncExecutor, topic: str) -> str:
        if self._schema_name is None:
            self._schema_name = await executor.current_schema()
        return channel(self._schema_name, topic)

    # -- working ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start fetching and working jobs on every configured queue."""
        async with self._stop_lock:  # queues.add/remove wait until the producers run
            await self._start()

    async def _start(self) -> None:
        if self._started:
            raise ClientError("client is already started")
        if not self.config.queues or not len(self.workers):
            raise ClientError("a client needs queues and workers configured to start working")
        await self._executor.ping()
        schema = self._schema_name or await self._executor.current_schema()
        self._schema_name = schema
        self._completer = AsyncBatchCompleter(
            self._executor, self._on_completed, self.logger,
            wants_rows=self._subscriptions.has_subscribers,
            insert_topic=channel(schema, TOPIC_INSERT),
        )
        job_executor = self._job_executor = AsyncJobExecutor(
            client=self,
            config=self.config,
            workers=self.workers,
            completer=self._completer,
            middleware=self.worker_middleware,
            hooks=self.hooks,
            logger=self.logger,
        )
        for name, qc in list(self._queue_configs.items()):
            producer = self._new_producer(name, qc, job_executor)
            try:
                await producer.init()
            except SchemaNotMigratedError as exc:
                # The first statement on River's tables: on the search path, name the
                # schema that was searched.
                if exc.schema:
                    raise
                raise SchemaNotMigratedError(schema, exc.relation) from exc
            self._producers[name] = producer
        self._started = True
        self._stopped_event = _acompat.AEvent()
        self._tasks = [aspawn(self._completer.run, name="river-completer")]
        config = self.config
        self._maintainer = AsyncMaintainer(
            [
                AsyncJobScheduler(
                    self._executor, schema_name=schema, logger=self.logger,
                    test_only=config.test_only,
                ),
                AsyncJobRescuer(
                    self._executor, retry_policy=config.retry_policy,
                    rescue_after=config.rescue_after_seconds(), logger=self.logger,
                    workers=self.workers, client_job_timeout=seconds(config.job_timeout),
                    test_only=config.test_only,
                ),
                AsyncJobCleaner(
                    self._executor,
                    cancelled_retention=config.cancelled_job_retention_period,
                    completed_retention=config.completed_job_retention_period,
                    discarded_retention=config.discarded_job_retention_period,
                    timeout=seconds(config.job_cleaner_timeout),
                    logger=self.logger,
                    test_only=config.test_only,
                ),
                AsyncQueueCleaner(self._executor, logger=self.logger, test_only=config.test_only),
                AsyncWorkflowSweeper(
                    self._executor, insert_topic=channel(schema, TOPIC_INSERT),
                    logger=self.logger, test_only=config.test_only,
                ),
                AsyncSequenceSweeper(
                    self._executor, insert_topic=channel(schema, TOPIC_INSERT),
                    logger=self.logger, test_only=config.test_only,
                ),
                *self._reindexers(schema),
                self.periodic_jobs,
            ],
            logger=self.logger,
            time=self.time,
        )
        self._listen_to_clock()
        self._elector = AsyncElector(
            self._executor, self.id, schema_name=schema,
            on_change=self._maintainer.on_leadership_change, logger=self.logger,
        )
        if not config.poll_only and self.driver.supports_listener:
            await self._start_notifier(schema)
        for producer in self._producers.values():
            self._spawn_producer(producer)
        self._tasks.append(aspawn(self._elector.run, name="river-elector"))

    def _new_producer(
        self, name: str, qc: QueueConfig, job_executor: AsyncJobExecutor
    ) -> AsyncProducer:
        return AsyncProducer(
            client=self,
            queue=name,
            max_workers=qc.max_workers,
            fetch_cooldown=seconds(qc.fetch_cooldown) or self._cooldown,
            fetch_poll_interval=seconds(qc.fetch_poll_interval)
            or seconds(self.config.fetch_poll_interval)
            or 1.0,
            executor=self._executor,
            job_executor=job_executor,
            client_id=self.id,
            logger=self.logger,
            hooks=self.hooks,
            queue_report_interval=seconds(self.config.queue_report_interval) or 600.0,
            queue_poll_interval=seconds(self.config.queue_poll_interval) or 2.0,
            listening=self._listening,
            on_paused_change=self._emit_queue_event,
            concurrency=qc.concurrency,
        )

    def _spawn_producer(self, producer: AsyncProducer) -> None:
        self._producer_tasks[producer.queue] = aspawn(
            producer.run, name=f"river-producer-{producer.queue}"
        )

    # -- queues at runtime (``client.queues``) ----------------------------------------

    async def _queue_add(self, name: str, qc: QueueConfig) -> None:
        check_works_jobs(self.config, "add")
        if not isinstance(qc, QueueConfig):
            raise ConfigError(f"queue {name!r}: expected QueueConfig, got {qc!r}")
        qc.validate(name)
        async with self._stop_lock:
            if name in self._queue_configs:
                raise QueueAlreadyAddedError(name)
            if self._started:
                assert self._job_executor is not None
                producer = self._new_producer(name, qc, self._job_executor)
                await producer.init()
                if self._notifier is not None:
                    producer.subscribe(self._notifier)
                self._producers[name] = producer
                self._spawn_producer(producer)
            self._queue_configs[name] = qc

    async def _queue_remove(self, name: str, timeout: float | None) -> None:
        check_works_jobs(self.config, "remove")
        async with self._stop_lock:
            if name not in self._queue_configs:
                raise QueueNotFoundError(name)
            producer = self._producers.get(name)
            if producer is not None:
                producer.stop_fetching()
                # Running jobs finish; a cancel request still reaches them meanwhile.
                deadline = None if timeout is None else time.monotonic() + timeout
                while deadline is not None and producer.busy():
                    if time.monotonic() >= deadline:
                        raise TimeoutError(
                            f"queue {name!r}: running jobs did not finish within {timeout:g}s; "
                            "its producer has stopped fetching (remove again to finish)"
                        )
                    await asleep(0.01)
                await producer.wait_for_jobs()
                task = self._producer_tasks.pop(name, None)
                if task is not None:
                    await _join(task)
                if self._notifier is not None:
                    producer.unsubscribe(self._notifier)
                del self._producers[name]
            del self._queue_configs[name]

    def _reindexers(self, schema: str) -> list[AsyncReindexer]:
        config = self.config
        if not config.reindexer_enabled:
            return []
        return [
            AsyncReindexer(
                self._executor, schema_name=schema,
                indexes=config.reindexer_index_names_resolved(),
                schedule=config.reindexer_schedule_resolved(),
                timeout=seconds(config.reindexer_timeout),
                logger=self.logger,
            )
        ]

    async def _start_notifier(self, schema: str) -> None:
        """Listen for the topics the producers and the elector need."""
        notifier = self._notifier = AsyncNotifier(self.driver, schema, self.logger)
        notifier.listen(TOPIC_INSERT)  # also for queues added later
        for producer in self._producers.values():
            producer.subscribe(notifier)
        if self._elector is not None:
            self._elector.subscribe(notifier)
        self._tasks.append(aspawn(notifier.run, name="river-notifier"))
        # Listening before start returns, so no notification sent after it is missed;
        # without it producers still poll.
        if not await notifier.connected.wait_timeout(5.0):
            self.logger.warning("river: notifier not connected yet; polling meanwhile")

    def _listening(self) -> bool:
        """Whether notifications reach this client now (else producers poll)."""
        return self._notifier is not None and self._notifier.connected.is_set()

    @property
    def is_leader(self) -> bool:
        """Whether this client currently leads (and runs the maintenance services)."""
        return self._elector is not None and self._elector.is_leader

    def _listen_to_clock(self) -> None:
        """With a clock that reports its moves (``river.testing.TimeStub``), fetch and run
        the leader's services at once when it moves, so what became due is worked."""
        add_listener = getattr(self.time, "add_listener", None)
        if add_listener is None:
            return
        if True:  # ASYNC
            loop = asyncio.get_running_loop()

            def listener() -> None:
                if not loop.is_closed():
                    loop.call_soon_threadsafe(self._clock_moved)
        else:
            listener = self._clock_moved
        add_listener(listener)
        self._clock_unlisten = lambda: self.time.remove_listener(listener)  # type: ignore[attr-defined]

    def _clock_moved(self) -> None:
        for producer in self._producers.values():
            producer.trigger_fetch()
        if self._maintainer is not None:
            self._maintainer.wake()

    async def stop(self) -> None:
        """Stop fetching, let running jobs finish, write their results, stop services.

        Safe to call again, also while a stop is under way (it waits for that one).
        ``soft_stop_timeout`` counts from this call, also while something else holds the
        client (a ``queues.remove`` waiting for its jobs, a start): once it passes, running
        jobs are cancelled whatever is waiting."""
        # Fetching stops and the escalation starts now, not once the other call is done.
        for producer in list(self._producers.values()):
            producer.stop_fetching()
        soft_stop = seconds(self.config.soft_stop_timeout)
        jobs_done = _acompat.AEvent()
        escalation = (
            aspawn(self._cancel_after_soft_stop, soft_stop, jobs_done, name="river-soft-stop")
            if soft_stop is not None
            else None
        )
        try:
            async with self._stop_lock:
                await self._stop(jobs_done)
        finally:
            jobs_done.set()
            if escalation is not None:
                await _join(escalation)

    async def _stop(self, jobs_done: _acompat.AEvent) -> None:
        if not self._started:
            return
        if self._clock_unlisten is not None:
            self._clock_unlisten()
            self._clock_unlisten = None
        producers = list(self._producers.values())
        for producer in producers:
            producer.stop_fetching()
        for producer in producers:
            await producer.wait_for_jobs()
        jobs_done.set()
        if self._completer is not None:
            self._completer.stop()
        if self._notifier is not None:
            self._notifier.stop()
        if self._elector is not None:
            self._elector.stop()
        for task in [*self._producer_tasks.values(), *self._tasks]:
            await _join(task)
        maintainer = self._maintainer
        if maintainer is not None:
            await maintainer.stop()
        self._tasks = []
        self._producer_tasks = {}
        self._elector = None
        self._maintainer = None
        self._notifier = None
        self._producers = {}
        self._started = False
        self._subscriptions.close_all()
        self._stopped_event.set()

    async def _cancel_after_soft_stop(self, timeout: float, jobs_done: _acompat.AEvent) -> None:
        """Escalate a stop to cancelling running jobs once ``soft_stop_timeout`` passes."""
        if await jobs_done.wait_timeout(timeout):
            return
        self.logger.warning(
            "river: soft stop timeout (%gs) passed; cancelling running jobs", timeout
        )
        for producer in list(self._producers.values()):
            producer.cancel_all(CANCEL_CLIENT_STOP)

    def stopped(self) -> AsyncClientStopped:
        """Completes once the client has fully stopped, however the stop began (River's
        ``Stopped()``): ``await client.stopped()`` on ``AsyncClient``;
        ``client.stopped().wait(timeout)`` on ``Client``. Before ``start`` it is complete."""
        return AsyncClientStopped(self._stopped_event)

    async def stop_and_cancel(self) -> None:
        """Cancel running jobs (they return to ``available``), then stop."""
        for producer in self._producers.values():
            producer.stop_fetching()
            producer.cancel_all(CANCEL_CLIENT_STOP)
        await self.stop()

    async def close(self) -> None:
        """Stop, and close the driver's pool if this client opened it (``from_url``)."""
        await self.stop()
        if self._owns_driver:
            # Notifications still held back go now: the pool is about to close.
            try:
                await self._send_insert_notices(self._notice_limiter.stop())
            except Exception as exc:
                self.logger.warning("river: sending held-back insert notifications failed: %s", exc)
            await self.driver.close()

    async def __aenter__(self) -> AsyncClient[TxT]:
        """Start the client when it is configured to work jobs (queues and workers); a
        client that only inserts is entered as it is. Leaving the block stops the client
        (running jobs may finish) and closes a pool it opened (``close``)."""
        if self.config.queues and len(self.workers) and not self._started:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def subscribe(self, *kinds: EventKind) -> AsyncSubscription:
        """Events of the given kinds (all job events when none are given), for the job
        attempts that end after this call."""
        wanted = kinds or tuple(ALL_JOB_EVENT_KINDS)
        return self._subscriptions.subscribe(wanted, self.config.subscribe_buffer_size)

    def _on_completed(self, done: list[tuple[JobRow, Any]]) -> None:
        if not self._subscriptions.has_subscribers():
            return
        events = []
        for row, (outcome, done_at) in done:
            # A job moved out of band meanwhile (to pending, or rescued and running again)
            # was not finished by this attempt: no event for it (River v0.48).
            if not isinstance(outcome, JobOutcome) or row.state in _NOT_FINISHED:
                continue
            kind = event_kind_for(row.state, outcome.kind)
            stats = JobStatistics(
                queue_wait_duration=outcome.queue_wait,
                run_duration=outcome.run_duration,
                complete_duration=max(0.0, done_at - outcome.work_ended),
            )
            events.append(Event(kind=kind, job=row, job_stats=stats))
        self._subscriptions.distribute(events)

    # -- managing jobs and queues -----------------------------------------------------

    async def job_get(self, id: int) -> JobRow:
        return await self._job_get_on(self._executor, id)

    async def job_get_tx(self, tx: TxT | AsyncOrmTx, id: int) -> JobRow:
        return await self._job_get_on(await self._tx_executor(tx), id)

    async def _job_get_on(self, executor: AsyncExecutor, id: int) -> JobRow:
        job = await executor.job_get_by_id(id)
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        return job

    async def job_cancel(self, id: int) -> JobRow:
        """Cancel a job: at once unless running; a running job is told to stop."""
        job = await self._job_cancel_on(self._executor, id)
        if job.state is JobState.RUNNING:
            for producer in self._producers.values():
                producer.cancel_job(id, CANCEL_REMOTE)
        return job

    async def job_cancel_tx(self, tx: TxT | AsyncOrmTx, id: int) -> JobRow:
        return await self._job_cancel_on(await self._tx_executor(tx), id)

    async def _job_cancel_on(self, executor: AsyncExecutor, id: int) -> JobRow:
        topic = await self._topic(executor, TOPIC_CONTROL)
        job = await executor.job_cancel(
            JobCancelParams(
                id=id,
                cancel_attempted_at=self.time.now_utc(),
                control_topic=topic,
                now=self.time.now_utc_or_none(),
            )
        )
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        if job.state is JobState.CANCELLED:
            await self._release_after(executor, job)
        return job

    async def job_delete(self, id: int) -> JobRow:
        """Delete a job that is not running."""
        return await self._job_delete_on(self._executor, id)

    async def job_delete_tx(self, tx: TxT | AsyncOrmTx, id: int) -> JobRow:
        return await self._job_delete_on(await self._tx_executor(tx), id)

    async def _job_delete_on(self, executor: AsyncExecutor, id: int) -> JobRow:
        job = await executor.job_delete(id)
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        if job.state is JobState.RUNNING:
            raise JobRunningError(f"job {id} is running and cannot be deleted")
        await self._release_after(executor, job)
        return job

    async def job_retry(self, id: int) -> JobRow:
        """Make a job available to work again now."""
        return await self._job_retry_on(self._executor, id)

    async def job_retry_tx(self, tx: TxT | AsyncOrmTx, id: int) -> JobRow:
        return await self._job_retry_on(await self._tx_executor(tx), id)

    async def _job_retry_on(self, executor: AsyncExecutor, id: int) -> JobRow:
        async with executor.transaction() as tx:
            job = await tx.job_retry(id, self.time.now_utc_or_none())
            if job is None:
                raise JobNotFoundError(f"job {id} not found")
            key = sequence_key_of(job.metadata)
            if key is not None and job.state is JobState.AVAILABLE:
                # Its turn comes when no other job of its sequence is in the way.
                await _sequence_lock(tx, [key])
                if await tx.sequence_hold(job.id, key):
                    job = dataclasses.replace(job, state=JobState.PENDING)
        return job

    async def job_list(self, params: JobListParams | None = None) -> JobListResult:
        """List jobs matching ``params`` (all jobs by id, 100 at most, without), with
        ``last_cursor`` to continue: ``params.with_after(result.last_cursor)``."""
        params = params or JobListParams()
        return job_list_result(await self._executor.job_list(params), params)

    async def job_list_tx(self, tx: TxT | AsyncOrmTx, params: JobListParams | None = None) -> JobListResult:
        """``job_list`` inside the caller's transaction."""
        params = params or JobListParams()
        executor = await self._tx_executor(tx)
        return job_list_result(await executor.job_list(params), params)

    async def job_delete_many(self, params: JobListParams) -> list[JobRow]:
        """Delete the jobs ``job_list(params)`` would list (ordering, ``after`` and
        ``limit`` included), less the running ones; returns them in the listing's order.

        Params without any filter (see ``JobListParams.filters_empty``) or with ``where``
        conditions raise ``InvalidJobListParamsError`` (a ``ValueError``), the former
        unless they come from ``JobListParams.unsafe_all()`` (or set
        ``unsafe_all_jobs=True``).
        """
        check_delete_many_params(params)
        return await self._executor.job_delete_many(params)

    async def job_delete_many_tx(self, tx: TxT | AsyncOrmTx, params: JobListParams) -> list[JobRow]:
        check_delete_many_params(params)
        executor = await self._tx_executor(tx)
        return await executor.job_delete_many(params)

    async def job_update(self, id: int, *, output: Any = None) -> JobRow:
        """Update a job's output now (River's ``JobUpdate``).

        ``output`` (JSON-encodable, up to 32 MB) replaces the job's output. Without it,
        called from the ``work`` of job ``id``, the output recorded so far with
        ``river.record_output`` is stored at once instead of when the attempt ends.
        Without either, the job is returned unchanged. Raises ``JobNotFoundError``."""
        return await self._job_update_on(self._executor, id, output)

    async def job_update_tx(self, tx: TxT | AsyncOrmTx, id: int, *, output: Any = None) -> JobRow:
        """``job_update`` inside the caller's transaction (River's ``JobUpdateTx``)."""
        return await self._job_update_on(await self._tx_executor(tx), id, output)

    async def _job_update_on(self, executor: AsyncExecutor, id: int, output: Any) -> JobRow:
        merge = output_metadata_merge(id, output)
        if merge is None:
            job = await executor.job_get_by_id(id)
        else:
            job = await executor.job_update(JobUpdateParams(id=id, metadata_merge=merge))
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        return job

    async def queue_pause(self, name: str) -> None:
        """Pause a queue (or ``"*"`` for all): producers everywhere stop fetching from it."""
        await self._queue_set_paused(self._executor, name, pause=True)

    async def queue_pause_tx(self, tx: TxT | AsyncOrmTx, name: str) -> None:
        executor = await self._tx_executor(tx)
        await self._queue_set_paused(executor, name, pause=True)

    async def queue_resume(self, name: str) -> None:
        await self._queue_set_paused(self._executor, name, pause=False)

    async def queue_resume_tx(self, tx: TxT | AsyncOrmTx, name: str) -> None:
        executor = await self._tx_executor(tx)
        await self._queue_set_paused(executor, name, pause=False)

    async def _queue_set_paused(self, executor: AsyncExecutor, name: str, *, pause: bool) -> None:
        params = QueuePauseParams(name=name, now=self.time.now_utc_or_none())
        matched = await (executor.queue_pause(params) if pause else executor.queue_resume(params))
        if matched == 0 and name != "*":
            raise ClientError(f"queue {name!r} not found")
        message = ControlPause(name) if pause else ControlResume(name)
        topic = await self._topic(executor, TOPIC_CONTROL)
        await executor.notify_many(NotifyManyParams(topic=topic, payloads=[message.to_payload()]))
        if executor is self._executor or self.config.poll_only:
            # Each producer reports the change as a queue event once it has taken effect.
            for producer in self._producers.values():
                producer.handle_control(message)

    async def queue_get(self, name: str) -> Queue:
        """The queue ``name``; ``river.QueueNotFoundError`` when no client has worked it
        recently."""
        return await self._queue_get_on(self._executor, name)

    async def queue_get_tx(self, tx: TxT | AsyncOrmTx, name: str) -> Queue:
        """``queue_get`` in the caller's transaction."""
        return await self._queue_get_on(await self._tx_executor(tx), name)

    async def _queue_get_on(self, executor: AsyncExecutor, name: str) -> Queue:
        queue = await executor.queue_get(name)
        if queue is None:
            raise QueueNotFoundError(name)
        return queue

    async def queue_list(self, limit: int = 100) -> list[Queue]:
        """Up to ``limit`` queues, by name."""
        return await self._executor.queue_list(limit)

    async def queue_list_tx(self, tx: TxT | AsyncOrmTx, limit: int = 100) -> list[Queue]:
        """``queue_list`` in the caller's transaction."""
        executor = await self._tx_executor(tx)
        return await executor.queue_list(limit)

    async def queue_update(
        self, name: str, *, metadata: Mapping[str, Any] | None = None
    ) -> Queue:
        """Replace the metadata of queue ``name`` (None leaves it as it is) and return the
        queue (River's ``QueueUpdate``). The change is announced on ``river_control``
        (``metadata_changed``), so the queue's producers in every client take the new
        metadata at once (without notifications, at their next settings poll).
        ``river.QueueNotFoundError`` when the queue does not exist."""
        async with self._executor.transaction() as tx:
            queue, message = await self._queue_update_on(tx, name, metadata)
        if message is not None:
            for producer in list(self._producers.values()):
                producer.handle_control(message)
        return queue

    async def queue_update_tx(
        self, tx: TxT | AsyncOrmTx, name: str, *, metadata: Mapping[str, Any] | None = None
    ) -> Queue:
        """``queue_update`` in the caller's transaction: announced when it commits."""
        queue, _ = await self._queue_update_on(await self._tx_executor(tx), name, metadata)
        return queue

    async def _queue_update_on(
        self, executor: AsyncExecutor, name: str, metadata: Mapping[str, Any] | None
    ) -> tuple[Queue, ControlMetadataChanged | None]:
        encoded = encode_queue_metadata(name, metadata)
        if encoded is not None:  # refused here, not by NOTIFY after the update
            announced = ControlMetadataChanged(queue=name, metadata=json.loads(encoded))
            check_payload_size(announced, queue_metadata_field(name))
        queue = await executor.queue_update(QueueUpdateParams(name=name, metadata=encoded))
        if queue is None:
            raise QueueNotFoundError(name)
        if encoded is None:
            return queue, None
        message = ControlMetadataChanged(queue=queue.name, metadata=json.loads(encoded))
        topic = await self._topic(executor, TOPIC_CONTROL)
        await executor.notify_many(NotifyManyParams(topic=topic, payloads=[message.to_payload()]))
        return queue, message

    # -- workflows (river/workflow.py) --------------------------------------------------

    async def insert_workflow(self, wf: Workflow) -> WorkflowInsertResult:
        """Insert every task of ``wf`` with one COPY, in a transaction of its own. Raises
        ``WorkflowError`` (nothing inserted) for an unknown dependency or a cycle."""
        return await _workflow_insert(self, None, wf)

    async def insert_workflow_tx(self, tx: TxT | AsyncOrmTx, wf: Workflow) -> WorkflowInsertResult:
        """``insert_workflow`` in the caller's transaction: invisible until it commits."""
        return await _workflow_insert(self, await self._tx_executor(tx), wf)

    async def workflow_get(self, workflow_id: str) -> WorkflowInfo:
        """The workflow's tasks with their jobs; ``WorkflowNotFoundError`` if it has none."""
        return await _workflow_get(self._executor, workflow_id)

    async def workflow_tasks(
        self, workflow_id: str, tasks: Sequence[str] | None = None
    ) -> list[JobRow]:
        """The jobs of the workflow's tasks (only those named in ``tasks`` when given)."""
        return await self._executor.workflow_tasks(workflow_id, tasks)

    async def workflow_list(
        self, *, name: str | None = None, limit: int = 100
    ) -> list[WorkflowSummary]:
        """Workflows, newest first, with how many tasks are in each state."""
        return await _workflow_list(self._executor, name, limit)

    async def workflow_cancel(self, workflow_id: str) -> WorkflowInfo:
        """Cancel every task not finalized (running ones are told to stop)."""
        async with self._executor.transaction() as tx:
            info = await _workflow_cancel(self, tx, workflow_id)
        for task in info.tasks:
            if task.state is JobState.RUNNING:
                for producer in self._producers.values():
                    producer.cancel_job(task.job.id, CANCEL_REMOTE)
        return info

    async def workflow_retry(self, workflow_id: str) -> WorkflowInfo:
        """Retry the failed (discarded) and cancelled tasks: each runs again once its
        dependencies have completed."""
        async with self._executor.transaction() as tx:
            topic = await self._topic(tx, TOPIC_INSERT)
            return await _workflow_retry(self, tx, workflow_id, topic)

    async def _release_after(self, executor: AsyncExecutor, job: JobRow) -> None:
        """A workflow task or a sequence's job cancelled or deleted outside a worker
        releases or cancels its dependents, and frees its sequence, in the same
        transaction."""
        freed = release_on_removal(job.metadata)
        if freed is not None:
            topic = await self._topic(executor, TOPIC_INSERT)
            async with executor.transaction() as tx:
                await _release(tx, [freed], insert_topic=topic)

    # -- leadership (``client.notify``) -------------------------------------------------

    async def _request_resign(self, tx: TxT | AsyncOrmTx | None) -> None:
        executor = self._executor if tx is None else await self._tx_executor(tx)
        payload = json.dumps({"action": "request_resign", "leader_id": ""})
        topic = await self._topic(executor, TOPIC_LEADERSHIP)
        await executor.notify_many(NotifyManyParams(topic=topic, payloads=[payload]))
        if tx is None and self._notifier is None and self._elector is not None:
            # Without a listener our own notification does not come back to our elector.
            self._elector.handle_notification(payload)


def _wrap_insert(mw: Any, inner: Any) -> Any:
    async def call(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
        return await mw.insert_many(ps, inner)  # type: ignore[no-any-return]

    return call


async def _join(task: Any) -> None:
    if True:  # ASYNC
        await task
    else:
        task.join()
