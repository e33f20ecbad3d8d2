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

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

from river._acompat import AEvent, ALock, asleep, aspawn
from river._internal.completer.completer_async import AsyncBatchCompleter, CompletedCallback
from river._internal.executor.job_executor_async import AsyncJobExecutor
from river._internal.executor.job_outcome import CANCEL_CLIENT_STOP
from river._internal.executor.seams import ExecutorClient
from river._internal.leadership.elector_async import AsyncElector
from river._internal.maintenance.cleaner_async import AsyncJobCleaner
from river._internal.maintenance.maintainer_async import AsyncMaintainer
from river._internal.maintenance.periodic_async import AsyncPeriodicJobEnqueuer
from river._internal.maintenance.queue_cleaner_async import AsyncQueueCleaner
from river._internal.maintenance.reindexer_async import AsyncReindexer
from river._internal.maintenance.rescuer_async import AsyncJobRescuer
from river._internal.maintenance.scheduler_async import AsyncJobScheduler
from river._internal.maintenance.sequence_sweeper_async import AsyncSequenceSweeper
from river._internal.maintenance.service_async import AsyncService
from river._internal.maintenance.workflow_sweeper_async import AsyncWorkflowSweeper
from river._internal.notifier.notification import TOPIC_INSERT, channel
from river._internal.notifier.notifier_async import AsyncNotifier
from river._internal.producer.producer_async import AsyncProducer
from river._internal.runtime.runtime_base import RuntimeBase, RuntimeHost, schema_not_migrated
from river._internal.runtime.settings import Settings
from river._internal.runtime.startstop_async import AsyncStartStop, join, stop_together
from river.config import QueueConfig, seconds
from river.context import AsyncJobClient
from river.driver.driver_async import AsyncDriver
from river.driver.executor_async import AsyncExecutor
from river.errors import QueueAlreadyAddedError, QueueNotFoundError, SchemaNotMigratedError

NOTIFIER_CONNECT_WAIT = 5.0  # how long start waits for the listener before polling


class AsyncRuntimeHost(RuntimeHost, AsyncJobClient, ExecutorClient, Protocol):
    """The client a runtime runs for: what the runtime reads of it, and what the producers
    (for their jobs' contexts) and the job executor it builds need of it."""



