"""One driver's connections on a host about to be cut off: ``python -m tests.programs.cutoff_probe``.

Run inside a network namespace by ``tests.programs.cutoff``. Database and driver come from
``CUT_URL`` and ``CUT_DRIVER`` (``asyncpg``, ``psycopg3`` or ``psycopg2``); with
``CUT_NO_KEEPALIVE=1`` the driver's TCP keepalives and user timeout are turned off. A
listener waits for notifications (an idle connection) and a loop runs ``SELECT 1`` on the
pool every ``QUERY_EVERY`` seconds. It prints JSON lines: ``ready`` once both work, then
``{"ev": "lost", "what": "listener"|"pool", "t", "error"}`` the first time each fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from typing import Any

QUERY_EVERY = 0.5
CHANNEL = "cutoff_probe"


def emit(**fields: Any) -> None:
    print(json.dumps({"t": time.time(), **fields}), flush=True)


def _lost(what: str, exc: BaseException) -> None:
    emit(ev="lost", what=what, error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
         if str(exc) else type(exc).__name__)


def _options(driver: str) -> dict[str, Any]:
    if os.environ.get("CUT_NO_KEEPALIVE") != "1":
        return {}
    if driver == "asyncpg":
        return {"tcp_keepalive": None}
    return {"keepalives": 0, "tcp_user_timeout": 0}


async def probe_async(url: str, name: str) -> None:
    if name == "asyncpg":
        from river_asyncpg import AsyncpgDriver

        driver: Any = await AsyncpgDriver.open(url, max_size=2, **_options(name))
    else:
        from river_psycopg3 import AsyncPsycopgDriver

        driver = await AsyncPsycopgDriver.open(url, max_size=2, **_options(name))
    listener = driver.get_listener()
    await listener.connect()
    await listener.listen(CHANNEL)
    executor = driver.get_executor()
    await executor.execute("SELECT 1", {})
    emit(ev="ready")

    async def listen() -> None:
        try:
            while True:
                await listener.wait_for_notification(1.0)
        except Exception as exc:
            _lost("listener", exc)

    async def query() -> None:
        try:
            while True:
                await executor.execute("SELECT 1", {})
                await asyncio.sleep(QUERY_EVERY)
        except Exception as exc:
            _lost("pool", exc)

    await asyncio.gather(listen(), query())


def probe_sync(url: str) -> None:
    from river_psycopg2 import Psycopg2Driver

    driver = Psycopg2Driver.open(url, max_size=2, **_options("psycopg2"))
    listener = driver.get_listener()
    listener.connect()
    listener.listen(CHANNEL)
    executor = driver.get_executor()
    executor.execute("SELECT 1", {})
    emit(ev="ready")

    def listen() -> None:
        try:
            while True:
                listener.wait_for_notification(1.0)
        except Exception as exc:
            _lost("listener", exc)

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        while True:
            executor.execute("SELECT 1", {})
            time.sleep(QUERY_EVERY)
    except Exception as exc:
        _lost("pool", exc)
    thread.join()


def main() -> None:
    url, name = os.environ["CUT_URL"], os.environ["CUT_DRIVER"]
    if name == "psycopg2":
        probe_sync(url)
    else:
        asyncio.run(probe_async(url, name))
    emit(ev="done")


if __name__ == "__main__":
    main()
