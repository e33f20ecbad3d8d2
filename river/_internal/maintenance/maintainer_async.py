"""Runs the maintenance services while this client is the leader (River's
``QueueMaintainerLeader``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from river._acompat import agather, aspawn
from river._internal.maintenance.service_async import AsyncService
from river._internal.maintenance.service_base import MaintainerBase
from river.clock import TimeGenerator


class AsyncMaintainer(MaintainerBase[AsyncService]):
    """Starts ``services`` when leadership is gained and stops them when it is lost.

    Pass ``on_leadership_change`` as the elector's ``on_change`` callback. Starting spawns
    one task (a thread in the sync twin) per service; losing leadership only signals the
    services, which finish the pass they are in and return on their own. ``stop()`` signals
    them and waits for every task this maintainer started.
    """

    def __init__(
        self,
        services: Sequence[AsyncService],
        *,
        logger: logging.Logger | None = None,
        time: TimeGenerator | None = None,
    ) -> None:
        super().__init__(services, logger=logger, time=time)
        self._tasks: list[Any] = []

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._tasks = [t for t in self._tasks if _alive(t)]
        for service in self.services:
            service.rearm()
            self._tasks.append(aspawn(service.run, name=f"river-{service.name}"))
        self.logger.debug("river: maintenance services started")

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
