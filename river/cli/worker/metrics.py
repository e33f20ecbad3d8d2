"""``river worker --metrics-port N``: Prometheus metrics of the running client on
``http://0.0.0.0:N/metrics`` (needs the ``prometheus`` extra)."""

from __future__ import annotations

import logging
from typing import Any

from river.cli._common import CLIError

logger = logging.getLogger("river.worker")


def serve_metrics(client: Any, port: int) -> list[Any]:
    """Serve the default registry: queue depth gauges of the client's database, and job
    outcome counters (from the client's events unless it has the Prometheus middleware).

    Called in the client's event loop for an async client. Returns the tasks,
    subscription or thread handles to keep alive while the client runs."""
    try:
        from river.contrib import prometheus
    except ImportError as exc:
        raise CLIError(
            f'--metrics-port needs prometheus-client: pip install "river-queue[prometheus]" ({exc})'
        ) from exc
    handles: list[Any] = []
    depth = prometheus.QueueDepth(client)
    if depth.is_async:
        import asyncio

        handles.append(asyncio.get_running_loop().create_task(depth.run()))
    middleware = (prometheus.PrometheusMiddleware, prometheus.AsyncPrometheusMiddleware)
    if not any(isinstance(m, middleware) for m in client.worker_middleware):
        handles.append(prometheus.observe_events(client, prometheus.JobMetrics()))
    try:
        prometheus.start_http_server(port)
    except OSError as exc:
        raise CLIError(f"cannot serve metrics on port {port}: {exc}") from exc
    logger.info("river worker: metrics on http://0.0.0.0:%d/metrics", port)
    return handles
