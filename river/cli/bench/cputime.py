"""CPU time per job: the client process's, and a PostgreSQL server's on this machine
(Linux ``/proc``).

When the database shares the machine's cores with the client, a burn-down is bound by the
CPU both spend per job, so ``river bench`` reports the server's CPU per job beside the
client's, for its own run and for the SQL-only loops. The server is found from the
benchmark connection's backend pid; a server elsewhere (or in another pid namespace, such
as a container) is not found and its figures are left out.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
#: The benchmark connection's backend, from which its server is found.
BACKEND_PID_SQL = "SELECT pg_backend_pid()"
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class ServerCPU:
    """The CPU seconds of one postmaster and the processes it started (the live ones, and
    the exited ones it has reaped so far)."""

    def __init__(self, postmaster_pid: int) -> None:
        self.postmaster_pid = postmaster_pid

    @classmethod
    def find(cls, backend_pid: int) -> ServerCPU | None:
        """The server of the backend ``backend_pid`` (``pg_backend_pid()``), if it runs here."""
        backend = _stat(backend_pid)
        if backend is None or not backend[0].startswith("postgres"):
            return None
        postmaster = _stat(backend[1])
        if postmaster is None or not postmaster[0].startswith(("postgres", "postmaster")):
            return None
        return cls(backend[1])

    def seconds(self) -> float:
        """Busy CPU seconds so far: the postmaster's own and its reaped children's (exited
        backends and workers), plus each live child's."""
        ticks = 0
        own = _fields(self.postmaster_pid)
        if own is None:
            return 0.0
        ticks += sum(int(t) for t in own[1][11:15])  # utime, stime, cutime, cstime
        for entry in PROC.iterdir():
            if not entry.name.isdigit():
                continue
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == self.postmaster_pid:
                ticks += stat[2]
        return ticks / _TICKS


def _fields(pid: int) -> tuple[str, list[str]] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid …": comm may hold spaces and parentheses.
    comm = text[text.index("(") + 1 : text.rindex(")")]
    return comm, text[text.rindex(")") + 2 :].split()


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(command name, parent pid, user + system ticks) of a process."""
    found = _fields(pid)
    if found is None:
        return None
    comm, rest = found
    return comm, int(rest[1]), int(rest[11]) + int(rest[12])



@dataclass
class CPUSpan:
    """CPU seconds the client process (every thread) and the server spent over a span,
    or over several: each ``start``/``stop`` pair adds to the totals."""

    server: ServerCPU | None
    client_start: float = 0.0
    server_start: float = 0.0
    client_seconds: float = 0.0
    server_seconds: float | None = None

    def start(self) -> CPUSpan:
        self.client_start = time.process_time()
        self.server_start = self.server.seconds() if self.server else 0.0
        return self

    def stop(self) -> CPUSpan:
        self.client_seconds += time.process_time() - self.client_start
        if self.server:
            spent = self.server.seconds() - self.server_start
            self.server_seconds = (self.server_seconds or 0.0) + spent
        return self
