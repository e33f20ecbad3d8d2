# WARNING: this file is generated from 'service_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The base of the leader's maintenance services: ``run_once`` on an interval until stopped."""

from __future__ import annotations

import logging
import random

from river._acompat import Event
from river._internal.maintenance.service_base import BATCH_SIZE as BATCH_SIZE
from river._internal.maintenance.service_base import STAGGER_MAX, ServiceBase


class Service(ServiceBase):
    """A maintenance service: ``run()`` calls ``run_once()`` every ``interval`` seconds
    (plus a random ``jitter`` of up to that many seconds) until ``stop()``.

    ``run()`` first waits a random 0-1s so the services of a new leader do not all hit the
    database at once, unless ``test_only``. A failed ``run_once`` is logged and retried at
    the next interval. A service can run again after a stop (a new leadership term): each
    ``run()`` watches the stop signal that was current when ``rearm()`` last replaced it.
    """

    def __init__(
        self,
        *,
        interval: float,
        jitter: float = 0.0,
        logger: logging.Logger | None = None,
        test_only: bool = False,
    ) -> None:
        super().__init__(interval=interval, jitter=jitter, logger=logger, test_only=test_only)
        self._stop = Event()
        self._nudge = Event()  # set by stop() and wake(): ends the wait between passes

    def run_once(self) -> int:
        """One pass of the service's work; returns how many rows it changed."""
        raise NotImplementedError

    def run(self) -> None:
        stop, nudge = (self._stop, self._nudge)
        if not self.test_only and stop.wait_timeout(random.uniform(0, STAGGER_MAX)):
            return
        while not stop.is_set():
            nudge.clear()
            self.run_once_logged()
            nudge.wait_timeout(self.next_wait())

    def run_once_logged(self) -> None:
        try:
            done = self.run_once()
        except Exception as exc:
            self.logger.warning("river: %s failed: %s", self.name, exc)
        else:
            if done:
                self.logger.debug("river: %s: %d rows", self.name, done)

    def stop(self) -> None:
        """Ask the running ``run()`` to return (it finishes the pass it is in first)."""
        self._stop.set()
        self._nudge.set()

    def wake(self) -> None:
        """Start the next pass now instead of after the interval."""
        self._nudge.set()

    def rearm(self) -> None:
        """Give the next ``run()`` fresh stop and wake signals; an earlier run keeps its own."""
        self._stop = Event()
        self._nudge = Event()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()
