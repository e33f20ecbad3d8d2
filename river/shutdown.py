"""Stopping a worker process in stages: the first signal stops softly (running jobs may
finish), the second cancels running jobs, the third exits at once. Used by ``river
worker`` and by integrations that run a client as a program (Django's ``river_worker``)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from river.client import Client

POLL_SECONDS = 0.05

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

    def __init__(
        self,
        quiet: bool = False,
        program: str = "river worker",
        line: Callable[[str], str] | None = None,
    ) -> None:
        self.quiet = quiet
        self.program = program
        # How a stage is written to stderr: as given, or shaped like the log's lines.
        self.line = line or (lambda text: text)
        self.signals = 0
        self.commanded = 0
        # Set by the runner once its client exists: a line naming the jobs an exit at once
        # leaves ``running`` (None: none).
        self.left_running: Callable[[], str | None] | None = None

    @property
    def level(self) -> int:
        return min(max(self.signals, self.commanded), 3)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Runs even while a job blocks the event loop: so no locks, no buffered I/O here.
        before = self.level
        self.signals += 1
        if not self.quiet and self.level > before:
            message = STAGES[self.level].replace("river worker", self.program, 1)
            os.write(2, f"{self.line(message)}\n".encode())
        self._exit_if_third()

    def _exit_if_third(self) -> None:
        if self.level >= 3:
            if self.left_running is not None:
                try:
                    text = self.left_running()
                except Exception:  # exiting matters more than the report
                    text = None
                if text:
                    os.write(2, f"{self.line(text)}\n".encode())
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


@dataclass
class Escalator:
    """Turns new stop levels into ``stop`` / ``stop_and_cancel`` calls."""

    stop: StopRequests
    acted: int = 0

    def new_calls(self) -> list[str]:
        level = self.stop.level
        if level <= self.acted:
            return []
        calls = []
        if self.acted == 0 and level == 1:
            calls.append("stop")
        if self.acted < 2 <= level:
            calls.append("stop_and_cancel")
        self.acted = level
        return calls


class StopCall(threading.Thread):
    """Runs one stop call in a daemon thread, keeping its error."""

    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__(name=f"river-worker-{getattr(fn, '__name__', 'stop')}", daemon=True)
        self.fn = fn
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.fn()
        except BaseException as exc:
            self.error = exc


def raise_if_all_failed(errors: list[BaseException | None]) -> None:
    # A soft and a hard stop may run side by side; one finishing means the client stopped.
    first = errors[0] if errors else None
    if first is not None and all(error is not None for error in errors):
        raise first


def run_until_stopped(client: Client[Any], stop: StopRequests) -> None:
    """Run a started sync ``client`` until ``stop`` escalates and the client has stopped.

    Stop calls run in threads: the main thread must stay free to take the next signal."""
    escalator = Escalator(stop)
    calls: list[StopCall] = []
    while not (calls and all(not c.is_alive() for c in calls)):
        calls += [StopCall(getattr(client, name)) for name in escalator.new_calls()]
        time.sleep(POLL_SECONDS)
    raise_if_all_failed([call.error for call in calls])
