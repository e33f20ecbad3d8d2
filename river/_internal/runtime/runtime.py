# WARNING: this file is generated from 'runtime_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The runtime of a working client: builds its services, starts them in order and stops
them in reverse, each behind the start/stop contract of ``startstop_async`` (River's
client ``Start``/``Stop`` over its ``startstop`` services).

Start order: the completer, the notifier, the maintainer, the elector, the producers, the
clock listener. Stop runs the other way in two stages: the clock listener and the
producers (all stop fetching, then each waits for its running jobs), then the other
services together. ``soft_stop_timeout`` escalates a stop to cancelling running jobs.

The sync twin ``runtime.py`` is generated from this file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from river._acompat import Event, Lock, sleep, spawn
from river._internal.completer.completer import BatchCompleter, CompletedCallback
from river._internal.executor.job_executor import JobExecutor
from river._internal.executor.job_outcome import CANCEL_CLIENT_STOP
from river._internal.executor.seams import ExecutorClient
from river._internal.leadership.elector import Elector
from river._internal.maintenance.cleaner import JobCleaner
from river._internal.maintenance.maintainer import Maintainer
from river._internal.maintenance.periodic import PeriodicJobEnqueuer
from river._internal.maintenance.queue_cleaner import QueueCleaner
from river._internal.maintenance.reindexer import Reindexer
from river._internal.maintenance.rescuer import JobRescuer
from river._internal.maintenance.scheduler import JobScheduler
from river._internal.maintenance.sequence_sweeper import SequenceSweeper
from river._internal.maintenance.service import Service
from river._internal.maintenance.workflow_sweeper import WorkflowSweeper
from river._internal.notifier.notification import TOPIC_INSERT, channel
from river._internal.notifier.notifier import Notifier
from river._internal.producer.producer import Producer
from river._internal.runtime.runtime_base import RuntimeBase, RuntimeHost, schema_not_migrated
from river._internal.runtime.settings import Settings
from river._internal.runtime.startstop import StartStop, join, stop_together
from river.config import QueueConfig, seconds
from river.context import JobClient
from river.driver.driver import Driver
from river.driver.executor import Executor
from river.errors import QueueAlreadyAddedError, QueueNotFoundError, SchemaNotMigratedError

NOTIFIER_CONNECT_WAIT = 5.0  # how long start waits for the listener before polling


class AsyncRuntimeHost(RuntimeHost, JobClient, ExecutorClient, Protocol):
    """The client a runtime runs for: what the runtime reads of it, and what the producers
    (for their jobs' contexts) and the job executor it builds need of it."""


