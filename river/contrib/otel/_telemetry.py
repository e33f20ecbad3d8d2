"""Spans and metrics of inserts and work with otelriver's names, colour-free: the sync
and async middleware wrap their call in these context managers."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from river.driver.params import JobInsertFastParams, JobInsertResult
from river.errors import JobCancel, JobSnooze
from river.middleware import JobGetAvailableCountMetric, JobGetAvailableDurationMetric, Metric
from river.types import JobRow

# As otelriver: the instrumentation scope is the package's name, everything prefixed river.
SCOPE = "river.contrib.otel"
PREFIX = "river."
_PROPAGATOR = TraceContextTextMapPropagator()


@dataclass
class InsertCall:
    """Filled in by the middleware with what the inner insert returned."""

    results: list[JobInsertResult] = field(default_factory=list)


class Telemetry:
    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        duration_unit: str = "s",
        enable_semantic_metrics: bool = False,
        enable_trace_propagation: bool = True,
        enable_work_span_job_kind_suffix: bool = False,
    ) -> None:
        if duration_unit not in ("s", "ms"):
            raise ValueError(f"duration_unit must be 's' or 'ms', got {duration_unit!r}")
        self.unit = duration_unit
        self.propagate = enable_trace_propagation
        self.kind_suffix = enable_work_span_job_kind_suffix
        self.semantic = enable_semantic_metrics
        self.tracer = trace.get_tracer(SCOPE, tracer_provider=tracer_provider)
        meter = metrics.get_meter(SCOPE, meter_provider=meter_provider)
        u = duration_unit
        self.insert_count = meter.create_counter(
            PREFIX + "insert_count", unit="{job}", description="Number of jobs inserted"
        )
        self.insert_many_count = meter.create_counter(
            PREFIX + "insert_many_count",
            unit="{job_batch}",
            description="Number of job batches inserted (all jobs are inserted in a batch, "
            "but batches may be one job)",
        )
        self.insert_many_duration = meter.create_gauge(
            PREFIX + "insert_many_duration", unit=u, description="Duration of job batch insertion"
        )
        self.insert_many_duration_histogram = meter.create_histogram(
            PREFIX + "insert_many_duration_histogram",
            unit=u,
            description="Duration of job batch insertion (histogram)",
        )
        self.job_get_available_duration = meter.create_histogram(
            PREFIX + "job_get_available_duration",
            unit=u,
            description="Duration of successful JobGetAvailable calls",
        )
        self.job_get_available_count = meter.create_histogram(
            PREFIX + "job_get_available_count",
            unit="{job}",
            description="Number of jobs locked by successful JobGetAvailable calls",
        )
        self.work_count = meter.create_counter(
            PREFIX + "work_count", unit="{job}", description="Number of jobs worked"
        )
        self.work_duration = meter.create_gauge(
            PREFIX + "work_duration", unit=u, description="Duration of job being worked"
        )
        self.work_duration_histogram = meter.create_histogram(
            PREFIX + "work_duration_histogram",
            unit=u,
            description="Duration of job being worked (histogram)",
        )
        if enable_semantic_metrics:
            self.consumed = meter.create_counter(
                "messaging.client.consumed.messages",
                description="Number of messages that were delivered to the application.",
            )
            self.operation_duration = meter.create_histogram(
                "messaging.client.operation.duration",
                unit=u,
                description="Duration of messaging operation initiated by a producer or "
                "consumer client.",
            )
            self.sent = meter.create_counter(
                "messaging.client.sent.messages",
                description="Number of messages producer attempted to send to the broker.",
            )
            self.process_duration = meter.create_histogram(
                "messaging.process.duration",
                unit=u,
                description="Duration of processing operation.",
            )

    def _duration(self, seconds: float) -> float:
        # otelriver reports whole milliseconds in "ms".
        return float(int(seconds * 1000)) if self.unit == "ms" else seconds

    # -- inserting ---------------------------------------------------------------------

    @contextmanager
    def inserting(self, params: Sequence[JobInsertFastParams]) -> Iterator[InsertCall]:
        call = InsertCall()
        with self.tracer.start_as_current_span(
            PREFIX + "insert_many",
            kind=SpanKind.PRODUCER,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            if self.propagate:
                for p in params:
                    p.metadata = inject_trace_context(p.metadata)
            begin = time.perf_counter()
            error: BaseException | None = None
            try:
                yield call
            except BaseException as exc:
                error = exc
                raise
            finally:
                self._end_insert(span, params, call.results, error, begin)

    def _end_insert(
        self,
        span: Any,
        params: Sequence[JobInsertFastParams],
        results: list[JobInsertResult],
        error: BaseException | None,
        begin: float,
    ) -> None:
        duration = self._duration(time.perf_counter() - begin)
        status = _set_status(span, error)
        skipped = sum(1 for r in results if r.unique_skipped_as_duplicate)
        span.set_attribute("status", status)
        span.set_attribute("kinds", sorted({p.kind for p in params}))
        span.set_attribute("unique_skipped_as_duplicate_count", skipped)
        attrs = {"status": status}
        inserted = len(params) - skipped
        if inserted > 0:
            self.insert_count.add(inserted, {**attrs, "unique_skipped_as_duplicate": False})
        if skipped > 0:
            self.insert_count.add(skipped, {**attrs, "unique_skipped_as_duplicate": True})
        self.insert_many_count.add(1, attrs)
        self.insert_many_duration.set(duration, attrs)
        self.insert_many_duration_histogram.record(duration, attrs)
        if self.semantic:
            semantic = {"messaging.operation.name": "insert_many", "messaging.system": "river"}
            self.operation_duration.record(duration, semantic)
            self.sent.add(len(params), semantic)

    # -- working -----------------------------------------------------------------------

    @contextmanager
    def working(self, job: JobRow) -> Iterator[None]:
        name = PREFIX + "work" + (f"/{job.kind}" if self.kind_suffix else "")
        links = []
        if self.propagate:
            linked = extract_span_context(job.metadata)
            if linked is not None:
                # A link, not a parent: a job may run long after the request inserting it.
                links.append(Link(linked))
        with self.tracer.start_as_current_span(
            name,
            kind=SpanKind.CONSUMER,
            links=links,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            begin = time.perf_counter()
            error: BaseException | None = None
            try:
                yield
            except BaseException as exc:
                error = exc
                raise
            finally:
                self._end_work(span, job, error, begin)

    def _end_work(self, span: Any, job: JobRow, error: BaseException | None, begin: float) -> None:
        duration = self._duration(time.perf_counter() - begin)
        attrs: dict[str, Any] = {
            "attempt": job.attempt,
            "kind": job.kind,
            "priority": job.priority,
            "queue": job.queue,
            "status": _set_status(span, error),
            "tag": list(job.tags),
        }
        if isinstance(error, JobCancel):
            attrs["cancel"] = True
        elif isinstance(error, JobSnooze):
            attrs["snooze"] = True
            span.set_attribute("snooze.duration", go_duration(error.duration))
        # Higher-cardinality attributes go on the span only, never on metrics.
        span.set_attribute("id", job.id)
        span.set_attribute("created_at", _rfc3339(job.created_at))
        span.set_attribute("scheduled_at", _rfc3339(job.scheduled_at))
        span.set_attributes(attrs)
        self.work_count.add(1, attrs)
        self.work_duration.set(duration, attrs)
        self.work_duration_histogram.record(duration, attrs)
        if self.semantic:
            semantic = {"messaging.operation.name": "work", "messaging.system": "river"}
            self.consumed.add(1, semantic)
            self.operation_duration.record(duration, semantic)
            self.process_duration.record(duration, semantic)

    # -- River's metric hook -----------------------------------------------------------

    def metric_emit(self, metric: Metric) -> None:
        if isinstance(metric, JobGetAvailableDurationMetric):
            self.job_get_available_duration.record(
                self._duration(metric.duration), {"queue": metric.queue}
            )
        elif isinstance(metric, JobGetAvailableCountMetric):
            self.job_get_available_count.record(metric.count, {"queue": metric.queue})


def _set_status(span: Any, error: BaseException | None) -> str:
    """otelriver's status: a snooze is flow control, recorded as ok."""
    if error is None or isinstance(error, JobSnooze):
        span.set_status(Status(StatusCode.OK))
        return "ok"
    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, str(error) or type(error).__name__))
    return "error"


