"""``river worker --processes N``: a supervisor running N worker processes.

Each child gets a pipe the supervisor writes stop stages to; the children run in their own
process group, so a signal reaching the whole group counts once, and a child whose
supervisor dies sees the pipe close and stops softly.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

from river.cli.worker import logformat
from river.shutdown import EXIT_AT_ONCE, SIGNALS, STAGES, StopRequests

logger = logging.getLogger("river.worker")

POLL_SECONDS = 0.05
# After the third stage, how long a supervisor waits for children before SIGKILL.
KILL_GRACE_SECONDS = 2.0


@dataclass
class _Child:
    number: int
    proc: subprocess.Popen[bytes]
    pipe: int  # write end of the child's stage pipe
    reported: bool = field(default=False)

    def send(self, level: int) -> None:
        try:
            os.write(self.pipe, bytes([level]))
        except OSError:
            pass  # already gone


def supervise(args: argparse.Namespace) -> int:
    """Run ``args.processes`` children of ``river worker`` and pass stop stages to them."""
    stop = StopRequests(line=logformat.stage_line(args.log_format))
    previous = {sig: signal.signal(sig, _count_only(stop)) for sig in SIGNALS}
    children: list[_Child] = []
    try:
        base = [sys.executable, "-m", "river", *(["--debug"] if args.debug else [])]
        for number in range(1, args.processes + 1):
            if stop.signals:
                break
            read_end, write_end = os.pipe()
            try:
                proc = subprocess.Popen(
                    [
                        *base, "worker", args.spec, "--processes", "1",
                        "--log-level", args.log_level, "--log-format", args.log_format,
                        "--gc-threshold", str(args.gc_threshold),
                        *(["--quiet"] if getattr(args, "quiet", False) else []),
                        "--supervisor-fd", str(read_end),
                    ],
                    pass_fds=(read_end,),
                    stdin=subprocess.DEVNULL,
                    # Its own process group: a terminal's Ctrl+C reaches only the supervisor.
                    process_group=0,
                )
            except BaseException:
                os.close(write_end)
                raise
            finally:
                os.close(read_end)
            children.append(_Child(number, proc, write_end))
        if children:
            logger.info(
                "river worker: supervising %d processes (pids %s)",
                len(children), ", ".join(str(c.proc.pid) for c in children),
            )
        return _watch(children, stop)
    finally:
        _reap(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _count_only(stop: StopRequests) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.signals += 1

    return handler


def _watch(children: list[_Child], stop: StopRequests) -> int:
    sent = 0
    failed = False
    own_stop = 0  # a stage the supervisor started itself, after a child exited unasked
    while any(c.proc.poll() is None for c in children):
        for child in children:
            code = child.proc.poll()
            if code is None or child.reported:
                continue
            child.reported = True
            if sent == 0:
                print(
                    stop.line(
                        f"river worker: process {child.number} (pid {child.proc.pid}) "
                        f"exited with code {code}; stopping the others"
                    ),
                    file=sys.stderr, flush=True,
                )
                failed = True
                own_stop = 1
        target = min(stop.signals + own_stop, 3)
        while sent < target:
            sent += 1
            print(stop.line(STAGES[sent]), file=sys.stderr, flush=True)
            for child in children:
                child.send(sent)
        if sent >= 3:
            _kill_after(children, KILL_GRACE_SECONDS)
            return EXIT_AT_ONCE
        time.sleep(POLL_SECONDS)
    codes = [c.proc.returncode for c in children]
    return 1 if failed or any(codes) else 0


def _kill_after(children: list[_Child], grace: float) -> None:
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.proc.kill()


def _reap(children: list[_Child]) -> None:
    """Leave no child behind: the supervisor is exiting (normally or on an error)."""
    for child in children:
        try:
            os.close(child.pipe)  # a child still running sees EOF and stops softly
        except OSError:
            pass
    for child in children:
        if child.proc.poll() is None:
            try:
                child.proc.wait(30)
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
