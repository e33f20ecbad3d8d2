"""What both colours of runtime share that does no I/O: the queues it works and their
producers, and what reaches every producer at once
(a cancel request, a control message, a moved clock)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from river._internal.notifier.notification import ControlMessage
from river.clock import TimeGenerator
from river.config import Config, QueueConfig
from river.errors import ClientError, SchemaNotMigratedError
from river.worker import Workers


class RuntimeHost(Protocol):
    """What a runtime reads of the client it runs for (and hands to the producers and the
    job executor it builds)."""

    @property
    def config(self) -> Config: ...

    @property
    def id(self) -> str: ...

    @property
    def logger(self) -> logging.Logger: ...

    @property
    def time(self) -> TimeGenerator: ...

    @property
    def workers(self) -> Workers: ...

    @property
    def hooks(self) -> Sequence[Any]: ...

    @property
    def worker_middleware(self) -> Sequence[Any]: ...


class _Producer(Protocol):
    def trigger_fetch(self) -> None: ...

    def stop_fetching(self) -> None: ...

    def cancel_job(self, job_id: int, reason: str) -> bool: ...

    def cancel_all(self, reason: str) -> None: ...

    def handle_control(self, message: ControlMessage) -> None: ...


class _Elector(Protocol):
    @property
    def is_leader(self) -> bool: ...


class _Flag(Protocol):
    def is_set(self) -> bool: ...


class _Notifier(Protocol):
    @property
    def connected(self) -> _Flag: ...


class _Maintainer(Protocol):
    def wake(self) -> None: ...


P = TypeVar("P", bound=_Producer)


class RuntimeBase(Generic[P]):
    """The queues a client works and the services that work them, while it runs."""

    notifier: _Notifier | None
    elector: _Elector | None
    maintainer: _Maintainer | None

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host
        self.config = host.config
        self.logger = host.logger
        #: The queues ``start`` works: ``Config.queues``, changed by ``queues.add``/``remove``.
        self.queue_configs: dict[str, QueueConfig] = dict(host.config.queues)
        #: The running producers by queue (changed in place: the client holds this dict).
        self.producers: dict[str, P] = {}
        self.started = False
        self.notifier = None
        self.elector = None
        self.maintainer = None

    def check_startable(self) -> None:
        if self.started:
            raise ClientError("client is already started")
        if not self.config.queues or not len(self.host.workers):
            raise ClientError("a client needs queues and workers configured to start working")

    @property
    def is_leader(self) -> bool:
        return self.elector is not None and self.elector.is_leader

    def listening(self) -> bool:
        """Whether notifications reach this client now (else producers poll)."""
        return self.notifier is not None and self.notifier.connected.is_set()

    def clock_moved(self) -> None:
        """Fetch, and run the leader's services, at once: what the clock made due is worked."""
        for producer in self.producers.values():
            producer.trigger_fetch()
        if self.maintainer is not None:
            self.maintainer.wake()

    def stop_fetching(self) -> None:
        for producer in list(self.producers.values()):
            producer.stop_fetching()

    def cancel_all(self, reason: str) -> None:
        for producer in list(self.producers.values()):
            producer.cancel_all(reason)

    def cancel_job(self, job_id: int, reason: str) -> None:
        """Tell the job, if one of this client's producers runs it, to stop."""
        for producer in list(self.producers.values()):
            producer.cancel_job(job_id, reason)

    def handle_control(self, message: ControlMessage) -> None:
        """Apply a control message at once, without waiting for it to come back."""
        for producer in list(self.producers.values()):
            producer.handle_control(message)


def schema_not_migrated(exc: SchemaNotMigratedError, schema: str) -> SchemaNotMigratedError:
    """The error of the first statement on River's tables: on the search path, naming
    the schema that was searched."""
    if exc.schema:
        return exc
    return SchemaNotMigratedError(schema, exc.relation)
