# WARNING: this file is generated from '_client_helpers_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Helpers for client tests (async source; the sync twin is generated)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import river
from river._acompat import sleep


def wait_for(cond: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll ``cond`` (a coroutine function in async tests) until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        sleep(interval)


def wait_for_state(
    client: Any, job_id: int, *states: river.JobState, timeout: float = 10.0
) -> river.JobRow:

    def check() -> river.JobRow | None:
        job: river.JobRow = client.job_get(job_id)
        return job if job.state in states else None

    result: river.JobRow = wait_for(check, timeout)
    return result


def make_config(schema: str, workers: river.Workers, **overrides: Any) -> river.Config:
    options: dict[str, Any] = {
        "schema": schema,
        "queues": {"default": river.QueueConfig(max_workers=10)},
        "workers": workers,
        "fetch_cooldown": 0.01,
        "fetch_poll_interval": 0.05,
    }
    options.update(overrides)
    return river.Config(**options)


@contextmanager
def started(client: Any) -> Iterator[Any]:
    client.start()
    try:
        yield client
    finally:
        client.stop_and_cancel()


@contextmanager
def user_tx(driver: Any, *, rollback: bool = False) -> Iterator[Any]:
    """A native connection of the driver's library inside a transaction of the caller's."""
    name = type(driver).__name__
    if name == "AsyncpgDriver":
        with driver.pool.acquire() as conn:
            tr = conn.transaction()
            tr.start()
            try:
                yield conn
            except BaseException:
                tr.rollback()
                raise
            if rollback:
                tr.rollback()
            else:
                tr.commit()
    elif name == "Psycopg2Driver":
        conn = driver.pool.getconn()
        try:
            conn.autocommit = False
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            if rollback:
                conn.rollback()
            else:
                conn.commit()
        finally:
            conn.autocommit = True
            driver.pool.putconn(conn)
    else:
        with driver.pool.connection() as conn:
            with conn.transaction(force_rollback=rollback):
                yield conn
