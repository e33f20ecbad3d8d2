# WARNING: this file is generated from 'test_prometheus_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Prometheus metrics on a real client, read back by parsing ``generate_latest()``:
exact outcome counts after known jobs, and queue depth gauges equal to counting the
table per queue and state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

import river
from river.contrib.prometheus import PrometheusMiddleware as Prometheus
from river.contrib.prometheus import QueueDepth
from tests._client_helpers import make_config, started, wait_for_state
from tests._db import admin_execute

pytestmark = pytest.mark.anyio


@dataclass
class PromArgs:
    kind = "prom"
    action: str = "ok"


class PromWorker(river.Worker[PromArgs]):
    def work(self, job: river.Job[PromArgs]) -> None:
        if job.args.action == "fail":
            raise ValueError("failing")
        if job.args.action == "cancel":
            raise river.JobCancel("cancelling")
        if job.args.action == "snooze":
            raise river.JobSnooze(dt.timedelta(hours=1))


def _samples(registry: CollectorRegistry) -> dict[tuple[str, frozenset[Any]], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_outcome_counts_and_queue_depth(driver: Any, schema: str, database_url: str) -> None:
    registry = CollectorRegistry()
    workers = river.Workers()
    workers.add(PromWorker())
    client = river.Client(
        driver,
        make_config(schema, workers, middleware=[Prometheus(registry=registry)], max_attempts=1),
    )
    actions = ["ok"] * 3 + ["fail"] * 2 + ["cancel", "snooze"]
    expected_state = {
        "ok": river.JobState.COMPLETED,
        "fail": river.JobState.DISCARDED,
        "cancel": river.JobState.CANCELLED,
        "snooze": river.JobState.SCHEDULED,
    }
    with started(client):
        jobs = [client.insert(PromArgs(a)).job for a in actions]
        for job, action in zip(jobs, actions, strict=True):
            wait_for_state(client, job.id, expected_state[action])
    # Jobs that stay put: two available in another queue, one scheduled.
    for _ in range(2):
        client.insert(PromArgs(), river.InsertOpts(queue="other"))
    later = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    client.insert(PromArgs(), river.InsertOpts(scheduled_at=later))
    depth = QueueDepth(client, registry=registry)
    samples = _samples(registry)
    assert depth.cache.fetched_at is not None

    def worked(outcome: str) -> float:
        labels = frozenset({"kind": "prom", "queue": "default", "outcome": outcome}.items())
        assert (
            samples["river_job_duration_seconds_count", labels]
            == samples["river_jobs_worked_total", labels]
        )
        return samples["river_jobs_worked_total", labels]

    assert [worked(o) for o in ("completed", "failed", "cancelled", "snoozed")] == [3, 2, 1, 1]
    assert not any(
        k[0] == "river_jobs_worked_total" and ("outcome", "interrupted") in k[1] for k in samples
    )
    rows = admin_execute(
        database_url,
        f"SELECT queue, state::text, count(*) FROM {schema}.river_job GROUP BY queue, state",
    )
    counted = {(q, s): n for q, s, n in rows}
    gauges = {
        (dict(labels)["queue"], dict(labels)["state"]): value
        for (name, labels), value in samples.items()
        if name == "river_queue_jobs"
    }
    assert {k: v for k, v in gauges.items() if v} == counted
    assert counted == {
        ("default", "completed"): 3,
        ("default", "discarded"): 2,
        ("default", "cancelled"): 1,
        ("default", "scheduled"): 2,
        ("other", "available"): 2,
    }
    # Every state of each queue is reported, zeros included.
    assert len(gauges) == 2 * len(river.JobState)
