"""The benchmark's schema (``river_bench``, or ``--schema``): created, migrated and
emptied before each run. Statements name it through the schema mark
(``query.SCHEMA_MARK``), which each executor fills in with its own schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from river.driver.query import SCHEMA_MARK as S

if TYPE_CHECKING:
    from river.cli.bench.cputime import ServerCPU

BENCH_SCHEMA = "river_bench"
INSERT_BATCH = 5_000


class SchemaInUseError(Exception):
    """``--schema`` names a schema whose ``river_job`` holds jobs: the benchmark, which
    empties it, refuses to run there."""


def prepare(url: str, schema: str = BENCH_SCHEMA) -> ServerCPU | None:
    """Create, migrate and empty the benchmark schema (destructive for that schema only;
    another schema than ``river_bench`` must hold no jobs); returns the server's CPU
    counter when the server runs on this machine."""
    from river.cli.bench.cputime import BACKEND_PID_SQL, ServerCPU
    from river.driver.query import quote_ident
    from river.migrate import Migrator
    from river.plugins.manager import open_driver

    driver = open_driver(url, "psycopg3")
    try:
        ex = driver.get_executor(schema)
        if schema != BENCH_SCHEMA and ex.table_exists("river_job"):
            if ex.fetch_all(f"SELECT EXISTS (SELECT 1 FROM {S}river_job)")[0][0]:
                raise SchemaInUseError(
                    f"schema {schema} holds jobs, and river bench empties its river_job: "
                    f"use an empty schema (or the default, {BENCH_SCHEMA})"
                )
        ex.exec_script(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
        Migrator(driver, schema=schema).migrate_up()
        empty(ex)
        return ServerCPU.find(int(ex.fetch_all(BACKEND_PID_SQL)[0][0]))
    finally:
        driver.close()


def empty(ex: Any) -> None:
    """Empty the job, queue and leader tables and refresh the job table's statistics."""
    ex.exec_script(f"TRUNCATE {S}river_job, {S}river_queue, {S}river_leader")
    ex.exec_script(f"VACUUM ANALYZE {S}river_job")


def pending_sql() -> str:
    """(1 if any job is still waiting or running else 0, 0): cheap, through an index."""
    return (
        f"SELECT count(*), 0 FROM (SELECT 1 FROM {S}river_job "
        "WHERE state IN ('available', 'running') LIMIT 1) s"
    )
