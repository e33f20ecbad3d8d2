"""``river bench``: River's benchmark — insert no-op jobs, work them, report rates.

Burn-down (``-n N``) inserts N jobs with COPY, then works them to zero. Continuous mode
(``--duration``) keeps offering jobs at ``--rate`` per second (or a topped-up backlog) and
reports insert→start latency. ``--ceiling`` also runs a raw SQL loop on the same driver
(fetch with ``FOR UPDATE SKIP LOCKED``, complete in one statement) so river-queue's rate can
be read as a fraction of what the database allows at that moment.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

BENCH_SCHEMA = "river_bench"
INSERT_BATCH = 5_000


@dataclass
class NoopArgs:
    kind = "benchmark"
    n: int = 0


@dataclass
class Result:
    driver: str
    colour: str
    processes: int
    jobs: int = 0
    insert_seconds: float = 0.0
    work_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    ceiling_jobs_per_sec: float | None = None
    plain_copy_jobs_per_sec: float | None = None

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "driver": self.driver,
            "colour": self.colour,
            "processes": self.processes,
            "jobs": self.jobs,
            "jobs_per_sec_inserted": _rate(self.jobs, self.insert_seconds),
            "jobs_per_sec_worked": _rate(self.jobs, self.work_seconds),
            "work_seconds": round(self.work_seconds, 3),
        }
        if self.latencies_ms:
            lat = sorted(self.latencies_ms)
            out["latency_ms"] = {
                "p50": round(_pct(lat, 0.50), 2),
                "p95": round(_pct(lat, 0.95), 2),
                "p99": round(_pct(lat, 0.99), 2),
                "samples": len(lat),
            }
        if self.ceiling_jobs_per_sec:
            out["ceiling_jobs_per_sec"] = round(self.ceiling_jobs_per_sec, 1)
            out["ratio_of_ceiling"] = round(
                (out["jobs_per_sec_worked"] or 0) / self.ceiling_jobs_per_sec, 3
            )
        if self.plain_copy_jobs_per_sec:
            out["plain_copy_jobs_per_sec"] = round(self.plain_copy_jobs_per_sec, 1)
            out["insert_ratio_of_plain_copy"] = round(
                (out["jobs_per_sec_inserted"] or 0) / self.plain_copy_jobs_per_sec, 3
            )
        return out


def _rate(n: int, seconds: float) -> float | None:
    return round(n / seconds, 1) if seconds > 0 else None


def _pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    i = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return sorted_values[i]


def _colour(driver: str, requested: str | None) -> str:
    if driver == "asyncpg":
        return "async"
    if driver == "psycopg2":
        return "sync"
    return requested or "async"


def _prepare(url: str) -> None:
    """Create, migrate and empty the benchmark schema (destructive for that schema only)."""
    from river.migrate import Migrator
    from river.plugins.manager import open_driver

    driver = open_driver(url, "psycopg3")
    try:
        ex = driver.get_executor(None)
        ex.exec_script(f'CREATE SCHEMA IF NOT EXISTS "{BENCH_SCHEMA}"')
        Migrator(driver, schema=BENCH_SCHEMA).migrate_up()
        ex.exec_script(
            f'TRUNCATE "{BENCH_SCHEMA}".river_job, "{BENCH_SCHEMA}".river_queue, '
            f'"{BENCH_SCHEMA}".river_leader'
        )
        ex.exec_script(f'VACUUM ANALYZE "{BENCH_SCHEMA}".river_job')
    finally:
        driver.close()


class _Progress:
    """One live status line (rich when installed, else a carriage-return line)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._last = 0.0

    def update(self, text: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self._last > 0.25:
            self._last = now
            sys.stderr.write("\r\033[K" + text)
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _count_sql() -> str:
    """(1 if any job is still waiting or running else 0, 0): cheap, through an index."""
    return (
        f"SELECT count(*), 0 FROM (SELECT 1 FROM \"{BENCH_SCHEMA}\".river_job "
        "WHERE state IN ('available', 'running') LIMIT 1) s"
    )


# -- async colour -----------------------------------------------------------------------


async def _run_async(opts: argparse.Namespace, url: str, progress: _Progress) -> Result:
    import river
    from river.plugins.manager import aopen_driver

    driver = await aopen_driver(url, opts.driver)
    result = Result(opts.driver, "async", 1)
    latencies = result.latencies_ms

    class Noop(river.AsyncWorker[NoopArgs]):
        async def work(self, job: river.Job[NoopArgs]) -> None:
            if opts.duration:
                latencies.append(_latency_ms(job.row))

    workers = river.Workers()
    workers.add(Noop())
    config = _config(opts, workers)
    client: Any = river.AsyncClient(driver, config)
    ex = driver.get_executor(BENCH_SCHEMA)
    try:
        if opts.duration:
            await _continuous_async(opts, client, result, progress)
        else:
            await _burn_down_async(opts, client, ex, result, progress)
        if opts.ceiling and not opts.duration:
            result.ceiling_jobs_per_sec = await _ceiling_async(opts, ex)
    finally:
        await client.stop()
        await driver.close()
    return result


async def _insert_all_async(client: Any, n: int, result: Result, progress: _Progress) -> None:
    # Args are built before timing, as the plain COPY's rows are.
    batches = _arg_batches(n)
    started = time.monotonic()
    done = 0
    for batch in batches:
        await client.insert_many_fast(batch)
        done += len(batch)
        progress.update(f"inserting: {done:,}/{n:,}")
    result.insert_seconds += time.monotonic() - started


def _arg_batches(n: int) -> list[list[NoopArgs]]:
    return [
        [NoopArgs(n=j) for j in range(i, min(i + INSERT_BATCH, n))]
        for i in range(0, n, INSERT_BATCH)
    ]


async def _burn_down_async(
    opts: argparse.Namespace, client: Any, ex: Any, result: Result, progress: _Progress
) -> None:
    n = opts.num_total_jobs
    await _insert_all_async(client, n, result, progress)
    result.jobs = n
    started = time.monotonic()
    await client.start()
    while True:
        pending, _ = (await ex.fetch_all(_count_sql()))[0]
        progress.update(f"working {n:,} jobs: {time.monotonic() - started:.1f}s")
        if not pending:
            break
        await asyncio.sleep(0.05)
    result.work_seconds = time.monotonic() - started


async def _continuous_async(
    opts: argparse.Namespace, client: Any, result: Result, progress: _Progress
) -> None:
    await client.start()
    deadline = time.monotonic() + opts.duration
    interval = 0.01
    per_tick = max(1, int(opts.rate * interval))
    started = time.monotonic()
    inserted = 0
    next_tick = started
    while time.monotonic() < deadline:
        await client.insert_many([NoopArgs(n=i) for i in range(per_tick)])
        inserted += per_tick
        next_tick += interval
        progress.update(f"offered {inserted:,} jobs; worked {len(result.latencies_ms):,}")
        delay = next_tick - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.sleep(0.5)
    result.jobs = len(result.latencies_ms)
    result.work_seconds = time.monotonic() - started
    result.insert_seconds = result.work_seconds


async def _ceiling_async(opts: argparse.Namespace, ex: Any) -> float:
    """Raw fetch/complete loops on the same driver, four at once, with no job machinery."""
    n = opts.num_total_jobs
    await ex.exec_script(f'TRUNCATE "{BENCH_SCHEMA}".river_job')
    params = _raw_params(n)
    for i in range(0, n, INSERT_BATCH):
        await ex.job_insert_fast_many_no_returning(params[i : i + INSERT_BATCH])
    started = time.monotonic()
    counts = await asyncio.gather(*(_raw_loop(ex, 500) for _ in range(4)))
    return sum(counts) / (time.monotonic() - started)


async def _raw_loop(ex: Any, batch: int) -> int:
    from river.driver.params import JobGetAvailableParams, job_set_state_completed

    done = 0
    while True:
        jobs = await ex.job_get_available(
            JobGetAvailableParams(queue="default", max_to_lock=batch, client_id="ceiling")
        )
        if not jobs:
            return done
        now = dt.datetime.now(dt.UTC)
        await ex.job_set_state_if_running_many(
            [job_set_state_completed(j.id, now) for j in jobs], returning=False
        )
        done += len(jobs)


# -- sync colour ------------------------------------------------------------------------


def _run_sync(opts: argparse.Namespace, url: str, progress: _Progress) -> Result:
    import river
    from river.plugins.manager import open_driver

    driver = open_driver(url, opts.driver)
    result = Result(opts.driver, "sync", 1)
    latencies = result.latencies_ms
    lock = threading.Lock()

    class Noop(river.Worker[NoopArgs]):
        def work(self, job: river.Job[NoopArgs]) -> None:
            if opts.duration:
                with lock:
                    latencies.append(_latency_ms(job.row))

    workers = river.Workers()
    workers.add(Noop())
    client: Any = river.Client(driver, _config(opts, workers))
    ex = driver.get_executor(BENCH_SCHEMA)
    try:
        if opts.duration:
            client.start()
            deadline = time.monotonic() + opts.duration
            interval = 0.01
            per_tick = max(1, int(opts.rate * interval))
            started = next_tick = time.monotonic()
            while time.monotonic() < deadline:
                client.insert_many([NoopArgs(n=i) for i in range(per_tick)])
                next_tick += interval
                progress.update(f"worked {len(latencies):,}")
                delay = next_tick - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            time.sleep(0.5)
            result.jobs = len(latencies)
            result.work_seconds = result.insert_seconds = time.monotonic() - started
        else:
            n = opts.num_total_jobs
            batches = _arg_batches(n)
            started = time.monotonic()
            for i, batch in enumerate(batches):
                client.insert_many_fast(batch)
                progress.update(f"inserting: {i * INSERT_BATCH:,}/{n:,}")
            result.insert_seconds = time.monotonic() - started
            result.jobs = n
            started = time.monotonic()
            client.start()
            while True:
                pending, _ = ex.fetch_all(_count_sql())[0]
                progress.update(f"working {n:,} jobs: {time.monotonic() - started:.1f}s")
                if not pending:
                    break
                time.sleep(0.05)
            result.work_seconds = time.monotonic() - started
    finally:
        client.stop()
        driver.close()
    return result


# -- shared -----------------------------------------------------------------------------


def _latency_ms(row: Any) -> float:
    created: dt.datetime = row.created_at
    return (dt.datetime.now(dt.UTC) - created).total_seconds() * 1000


def _config(opts: argparse.Namespace, workers: Any) -> Any:
    import river

    return river.Config(
        schema=BENCH_SCHEMA,
        queues={"default": river.QueueConfig(max_workers=opts.max_workers)},
        workers=workers,
        fetch_cooldown=opts.fetch_cooldown,
        fetch_poll_interval=opts.fetch_poll_interval,
    )


def _raw_params(n: int) -> list[Any]:
    from river.driver.params import JobInsertFastParams

    return [JobInsertFastParams(encoded_args=f'{{"n":{i}}}', kind="benchmark") for i in range(n)]


def _plain_copy_rate(url: str, driver_name: str, n: int) -> float:
    """COPY of the same rows straight through the driver, without river-queue's insert path."""
    from river.plugins.manager import open_driver

    name = "psycopg3" if driver_name == "asyncpg" else driver_name
    if driver_name == "asyncpg":
        return asyncio.run(_plain_copy_rate_async(url, n))
    driver = open_driver(url, name)
    try:
        ex = driver.get_executor(BENCH_SCHEMA)
        now = dt.datetime.now(dt.UTC)
        rows: list[tuple[Any, ...]] = [
            (
                f'{{"n":{i}}}',
                now,
                "benchmark",
                25,
                "{}",
                1,
                "default",
                now,
                "available",
                [],
                None,
                None,
            )
            for i in range(n)
        ]
        started = time.monotonic()
        for i in range(0, n, INSERT_BATCH):
            ex._copy_jobs(rows[i : i + INSERT_BATCH])
        rate = n / (time.monotonic() - started)
        ex.exec_script(f'TRUNCATE "{BENCH_SCHEMA}".river_job')
        return rate
    finally:
        driver.close()


async def _plain_copy_rate_async(url: str, n: int) -> float:
    from river.plugins.manager import aopen_driver

    driver = await aopen_driver(url, "asyncpg")
    try:
        ex = driver.get_executor(BENCH_SCHEMA)
        now = dt.datetime.now(dt.UTC)
        rows: list[tuple[Any, ...]] = [
            (
                f'{{"n":{i}}}',
                now,
                "benchmark",
                25,
                "{}",
                1,
                "default",
                now,
                "available",
                [],
                None,
                None,
            )
            for i in range(n)
        ]
        started = time.monotonic()
        for i in range(0, n, INSERT_BATCH):
            await ex._copy_jobs(rows[i : i + INSERT_BATCH])
        rate = n / (time.monotonic() - started)
        await ex.exec_script(f'TRUNCATE "{BENCH_SCHEMA}".river_job')
        return rate
    finally:
        await driver.close()


def _run_one(opts: argparse.Namespace, url: str, progress: _Progress) -> Result:
    if _colour(opts.driver, opts.colour) == "async":
        return asyncio.run(_run_async(opts, url, progress))
    return _run_sync(opts, url, progress)


def _worker_process(opts: argparse.Namespace, url: str, out: Any) -> None:
    result = _run_one(opts, url, _Progress(False))
    out.put(result.summary())


def run(opts: argparse.Namespace) -> dict[str, Any]:
    from river.cli._common import resolve_database_url

    url = resolve_database_url(opts, allow_local=True)
    _prepare(url)
    progress = _Progress(not opts.json)
    plain = None
    if not opts.duration and opts.num_total_jobs:
        plain = _plain_copy_rate(url, opts.driver, min(opts.num_total_jobs, 100_000))
    if opts.processes > 1:
        summary = _run_processes(opts, url, progress)
    else:
        result = _run_one(opts, url, progress)
        result.plain_copy_jobs_per_sec = plain
        summary = result.summary()
    progress.done()
    return summary


def _run_processes(opts: argparse.Namespace, url: str, progress: _Progress) -> dict[str, Any]:
    """Insert once, then work with N processes (one client each)."""
    import river  # noqa: F401  (fail fast in the parent on a broken install)

    n = opts.num_total_jobs
    seed = argparse.Namespace(**{**vars(opts), "processes": 1})
    started = time.monotonic()
    ins = asyncio.run(_seed_only(seed, url, n))
    insert_seconds = time.monotonic() - started
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    work_opts = argparse.Namespace(**{**vars(opts), "num_total_jobs": n, "skip_insert": True})
    procs = [
        ctx.Process(target=_work_only, args=(work_opts, url, out)) for _ in range(opts.processes)
    ]
    started = time.monotonic()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    work_seconds = max(out.get() for _ in procs)
    del started
    return {
        "driver": opts.driver,
        "colour": _colour(opts.driver, opts.colour),
        "processes": opts.processes,
        "jobs": ins,
        "jobs_per_sec_inserted": _rate(ins, insert_seconds),
        "jobs_per_sec_worked": _rate(ins, work_seconds),
        "work_seconds": round(work_seconds, 3),
    }


async def _seed_only(opts: argparse.Namespace, url: str, n: int) -> int:
    from river.plugins.manager import aopen_driver

    driver = await aopen_driver(url, "asyncpg" if opts.driver == "asyncpg" else "psycopg3")
    try:
        ex = driver.get_executor(BENCH_SCHEMA)
        params = _raw_params(n)
        for i in range(0, n, INSERT_BATCH):
            await ex.job_insert_fast_many_no_returning(params[i : i + INSERT_BATCH])
    finally:
        await driver.close()
    return n


def _work_only(opts: argparse.Namespace, url: str, out: Any) -> None:
    """A worker process: work until the queue is empty, report when its last job ended."""
    import river

    async def main() -> float:
        from river.plugins.manager import aopen_driver

        driver = await aopen_driver(url, opts.driver)

        class Noop(river.AsyncWorker[NoopArgs]):
            async def work(self, job: river.Job[NoopArgs]) -> None:
                return None

        workers = river.Workers()
        workers.add(Noop())
        client: Any = river.AsyncClient(driver, _config(opts, workers))
        ex = driver.get_executor(BENCH_SCHEMA)
        started = time.monotonic()
        await client.start()
        while True:
            pending, _ = (await ex.fetch_all(_count_sql()))[0]
            if not pending:
                break
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        await client.stop()
        await driver.close()
        return elapsed

    if _colour(opts.driver, opts.colour) != "async":
        raise SystemExit("--processes runs async clients; use --driver asyncpg or psycopg3")
    out.put(asyncio.run(main()))


def print_summary(s: dict[str, Any]) -> None:
    print(f"river bench: driver={s['driver']} colour={s['colour']} processes={s['processes']}")
    print(f"  jobs:              {s['jobs']:,}")
    print(f"  inserted:          {s.get('jobs_per_sec_inserted') or 0:,.0f} jobs/s")
    if "plain_copy_jobs_per_sec" in s:
        print(
            f"  plain COPY:        {s['plain_copy_jobs_per_sec']:,.0f} jobs/s "
            f"(river-queue insert at {s['insert_ratio_of_plain_copy']:.2f}x)"
        )
    print(f"  worked:            {s.get('jobs_per_sec_worked') or 0:,.0f} jobs/s")
    if "ceiling_jobs_per_sec" in s:
        print(
            f"  raw SQL ceiling:   {s['ceiling_jobs_per_sec']:,.0f} jobs/s "
            f"(river-queue at {s['ratio_of_ceiling']:.2f}x)"
        )
    if "latency_ms" in s:
        lat = s["latency_ms"]
        print(f"  insert→start:      p50 {lat['p50']}ms  p95 {lat['p95']}ms  p99 {lat['p99']}ms")


def cmd_bench(opts: argparse.Namespace) -> int:
    if opts.max_workers is None:
        opts.max_workers = 2000 if _colour(opts.driver, opts.colour) == "async" else 100
    if opts.duration is None and opts.num_total_jobs is None:
        opts.num_total_jobs = 100_000
    summary = run(opts)
    if opts.json:
        print(json.dumps(summary))
    else:
        print_summary(summary)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from river.cli._common import add_db_options

    p = sub.add_parser("bench", help="benchmark inserting and working no-op jobs")
    add_db_options(p)
    p.set_defaults(driver=os.environ.get("RIVER_BENCH_DRIVER", "asyncpg"))
    p.add_argument(
        "-n",
        "--num-total-jobs",
        type=int,
        default=None,
        help="burn-down: insert N jobs, then work them to zero (default 100,000)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=None,
        help="continuous mode for this many seconds, measuring latency",
    )
    p.add_argument(
        "--rate",
        type=float,
        default=1000.0,
        help="continuous mode: jobs offered per second (default 1000)",
    )
    p.add_argument(
        "--colour",
        choices=("sync", "async"),
        default=None,
        help="client colour for psycopg3 (default async)",
    )
    p.add_argument("--max-workers", type=int, default=None,
                   help="queue max_workers (default 2000 async, 100 sync: threads)")
    p.add_argument("--fetch-cooldown", type=float, default=0.002)
    p.add_argument("--fetch-poll-interval", type=float, default=0.02)
    p.add_argument("--processes", type=int, default=1)
    p.add_argument(
        "--ceiling",
        action="store_true",
        help="also measure a raw SQL fetch/complete loop on the same driver",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_bench)
