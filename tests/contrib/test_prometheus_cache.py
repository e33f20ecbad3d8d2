"""The queue depth collector's cache and the WSGI mount (pure logic: the count query is
a stub here; the real query is tested against Postgres in test_prometheus*)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from river.contrib.prometheus import make_wsgi_app
from river.contrib.prometheus._metrics import QueueDepthCache, QueueDepthCollector
from river.types import JobState, QueueStateCount


def test_count_query_runs_once_per_cache_period() -> None:
    calls: list[float] = []
    errors: list[BaseException] = []

    def fetch() -> list[QueueStateCount]:
        calls.append(time.monotonic())
        if len(calls) == 3:
            raise ConnectionError("database away")
        return [QueueStateCount("q", JobState.AVAILABLE, len(calls))]

    cache = QueueDepthCache(cache_seconds=3600)
    registry = CollectorRegistry()
    registry.register(QueueDepthCollector(fetch, cache, errors.append))
    for _ in range(3):
        assert b'river_queue_jobs{queue="q",state="available"} 1.0' in generate_latest(registry)
    assert len(calls) == 1
    cache.cache_seconds = 0
    assert b'state="available"} 2.0' in generate_latest(registry)
    # A failed count keeps the last values and is reported.
    assert b'state="available"} 2.0' in generate_latest(registry)
    assert [type(e) for e in errors] == [ConnectionError]


def test_wsgi_mount_serves_the_registry() -> None:
    registry = CollectorRegistry()
    registry.register(
        QueueDepthCollector(
            lambda: [QueueStateCount("q", JobState.RUNNING, 4)], QueueDepthCache(), print
        )
    )
    app = make_wsgi_app(registry)
    started: list[Any] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/metrics", "QUERY_STRING": ""}
    body = b"".join(app(environ, lambda status, headers: started.append(status)))
    assert started == ["200 OK"]
    assert b'river_queue_jobs{queue="q",state="running"} 4.0' in body
