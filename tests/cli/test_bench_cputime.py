"""The server CPU ``river bench`` reports: found from a backend pid when the server runs on
this machine, growing with the work of its processes."""

from __future__ import annotations

import os

import psycopg

from river.cli.bench.cputime import CPUSpan, ServerCPU


def test_a_process_that_is_not_a_postgres_backend_is_not_a_server() -> None:
    assert ServerCPU.find(os.getpid()) is None
    assert ServerCPU.find(2**22 + 12345) is None  # no such process


def test_server_cpu_grows_with_the_work_of_a_backend(
    database_url: str,
) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        server = ServerCPU.find(pid)
        assert server is not None
        span = CPUSpan(server).start()
        conn.execute("SELECT sum(g) FROM generate_series(1, 3000000) g").fetchone()
        span.stop()
        assert span.server_seconds is not None and span.server_seconds > 0.05


def test_a_span_without_a_server_reports_only_the_client() -> None:
    span = CPUSpan(None).start()
    sum(range(200_000))
    span.stop()
    assert span.server_seconds is None and span.client_seconds > 0


def test_a_span_started_and_stopped_again_adds_up() -> None:
    span = CPUSpan(None).start()
    sum(range(2_000_000))
    span.stop()
    first = span.client_seconds
    span.start()  # a much shorter second span: its time is added, not put in place
    sum(range(1_000))
    span.stop()
    assert span.client_seconds >= first