def inject_trace_context(metadata: str) -> str:
    """``metadata`` (JSON text) with the current span's ``traceparent``/``tracestate``."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    if not carrier:
        return metadata
    try:
        decoded = json.loads(metadata or "{}")
    except ValueError:
        return metadata
    if not isinstance(decoded, dict):
        return metadata
    decoded.update(carrier)
    return json.dumps(decoded)


def extract_span_context(metadata: dict[str, Any]) -> trace.SpanContext | None:
    """The inserting span's context from a job's metadata, if it carries a valid one."""
    carrier = {k: v for k, v in metadata.items() if isinstance(v, str)}
    if "traceparent" not in carrier:
        return None
    # An empty starting context: never link a job to the span working it.
    ctx = _PROPAGATOR.extract(carrier, context=trace.set_span_in_context(trace.INVALID_SPAN))
    found = trace.get_current_span(ctx).get_span_context()
    return found if found.is_valid else None


def _rfc3339(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def go_duration(d: dt.timedelta) -> str:
    """A duration as Go's ``time.Duration.String()`` writes it (``1m30s``, ``500ms``)."""
    us = round(d.total_seconds() * 1_000_000)
    if us == 0:
        return "0s"
    sign, us = ("-", -us) if us < 0 else ("", us)
    if us < 1000:
        return f"{sign}{us}µs"
    if us < 1_000_000:
        return f"{sign}{_trim(us / 1000)}ms"
    hours, rest = divmod(us, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    text = f"{_trim(rest / 1_000_000)}s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


def _trim(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")
