"""The start/stop contract every service of a running client keeps, its colour-free part
(River's ``startstop``): a service is idle, running or stopping; ``begin_stop`` asks it to
stop without waiting, once, and tolerates a service that never started."""

from __future__ import annotations

import enum
from collections.abc import Callable


class Phase(enum.Enum):
    IDLE = "idle"
    RUNNING = "running"
    STOPPING = "stopping"


def _nothing() -> None:
    return None


class StartStopBase:
    """A named service's phase, and the signal that tells its work to end."""

    def __init__(self, name: str, signal: Callable[[], None] | None = None) -> None:
        self.name = name
        self._signal = signal or _nothing
        self.phase = Phase.IDLE

    @property
    def running(self) -> bool:
        """Started, and not asked to stop since."""
        return self.phase is Phase.RUNNING

    def begin_stop(self) -> bool:
        """Ask the service to stop, without waiting: whether this call asked (False for a
        service that is not running, or already stopping)."""
        if self.phase is not Phase.RUNNING:
            return False
        self.phase = Phase.STOPPING
        self._signal()
        return True
