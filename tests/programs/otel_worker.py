"""A worker process with OpenTelemetry: ``python -m tests.programs.otel_worker URL SCHEMA ID...``.

Works ``otel_job`` jobs with the OpenTelemetry middleware (an in-memory SDK exporter)
until each given job id is finalized, then prints its finished spans as JSON lines.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from river_psycopg3 import PsycopgDriver

import river
from river.contrib.otel import OpenTelemetryMiddleware


@dataclass
class OtelArgs:
    kind = "otel_job"
    fail: bool = False


class OtelWorker(river.Worker[OtelArgs]):
    def work(self, job: river.Job[OtelArgs]) -> None:
        if job.args.fail:
            raise river.JobCancel("told to fail")


def main(url: str, schema: str, ids: list[int]) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    driver = PsycopgDriver.open(url, max_size=4)
    workers = river.Workers()
    workers.add(OtelWorker())
    client = river.Client(driver, river.Config(
        schema=schema,
        queues={"default": river.QueueConfig(max_workers=4)},
        workers=workers,
        fetch_cooldown=0.01,
        fetch_poll_interval=0.05,
        middleware=[OpenTelemetryMiddleware(tracer_provider=provider)],
    ))
    client.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all(client.job_get(i).finalized_at is not None for i in ids):
                break
            time.sleep(0.05)
    finally:
        client.stop()
        driver.close()
    for span in exporter.get_finished_spans():
        ctx = span.get_span_context()
        assert ctx is not None
        print(json.dumps({
            "name": span.name,
            "kind": span.kind.name,
            "trace_id": ctx.trace_id,
            "span_id": ctx.span_id,
            "parent": span.parent.span_id if span.parent else None,
            "links": [[ln.context.trace_id, ln.context.span_id] for ln in span.links],
            "status": span.status.status_code.name,
            "attributes": dict(span.attributes or {}),
            "events": [e.name for e in span.events],
        }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], [int(a) for a in sys.argv[3:]])
