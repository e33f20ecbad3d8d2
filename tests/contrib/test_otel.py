# WARNING: this file is generated from 'test_otel_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""OpenTelemetry middleware on a real client, read back through the SDK's in-memory span
exporter and metric reader: the insert span, the work span linked to it from another
process, error status, and otelriver's metric names and units."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import river
from river.contrib.otel import OpenTelemetryMiddleware as Otel
from tests._client_helpers import make_config, started, wait_for_state
from tests.programs.otel_worker import OtelArgs

pytestmark = pytest.mark.anyio


@dataclass
class Telemetry:
    exporter: InMemorySpanExporter
    tracer_provider: TracerProvider
    reader: InMemoryMetricReader
    meter_provider: MeterProvider

    def middleware(self) -> Any:
        return Otel(tracer_provider=self.tracer_provider, meter_provider=self.meter_provider)

    def metrics(self) -> dict[str, Any]:
        data = self.reader.get_metrics_data()
        assert data is not None
        return {
            m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
        }


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    yield Telemetry(exporter, tracer_provider, reader, meter_provider)
    tracer_provider.shutdown()
    meter_provider.shutdown()


class OtelWorker(river.Worker[OtelArgs]):
    def work(self, job: river.Job[OtelArgs]) -> None:
        if job.args.fail:
            raise ValueError("boom")


def test_work_span_in_another_process_links_to_insert_span(
    driver: Any, schema: str, database_url: str, telemetry: Telemetry
) -> None:
    client = river.Client(driver, river.Config(schema=schema, middleware=[telemetry.middleware()]))
    tracer = telemetry.tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("POST /signup") as request:
        ok = client.insert(OtelArgs()).job
        failing = client.insert(OtelArgs(fail=True)).job
    inserts = [s for s in telemetry.exporter.get_finished_spans() if s.name == "river.insert_many"]
    assert len(inserts) == 2
    first = inserts[0]
    assert first.kind is SpanKind.PRODUCER
    assert first.parent is not None and first.parent.span_id == request.get_span_context().span_id
    assert first.attributes is not None
    assert first.attributes["status"] == "ok" and first.attributes["kinds"] == ("otel_job",)
    ctx = first.get_span_context()
    assert ctx is not None
    flags = int(ctx.trace_flags)
    assert ok.metadata["traceparent"] == f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{flags:02x}"
    env = {**os.environ, "RIVER_DISABLE_PLUGIN_AUTOLOAD": "1"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.programs.otel_worker",
            database_url,
            schema,
            str(ok.id),
            str(failing.id),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=True,
    ).stdout
    spans = [json.loads(line) for line in out.splitlines()]
    work = {s["attributes"]["id"]: s for s in spans if s["name"] == "river.work"}
    assert set(work) == {ok.id, failing.id}
    for job, insert in ((ok, inserts[0]), (failing, inserts[1])):
        linked = insert.get_span_context()
        assert linked is not None
        span = work[job.id]
        assert span["kind"] == "CONSUMER"
        # A link to the insert span, in a new trace (not a child of the request).
        assert span["links"] == [[linked.trace_id, linked.span_id]]
        assert span["trace_id"] != linked.trace_id and span["parent"] is None
        assert span["attributes"]["kind"] == "otel_job"
        assert span["attributes"]["queue"] == "default"
        assert span["attributes"]["attempt"] == 1
    assert work[ok.id]["status"] == "OK" and work[ok.id]["attributes"]["status"] == "ok"
    assert work[failing.id]["status"] == "ERROR"
    assert work[failing.id]["attributes"]["status"] == "error"
    assert work[failing.id]["attributes"]["cancel"] is True
    assert work[failing.id]["events"] == ["exception"]


def test_error_status_and_metric_names(driver: Any, schema: str, telemetry: Telemetry) -> None:
    otel = telemetry.middleware()
    workers = river.Workers()
    workers.add(OtelWorker())
    client = river.Client(
        driver, make_config(schema, workers, middleware=[otel], hooks=[otel], max_attempts=1)
    )
    with started(client):
        ok = client.insert(OtelArgs()).job
        bad = client.insert(OtelArgs(fail=True)).job
        wait_for_state(client, ok.id, river.JobState.COMPLETED)
        wait_for_state(client, bad.id, river.JobState.DISCARDED)
    spans = {
        s.attributes["id"]: s
        for s in telemetry.exporter.get_finished_spans()
        if s.name == "river.work" and s.attributes is not None
    }
    failed = spans[bad.id]
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "boom"
    assert [e.name for e in failed.events] == ["exception"]
    assert failed.events[0].attributes is not None
    assert failed.events[0].attributes["exception.type"] == "ValueError"
    assert spans[ok.id].status.status_code is StatusCode.OK
    metrics = telemetry.metrics()
    units = {name: m.unit for name, m in metrics.items()}
    assert units == {
        "river.insert_count": "{job}",
        "river.insert_many_count": "{job_batch}",
        "river.insert_many_duration": "s",
        "river.insert_many_duration_histogram": "s",
        "river.job_get_available_count": "{job}",
        "river.job_get_available_duration": "s",
        "river.work_count": "{job}",
        "river.work_duration": "s",
        "river.work_duration_histogram": "s",
    }
    work_counts = {
        p.attributes["status"]: p.value for p in metrics["river.work_count"].data.data_points
    }
    assert work_counts == {"ok": 1, "error": 1}
    [histogram] = [
        p
        for p in metrics["river.work_duration_histogram"].data.data_points
        if p.attributes["status"] == "error"
    ]
    assert histogram.count == 1 and histogram.attributes["kind"] == "otel_job"
    inserted = [p.value for p in metrics["river.insert_count"].data.data_points]
    assert inserted == [2]
