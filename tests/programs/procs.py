"""Worker processes for the multi-process tests: started, awaited and stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcesses:
    """``python -m <module> URL SCHEMA`` processes that print ``started`` once working."""

    def __init__(self, module: str, url: str, schema: str) -> None:
        self.module, self.url, self.schema = module, url, schema
        self.procs: list[subprocess.Popen[str]] = []

    def spawn(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", self.module, self.url, self.schema],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "started"
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
