"""A million jobs on defaults (benchmarks.million), as wired into ``python -m
benchmarks.figures``: a tiny run reports every slice, the last ÷ first ratio and the peak
RSS. Throughput itself is not asserted (no timed assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest

JOBS = 200


@pytest.fixture
def bench_schema(database_url: str) -> Iterator[str]:
    """River bench's default schema, dropped afterwards."""
    yield "river_bench"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS river_bench CASCADE")


def test_figures_runs_a_million_jobs_row_with_its_n(database_url: str, bench_schema: str) -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.figures", "--database-url", database_url,
            "-n", str(JOBS), "--repeat", "1", "--only", "million_jobs_on_defaults",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)["million_jobs_on_defaults"]
    assert row["command"] == f"python -m benchmarks.million -n {JOBS}"
    figures = {key: value["median"] for key, value in row["figures"].items()}
    assert figures["jobs"] == JOBS
    assert figures["slice_jobs"] == JOBS // 10
    assert figures["jobs_per_sec"] > 0
    assert figures["last_slice_ratio_of_first"] == pytest.approx(
        figures["last_slice_jobs_per_sec"] / figures["first_slice_jobs_per_sec"]
    )
    assert 0 < figures["peak_rss_mb"] < 1024
    assert figures["client_cpu_us_per_job"] > 0
    with psycopg.connect(database_url, autocommit=True) as conn:
        left = conn.execute(
            "SELECT count(*) FROM river_bench.river_job WHERE state <> 'completed'"
        ).fetchone()
    assert left == (0,)


def test_slices_are_a_tenth_of_small_runs_and_100000_from_a_million() -> None:
    from benchmarks.million import slice_size

    assert slice_size(200) == 20
    assert slice_size(999_999) == 99_999
    assert slice_size(1_000_000) == 100_000
    assert slice_size(5_000_000) == 100_000
