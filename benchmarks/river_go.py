"""River Go's burn-down beside river-queue's, on one database and job count, alternating.

    python -m benchmarks.river_go --database-url URL [-n 50000] [--repeat 3]

River Go: ``benchmarks/rivergo`` (River Go v0.43.0 with the settings of River's own
``river bench``: 2,000 workers, 2 ms fetch cooldown, 20 ms fetch poll interval), built
with the Go toolchain unless ``--rivergo`` names a binary. river-queue: ``river bench
--json -n N --driver asyncpg`` (its defaults are the same three settings). Both work the
same schema; runs alternate, River Go first in odd rounds, river-queue first in even ones.

Printed: one JSON object with, for each program, the median of its runs of

- ``jobs_per_sec``: jobs worked per second, from the client's start to the last
  completion;
- ``client_cpu_us_per_job``: the client process's CPU over the work phase, per job;
- ``server_exec_us_per_job`` and ``statements_per_1000_jobs``: from ``pg_stat_statements``
  (reset before each run), the work phase's statements (the set-up's and the insert's
  left out, see ``NOT_WORK``): total execution time and calls, per job. ``null`` when the server does not load ``pg_stat_statements``
  (``shared_preload_libraries``); ``pg_stat_statements`` then says why;

and ``ratio_jobs_per_sec`` (river-queue ÷ River Go), plus every run under ``runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

SOURCE = Path(__file__).parent / "rivergo"
PROGRAMS = ("river_go", "river_queue")
# Left out of the server figures, which are the work phase's: each program's set-up
# (emptying the table, migrating) and the jobs' insert (river-queue's COPY, which its bench
# also runs once more as its plain-COPY baseline; River Go's JobInsertFastMany, INSERT ... SELECT unnest).
NOT_WORK = (
    r"^\s*(--[^\n]*\n\s*)*(TRUNCATE|VACUUM|ANALYZE|CREATE|ALTER|DROP|COMMENT|COPY"
    r"|SELECT pg_stat_statements_reset|SELECT coalesce\(sum\(total_exec_time"
    r"|INSERT INTO [^ ]*river_job[ (]|WITH raw_job_data AS)"
)


def build_rivergo(out_dir: Path) -> Path:
    """``go build`` River Go's benchmark into ``out_dir``."""
    go = os.environ.get("GO") or shutil.which("go") or "/usr/local/go/bin/go"
    binary = out_dir / "rivergo"
    subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=SOURCE,
        check=True,
        env={**os.environ, "GOFLAGS": "-mod=readonly"},
    )
    return binary


class StatementStats:
    """``pg_stat_statements`` of the database, when the server loads it."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.unavailable: str | None = None
        with psycopg.connect(database_url, autocommit=True) as conn:
            row = conn.execute("SHOW shared_preload_libraries").fetchone()
            if row is None or "pg_stat_statements" not in str(row[0]):
                self.unavailable = (
                    "the server does not load pg_stat_statements (shared_preload_libraries)"
                )
                return
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def reset(self) -> None:
        if self.unavailable is None:
            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute("SELECT pg_stat_statements_reset()")

    def totals(self) -> tuple[float, int] | None:
        """Total execution milliseconds and calls in this database since the reset."""
        if self.unavailable is not None:
            return None
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT coalesce(sum(total_exec_time), 0), coalesce(sum(calls), 0)::bigint "
                "FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND query !~* %s",
                (NOT_WORK,),
            ).fetchone()
        assert row is not None
        return float(row[0]), int(row[1])


def _last_json(stdout: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result


def run_once(
    program: str, binary: Path, database_url: str, schema: str, jobs: int
) -> dict[str, Any]:
    """One run of ``program``; its figures in the report's names."""
    if program == "river_go":
        argv = [
            str(binary),
            "-database-url",
            database_url,
            "-schema",
            schema,
            "-num-total-jobs",
            str(jobs),
        ]
    else:
        argv = [
            sys.executable,
            "-m",
            "river",
            "bench",
            "--json",
            "-n",
            str(jobs),
            "--driver",
            "asyncpg",
            "--schema",
            schema,
            "--database-url",
            database_url,
        ]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{program} failed ({done.returncode}):\n{done.stderr}")
    out = _last_json(done.stdout)
    if program == "river_go":
        return {
            "jobs_per_sec": out["jobs_per_sec"],
            "client_cpu_us_per_job": out["work_cpu_us_per_job"],
            "river_version": out["river_version"],
        }
    return {
        "jobs_per_sec": out["jobs_per_sec_worked"],
        "client_cpu_us_per_job": out["work_cpu_us_per_job"],
    }


def compare(
    database_url: str, jobs: int, repeat: int, binary: Path, schema: str = "river_bench"
) -> dict[str, Any]:
    # River Go's run may come first: the schema must be there, migrated, before it.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    migrate = [sys.executable, "-m", "river", "migrate-up", "--database-url", database_url]
    done = subprocess.run([*migrate, "--schema", schema], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"river migrate-up failed:\n{done.stderr}")
    stats = StatementStats(database_url)
    runs: dict[str, list[dict[str, Any]]] = {p: [] for p in PROGRAMS}
    for round_ in range(repeat):
        order = PROGRAMS if round_ % 2 == 0 else PROGRAMS[::-1]
        for program in order:
            stats.reset()
            figures = run_once(program, binary, database_url, schema, jobs)
            totals = stats.totals()
            if totals is not None:
                exec_ms, calls = totals
                figures["server_exec_us_per_job"] = exec_ms * 1000 / jobs
                figures["statements_per_1000_jobs"] = calls * 1000 / jobs
            else:
                figures["server_exec_us_per_job"] = None
                figures["statements_per_1000_jobs"] = None
            runs[program].append(figures)
            print(f"{program}: {figures}", file=sys.stderr)
    report: dict[str, Any] = {"jobs": jobs, "repeat": repeat, "schema": schema}
    for program, results in runs.items():
        summary: dict[str, Any] = {}
        for key in (
            "jobs_per_sec",
            "client_cpu_us_per_job",
            "server_exec_us_per_job",
            "statements_per_1000_jobs",
        ):
            values = [r[key] for r in results if r[key] is not None]
            summary[key] = statistics.median(values) if values else None
        report[program] = summary
    report["river_go"]["river_version"] = runs["river_go"][0]["river_version"]
    report["river_go"]["settings"] = "2000 workers, 2 ms fetch cooldown, 20 ms fetch poll"
    report["river_queue"]["command"] = f"river bench --json -n {jobs} --driver asyncpg"
    report["ratio_jobs_per_sec"] = (
        report["river_queue"]["jobs_per_sec"] / report["river_go"]["jobs_per_sec"]
    )
    report["pg_stat_statements"] = (
        stats.unavailable or "work phase: set-up and insert statements left out"
    )
    report["runs"] = runs
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", "--num-total-jobs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--schema", default="river_bench")
    parser.add_argument("--rivergo", type=Path, help="a built benchmarks/rivergo binary")
    opts = parser.parse_args(argv)
    if opts.num_total_jobs < 1 or opts.repeat < 1:
        parser.error("-n and --repeat must be at least 1")
    with tempfile.TemporaryDirectory(prefix="rivergo-") as tmp:
        binary = opts.rivergo or build_rivergo(Path(tmp))
        report = compare(opts.database_url, opts.num_total_jobs, opts.repeat, binary, opts.schema)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
