"""The OpenTelemetry middleware classes (see the package's documentation)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from river.contrib.otel._telemetry import Telemetry
from river.driver.params import JobInsertFastParams, JobInsertResult
from river.middleware import (
    AsyncHook,
    AsyncInsertMiddleware,
    AsyncWorkerMiddleware,
    Hook,
    InsertMiddleware,
    Metric,
    WorkerMiddleware,
)
from river.types import JobRow


class OpenTelemetryMiddleware(WorkerMiddleware, InsertMiddleware, Hook):
    """Spans and metrics for a ``river.Client``.

    Options: ``tracer_provider``, ``meter_provider`` (default: the global ones),
    ``duration_unit`` (``"s"`` or ``"ms"``), ``enable_semantic_metrics``,
    ``enable_trace_propagation`` (default True), ``enable_work_span_job_kind_suffix``.
    """

    def __init__(self, **options: Any) -> None:
        self.telemetry = Telemetry(**options)

    def insert_many(
        self,
        params: Sequence[JobInsertFastParams],
        call_next: Callable[[Sequence[JobInsertFastParams]], list[JobInsertResult]],
    ) -> list[JobInsertResult]:
        with self.telemetry.inserting(params) as call:
            call.results = call_next(params)
            return call.results

    def work(self, job: JobRow, call_next: Callable[[], None]) -> None:
        with self.telemetry.working(job):
            call_next()

    def metric_emit(self, metric: Metric) -> None:
        self.telemetry.metric_emit(metric)


class AsyncOpenTelemetryMiddleware(AsyncWorkerMiddleware, AsyncInsertMiddleware, AsyncHook):
    """Spans and metrics for a ``river.AsyncClient`` (options as the sync one)."""

    def __init__(self, **options: Any) -> None:
        self.telemetry = Telemetry(**options)

    async def insert_many(
        self,
        params: Sequence[JobInsertFastParams],
        call_next: Callable[[Sequence[JobInsertFastParams]], Awaitable[list[JobInsertResult]]],
    ) -> list[JobInsertResult]:
        with self.telemetry.inserting(params) as call:
            call.results = await call_next(params)
            return call.results

    async def work(self, job: JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        with self.telemetry.working(job):
            await call_next()

    def metric_emit(self, metric: Metric) -> None:
        self.telemetry.metric_emit(metric)
