"""Concurrency limits under load: throughput with a limit beside the same run without one,
and whether the limit was ever exceeded.

    python -m benchmarks.concurrency_limits --database-url URL [-n 100000] [--clients 4]
        [--drivers asyncpg,psycopg3] [--max-workers 50] [--global-limit 100]
        [--customers 10] [--work-ms 1]

Runs the same workload three times in a new scratch schema each: ``-n`` jobs inserted
before the clients start, worked by ``--clients`` async clients in this process (drivers
taken in turn from ``--drivers``), each with ``--max-workers`` workers; a job sleeps
``--work-ms``. The runs: ``unlimited`` (no concurrency config), ``global``
(``global_limit=--global-limit``) and ``partitioned`` (``--customers`` partitions by the
``customer`` args field, each with a global limit of ``--global-limit / --customers``).
The workers count the jobs running at once, in all and per customer, so "never exceeded"
is read from inside the jobs, across every client. Prints one JSON object: per run the
jobs worked per second, the peak concurrency and the 1-minute load average as it began,
and the ratio of each limited run's throughput to the unlimited one's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import river
from river.migrate import Migrator
from river.plugins.manager import aopen_driver, open_driver

SCHEMA = "river_concurrency_bench"
QUEUE = "limited"


@dataclass
class BenchArgs:
    kind = "concurrency_bench"
    customer: int = 0

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(queue=QUEUE)


class Tally:
    def __init__(self) -> None:
        self.running: Counter[int] = Counter()
        self.peak_by_customer: Counter[int] = Counter()
        self.total = 0
        self.peak = 0
        self.done = 0
        self.finished = asyncio.Event()
        self.expected = 0


class BenchWorker(river.AsyncWorker[BenchArgs]):
    def __init__(self, tally: Tally, work_seconds: float) -> None:
        self.tally = tally
        self.work_seconds = work_seconds

    async def work(self, job: river.Job[BenchArgs]) -> None:
        t = self.tally
        customer = job.args.customer
        t.total += 1
        t.running[customer] += 1
        t.peak = max(t.peak, t.total)
        t.peak_by_customer[customer] = max(t.peak_by_customer[customer], t.running[customer])
        await asyncio.sleep(self.work_seconds)
        t.total -= 1
        t.running[customer] -= 1
        t.done += 1
        if t.done == t.expected:
            t.finished.set()


def _prepare(url: str, jobs: int, customers: int) -> None:
    driver = open_driver(url, "psycopg3")
    try:
        ex = driver.get_executor(None)
        ex.exec_script(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE; CREATE SCHEMA "{SCHEMA}"')
        Migrator(driver, schema=SCHEMA).migrate_up()
        client = river.Client(driver, river.Config(schema=SCHEMA))
        client.insert_many_fast([BenchArgs(customer=i % customers) for i in range(jobs)])
        ex.exec_script(f'VACUUM ANALYZE "{SCHEMA}".river_job')
    finally:
        driver.close()


async def _run(
    url: str, opts: argparse.Namespace, concurrency: river.ConcurrencyConfig | None
) -> dict[str, Any]:
    _prepare(url, opts.jobs, opts.customers)
    tally = Tally()
    tally.expected = opts.jobs
    drivers = [d.strip() for d in opts.drivers.split(",") if d.strip()]
    clients = []
    opened = []
    for i in range(opts.clients):
        driver = await aopen_driver(url, drivers[i % len(drivers)])
        opened.append(driver)
        workers = river.Workers()
        workers.add(BenchWorker(tally, opts.work_ms / 1000))
        config = river.Config(
            schema=SCHEMA,
            queues={QUEUE: river.QueueConfig(max_workers=opts.max_workers, concurrency=concurrency)},
            workers=workers,
            job_timeout=None,
        )
        clients.append(river.AsyncClient(driver, config))
    load = os.getloadavg()[0]  # the machine may be shared: read the ratios beside it
    started = time.monotonic()
    for client in clients:
        await client.start()
    await asyncio.wait_for(tally.finished.wait(), timeout=opts.timeout)
    elapsed = time.monotonic() - started
    for client in clients:
        await client.stop()
    for driver in opened:
        await driver.close()
    return {
        "seconds": round(elapsed, 2),
        "jobs_per_sec": round(opts.jobs / elapsed),
        "peak_running": tally.peak,
        "peak_running_per_customer": max(tally.peak_by_customer.values()),
        "load_1m": round(load, 2),
    }


async def _main(opts: argparse.Namespace) -> dict[str, Any]:
    per_customer = max(1, opts.global_limit // opts.customers)
    runs: dict[str, river.ConcurrencyConfig | None] = {
        "unlimited": None,
        "global": river.ConcurrencyConfig(global_limit=opts.global_limit),
        "partitioned": river.ConcurrencyConfig(
            global_limit=per_customer,
            partition=river.PartitionConfig(by_args=["customer"]),
        ),
    }
    results: dict[str, Any] = {
        "jobs": opts.jobs,
        "clients": opts.clients,
        "drivers": opts.drivers,
        "max_workers": opts.max_workers,
        "work_ms": opts.work_ms,
        "global_limit": opts.global_limit,
        "customers": opts.customers,
        "per_customer_limit": per_customer,
    }
    for name, concurrency in runs.items():
        results[name] = await _run(opts.database_url, opts, concurrency)
    base = results["unlimited"]["jobs_per_sec"]
    for name in ("global", "partitioned"):
        results[name]["throughput_ratio"] = round(results[name]["jobs_per_sec"] / base, 2)
    results["global"]["exceeded"] = results["global"]["peak_running"] > opts.global_limit
    results["partitioned"]["exceeded"] = (
        results["partitioned"]["peak_running_per_customer"] > per_customer
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", "--jobs", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--drivers", default="asyncpg,psycopg3")
    parser.add_argument("--max-workers", type=int, default=50)
    parser.add_argument("--global-limit", type=int, default=100)
    parser.add_argument("--customers", type=int, default=10)
    parser.add_argument("--work-ms", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=3600.0)
    opts = parser.parse_args()
    print(json.dumps(asyncio.run(_main(opts)), indent=2))


if __name__ == "__main__":
    main()
