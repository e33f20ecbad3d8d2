"""How far stopping a ``river worker`` has escalated: signals, and stages from a supervisor."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_AT_ONCE = 1
STAGES = {
    1: "river worker: stopping; running jobs may finish (signal again to cancel them)",
    2: "river worker: cancelling running jobs (signal again to exit at once)",
    3: "river worker: exiting at once",
}


class StopRequests:
    """How far stopping has escalated: signals received here, and stages sent by a supervisor.

    The signal handler counts, announces and exits on the third; the run loops act on
    the count.
    """

    def __init__(self, quiet: bool = False, line: Callable[[str], str] | None = None) -> None:
        self.quiet = quiet
        # How a stage is written to stderr: as given, or shaped like the log's lines.
        self.line = line or (lambda text: text)
        self.signals = 0
        self.commanded = 0

    @property
    def level(self) -> int:
        return min(max(self.signals, self.commanded), 3)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Runs even while a job blocks the event loop: so no locks, no buffered I/O here.
        before = self.level
        self.signals += 1
        if not self.quiet and self.level > before:
            os.write(2, f"{self.line(STAGES[self.level])}\n".encode())
        self._exit_if_third()

    def _exit_if_third(self) -> None:
        if self.level >= 3:
            os._exit(EXIT_AT_ONCE)

    def follow(self, fd: int) -> None:
        """Read stages from a supervisor's pipe; its end closing means stop softly."""

        def read() -> None:
            while True:
                try:
                    data = os.read(fd, 16)
                except OSError:
                    data = b""
                if not data:
                    self.commanded = max(self.commanded, 1)
                    return
                self.commanded = max(self.commanded, *data)
                self._exit_if_third()

        threading.Thread(target=read, name="river-worker-supervisor", daemon=True).start()
