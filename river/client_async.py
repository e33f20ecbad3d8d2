"""``AsyncClient``: inserts jobs and, once started, works them (River's ``Client``).

The sync ``river.Client`` is generated from this file.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from river._acompat import ALock, aspawn
from river._internal.completer_async import AsyncBatchCompleter
from river._internal.delete_many import check_delete_many_params
from river._internal.elector_async import AsyncElector
from river._internal.job_executor_async import AsyncJobExecutor, JobOutcome
from river._internal.job_outcome import CANCEL_CLIENT_STOP, CANCEL_REMOTE
from river._internal.maintenance.cleaner_async import AsyncJobCleaner
from river._internal.maintenance.maintainer_async import AsyncMaintainer
from river._internal.maintenance.periodic_async import AsyncPeriodicJobEnqueuer
from river._internal.maintenance.queue_cleaner_async import AsyncQueueCleaner
from river._internal.maintenance.reindexer_async import AsyncReindexer
from river._internal.maintenance.rescuer_async import AsyncJobRescuer
from river._internal.maintenance.scheduler_async import AsyncJobScheduler
from river._internal.notification import (
    TOPIC_CONTROL,
    TOPIC_INSERT,
    ControlPause,
    ControlResume,
    InsertNotice,
    channel,
)
from river._internal.notifier_async import AsyncNotifier
from river._internal.producer_async import AsyncProducer
from river._internal.subscription_async import AsyncSubscription, AsyncSubscriptionManager
from river.client_base import ClientBase, Colour
from river.config import Config, seconds
from river.driver.driver_async import AsyncDriver
from river.driver.executor_async import AsyncExecutor
from river.driver.params import (
    JobCancelParams,
    JobInsertFastParams,
    JobInsertResult,
    JobListParams,
    JobUpdateParams,
    NotifyManyParams,
    QueuePauseParams,
)
from river.driver.tx_adapters import AsyncOrmTx, resolve_tx_async
from river.errors import (
    ClientError,
    JobNotFoundError,
    JobRunningError,
)
from river.events import ALL_JOB_EVENT_KINDS, Event, EventKind, JobStatistics, event_kind_for
from river.insert_many import InsertManyParams
from river.insert_opts import InsertOpts
from river.middleware import AsyncHook, AsyncInsertMiddleware, AsyncWorkerMiddleware
from river.types import JobRow, JobState, Queue
from river.worker import AsyncWorker

TxT = TypeVar("TxT")
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
        async with self._executor.transaction() as tx:
            results = await self._insert_on(tx, built)
        self._poke_local(built)
        return results

    async def insert_many_tx(self, tx: TxT | AsyncOrmTx, params: Sequence[Any]) -> list[JobInsertResult]:
        built = self._build(params)
        return await self._insert_on(await self._tx_executor(tx), built)

    async def insert_many_fast(self, params: Sequence[Any]) -> int:
        """Insert many jobs with COPY, returning only the count."""
        built = self._build(params)
        async with self._executor.transaction() as tx:
            count = await self._insert_fast_on(tx, built)
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
        for hook in self.hooks:
            for p in params:
                await hook.insert_begin(p)

        async def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            return await executor.job_insert_fast_many(ps)

        call = inner
        for mw in reversed(self.insert_middleware):
            call = _wrap_insert(mw, call)
        results = await call(params)
        await self._notify_inserted(executor, params)
        return results

    async def _insert_fast_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> int:
        for hook in self.hooks:
            for p in params:
                await hook.insert_begin(p)
        if not self.insert_middleware:
            count = await executor.job_insert_fast_many_no_returning(params)
            await self._notify_inserted(executor, params)
            return count
        counted: list[int] = []

        async def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            counted.append(await executor.job_insert_fast_many_no_returning(ps))
            return []  # COPY returns no rows

        call = inner
        for mw in reversed(self.insert_middleware):
            call = _wrap_insert(mw, call)
        await call(params)
        await self._notify_inserted(executor, params)
        return sum(counted)

    async def _notify_inserted(
        self, executor: AsyncExecutor, params: Sequence[JobInsertFastParams]
    ) -> None:
        """NOTIFY ``river_insert`` for queues that got available jobs, once per cooldown."""
        queues = self._queues_to_notify(params)
        if queues:
            topic = await self._topic(executor, TOPIC_INSERT)
            payloads = [InsertNotice(q).to_payload() for q in queues]
            await executor.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

    async def _topic(self, executor: AsyncExecutor, topic: str) -> str:
        if self._schema_name is None:
            self._schema_name = await executor.current_schema()
        return channel(self._schema_name, topic)

    # -- working ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start fetching and working jobs on every configured queue."""
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
        )
        job_executor = AsyncJobExecutor(
            client=self,
            config=self.config,
            workers=self.workers,
            completer=self._completer,
            middleware=self.worker_middleware,
            hooks=self.hooks,
            logger=self.logger,
        )
        for name, qc in self.config.queues.items():
            producer = AsyncProducer(
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
            )
            await producer.init()
            self._producers[name] = producer
        self._started = True
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
                    logger=self.logger,
                    test_only=config.test_only,
                ),
                AsyncQueueCleaner(self._executor, logger=self.logger, test_only=config.test_only),
                AsyncReindexer(self._executor, schema_name=schema, logger=self.logger),
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
            self._tasks.append(aspawn(producer.run, name=f"river-producer-{producer.queue}"))
        self._tasks.append(aspawn(self._elector.run, name="river-elector"))

    async def _start_notifier(self, schema: str) -> None:
        """Listen for the topics the producers, the elector and queue events need."""
        notifier = self._notifier = AsyncNotifier(self.driver, schema, self.logger)
        for producer in self._producers.values():
            producer.subscribe(notifier)
        if self._elector is not None:
            self._elector.subscribe(notifier)
        notifier.subscribe(TOPIC_CONTROL, self._on_control)
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

        Safe to call again, also while a stop is under way (it waits for that one)."""
        async with self._stop_lock:
            await self._stop()

    async def _stop(self) -> None:
        if not self._started:
            return
        if self._clock_unlisten is not None:
            self._clock_unlisten()
            self._clock_unlisten = None
        for producer in self._producers.values():
            producer.stop_fetching()
        for producer in self._producers.values():
            await producer.wait_for_jobs()
        if self._completer is not None:
            self._completer.stop()
        if self._notifier is not None:
            self._notifier.stop()
        if self._elector is not None:
            self._elector.stop()
        for task in self._tasks:
            await _join(task)
        maintainer = self._maintainer
        if maintainer is not None:
            await maintainer.stop()
        self._tasks = []
        self._elector = None
        self._maintainer = None
        self._producers = {}
        self._started = False
        self._subscriptions.close_all()

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
        """Events of the given kinds (all job events when none are given)."""
        wanted = kinds or tuple(ALL_JOB_EVENT_KINDS)
        return self._subscriptions.subscribe(wanted, self.config.subscribe_buffer_size)

    def _on_completed(self, done: list[tuple[JobRow, Any]]) -> None:
        if not self._subscriptions.has_subscribers():
            return
        events = []
        for row, (outcome, done_at) in done:
            if not isinstance(outcome, JobOutcome):
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
        return job

    async def job_retry(self, id: int) -> JobRow:
        """Make a job available to work again now."""
        return await self._job_retry_on(self._executor, id)

    async def job_retry_tx(self, tx: TxT | AsyncOrmTx, id: int) -> JobRow:
        return await self._job_retry_on(await self._tx_executor(tx), id)

    async def _job_retry_on(self, executor: AsyncExecutor, id: int) -> JobRow:
        job = await executor.job_retry(id, self.time.now_utc_or_none())
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        return job

    async def job_list(self, params: JobListParams | None = None) -> list[JobRow]:
        return await self._executor.job_list(params or JobListParams())

    async def job_list_tx(self, tx: TxT | AsyncOrmTx, params: JobListParams | None = None) -> list[JobRow]:
        executor = await self._tx_executor(tx)
        return await executor.job_list(params or JobListParams())

    async def job_delete_many(self, params: JobListParams) -> list[JobRow]:
        """Delete the jobs matching ``params`` (running jobs are skipped).

        Params without any filter raise ``ValueError`` unless they come from
        ``JobListParams.unsafe_all()`` (or set ``unsafe_all_jobs=True``).
        """
        check_delete_many_params(params)
        return await self._executor.job_delete_many(params)

    async def job_delete_many_tx(self, tx: TxT | AsyncOrmTx, params: JobListParams) -> list[JobRow]:
        check_delete_many_params(params)
        executor = await self._tx_executor(tx)
        return await executor.job_delete_many(params)

    async def job_update(self, id: int, *, output: Any) -> JobRow:
        """Store a job's output now (merged into its metadata)."""
        job = await self._executor.job_update(
            JobUpdateParams(id=id, metadata_merge=json.dumps({"output": output}))
        )
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
            for producer in self._producers.values():
                producer.handle_control(message)
            if self._notifier is None:  # our own notification will not come back
                self._emit_queue_event(name, pause)

    async def queue_get(self, name: str) -> Queue:
        queue = await self._executor.queue_get(name)
        if queue is None:
            raise ClientError(f"queue {name!r} not found")
        return queue

    async def queue_list(self, limit: int = 100) -> list[Queue]:
        return await self._executor.queue_list(limit)


def _wrap_insert(mw: Any, inner: Any) -> Any:
    async def call(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
        return await mw.insert_many(ps, inner)  # type: ignore[no-any-return]

    return call


async def _join(task: Any) -> None:
    if True:  # ASYNC
        await task
    else:
        task.join()
