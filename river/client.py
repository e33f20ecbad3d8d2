# WARNING: this file is generated from 'client_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""``AsyncClient``: inserts jobs and, once started, works them (River's ``Client``).

The client is its methods by area (inserting: ``client_inserts_async``; managing jobs,
queues and workflows: ``client_jobs_async``, ``client_queues_async``,
``client_workflows_async``) over a runtime (``_internal/runtime/runtime_async``) that builds,
starts and stops the services working the jobs.

The sync ``river.Client`` is generated from this file.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from river._acompat import Lock
from river._internal.completer.completer import BatchCompleter
from river._internal.executor.job_executor import JobExecutor
from river._internal.executor.job_outcome import JobOutcome
from river._internal.leadership.elector import Elector
from river._internal.maintenance.maintainer import Maintainer
from river._internal.maintenance.periodic import PeriodicJobEnqueuer
from river._internal.maintenance.reindexer import Reindexer
from river._internal.notifier.notification import TOPIC_LEADERSHIP
from river._internal.notifier.notifier import Notifier
from river._internal.notifier.subscription import Subscription, SubscriptionManager
from river._internal.runtime.runtime import Runtime
from river.client_base import Colour
from river.client_bundles import ClientStopped, NotifyBundle, QueueBundle
from river.client_bundles_base import check_works_jobs
from river.client_queues import ClientQueues
from river.client_workflows import ClientWorkflows
from river.config import Config, QueueConfig
from river.driver.driver import Driver
from river.driver.params import NotifyManyParams
from river.driver.tx_adapters import OrmTx
from river.errors import ConfigError
from river.events import ALL_JOB_EVENT_KINDS, Event, EventKind, JobStatistics, event_kind_for
from river.middleware import Hook, InsertMiddleware, WorkerMiddleware
from river.periodic import PeriodicJobBundle
from river.types import JobRow, JobState
from river.worker import Worker

TxT = TypeVar("TxT")
# States an attempt's change never leaves a job in (see _on_completed).
_NOT_FINISHED = frozenset({JobState.PENDING, JobState.RUNNING})
IS_ASYNC = False
DEFAULT_DRIVER = "psycopg3"


class Client(ClientWorkflows[TxT], ClientQueues[TxT]):
    """A River client for asyncio: async workers, async middleware, an async driver."""

    colour = Colour(
        name="async" if IS_ASYNC else "sync",
        worker=Worker,
        worker_middleware=WorkerMiddleware,
        insert_middleware=InsertMiddleware,
        hook=Hook,
    )
    worker_middleware: tuple[WorkerMiddleware, ...]
    _subscriptions: SubscriptionManager

    def __init__(self, driver: Driver[TxT], config: Config | None = None) -> None:
        super().__init__(config)
        self.driver = driver
        self._executor = driver.get_executor(self.config.schema)
        self._subscriptions = SubscriptionManager(self.logger)
        self._owns_driver = False
        #: The queues this client works, changed at runtime (River's ``Queues()``):
        #: ``await client.queues.add(name, QueueConfig(...))``, ``await client.queues.remove(name)``.
        self.queues = QueueBundle(self)
        #: Notifications to other clients (River's ``Notify()``): ``request_resign()``.
        self.notify = NotifyBundle(self)
        #: Periodic jobs (River's ``PeriodicJobs()``): ``add``, ``remove``, ``remove_by_id``,
        #: ``clear``; the leading client inserts them when due.
        periodic = PeriodicJobEnqueuer(
            self.insert_many,
            self.config.periodic_jobs,
            self.logger,
            hooks=self.hooks,
            test_only=self.config.test_only,
        )
        self.periodic_jobs: PeriodicJobBundle = periodic
        self._runtime = Runtime(
            self,
            driver,
            self._executor,
            periodic_jobs=periodic,
            schema=self._schema,
            on_completed=self._on_completed,
            wants_rows=self._subscriptions.has_subscribers,
            on_queue_event=self._emit_queue_event,
            on_stopped=self._subscriptions.close_all,
            settings=self._settings,
        )

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

    # -- working (the runtime) --------------------------------------------------------

    def start(self) -> None:
        """Start fetching and working jobs on every configured queue."""
        self._runtime.start()

    def stop(self) -> None:
        """Stop fetching, let running jobs finish, write their results, stop services.

        Safe to call again, also while a stop is under way (it waits for that one).
        ``soft_stop_timeout`` counts from this call, also while something else holds the
        client (a ``queues.remove`` waiting for its jobs, a start): once it passes, running
        jobs are cancelled whatever is waiting."""
        self._runtime.stop()

    def stop_and_cancel(self) -> None:
        """Cancel running jobs (they return to ``available``), then stop."""
        self._runtime.stop_and_cancel()

    def stopped(self) -> ClientStopped:
        """Completes once the client has fully stopped, however the stop began (River's
        ``Stopped()``): ``await client.stopped()`` on ``AsyncClient``;
        ``client.stopped().wait(timeout)`` on ``Client``. Before ``start`` it is complete."""
        return ClientStopped(self._runtime.stopped)

    @property
    def is_leader(self) -> bool:
        """Whether this client currently leads (and runs the maintenance services)."""
        return self._runtime.is_leader

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
        if self.config.queues and len(self.workers) and (not self.started):
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

    # -- queues at runtime (``client.queues``) ----------------------------------------

    def _queue_add(self, name: str, qc: QueueConfig) -> None:
        check_works_jobs(self.config, "add")
        if not isinstance(qc, QueueConfig):
            raise ConfigError(f"queue {name!r}: expected QueueConfig, got {qc!r}")
        qc.validate(name)
        self._runtime.add_queue(name, qc)

    def _queue_remove(self, name: str, timeout: float | None) -> None:
        check_works_jobs(self.config, "remove")
        self._runtime.remove_queue(name, timeout)

    @property
    def _queue_configs(self) -> dict[str, QueueConfig]:
        return self._runtime.queue_configs

    # -- leadership (``client.notify``) -------------------------------------------------

    def _request_resign(self, tx: TxT | OrmTx | None) -> None:
        executor = self._executor if tx is None else self._tx_executor(tx)
        payload = json.dumps({"action": "request_resign", "leader_id": ""})
        topic = self._topic(executor, TOPIC_LEADERSHIP)
        executor.notify_many(NotifyManyParams(topic=topic, payloads=[payload]))
        if tx is None and self._notifier is None and (self._elector is not None):
            # Without a listener our own notification does not come back to our elector.
            self._elector.handle_notification(payload)

    # -- the runtime's parts, as tests and tools look at them -------------------------

    @property
    def _stop_lock(self) -> Lock:
        return self._runtime.lock

    @property
    def _completer(self) -> BatchCompleter | None:
        return self._runtime.completer

    @property
    def _job_executor(self) -> JobExecutor | None:
        return self._runtime.job_executor

    @property
    def _notifier(self) -> Notifier | None:
        return self._runtime.notifier

    @property
    def _elector(self) -> Elector | None:
        return self._runtime.elector

    @property
    def _maintainer(self) -> Maintainer | None:
        return self._runtime.maintainer

    def _listening(self) -> bool:
        return self._runtime.listening()

    def _reindexers(self, schema: str) -> list[Reindexer]:
        return self._runtime.reindexers(schema)
