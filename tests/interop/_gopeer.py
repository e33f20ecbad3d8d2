"""River Go as a test peer: the ``gopeer`` program (``tests/interop/gopeer``), built once
per session with the Go toolchain, run as a subprocess with a JSON request on stdin."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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

    def insert(self, schema: str, jobs: list[dict[str, Any]], **request: Any) -> Any:
        return self.run("insert", schema, {"jobs": jobs, **request})

    def work(self, schema: str, **request: Any) -> Any:
        return self.run("work", schema, request)

    def migrate(self, schema: str, **request: Any) -> Any:
        return self.run("migrate", schema, request)
