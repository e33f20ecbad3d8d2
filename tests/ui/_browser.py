"""Shared by the browser tests: Debian's chromium for Playwright (the ``browser`` fixture
is in ``conftest.py``), serving an ASGI app with uvicorn on a free local port, and the
folder screenshots go to."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """``app`` served on 127.0.0.1 until the block ends; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def screenshots() -> Path:
    """``$RIVER_UI_SCREENSHOTS`` (default: a new temporary folder), created."""
    folder = Path(os.environ.get("RIVER_UI_SCREENSHOTS") or tempfile.mkdtemp(prefix="river-ui-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