class Runtime(RuntimeBase[Producer]):
    """Builds, starts and stops the services of a client that works jobs.

    ``host`` is the client (handed on to the producers and the job executor);
    ``schema`` resolves the schema River's tables are in; ``on_completed`` gets each
    batch of written completions (``wants_rows`` says whether their rows are wanted);
    ``on_queue_event`` is told when a queue's pause or resume has taken effect;
    ``on_stopped`` runs once a stop has finished.
    """

    host: AsyncRuntimeHost
    completer: BatchCompleter | None
    job_executor: JobExecutor | None
    notifier: Notifier | None
    elector: Elector | None
    maintainer: Maintainer | None

    def __init__(
        self,
        host: AsyncRuntimeHost,
        driver: Driver[Any],
        executor: Executor,
        *,
        periodic_jobs: PeriodicJobEnqueuer,
        schema: Callable[[], Any],
        on_completed: CompletedCallback,
        wants_rows: Callable[[], bool],
        on_queue_event: Callable[[str, bool], None],
        on_stopped: Callable[[], None],
        settings: Settings,
    ) -> None:
        super().__init__(host)
        self.driver = driver
        self.executor = executor
        self.periodic_jobs = periodic_jobs
        self._schema = schema
        self._on_completed = on_completed
        self._wants_rows = wants_rows
        self._on_queue_event = on_queue_event
        self._on_stopped = on_stopped
        #: The client's intervals, resolved once (``river._internal.runtime.settings``).
        self.settings = settings
        self.completer = None
        self.job_executor = None
        #: Held by start, stop and queue changes: each waits for the one under way.
        self.lock = Lock()
        #: Set while the runtime is not running (River's ``Stopped()``).
        self.stopped = Event()
        self.stopped.set()
        # The services in start order: the producers' and the clock listener's apart,
        # since they stop first, before the others.
        self._services: list[StartStop] = []
        self._producer_services: dict[str, StartStop] = {}
        self._clock: StartStop | None = None

    # -- start ------------------------------------------------------------------------

    def start(self) -> None:
        with self.lock:  # queues.add/remove wait until the producers run
            self._start()

    def _start(self) -> None:
        self.check_startable()
        self.executor.ping()
        schema: str = self._schema()
        completer = self.completer = BatchCompleter(
            self.executor,
            self._on_completed,
            self.logger,
            wants_rows=self._wants_rows,
            insert_topic=channel(schema, TOPIC_INSERT),
        )
        self.job_executor = JobExecutor(
            client=self.host,
            config=self.config,
            workers=self.host.workers,
            completer=completer,
            middleware=self.host.worker_middleware,
            hooks=self.host.hooks,
            logger=self.logger,
        )
        for name, qc in list(self.queue_configs.items()):
            producer = self._new_producer(name, qc)
            try:
                producer.init()
            except SchemaNotMigratedError as exc:
                error = schema_not_migrated(exc, schema)
                if error is exc:
                    raise
                raise error from exc
            self.producers[name] = producer
        self.started = True
        self.stopped = Event()
        maintainer = self.maintainer = Maintainer(
            self._maintenance_services(schema), logger=self.logger, time=self.host.time
        )
        elector = self.elector = Elector(
            self.executor,
            self.host.id,
            schema_name=schema,
            on_change=maintainer.on_leadership_change,
            logger=self.logger,
        )
        services = [StartStop("completer", run=completer.run, signal=completer.stop)]
        if not self.config.poll_only and self.driver.supports_listener:
            services.append(self._notifier_service(schema))
        services += [
            StartStop("maintainer", signal=maintainer.signal_stop, drain=maintainer.stop),
            StartStop("elector", run=elector.run, signal=elector.stop),
        ]
        self._services = services
        for service in services:
            service.start()
        for producer in self.producers.values():
            self._start_producer(producer)
        self._clock = self._clock_service()
        self._clock.start()

    def _new_producer(self, name: str, qc: QueueConfig) -> Producer:
        assert self.job_executor is not None
        return Producer(
            client=self.host,
            queue=name,
            executor=self.executor,
            job_executor=self.job_executor,
            client_id=self.host.id,
            logger=self.logger,
            hooks=self.host.hooks,
            listening=self.listening,
            on_paused_change=self._on_queue_event,
            **self.settings.for_queue(qc).as_kwargs(),
        )

    def _start_producer(self, producer: Producer) -> None:
        service = StartStop(
            f"producer-{producer.queue}",
            run=producer.run,
            signal=producer.stop_fetching,
            drain=producer.wait_for_jobs,
        )
        self._producer_services[producer.queue] = service
        service.start()

    def _notifier_service(self, schema: str) -> StartStop:
        """The notifier, listening for the topics the producers and the elector need."""
        notifier = self.notifier = Notifier(self.driver, schema, self.logger)
        notifier.listen(TOPIC_INSERT)  # also for queues added later
        for producer in self.producers.values():
            producer.subscribe(notifier)
        if self.elector is not None:
            self.elector.subscribe(notifier)

        def connected() -> None:
            # Listening before start returns, so no notification sent after it is
            # missed; without it producers still poll.
            if not notifier.connected.wait_timeout(NOTIFIER_CONNECT_WAIT):
                self.logger.warning("river: notifier not connected yet; polling meanwhile")

        return StartStop("notifier", run=notifier.run, signal=notifier.stop, ready=connected)

    def _clock_service(self) -> StartStop:
        """With a clock that reports its moves (``river.testing.TimeStub``), fetch and run
        the leader's services at once when it moves, so what became due is worked."""
        clock: Any = self.host.time
        if not hasattr(clock, "add_listener"):
            return StartStop("clock-listener")
        listener = self.clock_moved

        def listen() -> None:
            clock.add_listener(listener)

        return StartStop(
            "clock-listener", ready=listen, signal=lambda: clock.remove_listener(listener)
        )

    def _maintenance_services(self, schema: str) -> list[Service]:
        """The services the leader runs, in River's order."""
        config, logger, test_only = (self.config, self.logger, self.config.test_only)
        insert_topic = channel(schema, TOPIC_INSERT)
        return [
            JobScheduler(self.executor, schema_name=schema, logger=logger, test_only=test_only),
            JobRescuer(
                self.executor,
                retry_policy=config.retry_policy,
                rescue_after=config.rescue_after_seconds(),
                logger=logger,
                workers=self.host.workers,
                client_job_timeout=seconds(config.job_timeout),
                test_only=test_only,
            ),
            JobCleaner(
                self.executor,
                cancelled_retention=config.cancelled_job_retention_period,
                completed_retention=config.completed_job_retention_period,
                discarded_retention=config.discarded_job_retention_period,
                timeout=seconds(config.job_cleaner_timeout),
                logger=logger,
                test_only=test_only,
            ),
            QueueCleaner(self.executor, logger=logger, test_only=test_only),
            WorkflowSweeper(
                self.executor, insert_topic=insert_topic, logger=logger, test_only=test_only
            ),
            SequenceSweeper(
                self.executor, insert_topic=insert_topic, logger=logger, test_only=test_only
            ),
            *self.reindexers(schema),
            self.periodic_jobs,
        ]

    def reindexers(self, schema: str) -> list[Reindexer]:
        config = self.config
        if not config.reindexer_enabled:
            return []
        return [
            Reindexer(
                self.executor,
                schema_name=schema,
                indexes=config.reindexer_index_names_resolved(),
                schedule=config.reindexer_schedule_resolved(),
                timeout=seconds(config.reindexer_timeout),
                logger=self.logger,
            )
        ]

    # -- queues at runtime ------------------------------------------------------------

    def add_queue(self, name: str, qc: QueueConfig) -> None:
        with self.lock:
            if name in self.queue_configs:
                raise QueueAlreadyAddedError(name)
            if self.started:
                producer = self._new_producer(name, qc)
                producer.init()
                if self.notifier is not None:
                    producer.subscribe(self.notifier)
                self.producers[name] = producer
                self._start_producer(producer)
            self.queue_configs[name] = qc

    def remove_queue(self, name: str, timeout: float | None) -> None:
        with self.lock:
            if name not in self.queue_configs:
                raise QueueNotFoundError(name)
            producer = self.producers.get(name)
            if producer is not None:
                service = self._producer_services[name]
                service.begin_stop()
                # Running jobs finish; a cancel request still reaches them meanwhile.
                deadline = None if timeout is None else time.monotonic() + timeout
                while deadline is not None and producer.busy():
                    if time.monotonic() >= deadline:
                        raise TimeoutError(
                            f"queue {name!r}: running jobs did not finish within {timeout:g}s; its producer has stopped fetching (remove again to finish)"
                        )
                    sleep(0.01)
                service.stop()
                del self._producer_services[name]
                if self.notifier is not None:
                    producer.unsubscribe(self.notifier)
                del self.producers[name]
            del self.queue_configs[name]

    # -- stop -------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop fetching, let running jobs finish, write their results, stop services.

        Safe to call again, also while a stop is under way (it waits for that one).
        ``soft_stop_timeout`` counts from this call, also while something else holds the
        lock (a queue removal waiting for its jobs, a start): once it passes, running jobs
        are cancelled whatever is waiting."""
        # Fetching stops and the escalation starts now, not once the other call is done.
        self.stop_fetching()
        soft_stop = seconds(self.config.soft_stop_timeout)
        jobs_done = Event()
        escalation = (
            spawn(self._cancel_after_soft_stop, soft_stop, jobs_done, name="river-soft-stop")
            if soft_stop is not None
            else None
        )
        try:
            with self.lock:
                self._stop(jobs_done)
        finally:
            jobs_done.set()
            if escalation is not None:
                join(escalation)

    def stop_and_cancel(self) -> None:
        """Cancel running jobs (they return to ``available``), then stop."""
        self.stop_fetching()
        self.cancel_all(CANCEL_CLIENT_STOP)
        self.stop()

    def _stop(self, jobs_done: Event) -> None:
        if not self.started:
            return
        clock = [self._clock] if self._clock is not None else []
        stop_together([*clock, *reversed(self._producer_services.values())])
        jobs_done.set()
        stop_together(reversed(self._services))
        self._services = []
        self._producer_services = {}
        self._clock = None
        self.elector = None
        self.maintainer = None
        self.notifier = None
        self.producers.clear()
        self.started = False
        self._on_stopped()
        self.stopped.set()

    def _cancel_after_soft_stop(self, timeout: float, jobs_done: Event) -> None:
        """Escalate a stop to cancelling running jobs once ``soft_stop_timeout`` passes."""
        if jobs_done.wait_timeout(timeout):
            return
        self.logger.warning(
            "river: soft stop timeout (%gs) passed; cancelling running jobs", timeout
        )
        self.cancel_all(CANCEL_CLIENT_STOP)
