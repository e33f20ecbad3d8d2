"""``river bench --latency``: sporadic jobs on the library's defaults.

One job at a time, at random gaps (5-500 ms), inserted by a client of its own
(as a web process would) and worked by another client with the library's default
``fetch_cooldown`` and ``fetch_poll_interval``. Each job's latency runs from the insert
call to the start of its work, both read on this process's monotonic clock, so it covers
the insert, its notification and the fetch. Reported as percentiles in milliseconds; a
first job, which opens the clients' connections, is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

GAP_MS = (5.0, 500.0)


@dataclass
class SporadicArgs:
    kind = "bench_sporadic"
    n: int = 0


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ascending ``sorted_values`` (``fraction`` in 0-1]."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, -(-len(sorted_values) * fraction // 1))  # ceil, at least the first
    return sorted_values[int(rank) - 1]


def summarize(latencies_ms: list[float], gap_ms: tuple[float, float]) -> dict[str, Any]:
    values = sorted(latencies_ms)
    return {
        "jobs": len(values),
        "gap_ms": list(gap_ms),
        "p50_ms": round(percentile(values, 0.50), 2),
        "p90_ms": round(percentile(values, 0.90), 2),
        "p99_ms": round(percentile(values, 0.99), 2),
        "max_ms": round(values[-1], 2),
    }


async def run_latency(opts: argparse.Namespace, url: str) -> dict[str, Any]:
    import river
    from river.cli.bench.schema import prepare
    from river.plugins.manager import aopen_driver

    prepare(url, opts.schema)
    n = opts.num_total_jobs
    gap_ms = GAP_MS
    inserted_at: dict[int, float] = {}
    latencies: list[float] = []
    all_started = asyncio.Event()
    warmed_up = asyncio.Event()

    class Sporadic(river.AsyncWorker[SporadicArgs]):
        async def work(self, job: river.Job[SporadicArgs]) -> None:
            began = time.monotonic()
            if job.args.n < 0:
                warmed_up.set()
                return
            latencies.append((began - inserted_at[job.args.n]) * 1000)
            if len(latencies) == n:
                all_started.set()

    workers = river.Workers()
    workers.add(Sporadic())
    queues = {"default": river.QueueConfig(max_workers=opts.max_workers)}
    worker_driver = await aopen_driver(url, opts.driver)
    insert_driver = await aopen_driver(url, opts.driver)
    worker = river.AsyncClient(
        worker_driver, river.Config(schema=opts.schema, queues=queues, workers=workers)
    )
    inserter = river.AsyncClient(insert_driver, river.Config(schema=opts.schema, workers=workers))
    rng = random.Random()
    try:
        await worker.start()
        notifier = worker._notifier
        if notifier is not None:
            await notifier.connected.wait_timeout(10.0)
        # Not counted: the first insert opens the inserting client's connection.
        await inserter.insert(SporadicArgs(n=-1))
        await asyncio.wait_for(warmed_up.wait(), timeout=60.0)
        for i in range(n):
            await asyncio.sleep(rng.uniform(*gap_ms) / 1000)
            inserted_at[i] = time.monotonic()
            await inserter.insert(SporadicArgs(n=i))
        await asyncio.wait_for(all_started.wait(), timeout=60.0)
    finally:
        await worker.stop()
        await worker_driver.close()
        await insert_driver.close()
    return {"driver": opts.driver, "latency": summarize(latencies, gap_ms)}
