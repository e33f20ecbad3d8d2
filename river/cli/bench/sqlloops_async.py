"""Reference loops for ``river bench --ceiling``: fetch and complete with SQL alone.

Two loops run on the benchmark's own driver and colour, with no job machinery:

* River's statements: ``job_get_available`` and ``job_set_state_if_running_many`` on
  ``river_job`` (what the client sends, without overlap between fetching and completing);
* the minimal SQL a queue needs, on a table indexed as River indexes ``river_job`` for
  fetching (``(state, queue, priority, scheduled_at, id)``): ``UPDATE … WHERE id =
  ANY (ARRAY(SELECT … ORDER BY priority, scheduled_at, id LIMIT n FOR UPDATE SKIP
  LOCKED)) RETURNING`` and ``UPDATE … WHERE id = ANY (ids)``, in every shape a queue could use (batch
  sizes 100-2,000, one to four connections, ``shapes``). The best shape is the physical
  ceiling the client's rate is read against.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from river._acompat import agather, aspawn
from river.cli.bench.cputime import BACKEND_PID_SQL, CPUSpan, ServerCPU
from river.cli.bench.schema import INSERT_BATCH
from river.cli.bench.shapes import (
    SHAPE_JOBS,
    JobBudget,
    Shape,
    ShapeRate,
    all_shapes,
    best,
)
from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    job_set_state_completed,
)
from river.driver.query import SCHEMA_MARK as S

LOOPS = 4
BATCH = 500

MIN_TABLE = f"{S}bench_minimal"

# River's fetch index, on the columns River's fetch filters and orders by.
MIN_CREATE = f"""
DROP TABLE IF EXISTS {MIN_TABLE};
CREATE TABLE {MIN_TABLE} (
    id bigserial PRIMARY KEY,
    state text NOT NULL DEFAULT 'available',
    queue text NOT NULL DEFAULT 'default',
    priority smallint NOT NULL DEFAULT 1,
    scheduled_at timestamptz NOT NULL DEFAULT now(),
    args jsonb NOT NULL,
    attempt smallint NOT NULL DEFAULT 0,
    attempted_at timestamptz,
    finalized_at timestamptz
);
CREATE INDEX bench_minimal_prioritized_fetching_index
    ON {MIN_TABLE} (state, queue, priority, scheduled_at, id)
"""

MIN_FILL = (
    f"INSERT INTO {MIN_TABLE} (args) "
    "SELECT jsonb_build_object('n', g) FROM generate_series(1, @n::integer) g"
)

# The ids as an array (an InitPlan): the update then finds its rows through the primary
# key, where ``id IN (subquery)`` may be planned as a hash join over the whole table.
MIN_FETCH = f"""
UPDATE {MIN_TABLE}
SET state = 'running', attempt = attempt + 1, attempted_at = now()
WHERE id = ANY (ARRAY(
    SELECT id FROM {MIN_TABLE}
    WHERE state = 'available' AND queue = 'default' AND scheduled_at <= now()
    ORDER BY priority, scheduled_at, id LIMIT @n::integer FOR UPDATE SKIP LOCKED
))
RETURNING id, args::text
"""

# ``id = ANY(ids)`` goes through the primary key; a join with ``unnest(ids)`` may be
# planned as a hash join over the whole table for a large batch.
MIN_COMPLETE = f"""
UPDATE {MIN_TABLE} SET state = 'completed', finalized_at = now()
WHERE id = ANY (@ids::bigint[])
"""

# Between shapes: the jobs the last one worked are available again (they come first).
MIN_RESET = f"""
UPDATE {MIN_TABLE} SET state = 'available', attempt = 0, attempted_at = NULL,
    finalized_at = NULL
WHERE state <> 'available'
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


async def minimal_sql_ceiling(
    ex: Any, n: int, server: ServerCPU | None = None, shapes: list[Shape] | None = None
) -> tuple[ShapeRate, CPUSpan, list[ShapeRate]]:
    """The physical ceiling: the minimal fetch and completion statements on a table of
    ``n`` jobs indexed as River indexes ``river_job`` for fetching, in every shape (batch
    size, connections); each shape works at most ``SHAPE_JOBS`` of the jobs, which are
    made available again before the next. Returns the best shape, the CPU the loops and
    the server spent on it, and every shape's rate."""
    await ex.exec_script(MIN_CREATE)
    await ex.execute(MIN_FILL, {"n": n})
    await ex.exec_script(f"VACUUM ANALYZE {MIN_TABLE}")
    rates: list[ShapeRate] = []
    spans: list[CPUSpan] = []
    for shape in shapes or all_shapes():
        budget = JobBudget(min(n, SHAPE_JOBS))
        counts: list[int] = []
        span = CPUSpan(server).start()
        started = time.monotonic()
        await agather(
            *(aspawn(minimal_loop, ex, counts, shape.batch, budget)
              for _ in range(shape.connections))
        )
        rates.append(ShapeRate(shape, sum(counts), time.monotonic() - started))
        spans.append(span.stop())
        await ex.execute(MIN_RESET)
        await ex.exec_script(f"VACUUM ANALYZE {MIN_TABLE}")
    await ex.exec_script(f"DROP TABLE {MIN_TABLE}")
    top = best(rates)
    return top, spans[rates.index(top)], rates


async def server_of(ex: Any) -> ServerCPU | None:
    """The server behind ``ex`` if it runs on this machine (its CPU can be read)."""
    rows = await ex.fetch_all(BACKEND_PID_SQL)
    return ServerCPU.find(int(rows[0][0]))


async def minimal_loop(
    ex: Any,
    counts: list[int],
    batch: int = BATCH,
    budget: JobBudget | None = None,
    fetch: str = MIN_FETCH,
    complete: str = MIN_COMPLETE,
) -> None:
    """Fetch and complete ``batch`` jobs at a time until none is left or ``budget`` is
    spent; appends the count."""
    done = 0
    while True:
        n = batch if budget is None else budget.take(batch)
        if not n:
            break
        rows = await ex.fetch_all(fetch, {"n": n})
        if not rows:
            break
        await ex.execute(complete, {"ids": [r[0] for r in rows]})
        done += len(rows)
    counts.append(done)
