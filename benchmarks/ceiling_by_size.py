"""The minimal-SQL ceiling by table size, beside the same loop on a table indexed on (state, id).

    python -m benchmarks.ceiling_by_size --database-url URL [--sizes 30000 50000 100000]
        [--driver asyncpg]

``river bench --ceiling`` reads a client's rate against a minimal fetch/complete loop on a
table whose one index is its primary key (``river.cli.bench.sqlloops_async``). Each of
that loop's fetches walks the primary key past the jobs completed before it, so the loop
slows as the table grows. This runs it at each size, and beside it the same statements on
a table whose one index is ``(state, id)`` (the completion also names the state it
expects, so that it can use that index): its fetches go straight to the available jobs.
Both run ``LOOPS`` loops at once on one async driver (asyncpg unless told), as ``river
bench`` does. Prints one JSON object: jobs/s for each size and table, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from river._acompat import agather, aspawn
from river.cli.bench.schema import BENCH_SCHEMA
from river.cli.bench.sqlloops_async import (
    LOOPS,
    MIN_COMPLETE,
    MIN_CREATE,
    MIN_FETCH,
    MIN_FILL,
    MIN_TABLE,
    minimal_loop,
    minimal_sql_rate,
)
from river.plugins.manager import aopen_driver

TABLE = f'"{BENCH_SCHEMA}".bench_state_id'

# The ceiling's own statements on another table: only the index differs, and the
# completion names the state it expects so that it can use that index.
CREATE = (
    MIN_CREATE.replace(MIN_TABLE, TABLE).replace("PRIMARY KEY", "NOT NULL")
    + f";\nCREATE INDEX ON {TABLE} (state, id)"
)
FILL = MIN_FILL.replace(MIN_TABLE, TABLE)
FETCH = MIN_FETCH.replace(MIN_TABLE, TABLE)
COMPLETE = MIN_COMPLETE.replace(MIN_TABLE, TABLE) + f"AND {TABLE}.state = 'running'\n"


async def state_id_rate(ex: Any, n: int) -> float:
    """Jobs a second through the minimal statements on the ``(state, id)`` table."""
    await ex.exec_script(CREATE)
    await ex.execute(FILL, {"n": n})
    await ex.exec_script(f"VACUUM ANALYZE {TABLE}")
    counts: list[int] = []
    started = time.monotonic()
    await agather(*(aspawn(minimal_loop, ex, counts, FETCH, COMPLETE) for _ in range(LOOPS)))
    rate = sum(counts) / (time.monotonic() - started)
    # The loop must have done a queue's work: every job fetched once and completed.
    left = await ex.fetch_all(f"SELECT count(*) FROM {TABLE} WHERE state <> 'completed'")
    if sum(counts) != n or left[0][0] != 0:
        raise RuntimeError(f"(state, id) loop: {sum(counts)} of {n} fetched, {left[0][0]} left")
    await ex.exec_script(f"DROP TABLE {TABLE}")
    return rate


async def _main(url: str, driver_name: str, sizes: list[int]) -> dict[str, Any]:
    driver = await aopen_driver(url, driver_name)
    try:
        ex = driver.get_executor(BENCH_SCHEMA)
        await ex.exec_script(f'CREATE SCHEMA IF NOT EXISTS "{BENCH_SCHEMA}"')
        out: dict[str, Any] = {}
        for n in sizes:
            primary_key, _ = await minimal_sql_rate(ex, n)
            state_id = await state_id_rate(ex, n)
            out[str(n)] = {
                "primary_key_jobs_per_sec": round(primary_key, 1),
                "state_id_jobs_per_sec": round(state_id, 1),
                "primary_key_ratio_of_state_id": round(primary_key / state_id, 3),
            }
        return out
    finally:
        await driver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[30_000, 50_000, 100_000])
    parser.add_argument("--driver", choices=("asyncpg", "psycopg3"), default="asyncpg")
    opts = parser.parse_args()
    print(json.dumps(asyncio.run(_main(opts.database_url, opts.driver, opts.sizes))))


if __name__ == "__main__":
    main()
