"""River Go's burn-down beside river-queue's (benchmarks.river_go), as wired into
``python -m benchmarks.figures``: a tiny run of both produces every figure and the ratio.
Throughput itself is not asserted (no timed assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest

from benchmarks.river_go import StatementStats

JOBS = 300


@pytest.fixture
def bench_schema(database_url: str) -> Iterator[str]:
    """River bench's default schema, dropped afterwards."""
    yield "river_bench"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS river_bench CASCADE")


def test_figures_runs_river_go_beside_river_queue(database_url: str, bench_schema: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.figures",
            "--database-url",
            database_url,
            "-n",
            str(JOBS),
            "--repeat",
            "1",
            "--only",
            "river_go_vs_asyncpg",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)["river_go_vs_asyncpg"]
    assert row["command"] == f"python -m benchmarks.river_go -n {JOBS}"
    figures = {key: value["median"] for key, value in row["figures"].items()}
    assert figures["jobs"] == JOBS
    for program in ("river_go", "river_queue"):
        assert figures[f"{program}.jobs_per_sec"] > 0
        assert figures[f"{program}.client_cpu_us_per_job"] > 0
    assert figures["ratio_jobs_per_sec"] == pytest.approx(
        figures["river_queue.jobs_per_sec"] / figures["river_go.jobs_per_sec"]
    )
    # The server figures are there exactly when the server loads pg_stat_statements.
    stats = StatementStats(database_url)
    for program in ("river_go", "river_queue"):
        for key in ("server_exec_us_per_job", "statements_per_1000_jobs"):
            assert (f"{program}.{key}" in figures) is (stats.unavailable is None)
            if stats.unavailable is None:
                assert figures[f"{program}.{key}"] > 0
