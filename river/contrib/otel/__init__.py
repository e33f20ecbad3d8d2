"""OpenTelemetry for river-queue (River's ``otelriver``): spans and metrics of inserts and
work, with otelriver's names, attributes and units. Needs the ``otel`` extra
(``opentelemetry-api``; bring the SDK or distro that exports your data).

One object is insert middleware, worker middleware and a metric hook::

    from river.contrib.otel import OpenTelemetryMiddleware

    otel = OpenTelemetryMiddleware()
    client = river.Client(driver, river.Config(middleware=[otel], hooks=[otel], ...))

(``AsyncOpenTelemetryMiddleware`` for ``river.AsyncClient``.) The hook part adds the
fetch metrics (``river.job_get_available_*``); leave it out of ``hooks`` to skip them.
Or enable the bundled plugin for every client of the process with ``RIVER_OTEL=1``.

Spans: ``river.insert_many`` (producer) and ``river.work`` (consumer; ``river.work/KIND``
with ``enable_work_span_job_kind_suffix``). The W3C ``traceparent``/``tracestate`` of the
inserting span is stored in the job's metadata and the work span links to it (a link,
not a parent, as otelriver does). Unlike otelriver, propagation is on by default
(``enable_trace_propagation=False`` turns it off). Failures set the span's status to
error and record the exception; a snooze counts as ok with ``snooze=true``.

Metrics: ``river.insert_count``, ``river.insert_many_count``,
``river.insert_many_duration`` (gauge) and ``river.insert_many_duration_histogram``,
``river.work_count``, ``river.work_duration`` (gauge), ``river.work_duration_histogram``,
``river.job_get_available_duration`` and ``river.job_get_available_count``; durations in
seconds (``duration_unit="ms"`` for milliseconds). ``enable_semantic_metrics`` adds the
``messaging.*`` metrics of OpenTelemetry's messaging conventions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from river._lazy import lazy_getattr

if TYPE_CHECKING:
    from river.contrib.otel._telemetry import go_duration
    from river.contrib.otel.middleware import (
        AsyncOpenTelemetryMiddleware,
        OpenTelemetryMiddleware,
    )

__all__ = ["AsyncOpenTelemetryMiddleware", "OpenTelemetryMiddleware", "go_duration"]

# Loaded on first use: the ``otel`` plugin module lives in this package and must be
# importable without OpenTelemetry.
_LAZY = {
    "AsyncOpenTelemetryMiddleware": "river.contrib.otel.middleware",
    "OpenTelemetryMiddleware": "river.contrib.otel.middleware",
    "go_duration": "river.contrib.otel._telemetry",
}


__getattr__ = lazy_getattr("river.contrib.otel", _LAZY)
