"""Helpers for client tests (async source; the sync twin is generated)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import river
from river._acompat import asleep


async def wait_for(cond: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll ``cond`` (a coroutine function in async tests) until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        await asleep(interval)


async def wait_for_state(
    client: Any, job_id: int, *states: river.JobState, timeout: float = 10.0
) -> river.JobRow:
    async def check() -> river.JobRow | None:
        job: river.JobRow = await client.job_get(job_id)
        return job if job.state in states else None

    result: river.JobRow = await wait_for(check, timeout)
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


@asynccontextmanager
async def started(client: Any) -> AsyncIterator[Any]:
    await client.start()
    try:
        yield client
    finally:
        await client.stop_and_cancel()


@asynccontextmanager
async def user_tx(adriver: Any, *, rollback: bool = False) -> AsyncIterator[Any]:
    """A native connection of the driver's library inside a transaction of the caller's."""
    name = type(adriver).__name__
    if name == "AsyncpgDriver":
        async with adriver.pool.acquire() as conn:
            tr = conn.transaction()
            await tr.start()
            try:
                yield conn
            except BaseException:
                await tr.rollback()
                raise
            if rollback:
                await tr.rollback()
            else:
                await tr.commit()
    elif name == "Psycopg2Driver":
        conn = adriver.pool.getconn()
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
            adriver.pool.putconn(conn)
    else:
        async with adriver.pool.connection() as conn:
            async with conn.transaction(force_rollback=rollback):
                yield conn
