# WARNING: this file is generated from 'client_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""``AsyncClient``: inserts jobs and, once started, works them (River's ``Client``).

The sync ``river.Client`` is generated from this file.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from river import _acompat
from river._acompat import Lock, sleep, spawn
from river._internal.completer import BatchCompleter
from river._internal.delete_many import check_delete_many_params
from river._internal.elector import Elector
from river._internal.job_executor import JobExecutor
from river._internal.job_outcome import CANCEL_CLIENT_STOP, CANCEL_REMOTE, JobOutcome
from river._internal.maintenance.cleaner import JobCleaner
from river._internal.maintenance.maintainer import Maintainer
from river._internal.maintenance.periodic import PeriodicJobEnqueuer
from river._internal.maintenance.queue_cleaner import QueueCleaner
from river._internal.maintenance.reindexer import Reindexer
from river._internal.maintenance.rescuer import JobRescuer
from river._internal.maintenance.scheduler import JobScheduler
from river._internal.maintenance.sequence_sweeper import SequenceSweeper
from river._internal.maintenance.workflow_sweeper import WorkflowSweeper
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
from river._internal.notifier import Notifier
from river._internal.producer import Producer
from river._internal.release import release as _release
from river._internal.release_base import release_on_removal
from river._internal.sequence import lock as _sequence_lock
from river._internal.sequence import promote as _sequence_promote
from river._internal.subscription import Subscription, SubscriptionManager
from river._internal.workflow import cancel as _workflow_cancel
from river._internal.workflow import get as _workflow_get
from river._internal.workflow import insert as _workflow_insert
from river._internal.workflow import list_workflows as _workflow_list
from river._internal.workflow import retry as _workflow_retry
from river.client_base import ClientBase, Colour
from river.client_bundles import ClientStopped, NotifyBundle, QueueBundle
from river.client_bundles_base import check_works_jobs, encode_queue_metadata, queue_metadata_field
from river.config import Config, QueueConfig, seconds
from river.context import output_metadata_merge
from river.driver.driver import Driver
from river.driver.executor import Executor
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
from river.driver.tx_adapters import OrmTx, resolve_tx
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
from river.middleware import Hook, InsertMiddleware, WorkerMiddleware
from river.sequence import has_sequence, sequence_key_of, sequence_keys_of, with_states
from river.types import JobRow, JobState, Queue
from river.worker import Worker
from river.workflow import Workflow, WorkflowInfo, WorkflowInsertResult, WorkflowSummary

TxT = TypeVar("TxT")
# States an attempt's change never leaves a job in (see _on_completed).
_NOT_FINISHED = frozenset({JobState.PENDING, JobState.RUNNING})
IS_ASYNC = False
DEFAULT_DRIVER = "psycopg3"


