# WARNING: this file is generated from 'maintainer_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Runs the maintenance services while this client is the leader (River's
``QueueMaintainerLeader``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from river._acompat import gather, spawn
from river._internal.maintenance.service import Service
from river._internal.maintenance.service_base import MaintainerBase
from river.clock import TimeGenerator


class Maintainer(MaintainerBase[Service]):
    """Starts ``services`` when leadership is gained and stops them when it is lost.

    Pass ``on_leadership_change`` as the elector's ``on_change`` callback. Starting spawns
    one task (a thread in the sync twin) per service; losing leadership only signals the
    services, which finish the pass they are in and return on their own. ``stop()`` signals
    them and waits for every task this maintainer started.
    """

    def __init__(
        self,
        services: Sequence[Service],
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
            self._tasks.append(spawn(service.run, name=f"river-{service.name}"))
        self.logger.debug("river: maintenance services started")

    def stop(self, timeout: float | None = None) -> None:
        """Stop every service and wait (up to ``timeout`` seconds) for all to return."""
        self.signal_stop()
        tasks, self._tasks = (self._tasks, [])
        if tasks:
            gather(*tasks, timeout=timeout)


def _alive(task: Any) -> bool:
    return bool(task.is_alive())
