"""Prometheus metrics for river-queue (extra ``prometheus``: ``prometheus-client``).

* ``PrometheusMiddleware`` / ``AsyncPrometheusMiddleware`` (worker middleware): counter
  ``river_jobs_worked_total`` and histogram ``river_job_duration_seconds``, labelled
  ``kind``, ``queue`` and ``outcome`` (``completed``, ``failed``, ``cancelled``,
  ``snoozed``, ``interrupted``).
* ``QueueDepth(client)``: gauge ``river_queue_jobs{queue,state}`` from one
  count-by-queue-and-state query, run at most once per ``cache_seconds`` (5). With a
  sync ``Client`` the query runs when scraped; with an ``AsyncClient`` run
  ``await depth.run()`` in a task (or call ``await depth.refresh()`` yourself).
* ``observe_events(client, JobMetrics())``: the same counters fed from a client's event
  stream, for a client built without the middleware.
* ``make_asgi_app()`` / ``make_wsgi_app()`` to mount ``/metrics`` in a web app, and
  ``start_http_server(port)`` for a process of its own (``river worker --metrics-port``).

::

    from river.contrib.prometheus import PrometheusMiddleware, QueueDepth, make_asgi_app

    client = river.Client(driver, river.Config(middleware=[PrometheusMiddleware()], ...))
    QueueDepth(client)
    app.mount("/metrics", make_asgi_app())

Everything registers in ``prometheus_client.REGISTRY`` unless given ``registry=``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, make_asgi_app, make_wsgi_app
from prometheus_client import start_http_server as _start_http_server

from river._acompat import asleep
from river.contrib.prometheus._metrics import (
    DEFAULT_CACHE_SECONDS,
    JobMetrics,
    QueueDepthCache,
    QueueDepthCollector,
    outcome_of,
)
from river.middleware import AsyncWorkerMiddleware, WorkerMiddleware
from river.types import JobRow

__all__ = [
    "AsyncPrometheusMiddleware",
    "JobMetrics",
    "PrometheusMiddleware",
    "QueueDepth",
    "make_asgi_app",
    "make_wsgi_app",
    "observe_event",
    "observe_events",
    "outcome_of",
    "start_http_server",
]

logger = logging.getLogger("river.contrib.prometheus")


class PrometheusMiddleware(WorkerMiddleware):
    """Counts and times each attempt a ``river.Client`` works."""

    def __init__(
        self, metrics: JobMetrics | None = None, *, registry: CollectorRegistry | None = REGISTRY
    ) -> None:
        self.metrics = metrics or JobMetrics(registry)

    def work(self, job: JobRow, call_next: Callable[[], None]) -> None:
        begin = time.perf_counter()
        error: BaseException | None = None
        try:
            call_next()
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.metrics.observe(
                job.kind, job.queue, outcome_of(error), time.perf_counter() - begin
            )


class AsyncPrometheusMiddleware(AsyncWorkerMiddleware):
    """Counts and times each attempt a ``river.AsyncClient`` works."""

    def __init__(
        self, metrics: JobMetrics | None = None, *, registry: CollectorRegistry | None = REGISTRY
    ) -> None:
        self.metrics = metrics or JobMetrics(registry)

    async def work(self, job: JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        begin = time.perf_counter()
        error: BaseException | None = None
        try:
            await call_next()
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.metrics.observe(
                job.kind, job.queue, outcome_of(error), time.perf_counter() - begin
            )


def _report(exc: BaseException) -> None:
    logger.warning("river.contrib.prometheus: counting jobs by queue and state failed: %s", exc)


class QueueDepth:
    """The ``river_queue_jobs{queue,state}`` gauges of a client's database, cached for
    ``cache_seconds``."""

    def __init__(
        self,
        client: Any,
        *,
        registry: CollectorRegistry | None = REGISTRY,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
    ) -> None:
        from river.driver.executor_async import AsyncExecutor

        self.executor = client.driver.get_executor(client.config.schema)
        self.is_async = isinstance(self.executor, AsyncExecutor)
        self.cache = QueueDepthCache(cache_seconds)
        fetch = None if self.is_async else self.executor.job_count_by_queue_and_state
        self.collector = QueueDepthCollector(fetch, self.cache, _report)
        if registry is not None:
            registry.register(self.collector)

    async def refresh(self) -> None:
        """Count now (async clients)."""
        self.cache.store(await self.executor.job_count_by_queue_and_state())

    async def run(self) -> None:
        """Refresh every ``cache_seconds`` until cancelled (async clients)."""
        while True:
            try:
                await self.refresh()
            except Exception as exc:
                _report(exc)
            await asleep(self.cache.cache_seconds)


def start_http_server(
    port: int, addr: str = "0.0.0.0", registry: CollectorRegistry = REGISTRY
) -> Any:
    """Serve ``/metrics`` from a daemon thread; returns prometheus-client's server and
    thread."""
    return _start_http_server(port, addr=addr, registry=registry)


_OUTCOME_BY_EVENT = {
    "job_completed": "completed",
    "job_failed": "failed",
    "job_cancelled": "cancelled",
    "job_snoozed": "snoozed",
    "job_interrupted": "interrupted",
}


def observe_event(metrics: JobMetrics, event: Any) -> None:
    """Count one job event of a client's ``subscribe()`` stream."""
    outcome = _OUTCOME_BY_EVENT.get(str(event.kind))
    if outcome is None or event.job is None:
        return
    seconds = event.job_stats.run_duration if event.job_stats is not None else 0.0
    metrics.observe(event.job.kind, event.job.queue, outcome, seconds)


def observe_events(client: Any, metrics: JobMetrics) -> Any:
    """Feed ``metrics`` from the client's event stream, for a client built without the
    middleware. A sync client is followed by a daemon thread and the subscription is
    returned (``close()`` it to stop); an async client gets a task, returned. Events a
    full subscription buffer drops (``Config.subscribe_buffer_size``) are not counted."""
    subscription = client.subscribe()
    from river.client_async import AsyncClient

    if isinstance(client, AsyncClient):
        import asyncio

        async def follow() -> None:
            async for event in subscription:
                observe_event(metrics, event)

        return asyncio.get_running_loop().create_task(follow(), name="river-prometheus-events")

    def follow_sync() -> None:
        for event in subscription:
            observe_event(metrics, event)

    import threading

    threading.Thread(target=follow_sync, name="river-prometheus-events", daemon=True).start()
    return subscription