class AsyncRuntime(RuntimeBase[AsyncProducer]):
    """Builds, starts and stops the services of a client that works jobs.

    ``host`` is the client (handed on to the producers and the job executor);
    ``schema`` resolves the schema River's tables are in; ``on_completed`` gets each
    batch of written completions (``wants_rows`` says whether their rows are wanted);
    ``on_queue_event`` is told when a queue's pause or resume has taken effect;
    ``on_stopped`` runs once a stop has finished.
    """

    host: AsyncRuntimeHost
    completer: AsyncBatchCompleter | None
    job_executor: AsyncJobExecutor | None
    notifier: AsyncNotifier | None
    elector: AsyncElector | None
    maintainer: AsyncMaintainer | None

    def __init__(
        self,
        host: AsyncRuntimeHost,
        driver: AsyncDriver[Any],
        executor: AsyncExecutor,
        *,
        periodic_jobs: AsyncPeriodicJobEnqueuer,
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
        self.lock = ALock()
        #: Set while the runtime is not running (River's ``Stopped()``).
        self.stopped = AEvent()
        self.stopped.set()
        # The services in start order: the producers' and the clock listener's apart,
        # since they stop first, before the others.
        self._services: list[AsyncStartStop] = []
        self._producer_services: dict[str, AsyncStartStop] = {}
        self._clock: AsyncStartStop | None = None

    # -- start ------------------------------------------------------------------------

    async def start(self) -> None:
        async with self.lock:  # queues.add/remove wait until the producers run
            await self._start()

    async def _start(self) -> None:
        self.check_startable()
        await self.executor.ping()
        schema: str = await self._schema()
        completer = self.completer = AsyncBatchCompleter(
            self.executor, self._on_completed, self.logger,
            wants_rows=self._wants_rows, insert_topic=channel(schema, TOPIC_INSERT),
        )
        self.job_executor = AsyncJobExecutor(
            client=self.host, config=self.config, workers=self.host.workers,
            completer=completer, middleware=self.host.worker_middleware,
            hooks=self.host.hooks, logger=self.logger,
        )
        for name, qc in list(self.queue_configs.items()):
            producer = self._new_producer(name, qc)
            try:
                await producer.init()
            except SchemaNotMigratedError as exc:
                error = schema_not_migrated(exc, schema)
                if error is exc:
                    raise
                raise error from exc
            self.producers[name] = producer
        self.started = True
        self.stopped = AEvent()
        maintainer = self.maintainer = AsyncMaintainer(
            self._maintenance_services(schema), logger=self.logger, time=self.host.time
        )
        elector = self.elector = AsyncElector(
            self.executor, self.host.id, schema_name=schema,
            on_change=maintainer.on_leadership_change, logger=self.logger,
        )
        services = [AsyncStartStop("completer", run=completer.run, signal=completer.stop)]
        if not self.config.poll_only and self.driver.supports_listener:
            services.append(self._notifier_service(schema))
        services += [
            AsyncStartStop("maintainer", signal=maintainer.signal_stop, drain=maintainer.stop),
            AsyncStartStop("elector", run=elector.run, signal=elector.stop),
        ]
        self._services = services
        for service in services:
            await service.start()
        for producer in self.producers.values():
            await self._start_producer(producer)
        self._clock = self._clock_service()
        await self._clock.start()

    def _new_producer(self, name: str, qc: QueueConfig) -> AsyncProducer:
        assert self.job_executor is not None
        return AsyncProducer(
            client=self.host, queue=name, executor=self.executor,
            job_executor=self.job_executor, client_id=self.host.id, logger=self.logger,
            hooks=self.host.hooks, listening=self.listening,
            on_paused_change=self._on_queue_event,
            **self.settings.for_queue(qc).as_kwargs(),
        )

    async def _start_producer(self, producer: AsyncProducer) -> None:
        service = AsyncStartStop(
            f"producer-{producer.queue}", run=producer.run,
            signal=producer.stop_fetching, drain=producer.wait_for_jobs,
        )
        self._producer_services[producer.queue] = service
        await service.start()

    def _notifier_service(self, schema: str) -> AsyncStartStop:
        """The notifier, listening for the topics the producers and the elector need."""
        notifier = self.notifier = AsyncNotifier(self.driver, schema, self.logger)
        notifier.listen(TOPIC_INSERT)  # also for queues added later
        for producer in self.producers.values():
            producer.subscribe(notifier)
        if self.elector is not None:
            self.elector.subscribe(notifier)

        async def connected() -> None:
            # Listening before start returns, so no notification sent after it is
            # missed; without it producers still poll.
            if not await notifier.connected.wait_timeout(NOTIFIER_CONNECT_WAIT):
                self.logger.warning("river: notifier not connected yet; polling meanwhile")

        return AsyncStartStop("notifier", run=notifier.run, signal=notifier.stop, ready=connected)

    def _clock_service(self) -> AsyncStartStop:
        """With a clock that reports its moves (``river.testing.TimeStub``), fetch and run
        the leader's services at once when it moves, so what became due is worked."""
        clock: Any = self.host.time
        if not hasattr(clock, "add_listener"):
            return AsyncStartStop("clock-listener")
        if True:  # ASYNC
            loop = asyncio.get_running_loop()

            def listener() -> None:
                if not loop.is_closed():
                    loop.call_soon_threadsafe(self.clock_moved)
        else:
            listener = self.clock_moved

        async def listen() -> None:
            clock.add_listener(listener)

        return AsyncStartStop(
            "clock-listener", ready=listen, signal=lambda: clock.remove_listener(listener)
        )

    def _maintenance_services(self, schema: str) -> list[AsyncService]:
        """The services the leader runs, in River's order."""
        config, logger, test_only = self.config, self.logger, self.config.test_only
        insert_topic = channel(schema, TOPIC_INSERT)
        return [
            AsyncJobScheduler(
                self.executor, schema_name=schema, logger=logger, test_only=test_only
            ),
            AsyncJobRescuer(
                self.executor, retry_policy=config.retry_policy,
                rescue_after=config.rescue_after_seconds(), logger=logger,
                workers=self.host.workers, client_job_timeout=seconds(config.job_timeout),
                test_only=test_only,
            ),
            AsyncJobCleaner(
                self.executor,
                cancelled_retention=config.cancelled_job_retention_period,
                completed_retention=config.completed_job_retention_period,
                discarded_retention=config.discarded_job_retention_period,
                timeout=seconds(config.job_cleaner_timeout),
                logger=logger,
                test_only=test_only,
            ),
            AsyncQueueCleaner(self.executor, logger=logger, test_only=test_only),
            AsyncWorkflowSweeper(
                self.executor, insert_topic=insert_topic, logger=logger, test_only=test_only
            ),
            AsyncSequenceSweeper(
                self.executor, insert_topic=insert_topic, logger=logger, test_only=test_only
            ),
            *self.reindexers(schema),
            self.periodic_jobs,
        ]

    def reindexers(self, schema: str) -> list[AsyncReindexer]:
        config = self.config
        if not config.reindexer_enabled:
            return []
        return [
            AsyncReindexer(
                self.executor, schema_name=schema,
                indexes=config.reindexer_index_names_resolved(),
                schedule=config.reindexer_schedule_resolved(),
                timeout=seconds(config.reindexer_timeout),
                logger=self.logger,
            )
        ]

    # -- queues at runtime ------------------------------------------------------------

    async def add_queue(self, name: str, qc: QueueConfig) -> None:
        async with self.lock:
            if name in self.queue_configs:
                raise QueueAlreadyAddedError(name)
            if self.started:
                producer = self._new_producer(name, qc)
                await producer.init()
                if self.notifier is not None:
                    producer.subscribe(self.notifier)
                self.producers[name] = producer
                await self._start_producer(producer)
            self.queue_configs[name] = qc

    async def remove_queue(self, name: str, timeout: float | None) -> None:
        async with self.lock:
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
                            f"queue {name!r}: running jobs did not finish within {timeout:g}s; "
                            "its producer has stopped fetching (remove again to finish)"
                        )
                    await asleep(0.01)
                await service.stop()
                del self._producer_services[name]
                if self.notifier is not None:
                    producer.unsubscribe(self.notifier)
                del self.producers[name]
            del self.queue_configs[name]

    # -- stop -------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop fetching, let running jobs finish, write their results, stop services.

        Safe to call again, also while a stop is under way (it waits for that one).
        ``soft_stop_timeout`` counts from this call, also while something else holds the
        lock (a queue removal waiting for its jobs, a start): once it passes, running jobs
        are cancelled whatever is waiting."""
        # Fetching stops and the escalation starts now, not once the other call is done.
        self.stop_fetching()
        soft_stop = seconds(self.config.soft_stop_timeout)
        jobs_done = AEvent()
        escalation = (
            aspawn(self._cancel_after_soft_stop, soft_stop, jobs_done, name="river-soft-stop")
            if soft_stop is not None
            else None
        )
        try:
            async with self.lock:
                await self._stop(jobs_done)
        finally:
            jobs_done.set()
            if escalation is not None:
                await join(escalation)

    async def stop_and_cancel(self) -> None:
        """Cancel running jobs (they return to ``available``), then stop."""
        self.stop_fetching()
        self.cancel_all(CANCEL_CLIENT_STOP)
        await self.stop()

    async def _stop(self, jobs_done: AEvent) -> None:
        if not self.started:
            return
        clock = [self._clock] if self._clock is not None else []
        await stop_together([*clock, *reversed(self._producer_services.values())])
        jobs_done.set()
        await stop_together(reversed(self._services))
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

    async def _cancel_after_soft_stop(self, timeout: float, jobs_done: AEvent) -> None:
        """Escalate a stop to cancelling running jobs once ``soft_stop_timeout`` passes."""
        if await jobs_done.wait_timeout(timeout):
            return
        self.logger.warning(
            "river: soft stop timeout (%gs) passed; cancelling running jobs", timeout
        )
        self.cancel_all(CANCEL_CLIENT_STOP)
