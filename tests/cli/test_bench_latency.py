"""``river bench --latency``: sporadic jobs worked on the library's defaults, reported as
insert-to-start percentiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from river.cli.bench.latency import GAP_MS, percentile, summarize


def river_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "river", *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, "DATABASE_URL": ""},
    )


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_summary_names_the_gaps_and_orders_the_percentiles() -> None:
    summary = summarize([3.0, 1.0, 2.0, 50.0], GAP_MS)
    assert summary == {
        "jobs": 4, "gap_ms": [5.0, 500.0],
        "p50_ms": 2.0, "p90_ms": 50.0, "p99_ms": 50.0, "max_ms": 50.0,
    }


@pytest.mark.parametrize("bench_driver", ["asyncpg", "psycopg3"])
def test_latency_reports_percentiles_of_every_job(database_url: str, bench_driver: str) -> None:
    done = river_cli(
        "bench", "--database-url", database_url, "--driver", bench_driver, "--latency", "-n", "5",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    latency = summary["latency"]
    assert summary["driver"] == bench_driver
    assert latency["jobs"] == 5 and latency["gap_ms"] == [5.0, 500.0]
    assert 0 < latency["p50_ms"] <= latency["p90_ms"] <= latency["p99_ms"] <= latency["max_ms"]


def test_latency_refuses_the_sync_only_driver(database_url: str) -> None:
    done = river_cli(
        "bench", "--database-url", database_url, "--driver", "psycopg2", "--latency", "-n", "5",
    )
    assert done.returncode != 0
    assert "--latency runs the async client" in done.stderr
