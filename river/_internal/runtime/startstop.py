# WARNING: this file is generated from 'startstop_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The start/stop contract every service of a running client keeps (River's
``startstop``), and stopping a group of them together.

The sync twin ``startstop.py`` is generated from this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from river._acompat import Event, spawn
from river._internal.runtime.startstop_base import Phase, StartStopBase

# A part of a service (its loop, ready or drain): a coroutine function; a plain function
# in the sync twin.
Step = Callable[[], Any]


class StartStop(StartStopBase):
    """A service of a running client: ``start`` backgrounds its work and returns once it
    is started (``started`` is set); ``stop`` asks it to stop and returns once it has
    (``stopped`` is set). ``stop`` may be called on a service that never started, and
    again; a second caller waits for the first.

    A service is given as its parts: ``run``, its loop (a task; a thread in the sync
    twin); ``signal``, which tells the loop to end; ``ready``, awaited once the loop runs
    and before ``start`` returns; ``drain``, awaited on stop before the loop is joined
    (a producer's running jobs, the maintainer's services).
    """

    def __init__(
        self,
        name: str,
        *,
        run: Step | None = None,
        signal: Callable[[], None] | None = None,
        ready: Step | None = None,
        drain: Step | None = None,
    ) -> None:
        super().__init__(name, signal)
        self._run = run
        self._ready = ready
        self._drain = drain
        self._task: Any = None
        self._joining = False
        self.started = Event()
        self.stopped = Event()
        self.stopped.set()  # not running

    def start(self) -> None:
        if self.phase is not Phase.IDLE:
            return
        self.phase = Phase.RUNNING
        self.stopped.clear()
        if self._run is not None:
            self._task = spawn(self._run, name=f"river-{self.name}")
        if self._ready is not None:
            self._ready()
        self.started.set()

    def stop(self) -> None:
        self.begin_stop()
        if self.phase is not Phase.STOPPING:
            return
        if self._joining:
            self.stopped.wait()
            return
        self._joining = True
        try:
            if self._drain is not None:
                self._drain()
            if self._task is not None:
                join(self._task)
        finally:
            self._task = None
            self._joining = False
            self.phase = Phase.IDLE
            self.started.clear()
            self.stopped.set()


def stop_together(services: Iterable[StartStop]) -> None:
    """Ask every service to stop, then wait for each in turn, in the order given: none
    waits for another's stop to begin (River's ``StopAllParallel``)."""
    group = list(services)
    for service in group:
        service.begin_stop()
    for service in group:
        service.stop()


def join(task: Any) -> None:
    """Wait for a task (a thread in the sync twin) to return."""
    task.join()