class Client(ClientBase[TxT]):
    """A River client for asyncio: async workers, async middleware, an async driver."""

    colour = Colour(
        name="async" if IS_ASYNC else "sync",
        worker=Worker,
        worker_middleware=WorkerMiddleware,
        insert_middleware=InsertMiddleware,
        hook=Hook,
    )
    worker_middleware: tuple[WorkerMiddleware, ...]
    insert_middleware: tuple[InsertMiddleware, ...]
    hooks: tuple[Hook, ...]
    _producers: dict[str, Producer]
    _subscriptions: SubscriptionManager

    def __init__(self, driver: Driver[TxT], config: Config | None = None) -> None:
        super().__init__(config)
        self.driver = driver
        self._executor = driver.get_executor(self.config.schema)
        self._subscriptions = SubscriptionManager(self.logger)
        self._tasks: list[Any] = []
        self._completer: BatchCompleter | None = None
        self._notifier: Notifier | None = None
        self._elector: Elector | None = None
        self._maintainer: Maintainer | None = None
        self._stop_lock = Lock()
        self._owns_driver = False
        # The queues ``start`` works: Config.queues, changed by ``queues.add``/``remove``.
        self._queue_configs: dict[str, QueueConfig] = dict(self.config.queues)
        self._job_executor: JobExecutor | None = None
        self._producer_tasks: dict[str, Any] = {}
        self._stopped_event = _acompat.Event()
        self._stopped_event.set()  # not running
        #: The queues this client works, changed at runtime (River's ``Queues()``):
        #: ``await client.queues.add(name, QueueConfig(...))``, ``await client.queues.remove(name)``.
        self.queues = QueueBundle(self)
        #: Notifications to other clients (River's ``Notify()``): ``request_resign()``.
        self.notify = NotifyBundle(self)
        #: Periodic jobs (River's ``PeriodicJobs()``): ``add``, ``remove``, ``remove_by_id``,
        #: ``clear``; the leading client inserts them when due.
        self.periodic_jobs = PeriodicJobEnqueuer(
            self.insert_many,
            self.config.periodic_jobs,
            self.logger,
            hooks=self.hooks,
            test_only=self.config.test_only,
        )
        self._clock_unlisten: Any = None  # stops _listen_to_clock's listener

    @classmethod
    def from_url(
        cls, url: str, *, driver: str = DEFAULT_DRIVER, config: Config | None = None
    ) -> Client[Any]:
        """A client on a new pool opened by the named driver plugin; ``close`` closes it."""
        from river.plugins.manager import open_driver

        opened = open_driver(url, driver)
        client: Client[Any] = cls(opened, config)
        client._owns_driver = True
        return client

    def _tx_executor(self, tx: Any) -> Executor:
        """An executor on the caller's transaction ``tx``: the driver's own connection or
        an ORM's (``river.driver.tx_adapters``)."""
        return self.driver.unwrap_executor(resolve_tx(self.driver, tx), self.config.schema)

    # -- inserting --------------------------------------------------------------------

    def insert(self, args: Any, opts: InsertOpts | None = None) -> JobInsertResult:
        """Insert one job in its own transaction."""
        return self.insert_many([InsertManyParams(args, opts)])[0]

    def insert_tx(
        self, tx: TxT | OrmTx, args: Any, opts: InsertOpts | None = None
    ) -> JobInsertResult:
        """Insert one job in the caller's transaction: invisible until it commits."""
        return self.insert_many_tx(tx, [InsertManyParams(args, opts)])[0]

    def insert_many(self, params: Sequence[Any]) -> list[JobInsertResult]:
        """Insert many jobs in one transaction, returning every row (unique-aware)."""
        built = self._build(params)
        if has_sequence(built) or self._insert_middleware_for(built):
            with self._executor.transaction() as tx:
                results = self._insert_on(tx, built)
        else:
            # A single statement (insert and notification) is a transaction of its own.
            results = self._insert_on(self._executor, built)
        self._poke_local(built)
        return results

    def insert_many_tx(self, tx: TxT | OrmTx, params: Sequence[Any]) -> list[JobInsertResult]:
        built = self._build(params)
        return self._insert_on(self._tx_executor(tx), built)

    def insert_many_fast(self, params: Sequence[Any]) -> int:
        """Insert many jobs with COPY, returning only the count. Without insert hooks or
        middleware, the COPY sends the first jobs while the rest are built."""
        built: list[JobInsertFastParams] = []
        streamed = self._build_streamed(params, built)
        if streamed is None:
            built = self._build(params)
        with self._executor.transaction() as tx:
            if streamed is None:
                count = self._insert_fast_on(tx, built)
            else:
                count = tx.job_insert_fast_many_no_returning(streamed)
                self._notify_inserted(tx, built)
        self._poke_local(built)
        return count

    def insert_many_fast_tx(self, tx: TxT | OrmTx, params: Sequence[Any]) -> int:
        built = self._build(params)
        return self._insert_fast_on(self._tx_executor(tx), built)

    def _insert_on(
        self, executor: Executor, params: list[JobInsertFastParams]
    ) -> list[JobInsertResult]:
        keys = sequence_keys_of(params)
        if keys:  # before inserting: a key's ids grow in the order its inserts commit
            _sequence_lock(executor, keys)
        results = self._insert_rows_on(executor, params)
        if keys:
            promoted = _sequence_promote(
                executor, keys, insert_topic=self._topic(executor, TOPIC_INSERT)
            )
            results = with_states(results, promoted)
        return results

    def _insert_rows_on(
        self, executor: Executor, params: list[JobInsertFastParams]
    ) -> list[JobInsertResult]:

        def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            self._insert_begin(ps)
            return executor.job_insert_fast_many(ps)

        middleware = self._insert_middleware_for(params)
        if not middleware:
            self._insert_begin(params)
            queues, held_back = self._queues_to_notify(params)
            if held_back:
                self._start_notice_flusher()
            notify = self._insert_notification(executor, queues)
            try:
                return executor.job_insert_fast_many(params, notify)
            except BaseException:
                self._forget_notified(queues)
                raise
        call = inner
        for mw in reversed(middleware):
            call = _wrap_insert(mw, call)
        results = call(params)
        self._notify_inserted(executor, params)
        return results

    def _insert_fast_on(self, executor: Executor, params: list[JobInsertFastParams]) -> int:
        keys = sequence_keys_of(params)
        if keys:  # as in _insert_on
            _sequence_lock(executor, keys)
        count = self._copy_rows_on(executor, params)
        if keys:
            _sequence_promote(executor, keys, insert_topic=self._topic(executor, TOPIC_INSERT))
        return count

    def _copy_rows_on(self, executor: Executor, params: list[JobInsertFastParams]) -> int:
        middleware = self._insert_middleware_for(params)
        if not middleware:
            self._insert_begin(params)
            count = executor.job_insert_fast_many_no_returning(params)
            self._notify_inserted(executor, params)
            return count
        counted: list[int] = []

        def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            self._insert_begin(ps)
            counted.append(executor.job_insert_fast_many_no_returning(ps))
            return []  # COPY returns no rows

        call = inner
        for mw in reversed(middleware):
            call = _wrap_insert(mw, call)
        call(params)
        self._notify_inserted(executor, params)
        return sum(counted)

    def _insert_begin(self, params: Sequence[JobInsertFastParams]) -> None:
        """``insert_begin`` of the client's hooks, then of the job's args hooks, per job
        (innermost, on the params the middleware passed on, as in River)."""
        lookup = self.args_plugins
        if not self.insert_begin_hooks and (not lookup.any):
            return
        for p in params:
            for hook in self.insert_begin_hooks:
                hook.insert_begin(p)
            if lookup.any:
                for hook in lookup.by_kind(p.kind).insert_begin:
                    hook.insert_begin(p)

    def _notify_inserted(self, executor: Executor, params: Sequence[JobInsertFastParams]) -> None:
        """NOTIFY ``river_insert`` for queues that got available jobs: now, or once the
        queue's next token comes (``insert_notice_limiter``)."""
        queues, held_back = self._queues_to_notify(params)
        if held_back:
            self._start_notice_flusher()
        if queues:
            topic = self._topic(executor, TOPIC_INSERT)
            payloads = [InsertNotice(q).to_payload() for q in queues]
            executor.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

    def _start_notice_flusher(self) -> None:
        spawn(self._flush_held_notices, name="river-insert-notices")

    def _flush_held_notices(self) -> None:
        """Send the held-back insert notifications as their queues' tokens come (the
        trailing edge), until none is held back."""
        limiter = self._notice_limiter
        try:
            while True:
                delay = limiter.next_due(time.monotonic())
                if delay is None:
                    return
                if delay > 0:
                    sleep(delay)
                self._send_insert_notices(limiter.take_due(time.monotonic()))
        except BaseException as exc:
            left = limiter.stop()
            if isinstance(exc, Exception):
                self.logger.warning(
                    "river: sending held-back insert notifications for %s failed: %s",
                    ", ".join(left) or "queues",
                    exc,
                )
                return
            raise

    def _send_insert_notices(self, queues: Sequence[str]) -> None:
        if queues:
            topic = self._topic(self._executor, TOPIC_INSERT)
            payloads = [InsertNotice(q).to_payload() for q in queues]
            self._executor.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

    def _insert_notification(
        self, executor: Executor, queues: Sequence[str]
    ) -> NotifyManyParams | None:
        """The ``river_insert`` notification for ``queues``, sent with the insert."""
        if not queues:
            return None
        topic = self._topic(executor, TOPIC_INSERT)
        return NotifyManyParams(
            topic=topic, payloads=[InsertNotice(q).to_payload() for q in queues]
        )

    def _topic(self, executor: Executor, topic: str) -> str:
        if self._schema_name is None:
            self._schema_name = executor.current_schema()
        return channel(self._schema_name, topic)

    # -- working ----------------------------------------------------------------------

    def start(self) -> None:
        """Start fetching and working jobs on every configured queue."""
        with self._stop_lock:  # queues.add/remove wait until the producers run
            self._start()

    def _start(self) -> None:
        if self._started:
            raise ClientError("client is already started")
        if not self.config.queues or not len(self.workers):
            raise ClientError("a client needs queues and workers configured to start working")
        self._executor.ping()
        schema = self._schema_name or self._executor.current_schema()
        self._schema_name = schema
        self._completer = BatchCompleter(
            self._executor,
            self._on_completed,
            self.logger,
            wants_rows=self._subscriptions.has_subscribers,
            insert_topic=channel(schema, TOPIC_INSERT),
        )
        job_executor = self._job_executor = JobExecutor(
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
                producer.init()
            except SchemaNotMigratedError as exc:
                # The first statement on River's tables: on the search path, name the
                # schema that was searched.
                if exc.schema:
                    raise
                raise SchemaNotMigratedError(schema, exc.relation) from exc
            self._producers[name] = producer
        self._started = True
        self._stopped_event = _acompat.Event()
        self._tasks = [spawn(self._completer.run, name="river-completer")]
        config = self.config
        self._maintainer = Maintainer(
            [
                JobScheduler(
                    self._executor,
                    schema_name=schema,
                    logger=self.logger,
                    test_only=config.test_only,
                ),
                JobRescuer(
                    self._executor,
                    retry_policy=config.retry_policy,
                    rescue_after=config.rescue_after_seconds(),
                    logger=self.logger,
                    workers=self.workers,
                    client_job_timeout=seconds(config.job_timeout),
                    test_only=config.test_only,
                ),
                JobCleaner(
                    self._executor,
                    cancelled_retention=config.cancelled_job_retention_period,
                    completed_retention=config.completed_job_retention_period,
                    discarded_retention=config.discarded_job_retention_period,
                    timeout=seconds(config.job_cleaner_timeout),
                    logger=self.logger,
                    test_only=config.test_only,
                ),
                QueueCleaner(self._executor, logger=self.logger, test_only=config.test_only),
                WorkflowSweeper(
                    self._executor,
                    insert_topic=channel(schema, TOPIC_INSERT),
                    logger=self.logger,
                    test_only=config.test_only,
                ),
                SequenceSweeper(
                    self._executor,
                    insert_topic=channel(schema, TOPIC_INSERT),
                    logger=self.logger,
                    test_only=config.test_only,
                ),
                *self._reindexers(schema),
                self.periodic_jobs,
            ],
            logger=self.logger,
            time=self.time,
        )
        self._listen_to_clock()
        self._elector = Elector(
            self._executor,
            self.id,
            schema_name=schema,
            on_change=self._maintainer.on_leadership_change,
            logger=self.logger,
        )
        if not config.poll_only and self.driver.supports_listener:
            self._start_notifier(schema)
        for producer in self._producers.values():
            self._spawn_producer(producer)
        self._tasks.append(spawn(self._elector.run, name="river-elector"))

    def _new_producer(self, name: str, qc: QueueConfig, job_executor: JobExecutor) -> Producer:
        return Producer(
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

    def _spawn_producer(self, producer: Producer) -> None:
        self._producer_tasks[producer.queue] = spawn(
            producer.run, name=f"river-producer-{producer.queue}"
        )

    # -- queues at runtime (``client.queues``) ----------------------------------------

    def _queue_add(self, name: str, qc: QueueConfig) -> None:
        check_works_jobs(self.config, "add")
        if not isinstance(qc, QueueConfig):
            raise ConfigError(f"queue {name!r}: expected QueueConfig, got {qc!r}")
        qc.validate(name)
        with self._stop_lock:
            if name in self._queue_configs:
                raise QueueAlreadyAddedError(name)
            if self._started:
                assert self._job_executor is not None
                producer = self._new_producer(name, qc, self._job_executor)
                producer.init()
                if self._notifier is not None:
                    producer.subscribe(self._notifier)
                self._producers[name] = producer
                self._spawn_producer(producer)
            self._queue_configs[name] = qc

    def _queue_remove(self, name: str, timeout: float | None) -> None:
        check_works_jobs(self.config, "remove")
        with self._stop_lock:
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
                            f"queue {name!r}: running jobs did not finish within {timeout:g}s; its producer has stopped fetching (remove again to finish)"
                        )
                    sleep(0.01)
                producer.wait_for_jobs()
                task = self._producer_tasks.pop(name, None)
                if task is not None:
                    _join(task)
                if self._notifier is not None:
                    producer.unsubscribe(self._notifier)
                del self._producers[name]
            del self._queue_configs[name]

    def _reindexers(self, schema: str) -> list[Reindexer]:
        config = self.config
        if not config.reindexer_enabled:
            return []
        return [
            Reindexer(
                self._executor,
                schema_name=schema,
                indexes=config.reindexer_index_names_resolved(),
                schedule=config.reindexer_schedule_resolved(),
                timeout=seconds(config.reindexer_timeout),
                logger=self.logger,
            )
        ]

    def _start_notifier(self, schema: str) -> None:
        """Listen for the topics the producers and the elector need."""
        notifier = self._notifier = Notifier(self.driver, schema, self.logger)
        notifier.listen(TOPIC_INSERT)  # also for queues added later
        for producer in self._producers.values():
            producer.subscribe(notifier)
        if self._elector is not None:
            self._elector.subscribe(notifier)
        self._tasks.append(spawn(notifier.run, name="river-notifier"))
        # Listening before start returns, so no notification sent after it is missed;
        # without it producers still poll.
        if not notifier.connected.wait_timeout(5.0):
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
        listener = self._clock_moved
        add_listener(listener)
        self._clock_unlisten = lambda: self.time.remove_listener(listener)  # type: ignore[attr-defined]

    def _clock_moved(self) -> None:
        for producer in self._producers.values():
            producer.trigger_fetch()
        if self._maintainer is not None:
            self._maintainer.wake()

    def stop(self) -> None:
        """Stop fetching, let running jobs finish, write their results, stop services.

        Safe to call again, also while a stop is under way (it waits for that one).
        ``soft_stop_timeout`` counts from this call, also while something else holds the
        client (a ``queues.remove`` waiting for its jobs, a start): once it passes, running
        jobs are cancelled whatever is waiting."""
        # Fetching stops and the escalation starts now, not once the other call is done.
        for producer in list(self._producers.values()):
            producer.stop_fetching()
        soft_stop = seconds(self.config.soft_stop_timeout)
        jobs_done = _acompat.Event()
        escalation = (
            spawn(self._cancel_after_soft_stop, soft_stop, jobs_done, name="river-soft-stop")
            if soft_stop is not None
            else None
        )
        try:
            with self._stop_lock:
                self._stop(jobs_done)
        finally:
            jobs_done.set()
            if escalation is not None:
                _join(escalation)

    def _stop(self, jobs_done: _acompat.Event) -> None:
        if not self._started:
            return
        if self._clock_unlisten is not None:
            self._clock_unlisten()
            self._clock_unlisten = None
        producers = list(self._producers.values())
        for producer in producers:
            producer.stop_fetching()
        for producer in producers:
            producer.wait_for_jobs()
        jobs_done.set()
        if self._completer is not None:
            self._completer.stop()
        if self._notifier is not None:
            self._notifier.stop()
        if self._elector is not None:
            self._elector.stop()
        for task in [*self._producer_tasks.values(), *self._tasks]:
            _join(task)
        maintainer = self._maintainer
        if maintainer is not None:
            maintainer.stop()
        self._tasks = []
        self._producer_tasks = {}
        self._elector = None
        self._maintainer = None
        self._notifier = None
        self._producers = {}
        self._started = False
        self._subscriptions.close_all()
        self._stopped_event.set()

    def _cancel_after_soft_stop(self, timeout: float, jobs_done: _acompat.Event) -> None:
        """Escalate a stop to cancelling running jobs once ``soft_stop_timeout`` passes."""
        if jobs_done.wait_timeout(timeout):
            return
        self.logger.warning(
            "river: soft stop timeout (%gs) passed; cancelling running jobs", timeout
        )
        for producer in list(self._producers.values()):
            producer.cancel_all(CANCEL_CLIENT_STOP)

    def stopped(self) -> ClientStopped:
        """Completes once the client has fully stopped, however the stop began (River's
        ``Stopped()``): ``await client.stopped()`` on ``AsyncClient``;
        ``client.stopped().wait(timeout)`` on ``Client``. Before ``start`` it is complete."""
        return ClientStopped(self._stopped_event)

    def stop_and_cancel(self) -> None:
        """Cancel running jobs (they return to ``available``), then stop."""
        for producer in self._producers.values():
            producer.stop_fetching()
            producer.cancel_all(CANCEL_CLIENT_STOP)
        self.stop()

    def close(self) -> None:
        """Stop, and close the driver's pool if this client opened it (``from_url``)."""
        self.stop()
        if self._owns_driver:
            # Notifications still held back go now: the pool is about to close.
            try:
                self._send_insert_notices(self._notice_limiter.stop())
            except Exception as exc:
                self.logger.warning("river: sending held-back insert notifications failed: %s", exc)
            self.driver.close()

    def __enter__(self) -> Client[TxT]:
        """Start the client when it is configured to work jobs (queues and workers); a
        client that only inserts is entered as it is. Leaving the block stops the client
        (running jobs may finish) and closes a pool it opened (``close``)."""
        if self.config.queues and len(self.workers) and (not self._started):
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subscribe(self, *kinds: EventKind) -> Subscription:
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

    def job_get(self, id: int) -> JobRow:
        return self._job_get_on(self._executor, id)

    def job_get_tx(self, tx: TxT | OrmTx, id: int) -> JobRow:
        return self._job_get_on(self._tx_executor(tx), id)

    def _job_get_on(self, executor: Executor, id: int) -> JobRow:
        job = executor.job_get_by_id(id)
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        return job

    def job_cancel(self, id: int) -> JobRow:
        """Cancel a job: at once unless running; a running job is told to stop."""
        job = self._job_cancel_on(self._executor, id)
        if job.state is JobState.RUNNING:
            for producer in self._producers.values():
                producer.cancel_job(id, CANCEL_REMOTE)
        return job

    def job_cancel_tx(self, tx: TxT | OrmTx, id: int) -> JobRow:
        return self._job_cancel_on(self._tx_executor(tx), id)

    def _job_cancel_on(self, executor: Executor, id: int) -> JobRow:
        topic = self._topic(executor, TOPIC_CONTROL)
        job = executor.job_cancel(
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
            self._release_after(executor, job)
        return job

    def job_delete(self, id: int) -> JobRow:
        """Delete a job that is not running."""
        return self._job_delete_on(self._executor, id)

    def job_delete_tx(self, tx: TxT | OrmTx, id: int) -> JobRow:
        return self._job_delete_on(self._tx_executor(tx), id)

    def _job_delete_on(self, executor: Executor, id: int) -> JobRow:
        job = executor.job_delete(id)
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        if job.state is JobState.RUNNING:
            raise JobRunningError(f"job {id} is running and cannot be deleted")
        self._release_after(executor, job)
        return job

    def job_retry(self, id: int) -> JobRow:
        """Make a job available to work again now."""
        return self._job_retry_on(self._executor, id)

    def job_retry_tx(self, tx: TxT | OrmTx, id: int) -> JobRow:
        return self._job_retry_on(self._tx_executor(tx), id)

    def _job_retry_on(self, executor: Executor, id: int) -> JobRow:
        with executor.transaction() as tx:
            job = tx.job_retry(id, self.time.now_utc_or_none())
            if job is None:
                raise JobNotFoundError(f"job {id} not found")
            key = sequence_key_of(job.metadata)
            if key is not None and job.state is JobState.AVAILABLE:
                # Its turn comes when no other job of its sequence is in the way.
                _sequence_lock(tx, [key])
                if tx.sequence_hold(job.id, key):
                    job = dataclasses.replace(job, state=JobState.PENDING)
        return job

    def job_list(self, params: JobListParams | None = None) -> JobListResult:
        """List jobs matching ``params`` (all jobs by id, 100 at most, without), with
        ``last_cursor`` to continue: ``params.with_after(result.last_cursor)``."""
        params = params or JobListParams()
        return job_list_result(self._executor.job_list(params), params)

    def job_list_tx(self, tx: TxT | OrmTx, params: JobListParams | None = None) -> JobListResult:
        """``job_list`` inside the caller's transaction."""
        params = params or JobListParams()
        executor = self._tx_executor(tx)
        return job_list_result(executor.job_list(params), params)

    def job_delete_many(self, params: JobListParams) -> list[JobRow]:
        """Delete the jobs ``job_list(params)`` would list (ordering, ``after`` and
        ``limit`` included), less the running ones; returns them in the listing's order.

        Params without any filter (see ``JobListParams.filters_empty``) or with ``where``
        conditions raise ``InvalidJobListParamsError`` (a ``ValueError``), the former
        unless they come from ``JobListParams.unsafe_all()`` (or set
        ``unsafe_all_jobs=True``).
        """
        check_delete_many_params(params)
        return self._executor.job_delete_many(params)

    def job_delete_many_tx(self, tx: TxT | OrmTx, params: JobListParams) -> list[JobRow]:
        check_delete_many_params(params)
        executor = self._tx_executor(tx)
        return executor.job_delete_many(params)

    def job_update(self, id: int, *, output: Any = None) -> JobRow:
        """Update a job's output now (River's ``JobUpdate``).

        ``output`` (JSON-encodable, up to 32 MB) replaces the job's output. Without it,
        called from the ``work`` of job ``id``, the output recorded so far with
        ``river.record_output`` is stored at once instead of when the attempt ends.
        Without either, the job is returned unchanged. Raises ``JobNotFoundError``."""
        return self._job_update_on(self._executor, id, output)

    def job_update_tx(self, tx: TxT | OrmTx, id: int, *, output: Any = None) -> JobRow:
        """``job_update`` inside the caller's transaction (River's ``JobUpdateTx``)."""
        return self._job_update_on(self._tx_executor(tx), id, output)

    def _job_update_on(self, executor: Executor, id: int, output: Any) -> JobRow:
        merge = output_metadata_merge(id, output)
        if merge is None:
            job = executor.job_get_by_id(id)
        else:
            job = executor.job_update(JobUpdateParams(id=id, metadata_merge=merge))
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        return job

    def queue_pause(self, name: str) -> None:
        """Pause a queue (or ``"*"`` for all): producers everywhere stop fetching from it."""
        self._queue_set_paused(self._executor, name, pause=True)

    def queue_pause_tx(self, tx: TxT | OrmTx, name: str) -> None:
        executor = self._tx_executor(tx)
        self._queue_set_paused(executor, name, pause=True)

    def queue_resume(self, name: str) -> None:
        self._queue_set_paused(self._executor, name, pause=False)

    def queue_resume_tx(self, tx: TxT | OrmTx, name: str) -> None:
        executor = self._tx_executor(tx)
        self._queue_set_paused(executor, name, pause=False)

    def _queue_set_paused(self, executor: Executor, name: str, *, pause: bool) -> None:
        params = QueuePauseParams(name=name, now=self.time.now_utc_or_none())
        matched = executor.queue_pause(params) if pause else executor.queue_resume(params)
        if matched == 0 and name != "*":
            raise ClientError(f"queue {name!r} not found")
        message = ControlPause(name) if pause else ControlResume(name)
        topic = self._topic(executor, TOPIC_CONTROL)
        executor.notify_many(NotifyManyParams(topic=topic, payloads=[message.to_payload()]))
        if executor is self._executor or self.config.poll_only:
            # Each producer reports the change as a queue event once it has taken effect.
            for producer in self._producers.values():
                producer.handle_control(message)

    def queue_get(self, name: str) -> Queue:
        """The queue ``name``; ``river.QueueNotFoundError`` when no client has worked it
        recently."""
        return self._queue_get_on(self._executor, name)

    def queue_get_tx(self, tx: TxT | OrmTx, name: str) -> Queue:
        """``queue_get`` in the caller's transaction."""
        return self._queue_get_on(self._tx_executor(tx), name)

    def _queue_get_on(self, executor: Executor, name: str) -> Queue:
        queue = executor.queue_get(name)
        if queue is None:
            raise QueueNotFoundError(name)
        return queue

    def queue_list(self, limit: int = 100) -> list[Queue]:
        """Up to ``limit`` queues, by name."""
        return self._executor.queue_list(limit)

    def queue_list_tx(self, tx: TxT | OrmTx, limit: int = 100) -> list[Queue]:
        """``queue_list`` in the caller's transaction."""
        executor = self._tx_executor(tx)
        return executor.queue_list(limit)

    def queue_update(self, name: str, *, metadata: Mapping[str, Any] | None = None) -> Queue:
        """Replace the metadata of queue ``name`` (None leaves it as it is) and return the
        queue (River's ``QueueUpdate``). The change is announced on ``river_control``
        (``metadata_changed``), so the queue's producers in every client take the new
        metadata at once (without notifications, at their next settings poll).
        ``river.QueueNotFoundError`` when the queue does not exist."""
        with self._executor.transaction() as tx:
            queue, message = self._queue_update_on(tx, name, metadata)
        if message is not None:
            for producer in list(self._producers.values()):
                producer.handle_control(message)
        return queue

    def queue_update_tx(
        self, tx: TxT | OrmTx, name: str, *, metadata: Mapping[str, Any] | None = None
    ) -> Queue:
        """``queue_update`` in the caller's transaction: announced when it commits."""
        queue, _ = self._queue_update_on(self._tx_executor(tx), name, metadata)
        return queue

    def _queue_update_on(
        self, executor: Executor, name: str, metadata: Mapping[str, Any] | None
    ) -> tuple[Queue, ControlMetadataChanged | None]:
        encoded = encode_queue_metadata(name, metadata)
        if encoded is not None:  # refused here, not by NOTIFY after the update
            announced = ControlMetadataChanged(queue=name, metadata=json.loads(encoded))
            check_payload_size(announced, queue_metadata_field(name))
        queue = executor.queue_update(QueueUpdateParams(name=name, metadata=encoded))
        if queue is None:
            raise QueueNotFoundError(name)
        if encoded is None:
            return (queue, None)
        message = ControlMetadataChanged(queue=queue.name, metadata=json.loads(encoded))
        topic = self._topic(executor, TOPIC_CONTROL)
        executor.notify_many(NotifyManyParams(topic=topic, payloads=[message.to_payload()]))
        return (queue, message)

    # -- workflows (river/workflow.py) --------------------------------------------------

    def insert_workflow(self, wf: Workflow) -> WorkflowInsertResult:
        """Insert every task of ``wf`` with one COPY, in a transaction of its own. Raises
        ``WorkflowError`` (nothing inserted) for an unknown dependency or a cycle."""
        return _workflow_insert(self, None, wf)

    def insert_workflow_tx(self, tx: TxT | OrmTx, wf: Workflow) -> WorkflowInsertResult:
        """``insert_workflow`` in the caller's transaction: invisible until it commits."""
        return _workflow_insert(self, self._tx_executor(tx), wf)

    def workflow_get(self, workflow_id: str) -> WorkflowInfo:
        """The workflow's tasks with their jobs; ``WorkflowNotFoundError`` if it has none."""
        return _workflow_get(self._executor, workflow_id)

    def workflow_tasks(self, workflow_id: str, tasks: Sequence[str] | None = None) -> list[JobRow]:
        """The jobs of the workflow's tasks (only those named in ``tasks`` when given)."""
        return self._executor.workflow_tasks(workflow_id, tasks)

    def workflow_list(self, *, name: str | None = None, limit: int = 100) -> list[WorkflowSummary]:
        """Workflows, newest first, with how many tasks are in each state."""
        return _workflow_list(self._executor, name, limit)

    def workflow_cancel(self, workflow_id: str) -> WorkflowInfo:
        """Cancel every task not finalized (running ones are told to stop)."""
        with self._executor.transaction() as tx:
            info = _workflow_cancel(self, tx, workflow_id)
        for task in info.tasks:
            if task.state is JobState.RUNNING:
                for producer in self._producers.values():
                    producer.cancel_job(task.job.id, CANCEL_REMOTE)
        return info

    def workflow_retry(self, workflow_id: str) -> WorkflowInfo:
        """Retry the failed (discarded) and cancelled tasks: each runs again once its
        dependencies have completed."""
        with self._executor.transaction() as tx:
            topic = self._topic(tx, TOPIC_INSERT)
            return _workflow_retry(self, tx, workflow_id, topic)

    def _release_after(self, executor: Executor, job: JobRow) -> None:
        """A workflow task or a sequence's job cancelled or deleted outside a worker
        releases or cancels its dependents, and frees its sequence, in the same
        transaction."""
        freed = release_on_removal(job.metadata)
        if freed is not None:
            topic = self._topic(executor, TOPIC_INSERT)
            with executor.transaction() as tx:
                _release(tx, [freed], insert_topic=topic)

    # -- leadership (``client.notify``) -------------------------------------------------

    def _request_resign(self, tx: TxT | OrmTx | None) -> None:
        executor = self._executor if tx is None else self._tx_executor(tx)
        payload = json.dumps({"action": "request_resign", "leader_id": ""})
        topic = self._topic(executor, TOPIC_LEADERSHIP)
        executor.notify_many(NotifyManyParams(topic=topic, payloads=[payload]))
        if tx is None and self._notifier is None and (self._elector is not None):
            # Without a listener our own notification does not come back to our elector.
            self._elector.handle_notification(payload)


def _wrap_insert(mw: Any, inner: Any) -> Any:

    def call(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
        return mw.insert_many(ps, inner)  # type: ignore[no-any-return]

    return call


def _join(task: Any) -> None:
    task.join()
