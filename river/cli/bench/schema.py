"""The benchmark's schema: created, migrated and emptied before each run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from river.cli.bench.cputime import ServerCPU

BENCH_SCHEMA = "river_bench"
INSERT_BATCH = 5_000


def prepare(url: str) -> ServerCPU | None:
    """Create, migrate and empty the benchmark schema (destructive for that schema only);
    returns the server's CPU counter when the server runs on this machine."""
    from river.cli.bench.cputime import BACKEND_PID_SQL, ServerCPU
    from river.migrate import Migrator
    from river.plugins.manager import open_driver

    driver = open_driver(url, "psycopg3")
    try:
        ex = driver.get_executor(None)
        ex.exec_script(f'CREATE SCHEMA IF NOT EXISTS "{BENCH_SCHEMA}"')
        Migrator(driver, schema=BENCH_SCHEMA).migrate_up()
        empty(ex)
        return ServerCPU.find(int(ex.fetch_all(BACKEND_PID_SQL)[0][0]))
    finally:
        driver.close()


def empty(ex: Any) -> None:
    """Empty the job, queue and leader tables and refresh the job table's statistics."""
    ex.exec_script(
        f'TRUNCATE "{BENCH_SCHEMA}".river_job, "{BENCH_SCHEMA}".river_queue, '
        f'"{BENCH_SCHEMA}".river_leader'
    )
    ex.exec_script(f'VACUUM ANALYZE "{BENCH_SCHEMA}".river_job')


def pending_sql() -> str:
    """(1 if any job is still waiting or running else 0, 0): cheap, through an index."""
    return (
        f"SELECT count(*), 0 FROM (SELECT 1 FROM \"{BENCH_SCHEMA}\".river_job "
        "WHERE state IN ('available', 'running') LIMIT 1) s"
    )
