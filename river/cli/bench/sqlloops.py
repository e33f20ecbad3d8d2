# WARNING: this file is generated from 'sqlloops_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
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

from river._acompat import gather, spawn
from river.cli.bench.cputime import BACKEND_PID_SQL, CPUSpan, ServerCPU
from river.cli.bench.schema import INSERT_BATCH
from river.driver.params import JobGetAvailableParams, JobInsertFastParams, job_set_state_completed
from river.driver.sql import S

LOOPS = 4
BATCH = 500
MIN_TABLE = f"{S}bench_minimal"
MIN_CREATE = f"\nDROP TABLE IF EXISTS {MIN_TABLE};\nCREATE TABLE {MIN_TABLE} (\n    id bigserial PRIMARY KEY,\n    state text NOT NULL DEFAULT 'available',\n    args jsonb NOT NULL,\n    attempt smallint NOT NULL DEFAULT 0,\n    attempted_at timestamptz,\n    finalized_at timestamptz\n)\n"
MIN_FILL = f"INSERT INTO {MIN_TABLE} (args) SELECT jsonb_build_object('n', g) FROM generate_series(1, @n::integer) g"
MIN_FETCH = f"\nUPDATE {MIN_TABLE}\nSET state = 'running', attempt = attempt + 1, attempted_at = now()\nWHERE id IN (\n    SELECT id FROM {MIN_TABLE} WHERE state = 'available'\n    ORDER BY id LIMIT @n::integer FOR UPDATE SKIP LOCKED\n)\nRETURNING id, args::text\n"
MIN_COMPLETE = f"\nUPDATE {MIN_TABLE} SET state = 'completed', finalized_at = now()\nFROM unnest(@ids::bigint[]) AS t(id)\nWHERE {MIN_TABLE}.id = t.id\n"


def river_statements_rate(
    ex: Any, n: int, server: ServerCPU | None = None
) -> tuple[float, CPUSpan]:
    """Jobs a second through River's fetch and completion statements, ``LOOPS`` at once,
    and the CPU the loops and the server spent on them."""
    ex.exec_script(f"TRUNCATE {S}river_job")
    params = [JobInsertFastParams(encoded_args=f'{{"n":{i}}}', kind="benchmark") for i in range(n)]
    for i in range(0, n, INSERT_BATCH):
        ex.job_insert_fast_many_no_returning(params[i : i + INSERT_BATCH])
    ex.exec_script(f"VACUUM ANALYZE {S}river_job")
    counts: list[int] = []
    span = CPUSpan(server).start()
    started = time.monotonic()
    gather(*(spawn(_river_loop, ex, counts) for _ in range(LOOPS)))
    rate = sum(counts) / (time.monotonic() - started)
    span.stop()
    ex.exec_script(f"TRUNCATE {S}river_job")
    return (rate, span)


def _river_loop(ex: Any, counts: list[int]) -> None:
    done = 0
    while True:
        jobs = ex.job_get_available(
            JobGetAvailableParams(queue="default", max_to_lock=BATCH, client_id="ceiling")
        )
        if not jobs:
            counts.append(done)
            return
        now = dt.datetime.now(dt.UTC)
        ex.job_set_state_if_running_many(
            [job_set_state_completed(j.id, now) for j in jobs], returning=False
        )
        done += len(jobs)


def minimal_sql_rate(ex: Any, n: int, server: ServerCPU | None = None) -> tuple[float, CPUSpan]:
    """Jobs a second through the minimal fetch and completion statements, ``LOOPS`` at
    once, and the CPU the loops and the server spent on them."""
    ex.exec_script(MIN_CREATE)
    ex.execute(MIN_FILL, {"n": n})
    ex.exec_script(f"VACUUM ANALYZE {MIN_TABLE}")
    counts: list[int] = []
    span = CPUSpan(server).start()
    started = time.monotonic()
    gather(*(spawn(minimal_loop, ex, counts) for _ in range(LOOPS)))
    rate = sum(counts) / (time.monotonic() - started)
    span.stop()
    ex.exec_script(f"DROP TABLE {MIN_TABLE}")
    return (rate, span)


def server_of(ex: Any) -> ServerCPU | None:
    """The server behind ``ex`` if it runs on this machine (its CPU can be read)."""
    rows = ex.fetch_all(BACKEND_PID_SQL)
    return ServerCPU.find(int(rows[0][0]))


def minimal_loop(
    ex: Any, counts: list[int], fetch: str = MIN_FETCH, complete: str = MIN_COMPLETE
) -> None:
    """Fetch and complete ``BATCH`` jobs at a time until none is left; appends the count.
    ``benchmarks.ceiling_by_size`` runs it with the same statements on another table."""
    done = 0
    while True:
        rows = ex.fetch_all(fetch, {"n": BATCH})
        if not rows:
            counts.append(done)
            return
        ex.execute(complete, {"ids": [r[0] for r in rows]})
        done += len(rows)
