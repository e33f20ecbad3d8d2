"""A million jobs on the library's defaults: does throughput stay flat as ``river_job`` grows?

    python -m benchmarks.million --database-url URL [-n 1000000] [--repeat 1]

Inserts ``-n`` no-op jobs with ``insert_many_fast`` (batches of 5,000), then works them
with one asyncpg ``AsyncClient`` on the library's defaults (``fetch_cooldown`` 100 ms,
``fetch_poll_interval`` 1 s, the leader's maintenance running; one queue of
``--max-workers`` 100), on a server with autovacuum as configured (on, by default).
Completed jobs stay in the table (the job cleaner keeps them 24 hours), so the last
jobs are fetched from a table a million rows long.

Printed: one JSON object with the median over ``--repeat`` runs of

- ``slice_jobs_per_sec``: jobs started per second in each slice of ``slice_jobs``
  (100,000, or a tenth of ``-n`` when that is smaller), timed from the first job's start;
- ``last_slice_ratio_of_first``: the last slice's rate ÷ the first's (target ≥ 0.8);
- ``jobs_per_sec``: from the client's start to the last job's completion;
- ``peak_rss_mb``: this process's peak resident memory (target ≤ 100 MB);
- ``client_cpu_us_per_job``: this process's CPU over the work, per job;
- ``slice_client_cpu_us_per_job``, ``slice_server_cpu_us_per_job`` (when the server runs
  on this machine) and ``slice_load_average``: each slice's CPU per job and the load
  average at its end. On a machine shared with other work the rates follow the load; the
  CPU a job costs hardly does, so these say whether the work itself grew with the table;

plus every run under ``runs``. Each run empties the schema first (``river_bench`` by
default, the schema ``river bench`` uses and empties).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

import river
from river.cli.bench.cputime import ServerCPU
from river.cli.bench.running import NoopArgs, arg_batches, peak_rss_mb
from river.cli.bench.schema import BENCH_SCHEMA, pending_sql, prepare
from river.plugins.manager import aopen_driver

SLICE = 100_000


def slice_size(jobs: int) -> int:
    return SLICE if jobs >= 10 * SLICE else max(1, jobs // 10)


class SliceClock:
    """When each slice's last job started (a worker's first line counts it), with the CPU
    client and server had spent by then and the machine's load average."""

    def __init__(self, jobs: int, server: ServerCPU | None) -> None:
        self.slice = slice_size(jobs)
        self.server = server
        self.started = 0
        self.first_start: float | None = None
        self.slice_ends: list[float] = []
        self.cpu: list[tuple[float, float | None]] = []
        self.load: list[float] = []

    def job_started(self) -> None:
        now = time.monotonic()
        if self.first_start is None:
            self.first_start = now
            self.cpu.append(self._cpu())
        self.started += 1
        if self.started % self.slice == 0:
            self.slice_ends.append(now)
            self.cpu.append(self._cpu())
            self.load.append(os.getloadavg()[0])

    def _cpu(self) -> tuple[float, float | None]:
        return time.process_time(), self.server.seconds() if self.server else None

    def cpu_us_per_job(self, which: int) -> list[float | None]:
        """Client (0) or server (1) CPU µs per job of each slice."""
        out: list[float | None] = []
        for before, after in zip(self.cpu[:-1], self.cpu[1:], strict=True):
            a, b = after[which], before[which]
            out.append(None if a is None or b is None else (a - b) * 1e6 / self.slice)
        return out

    def rates(self) -> list[float]:
        assert self.first_start is not None
        rates, previous = [], self.first_start
        for end in self.slice_ends:
            rates.append(self.slice / max(end - previous, 1e-9))
            previous = end
        return rates


async def run_once(database_url: str, jobs: int, schema: str, max_workers: int) -> dict[str, Any]:
    clock = SliceClock(jobs, prepare(database_url, schema))

    class Noop(river.AsyncWorker[NoopArgs]):
        async def work(self, job: river.Job[NoopArgs]) -> None:
            clock.job_started()

    workers = river.Workers()
    workers.add(Noop())
    driver = await aopen_driver(database_url, "asyncpg")
    client = river.AsyncClient(
        driver,
        river.Config(
            schema=schema,
            queues={"default": river.QueueConfig(max_workers=max_workers)},
            workers=workers,
        ),
    )
    ex = driver.get_executor(schema)
    try:
        insert_started = time.monotonic()
        for batch in arg_batches(jobs):
            await client.insert_many_fast(batch)
        insert_seconds = time.monotonic() - insert_started
        cpu, started = time.process_time(), time.monotonic()
        await client.start()
        while (await ex.fetch_all(pending_sql()))[0][0]:
            await asyncio.sleep(0.1)
        work_seconds = time.monotonic() - started
        cpu = time.process_time() - cpu
        await client.stop()
    finally:
        await client.stop()
        await driver.close()
    rates = clock.rates()
    return {
        "jobs": jobs,
        "slice_jobs": clock.slice,
        "insert_seconds": insert_seconds,
        "work_seconds": work_seconds,
        "jobs_per_sec": jobs / work_seconds,
        "slice_jobs_per_sec": rates,
        "first_slice_jobs_per_sec": rates[0],
        "last_slice_jobs_per_sec": rates[-1],
        "last_slice_ratio_of_first": rates[-1] / rates[0],
        "client_cpu_us_per_job": cpu * 1e6 / jobs,
        "slice_client_cpu_us_per_job": clock.cpu_us_per_job(0),
        "slice_server_cpu_us_per_job": clock.cpu_us_per_job(1),
        "slice_load_average": clock.load,
        "peak_rss_mb": peak_rss_mb(),
    }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    report: dict[str, Any] = {
        key: statistics.median(r[key] for r in runs)
        for key in (
            "jobs", "slice_jobs", "insert_seconds", "work_seconds", "jobs_per_sec",
            "first_slice_jobs_per_sec", "last_slice_jobs_per_sec", "last_slice_ratio_of_first", "client_cpu_us_per_job", "peak_rss_mb",
        )
    }
    slices = len(runs[0]["slice_jobs_per_sec"])
    for key in (
        "slice_jobs_per_sec", "slice_client_cpu_us_per_job", "slice_server_cpu_us_per_job",
        "slice_load_average",
    ):
        if any(r[key][i] is None for r in runs for i in range(slices)):
            report[key] = None
            continue
        report[key] = [statistics.median(r[key][i] for r in runs) for i in range(slices)]
    for key in ("slice_client_cpu_us_per_job", "slice_server_cpu_us_per_job"):
        values = report[key]
        report[key.replace("slice_", "last_slice_") + "_ratio_of_first"] = (
            None if values is None or not values[0] else values[-1] / values[0]
        )
    report["settings"] = "library defaults, asyncpg AsyncClient, max_workers 100"
    report["runs"] = runs
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", "--num-total-jobs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--schema", default=BENCH_SCHEMA)
    parser.add_argument("--max-workers", type=int, default=100)
    opts = parser.parse_args(argv)
    if opts.num_total_jobs < 10 or opts.repeat < 1:
        parser.error("-n must be at least 10 and --repeat at least 1")
    runs = []
    for _ in range(opts.repeat):
        runs.append(
            asyncio.run(
                run_once(opts.database_url, opts.num_total_jobs, opts.schema, opts.max_workers)
            )
        )
        print(f"million: {json.dumps(runs[-1])}", file=sys.stderr)
    print(json.dumps(summarize(runs)))


if __name__ == "__main__":
    main()
