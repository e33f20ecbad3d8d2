"""Reference loops for ``river bench --ceiling``: fetch and complete with SQL alone.

Two loops run on the benchmark's own driver and colour, with no job machinery:

* River's statements: ``job_get_available`` and ``job_set_state_if_running_many`` on
  ``river_job`` (what the client sends, without overlap between fetching and completing);
* the minimal SQL a queue needs, on a table with one index: ``UPDATE … WHERE id IN
  (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING`` and ``UPDATE … FROM unnest(ids)``.
  This is the physical ceiling the client's rate is read against.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from river._acompat import agather, aspawn
from river.cli.bench.cputime import BACKEND_PID_SQL, CPUSpan, ServerCPU
from river.cli.bench.schema import INSERT_BATCH
from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    job_set_state_completed,
)
from river.driver.sql import S

LOOPS = 4
BATCH = 500

MIN_TABLE = f"{S}bench_minimal"

MIN_CREATE = f"""
DROP TABLE IF EXISTS {MIN_TABLE};
CREATE TABLE {MIN_TABLE} (
    id bigserial PRIMARY KEY,
    state text NOT NULL DEFAULT 'available',
    args jsonb NOT NULL,
    attempt smallint NOT NULL DEFAULT 0,
    attempted_at timestamptz,
    finalized_at timestamptz
)
"""

MIN_FILL = (
    f"INSERT INTO {MIN_TABLE} (args) "
    "SELECT jsonb_build_object('n', g) FROM generate_series(1, @n::integer) g"
)

MIN_FETCH = f"""
UPDATE {MIN_TABLE}
SET state = 'running', attempt = attempt + 1, attempted_at = now()
WHERE id IN (
    SELECT id FROM {MIN_TABLE} WHERE state = 'available'
    ORDER BY id LIMIT @n::integer FOR UPDATE SKIP LOCKED
)
RETURNING id, args::text
"""

MIN_COMPLETE = f"""
UPDATE {MIN_TABLE} SET state = 'completed', finalized_at = now()
FROM unnest(@ids::bigint[]) AS t(id)
WHERE {MIN_TABLE}.id = t.id
"""


async def river_statements_rate(
    ex: Any, n: int, server: ServerCPU | None = None
) -> tuple[float, CPUSpan]:
    """Jobs a second through River's fetch and completion statements, ``LOOPS`` at once,
    and the CPU the loops and the server spent on them."""
    await ex.exec_script(f"TRUNCATE {S}river_job")
    params = [
        JobInsertFastParams(encoded_args=f'{{"n":{i}}}', kind="benchmark") for i in range(n)
    ]
    for i in range(0, n, INSERT_BATCH):
        await ex.job_insert_fast_many_no_returning(params[i : i + INSERT_BATCH])
    await ex.exec_script(f"VACUUM ANALYZE {S}river_job")
    counts: list[int] = []
    span = CPUSpan(server).start()
    started = time.monotonic()
    await agather(*(aspawn(_river_loop, ex, counts) for _ in range(LOOPS)))
    rate = sum(counts) / (time.monotonic() - started)
    span.stop()
    await ex.exec_script(f"TRUNCATE {S}river_job")
    return rate, span


async def _river_loop(ex: Any, counts: list[int]) -> None:
    done = 0
    while True:
        jobs = await ex.job_get_available(
            JobGetAvailableParams(queue="default", max_to_lock=BATCH, client_id="ceiling")
        )
        if not jobs:
            counts.append(done)
            return
        now = dt.datetime.now(dt.UTC)
        await ex.job_set_state_if_running_many(
            [job_set_state_completed(j.id, now) for j in jobs], returning=False
        )
        done += len(jobs)


async def minimal_sql_rate(
    ex: Any, n: int, server: ServerCPU | None = None
) -> tuple[float, CPUSpan]:
    """Jobs a second through the minimal fetch and completion statements, ``LOOPS`` at
    once, and the CPU the loops and the server spent on them."""
    await ex.exec_script(MIN_CREATE)
    await ex.execute(MIN_FILL, {"n": n})
    await ex.exec_script(f"VACUUM ANALYZE {MIN_TABLE}")
    counts: list[int] = []
    span = CPUSpan(server).start()
    started = time.monotonic()
    await agather(*(aspawn(minimal_loop, ex, counts) for _ in range(LOOPS)))
    rate = sum(counts) / (time.monotonic() - started)
    span.stop()
    await ex.exec_script(f"DROP TABLE {MIN_TABLE}")
    return rate, span


async def server_of(ex: Any) -> ServerCPU | None:
    """The server behind ``ex`` if it runs on this machine (its CPU can be read)."""
    rows = await ex.fetch_all(BACKEND_PID_SQL)
    return ServerCPU.find(int(rows[0][0]))


async def minimal_loop(
    ex: Any, counts: list[int], fetch: str = MIN_FETCH, complete: str = MIN_COMPLETE
) -> None:
    """Fetch and complete ``BATCH`` jobs at a time until none is left; appends the count.
    ``benchmarks.ceiling_by_size`` runs it with the same statements on another table."""
    done = 0
    while True:
        rows = await ex.fetch_all(fetch, {"n": BATCH})
        if not rows:
            counts.append(done)
            return
        await ex.execute(complete, {"ids": [r[0] for r in rows]})
        done += len(rows)
