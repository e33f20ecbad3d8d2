"""River Go as a test peer: the ``gopeer`` program (``tests/interop/gopeer``), built once
per session with the Go toolchain, run as a subprocess with a JSON request on stdin."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).parent / "gopeer"
# The River Go version the peer is built with (gopeer/go.mod pins it).
RIVER_GO_VERSION = "v0.43.0"


def go_binary() -> str:
    """The ``go`` command: ``$GO``, else on PATH, else Go's default install location."""
    for candidate in (os.environ.get("GO"), shutil.which("go"), "/usr/local/go/bin/go"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError(
        "the interop tests need the Go toolchain: set GO, put go on PATH, or install it "
        "in /usr/local/go"
    )


def build(out_dir: Path) -> Path:
    """``go build`` the peer into ``out_dir``; modules come from the module proxy."""
    binary = out_dir / "gopeer"
    subprocess.run(
        [go_binary(), "build", "-o", str(binary), "."],
        cwd=SOURCE,
        check=True,
        env={**os.environ, "GOFLAGS": "-mod=readonly"},
    )
    return binary


class RawJSON(str):
    """JSON text sent to the peer as is (numbers, escapes and key order untouched)."""


def encode_request(request: Any) -> str:
    """``request`` as JSON, with each ``RawJSON`` spliced in verbatim."""
    raws: list[str] = []

    def mark(value: Any) -> Any:
        if isinstance(value, RawJSON):
            raws.append(str(value))
            return f"\x00raw{len(raws) - 1}\x00"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(request))
    for i, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{i}\x00"), raw, 1)
    return text


class GoPeerError(AssertionError):
    """The peer reported an error (River Go refused the request)."""


@dataclass(frozen=True)
class GoPeer:
    binary: Path
    url: str

    def run(
        self, command: str, schema: str, request: dict[str, Any], *, tz: str = "UTC",
        timeout: float = 120,
    ) -> Any:
        """Run one command on ``schema``; returns its JSON result. ``tz`` is the Go
        process's local time zone (River Go writes a unique period in it)."""
        proc = subprocess.run(
            [str(self.binary), command, "--url", self.url, "--schema", schema],
            input=encode_request(request),
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "TZ": tz},
        )
        lines = proc.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else None
        if proc.returncode != 0 or result is None:
            error = result.get("error") if isinstance(result, dict) else None
            raise GoPeerError(
                f"gopeer {command} failed ({proc.returncode}): {error or proc.stdout}\n"
                f"{proc.stderr}"
            )
        return result

    def start(self, schema: str, **request: Any) -> RunningPeer:
        """Start ``work`` in the background, until ``stop()`` (or its own limits)."""
        proc = subprocess.Popen(
            [str(self.binary), "work", "--url", self.url, "--schema", schema],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TZ": "UTC"},
        )
        assert proc.stdin is not None
        proc.stdin.write(encode_request({"until_stdin_closes": True, **request}))
        proc.stdin.flush()
        return RunningPeer(proc)

    def insert(self, schema: str, jobs: list[dict[str, Any]], **request: Any) -> Any:
        return self.run("insert", schema, {"jobs": jobs, **request})

    def work(self, schema: str, **request: Any) -> Any:
        return self.run("work", schema, request)

    def migrate(self, schema: str, **request: Any) -> Any:
        return self.run("migrate", schema, request)

    def river_version(self, schema: str) -> tuple[int, ...]:
        """The River release the peer was built with, e.g. ``(0, 43, 0)``."""
        version = self.run("version", schema, {})["river"]
        return tuple(int(part) for part in version.lstrip("v").split("-")[0].split("."))


class RunningPeer:
    """A ``work`` peer running in the background. Its stderr lines (JSON: started,
    job_started, River Go's job and queue events) are collected as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[dict[str, Any]] = []
        self.other: list[str] = []  # River Go's own log lines
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for text in self.proc.stderr:
            try:
                line = json.loads(text)
            except ValueError:
                line = None
            with self._lock:
                if isinstance(line, dict) and "event" in line:
                    self.lines.append(line)
                else:
                    self.other.append(text)

    def find(self, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        """The first line so far for which ``pred`` holds (None yet: poll again)."""
        if self.proc.poll() is not None and self.proc.returncode not in (0, -signal.SIGKILL):
            raise GoPeerError(f"gopeer work exited {self.proc.returncode}: {self.other}")
        with self._lock:
            return next((line for line in self.lines if pred(line)), None)

    def event(self, name: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
        return lambda line: line["event"] == name and all(
            line.get(k) == v for k, v in fields.items()
        )

    def stop(self) -> Any:
        """Close stdin (the peer's signal to stop); its result."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        out = self.proc.stdout.read()
        self.proc.wait(timeout=60)
        self._reader.join(timeout=10)
        result = json.loads(out.strip().splitlines()[-1])
        if self.proc.returncode != 0:
            raise GoPeerError(f"gopeer work failed: {result} {self.other}")
        return result

    def kill(self) -> None:
        """SIGKILL: the process dies without resigning or finishing anything."""
        self.proc.kill()
        self.proc.wait(timeout=30)
