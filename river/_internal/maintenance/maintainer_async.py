"""Runs the maintenance services while this client is the leader (River's
``QueueMaintainerLeader``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from river._acompat import agather, aspawn
from river._internal.maintenance.service_async import AsyncService
from river._internal.maintenance.service_base import default_logger


class AsyncMaintainer:
    """Starts ``services`` when leadership is gained and stops them when it is lost.

    Pass ``on_leadership_change`` as the elector's ``on_change`` callback. Starting spawns
    one task (a thread in the sync twin) per service; losing leadership only signals the
    services, which finish the pass they are in and return on their own. ``stop()`` signals
    them and waits for every task this maintainer started.
    """

    def __init__(
        self, services: Sequence[AsyncService], *, logger: logging.Logger | None = None
    ) -> None:
        self.services = list(services)
        self.logger = logger or default_logger()
        self._tasks: list[Any] = []
        self._running = False

    @property
    def running(self) -> bool:
        """Whether the services were started and not stopped since."""
        return self._running

    def on_leadership_change(self, is_leader: bool) -> None:
        if is_leader:
            self.start()
        else:
            self.signal_stop()

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._tasks = [t for t in self._tasks if _alive(t)]
        for service in self.services:
            service.rearm()
            self._tasks.append(aspawn(service.run, name=f"river-{service.name}"))
        self.logger.debug("river: maintenance services started")

    def signal_stop(self) -> None:
        """Ask every service to stop, without waiting."""
        if self._running:
            self.logger.debug("river: maintenance services stopping")
        self._running = False
        for service in self.services:
            service.stop()

    async def stop(self, timeout: float | None = None) -> None:
        """Stop every service and wait (up to ``timeout`` seconds) for all to return."""
        self.signal_stop()
        tasks, self._tasks = self._tasks, []
        if tasks:
            await agather(*tasks, timeout=timeout)


def _alive(task: Any) -> bool:
    if True:  # ASYNC
        return not task.done()
    else:
        return bool(task.is_alive())
