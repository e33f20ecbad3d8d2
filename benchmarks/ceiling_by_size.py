"""The minimal-SQL ceiling by table size.

    python -m benchmarks.ceiling_by_size --database-url URL [--sizes 50000 1000000]
        [--driver asyncpg]

``river bench --ceiling`` reads a client's rate against the best of the minimal
fetch/complete loops over the shapes a queue could use (batch sizes, connections), on a
table indexed as River indexes ``river_job`` for fetching
(``river.cli.bench.sqlloops_async``). Each shape works the same number of jobs whatever
the table's size, and the index leads each fetch straight to the available jobs, so the
ceiling should not fall as the table grows. This measures it at each size, on one async
driver (asyncpg unless told), and prints one JSON object: for each size the ceiling, its
shape, every shape's rate, and the ceiling's ratio to that of the first size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from river.cli.bench.schema import BENCH_SCHEMA
from river.cli.bench.sqlloops_async import minimal_sql_ceiling
from river.plugins.manager import aopen_driver


async def _main(url: str, driver_name: str, sizes: list[int]) -> dict[str, Any]:
    driver = await aopen_driver(url, driver_name)
    try:
        ex = driver.get_executor(BENCH_SCHEMA)
        await ex.exec_script(f'CREATE SCHEMA IF NOT EXISTS "{BENCH_SCHEMA}"')
        out: dict[str, Any] = {}
        first: float | None = None
        for n in sizes:
            top, _, shapes = await minimal_sql_ceiling(ex, n)
            first = first or top.jobs_per_sec
            out[str(n)] = {
                "ceiling_jobs_per_sec": round(top.jobs_per_sec, 1),
                "ceiling_shape": {"batch": top.shape.batch, "connections": top.shape.connections},
                "ratio_of_first_size": round(top.jobs_per_sec / first, 3),
                "shapes": [s.to_json() for s in shapes],
            }
        return out
    finally:
        await driver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 1_000_000])
    parser.add_argument("--driver", choices=("asyncpg", "psycopg3"), default="asyncpg")
    opts = parser.parse_args()
    print(json.dumps(asyncio.run(_main(opts.database_url, opts.driver, opts.sizes))))


if __name__ == "__main__":
    main()
