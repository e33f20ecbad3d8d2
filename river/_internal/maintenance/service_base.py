"""What both colours of maintenance service share that does no I/O."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

from river.clock import SYSTEM_TIME, TimeGenerator

STAGGER_MAX = 1.0  # seconds; River spreads the services' first runs over up to 1s
BATCH_SIZE = 10_000  # River's default maintenance batch size

Retention = dt.timedelta | float | None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_logger() -> logging.Logger:
    return logging.getLogger("river.maintenance")


def retention_horizon(retention: Retention, now: dt.datetime) -> dt.datetime | None:
    """The finalized-before time for a retention period; None (keep all) when disabled."""
    if retention is None:
        return None
    seconds = retention.total_seconds() if isinstance(retention, dt.timedelta) else retention
    return None if seconds < 0 else now - dt.timedelta(seconds=seconds)


class ServiceBase:
    """A service's name, interval (plus up to ``jitter`` seconds) and logger."""

    name = "maintenance service"
    #: Where the service reads the current time; the maintainer sets the client's.
    time: TimeGenerator = SYSTEM_TIME

    def __init__(
        self,
        *,
        interval: float,
        jitter: float = 0.0,
        logger: logging.Logger | None = None,
        test_only: bool = False,
    ) -> None:
        self.interval = interval
        self.jitter = jitter
        self.logger = logger or default_logger()
        self.test_only = test_only

    def next_wait(self) -> float:
        """Seconds until the next pass."""
        return self.interval + (random.uniform(0, self.jitter) if self.jitter > 0 else 0.0)


class _Stoppable(Protocol):
    time: TimeGenerator

    def stop(self) -> None: ...

    def wake(self) -> None: ...


S = TypeVar("S", bound=_Stoppable)


class MaintainerBase(Generic[S]):
    """The services a leader runs and whether they run (both colours of maintainer)."""

    def __init__(
        self,
        services: Sequence[S],
        *,
        logger: logging.Logger | None = None,
        time: TimeGenerator | None = None,
    ) -> None:
        self.services = list(services)
        if time is not None:
            for service in self.services:
                service.time = time
        self.logger = logger or default_logger()
        self._running = False

    @property
    def running(self) -> bool:
        """Whether the services were started and not stopped since."""
        return self._running

    def start(self) -> None:
        raise NotImplementedError

    def on_leadership_change(self, is_leader: bool) -> None:
        if is_leader:
            self.start()
        else:
            self.signal_stop()

    def wake(self) -> None:
        """Have every running service do a pass now (the clock moved)."""
        if self._running:
            for service in self.services:
                service.wake()

    def signal_stop(self) -> None:
        """Ask every service to stop, without waiting."""
        if self._running:
            self.logger.debug("river: maintenance services stopping")
        self._running = False
        for service in self.services:
            service.stop()
