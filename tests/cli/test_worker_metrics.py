"""``river worker --metrics-port``: the running client's Prometheus metrics over HTTP."""

from __future__ import annotations

import signal
import socket
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cli.test_worker_cli import Harness, harness, poll_until
from tests.programs.worker_app import SleepArgs

__all__ = ["harness"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return {}
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.mark.parametrize("target", ["client", "async_client"])
def test_metrics_port_serves_outcomes_and_queue_depth(harness: Harness, target: str) -> None:
    port = _free_port()
    worker = harness.start(f"tests.programs.worker_app:{target}", "--metrics-port", str(port))
    ids = [harness.insert(SleepArgs(seconds=0)) for _ in range(2)]
    for job_id in ids:
        harness.wait_state(job_id, "completed", worker)
    worked = (
        "river_jobs_worked_total",
        frozenset({"kind": "worker_cli_sleep", "queue": "default", "outcome": "completed"}.items()),
    )
    depth = ("river_queue_jobs", frozenset({"queue": "default", "state": "completed"}.items()))
    # Counts are cached for a few seconds: wait for the scrape to catch up.
    poll_until(
        lambda: (s := _scrape(port)).get(worked) == 2 and s.get(depth) == 2,
        "metrics of two completed jobs",
        worker,
    )
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0, worker.stderr
    assert f"metrics on http://0.0.0.0:{port}/metrics" in worker.stderr


def test_metrics_port_needs_one_process(harness: Harness) -> None:
    worker = harness.start(
        "tests.programs.worker_app:client", "--processes", "2", "--metrics-port", "9999"
    )
    assert worker.wait() == 1
    assert "--metrics-port serves one process" in worker.stderr
