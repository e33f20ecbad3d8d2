"""The fetch statement beside the minimal one: EXPLAIN ANALYZE with and without statistics.

    python -m benchmarks.fetch_plans --database-url URL [-n 100000] [--limit 500] [--repeat 5]

Fills ``river_job`` of a scratch schema with ``-n`` available jobs and times, each in a
transaction that is rolled back, River's fetch (``JOB_GET_AVAILABLE``) and the minimal
form (``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)``) on the same
table, first before the table was ever analysed and then after ``VACUUM ANALYZE``. Prints one
JSON object: the median execution time (ms) and the scan nodes of each plan.
"""

from __future__ import annotations

import argparse
import json
import statistics
from typing import Any

from river.driver import sql_job
from river.driver.query import SCHEMA_MARK as S
from river.migrate import Migrator
from river.plugins.manager import open_driver

SCHEMA = "river_fetch_plans"

MINIMAL_FETCH = f"""
UPDATE {S}river_job
SET state = 'running',
    attempt = river_job.attempt + 1,
    attempted_at = now(),
    attempted_by = array_append(river_job.attempted_by, @client_id::text)
WHERE id IN (
    SELECT id FROM {S}river_job
    WHERE state = 'available' AND queue = @queue::text AND scheduled_at <= now()
    ORDER BY priority ASC, scheduled_at ASC, id ASC
    LIMIT @max_to_lock::integer
    FOR UPDATE SKIP LOCKED
)
RETURNING {sql_job.JOB_COLS}
"""


class _Rollback(Exception):
    pass


def _explain(ex: Any, query: str, args: dict[str, Any]) -> tuple[float, str]:
    found: list[Any] = []
    try:
        with ex.transaction() as tx:
            found.append(tx.fetch_all("EXPLAIN (ANALYZE, FORMAT JSON) " + query, args)[0][0])
            raise _Rollback
    except _Rollback:
        pass
    plan = found[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Execution Time"]), ",".join(sorted(set(_scans(plan[0]["Plan"]))))


def _scans(node: dict[str, Any]) -> list[str]:
    """The scan nodes of a plan (``Seq Scan`` of river_job is what makes a fetch slow)."""
    found = [node["Node Type"]] if node["Node Type"].endswith("Scan") else []
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


def _measure(ex: Any, limit: int, repeat: int) -> dict[str, Any]:
    args = {
        "queue": "default", "now": None, "max_to_lock": limit, "max_attempted_by": 100,
        "client_id": "plans",
    }
    # Interleaved: each rolled-back fetch leaves dead row versions that slow the next.
    queries = {"river": sql_job.JOB_GET_AVAILABLE, "minimal": MINIMAL_FETCH}
    times: dict[str, list[float]] = {name: [] for name in queries}
    nodes: dict[str, str] = {}
    for _ in range(repeat):
        for name, query in queries.items():
            ms, nodes[name] = _explain(ex, query, args)
            times[name].append(ms)
    return {
        name: {"median_ms": round(statistics.median(times[name]), 3), "scans": nodes[name]}
        for name in queries
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    driver = open_driver(opts.database_url, "psycopg3")
    try:
        admin = driver.get_executor(None)
        admin.exec_script(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE; CREATE SCHEMA "{SCHEMA}"')
        Migrator(driver, schema=SCHEMA).migrate_up()
        ex = driver.get_executor(SCHEMA)
        ex.exec_script(
            f'ALTER TABLE "{SCHEMA}".river_job SET (autovacuum_enabled = false);'
            f'INSERT INTO "{SCHEMA}".river_job (args, kind, max_attempts, queue, state) '
            f"SELECT jsonb_build_object('n', g), 'plans', 25, 'default', 'available' "
            f"FROM generate_series(1, {int(opts.n)}) g"
        )
        report = {"jobs": opts.n, "limit": opts.limit}
        report["without_statistics"] = _measure(ex, opts.limit, opts.repeat)
        ex.exec_script(f'VACUUM ANALYZE "{SCHEMA}".river_job')
        report["with_statistics"] = _measure(ex, opts.limit, opts.repeat)
        admin.exec_script(f'DROP SCHEMA "{SCHEMA}" CASCADE')
        print(json.dumps(report))
    finally:
        driver.close()


if __name__ == "__main__":
    main()
