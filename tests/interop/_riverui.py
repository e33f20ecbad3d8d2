"""River UI (``riverqueue.com/riverui``, River's own web UI, a Go program) served over a
river-queue schema on loopback, and a small client of its JSON API.

``tests/interop/riverui/go.mod`` pins the River UI version as a Go tool; its frontend is
embedded in the published module (``dist/``), so ``go build`` is the whole build."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests._client_helpers import wait_for
from tests.interop._gopeer import go_binary

SOURCE = Path(__file__).parent / "riverui"
PACKAGE = "riverqueue.com/riverui/cmd/riverui"
# The River UI version the tests run (riverui/go.mod pins it).
RIVERUI_VERSION = "v0.22.0"
# Debian's chromium, headless, as the dashboard's browser tests launch it.
CHROMIUM = os.environ.get("RIVER_UI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def build(out_dir: Path) -> Path:
    """``go build`` River UI into ``out_dir``; modules come from the module proxy."""
    binary = out_dir / "riverui"
    subprocess.run(
        [go_binary(), "build", "-o", str(binary), PACKAGE],
        cwd=SOURCE,
        check=True,
        env={**os.environ, "GOFLAGS": "-mod=readonly"},
    )
    return binary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RiverUIError(AssertionError):
    """River UI answered a request with an error status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"River UI answered {status}: {body}")
        self.status = status


@dataclass(frozen=True)
class RiverUI:
    base_url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as e:
            raise RiverUIError(e.code, e.read().decode()) from None
        return json.loads(text) if text else None

    def get(self, path: str) -> Any:
        return self.request("GET", path)


@contextmanager
def serve(binary: Path, database_url: str, schema: str) -> Iterator[RiverUI]:
    """River UI on 127.0.0.1 over ``schema`` of ``database_url`` until the block ends."""
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "RIVER_HOST": "127.0.0.1",
        "PORT": str(port),
    }
    log = Path(tempfile.mkstemp(prefix="riverui-", suffix=".log")[1])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(binary), "-schema", schema], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    ui = RiverUI(f"http://127.0.0.1:{port}", proc, log)
    try:

        def healthy() -> bool:
            assert proc.poll() is None, f"River UI exited: {log.read_text()}"
            try:
                return bool(ui.get("/api/health-checks/complete")["status"] == "ok")
            except (OSError, RiverUIError):
                return False

        wait_for(healthy, timeout=30, interval=0.1)
        yield ui
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.unlink(missing_ok=True)
