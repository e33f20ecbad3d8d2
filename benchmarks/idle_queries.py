"""Queries a second an idle client sends: the fetch rule must not add any.

    python -m benchmarks.idle_queries --database-url URL [--driver asyncpg] [--seconds 10]

Starts a client with the library's default settings on an empty queue, counts the
statements its executor sends for ``--seconds`` (after a short warm-up) and prints one
JSON object: ``queries_per_sec`` overall and by statement (first words of the SQL).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import time
from dataclasses import dataclass
from typing import Any

import river
from river.driver.executor_async import AsyncExecutor
from river.migrate import Migrator
from river.plugins.manager import aopen_driver, open_driver

SCHEMA = "river_idle_bench"


@dataclass
class IdleArgs:
    kind = "idle"


class IdleWorker(river.AsyncWorker[IdleArgs]):
    async def work(self, job: river.Job[IdleArgs]) -> None:
        return None


def _prepare(url: str) -> None:
    driver = open_driver(url, "psycopg3")
    try:
        ex = driver.get_executor(None)
        ex.exec_script(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE; CREATE SCHEMA "{SCHEMA}"')
        Migrator(driver, schema=SCHEMA).migrate_up()
    finally:
        driver.close()


def _label(query: Any) -> str:
    text = " ".join(str(getattr(query, "sql", query)).split())
    return text[:60]


async def _run(url: str, driver_name: str, seconds: float) -> dict[str, Any]:
    counts: collections.Counter[str] = collections.Counter()
    counting = False
    original_fetch, original_execute = AsyncExecutor.fetch_all, AsyncExecutor.execute

    async def fetch_all(self: Any, query: str, args: Any = None) -> Any:
        if counting:
            counts[_label(query)] += 1
        return await original_fetch(self, query, args)

    async def execute(self: Any, query: str, args: Any = None) -> Any:
        if counting:
            counts[_label(query)] += 1
        return await original_execute(self, query, args)

    AsyncExecutor.fetch_all = fetch_all  # type: ignore[method-assign]
    AsyncExecutor.execute = execute  # type: ignore[method-assign]
    driver = await aopen_driver(url, driver_name)
    workers = river.Workers()
    workers.add(IdleWorker())
    client = river.AsyncClient(
        driver,
        river.Config(schema=SCHEMA, queues={"default": river.QueueConfig(max_workers=100)}, workers=workers),
    )
    await client.start()
    await asyncio.sleep(2.0)
    counting = True
    started = time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    counting = False
    await client.stop()
    await driver.close()
    total = sum(counts.values())
    return {
        "driver": driver_name,
        "seconds": round(elapsed, 2),
        "queries_per_sec": round(total / elapsed, 2),
        "by_statement": {k: round(v / elapsed, 2) for k, v in counts.most_common()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--driver", default="asyncpg", choices=("asyncpg", "psycopg3"))
    parser.add_argument("--seconds", type=float, default=10.0)
    opts = parser.parse_args()
    _prepare(opts.database_url)
    print(json.dumps(asyncio.run(_run(opts.database_url, opts.driver, opts.seconds))))


if __name__ == "__main__":
    main()
