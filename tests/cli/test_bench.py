"""``river bench --json``: every figure comes with its same-run baseline and ratio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests._db import selected_drivers


def bench(database_url: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "river", "bench", "--database-url", database_url, "--json", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DATABASE_URL": ""},
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _assert_figure(result: dict[str, Any], baseline: str, ratio: str) -> None:
    assert result[baseline] > 0, (baseline, result)
    assert result[ratio] > 0, (ratio, result)


COLOURS = {"asyncpg": ["async"], "psycopg3": ["async", "sync"], "psycopg2": ["sync"]}
RUNS = [(d, c) for d in selected_drivers() for c in COLOURS[d]]
ASYNC_DRIVERS = [d for d in selected_drivers() if "async" in COLOURS[d]]


@pytest.mark.parametrize(("driver_name", "colour"), RUNS, ids=[f"{d}-{c}" for d, c in RUNS])
def test_burn_down_reports_every_baseline(
    database_url: str, driver_name: str, colour: str
) -> None:
    driver = driver_name
    extra = ["--versus-asyncpg"] if driver != "asyncpg" else []
    result = bench(
        database_url, "--driver", driver, "--colour", colour, "-n", "400",
        "--ceiling", "--defaults", *extra,
    )
    assert (result["driver"], result["colour"], result["jobs"]) == (driver, colour, 400)
    assert result["jobs_per_sec_worked"] > 0 and result["jobs_per_sec_inserted"] > 0
    _assert_figure(result, "ceiling_jobs_per_sec", "ratio_of_ceiling")
    _assert_best_shape(result["ceiling_jobs_per_sec"], result["ceiling_shape"], result["ceiling_shapes"])
    _assert_figure(result, "river_statements_jobs_per_sec", "ratio_of_river_statements")
    _assert_figure(result, "plain_copy_jobs_per_sec", "insert_ratio_of_plain_copy")
    assert result["defaults_jobs_per_sec_worked"] > 0 and result["defaults_ratio_of_tuned"] > 0
    assert result["peak_rss_mb"] > 0
    assert result["insert_cpu_us_per_job"] > 0 and result["work_cpu_us_per_job"] > 0
    # The test server runs on this machine: its CPU per job is reported beside the client's.
    for name in ("insert", "work", "ceiling", "river_statements"):
        assert result[f"{name}_cpu_us_per_job"] >= 0, (name, result)
        assert result[f"{name}_server_cpu_us_per_job"] >= 0, (name, result)
    assert result["work_cores_busy"] > 0
    if extra:
        _assert_figure(result, "asyncpg_jobs_per_sec", "ratio_of_asyncpg")


def _assert_best_shape(ceiling: float, shape: dict[str, int], shapes: list[dict[str, Any]]) -> None:
    # Every shape measured: batches 100-2,000 over one to four connections; the ceiling
    # is the best of them, reported with its shape.
    assert sorted((s["batch"], s["connections"]) for s in shapes) == [
        (b, c) for b in (100, 500, 1000, 2000) for c in (1, 2, 3, 4)
    ]
    assert all(s["jobs_per_sec"] > 0 for s in shapes), shapes
    top = max(shapes, key=lambda s: s["jobs_per_sec"])
    assert shape == {"batch": top["batch"], "connections": top["connections"]}
    assert ceiling == pytest.approx(top["jobs_per_sec"], abs=0.1)


def test_ceiling_by_size_reports_the_best_shape_at_each_size(database_url: str) -> None:
    driver = (ASYNC_DRIVERS or ["asyncpg"])[0]  # an async driver, as the program needs
    done = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.ceiling_by_size", "--database-url", database_url,
            "--driver", driver, "--sizes", "300", "700",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert sorted(result) == ["300", "700"]
    assert result["300"]["ratio_of_first_size"] == 1.0
    for figures in result.values():
        _assert_best_shape(figures["ceiling_jobs_per_sec"], figures["ceiling_shape"], figures["shapes"])
        assert figures["ratio_of_first_size"] > 0, figures


def test_gc_threshold_is_applied_and_reported(database_url: str) -> None:
    driver = selected_drivers()[0]
    result = bench(database_url, "--driver", driver, "-n", "200", "--gc-threshold", "50000")
    assert result["gc_threshold"] == 50000 and result["jobs"] == 200
    assert result["work_cpu_us_per_job"] > 0
    assert "gc_threshold" not in bench(database_url, "--driver", driver, "-n", "200")


def test_processes_report_one_process_baseline(database_url: str) -> None:
    # Several processes run async clients: the env's async driver, else asyncpg.
    driver = (ASYNC_DRIVERS or ["asyncpg"])[0]
    result = bench(database_url, "--driver", driver, "-n", "400", "--processes", "2")
    assert result["processes"] == 2 and result["jobs"] == 400
    _assert_figure(result, "one_process_jobs_per_sec", "ratio_of_one_process")
    assert result["peak_rss_mb"] > 0
    # The worker processes' CPU (summed) and the local server's.
    assert result["work_cpu_us_per_job"] > 0 and result["work_server_cpu_us_per_job"] >= 0
    assert result["work_cores_busy"] > 0 and result["one_process_cores_busy"] > 0


def test_continuous_mode_reports_latency(database_url: str) -> None:
    driver = selected_drivers()[0]
    result = bench(database_url, "--driver", driver, "--duration", "1", "--rate", "200")
    latency = result["latency_ms"]
    assert latency["samples"] > 0
    assert 0 <= latency["p50"] <= latency["p95"] <= latency["p99"]
    after_commit = result["after_commit_latency_ms"]
    assert after_commit["p50"] <= after_commit["p95"] <= after_commit["p99"]
    assert after_commit["p50"] <= latency["p50"]  # the insert's own round trip left out
    assert result["cpu_us_per_job"] > 0
