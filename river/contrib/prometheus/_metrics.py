"""The Prometheus metrics of river-queue, colour-free: job outcome counters and duration
histograms, and queue depth gauges from one cached count query."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from river.errors import JobCancel, JobSnooze
from river.types import JobState, QueueStateCount

DEFAULT_CACHE_SECONDS = 5.0
LABELS = ("kind", "queue", "outcome")


def outcome_of(error: BaseException | None) -> str:
    """The attempt's outcome as the worker ended it."""
    if error is None:
        return "completed"
    if isinstance(error, JobSnooze):
        return "snoozed"
    if isinstance(error, JobCancel):
        return "cancelled"
    if not isinstance(error, Exception):  # cancelled by a stop, a timeout or a remote cancel
        return "interrupted"
    return "failed"


class JobMetrics:
    """``river_jobs_worked_total`` and ``river_job_duration_seconds`` by kind, queue and
    outcome (completed, failed, cancelled, snoozed, interrupted)."""

    def __init__(
        self,
        registry: CollectorRegistry | None = REGISTRY,
        *,
        buckets: Sequence[float] = Histogram.DEFAULT_BUCKETS,
    ) -> None:
        self.worked = Counter(
            "river_jobs_worked", "Job attempts worked, by outcome", LABELS, registry=registry
        )
        self.duration = Histogram(
            "river_job_duration_seconds",
            "Duration of job attempts, in seconds",
            LABELS,
            registry=registry,
            buckets=tuple(buckets),
        )

    def observe(self, kind: str, queue: str, outcome: str, seconds: float) -> None:
        self.worked.labels(kind, queue, outcome).inc()
        self.duration.labels(kind, queue, outcome).observe(seconds)


class QueueDepthCache:
    """Counts by queue and state, fetched at most once per ``cache_seconds``."""

    def __init__(self, cache_seconds: float = DEFAULT_CACHE_SECONDS) -> None:
        self.cache_seconds = cache_seconds
        self.counts: list[QueueStateCount] = []
        self.fetched_at: float | None = None
        self.lock = threading.Lock()

    def stale(self) -> bool:
        return self.fetched_at is None or time.monotonic() - self.fetched_at >= self.cache_seconds

    def store(self, counts: list[QueueStateCount]) -> None:
        self.counts = counts
        self.fetched_at = time.monotonic()


def depth_families(counts: Iterable[QueueStateCount]) -> Iterator[GaugeMetricFamily]:
    """``river_queue_jobs{queue,state}``: every state of every queue with jobs, zeros too."""
    by_queue: dict[str, dict[JobState, int]] = {}
    for c in counts:
        by_queue.setdefault(c.queue, {})[c.state] = c.count
    family = GaugeMetricFamily(
        "river_queue_jobs", "Jobs in each queue by state", labels=("queue", "state")
    )
    for queue in sorted(by_queue):
        for state in JobState:
            family.add_metric((queue, state.value), by_queue[queue].get(state, 0))
    yield family


class QueueDepthCollector(Collector):
    """A collector calling ``fetch()`` (a sync ``job_count_by_queue_and_state``) when its
    cache is stale; a failed fetch keeps the last counts and is reported by ``on_error``."""

    def __init__(
        self,
        fetch: Callable[[], list[QueueStateCount]] | None,
        cache: QueueDepthCache,
        on_error: Callable[[BaseException], Any],
    ) -> None:
        self._fetch = fetch
        self.cache = cache
        self._on_error = on_error

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self._fetch is not None:
            with self.cache.lock:
                if self.cache.stale():
                    try:
                        self.cache.store(self._fetch())
                    except Exception as exc:
                        self._on_error(exc)
        return depth_families(self.cache.counts)
