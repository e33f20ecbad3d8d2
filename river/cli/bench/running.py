"""Running ``river bench``: insert no-op jobs, work them with a client, time it.

Burn-down (``-n N``) inserts N jobs with COPY, then works them to zero. Continuous mode
(``--duration``) offers jobs at ``--rate`` per second and records insert→start latency.
Baselines are measured in the same run: a plain COPY of the same rows, the SQL loops of
``sqlloops`` (``--ceiling``), the client with library defaults (``--defaults``), the
asyncpg ``AsyncClient`` (``--versus-asyncpg``) and one process (``--processes N``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import resource
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from river.cli.bench.cputime import CPUSpan, ServerCPU
from river.cli.bench.reporting import Result
from river.cli.bench.schema import BENCH_SCHEMA, INSERT_BATCH, empty, pending_sql, prepare
from river.cli.bench.tally import Tally
from river.driver.query import SCHEMA_MARK as S


@dataclass
class NoopArgs:
    kind = "benchmark"
    n: int = 0


class Progress:
    """One live status line on a terminal."""

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

    def line(self, text: str) -> None:
        """A line kept on stderr (the status line, if any, cleared first)."""
        sys.stderr.write(("\r\033[K" if self.enabled else "") + text + "\n")
        sys.stderr.flush()


def tally_of(opts: argparse.Namespace) -> Tally:
    """The run's ``Tally`` (``cmd_bench`` keeps it, to report an interrupted run)."""
    tally: Tally | None = getattr(opts, "tally", None)
    return tally if tally is not None else Tally()


def colour_of(driver: str, requested: str | None) -> str:
    if driver == "asyncpg":
        return "async"
    if driver == "psycopg2":
        return "sync"
    return requested or "async"


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def config(opts: argparse.Namespace, workers: Any, *, defaults: bool = False) -> Any:
    import river

    tuning: dict[str, Any] = {}
    if not defaults:
        tuning = {
            "fetch_cooldown": opts.fetch_cooldown,
            "fetch_poll_interval": opts.fetch_poll_interval,
        }
    return river.Config(
        schema=opts.schema,
        queues={"default": river.QueueConfig(max_workers=opts.max_workers)},
        workers=workers,
        **tuning,
    )


def arg_batches(n: int) -> Iterator[list[NoopArgs]]:
    """The burn-down's args, one insert batch at a time: built outside the timed spans
    (as the plain COPY's rows are), and never all at once, so the peak RSS is the
    client's rather than n args'."""
    for i in range(0, n, INSERT_BATCH):
        yield [NoopArgs(n=j) for j in range(i, min(i + INSERT_BATCH, n))]


def latency_ms(row: Any) -> float:
    created: dt.datetime = row.created_at
    return (dt.datetime.now(dt.UTC) - created).total_seconds() * 1000


# -- async colour -----------------------------------------------------------------------


async def run_async(
    opts: argparse.Namespace, url: str, progress: Progress, *, driver_name: str | None = None,
    defaults: bool = False, baselines: bool = True,
) -> Result:
    """One async client run; with ``baselines``, also the SQL loops asked for."""
    import river
    from river.cli.bench import sqlloops_async
    from river.plugins.manager import aopen_driver

    name = driver_name or opts.driver
    driver = await aopen_driver(url, name)
    result = Result(name, "async", 1)
    latencies = result.latencies_ms
    started_at: dict[int, float] = {}

    tally = tally_of(opts)

    class Noop(river.AsyncWorker[NoopArgs]):
        async def work(self, job: river.Job[NoopArgs]) -> None:
            tally.worked += 1
            if opts.duration:
                started_at[job.id] = time.time()
                latencies.append(latency_ms(job.row))

    workers = river.Workers()
    workers.add(Noop())
    client: Any = river.AsyncClient(driver, config(opts, workers, defaults=defaults))
    ex = driver.get_executor(opts.schema)
    try:
        server = await sqlloops_async.server_of(ex)
        if opts.duration:
            await _continuous_async(opts, client, result, progress, started_at)
        else:
            await _burn_down_async(opts, client, ex, result, progress, server)
        await client.stop()
        if baselines and opts.ceiling and not opts.duration:
            n = opts.num_total_jobs
            result.river_statements_jobs_per_sec, result.river_statements_cpu = (
                await sqlloops_async.river_statements_rate(ex, n, server)
            )
            result.set_ceiling(*await sqlloops_async.minimal_sql_ceiling(ex, n, server))
    finally:
        await client.stop()
        await driver.close()
    result.peak_rss_mb = peak_rss_mb()
    return result


async def _burn_down_async(
    opts: argparse.Namespace, client: Any, ex: Any, result: Result, progress: Progress,
    server: ServerCPU | None,
) -> None:
    n = opts.num_total_jobs
    tally = tally_of(opts)
    tally.jobs, tally.inserted, tally.work_started = n, 0, None
    progress.line(f"bench: inserting {n:,} jobs")
    span, seconds = CPUSpan(server), 0.0
    batch: list[NoopArgs] = []
    for i, batch in enumerate(arg_batches(n)):
        span.start()
        started = time.monotonic()
        await client.insert_many_fast(batch)
        seconds += time.monotonic() - started
        span.stop()
        tally.inserted, tally.insert_seconds = tally.inserted + len(batch), seconds
        progress.update(f"inserting: {(i + 1) * INSERT_BATCH:,}/{n:,}")
    del batch  # the work phase should not carry it for full collections to scan
    result.insert_seconds = seconds
    result.insert_cpu = span
    result.jobs = n
    progress.line(f"bench: working {n:,} jobs")
    started, span = time.monotonic(), CPUSpan(server).start()
    tally.start_work(started)
    await client.start()
    ticks = 0
    while True:
        if tally.pending_check_due(ticks):
            pending, _ = (await ex.fetch_all(pending_sql()))[0]
            if not pending:
                break
        ticks += 1
        line = tally.tick(time.monotonic())
        if line is not None:
            progress.line(line)
        progress.update(f"working {n:,} jobs: {time.monotonic() - started:.1f}s")
        await asyncio.sleep(0.02)
    result.work_seconds = time.monotonic() - started
    result.work_cpu = span.stop()


async def _continuous_async(
    opts: argparse.Namespace, client: Any, result: Result, progress: Progress,
    started_at: dict[int, float],
) -> None:
    await client.start()
    deadline = time.monotonic() + opts.duration
    interval = 0.01
    per_tick = max(1, int(opts.rate * interval))
    started = next_tick = time.monotonic()
    cpu = time.process_time()
    inserted = 0
    acked: dict[int, float] = {}
    while time.monotonic() < deadline:
        results = await client.insert_many([NoopArgs(n=i) for i in range(per_tick)])
        acked.update(dict.fromkeys((r.job.id for r in results), time.time()))
        inserted += per_tick
        next_tick += interval
        progress.update(f"offered {inserted:,} jobs; worked {len(result.latencies_ms):,}")
        delay = next_tick - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.sleep(0.5)
    _continuous_figures(result, started, cpu, acked, started_at)


# -- sync colour ------------------------------------------------------------------------


def run_sync(
    opts: argparse.Namespace, url: str, progress: Progress, *, defaults: bool = False,
    baselines: bool = True,
) -> Result:
    """One sync client run (threads); with ``baselines``, also the SQL loops asked for."""
    import river
    from river.cli.bench import sqlloops
    from river.plugins.manager import open_driver

    driver = open_driver(url, opts.driver)
    result = Result(opts.driver, "sync", 1)
    latencies = result.latencies_ms
    started_at: dict[int, float] = {}
    lock = threading.Lock()

    tally = tally_of(opts)

    class Noop(river.Worker[NoopArgs]):
        def work(self, job: river.Job[NoopArgs]) -> None:
            tally.worked += 1  # under the GIL: a count for progress lines, not a figure
            if opts.duration:
                with lock:
                    started_at[job.id] = time.time()
                    latencies.append(latency_ms(job.row))

    workers = river.Workers()
    workers.add(Noop())
    client: Any = river.Client(driver, config(opts, workers, defaults=defaults))
    ex = driver.get_executor(opts.schema)
    try:
        server = sqlloops.server_of(ex)
        if opts.duration:
            _continuous_sync(opts, client, result, progress, started_at)
        else:
            _burn_down_sync(opts, client, ex, result, progress, server)
        client.stop()
        if baselines and opts.ceiling and not opts.duration:
            n = opts.num_total_jobs
            result.river_statements_jobs_per_sec, result.river_statements_cpu = (
                sqlloops.river_statements_rate(ex, n, server)
            )
            result.set_ceiling(*sqlloops.minimal_sql_ceiling(ex, n, server))
    finally:
        client.stop()
        driver.close()
    result.peak_rss_mb = peak_rss_mb()
    return result


def _burn_down_sync(
    opts: argparse.Namespace, client: Any, ex: Any, result: Result, progress: Progress,
    server: ServerCPU | None,
) -> None:
    n = opts.num_total_jobs
    tally = tally_of(opts)
    tally.jobs, tally.inserted, tally.work_started = n, 0, None
    progress.line(f"bench: inserting {n:,} jobs")
    span, seconds = CPUSpan(server), 0.0
    batch: list[NoopArgs] = []
    for i, batch in enumerate(arg_batches(n)):
        span.start()
        started = time.monotonic()
        client.insert_many_fast(batch)
        seconds += time.monotonic() - started
        span.stop()
        tally.inserted, tally.insert_seconds = tally.inserted + len(batch), seconds
        progress.update(f"inserting: {(i + 1) * INSERT_BATCH:,}/{n:,}")
    del batch  # the work phase should not carry it for full collections to scan
    result.insert_seconds = seconds
    result.insert_cpu = span
    result.jobs = n
    progress.line(f"bench: working {n:,} jobs")
    started, span = time.monotonic(), CPUSpan(server).start()
    tally.start_work(started)
    client.start()
    ticks = 0
    while True:
        if tally.pending_check_due(ticks):
            pending, _ = (ex.fetch_all(pending_sql()))[0]
            if not pending:
                break
        ticks += 1
        line = tally.tick(time.monotonic())
        if line is not None:
            progress.line(line)
        progress.update(f"working {n:,} jobs: {time.monotonic() - started:.1f}s")
        time.sleep(0.02)
    result.work_seconds = time.monotonic() - started
    result.work_cpu = span.stop()


def _continuous_sync(
    opts: argparse.Namespace, client: Any, result: Result, progress: Progress,
    started_at: dict[int, float],
) -> None:
    client.start()
    deadline = time.monotonic() + opts.duration
    interval = 0.01
    per_tick = max(1, int(opts.rate * interval))
    started = next_tick = time.monotonic()
    cpu = time.process_time()
    acked: dict[int, float] = {}
    while time.monotonic() < deadline:
        results = client.insert_many([NoopArgs(n=i) for i in range(per_tick)])
        acked.update(dict.fromkeys((r.job.id for r in results), time.time()))
        next_tick += interval
        progress.update(f"worked {len(result.latencies_ms):,}")
        delay = next_tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    time.sleep(0.5)
    _continuous_figures(result, started, cpu, acked, started_at)


def _continuous_figures(
    result: Result, started: float, cpu_started: float, acked: dict[int, float],
    started_at: dict[int, float],
) -> None:
    # Inserting and working interleave, so the process's CPU (every thread) is reported
    # for both together: on a loaded machine it moves far less than the latencies do.
    result.jobs = len(result.latencies_ms)
    result.work_seconds = result.insert_seconds = time.monotonic() - started
    result.cpu_seconds = time.process_time() - cpu_started
    result.after_commit_latencies_ms = [
        (at - acked[job_id]) * 1000 for job_id, at in list(started_at.items()) if job_id in acked
    ]


# -- plain COPY baseline ----------------------------------------------------------------


def _plain_rows(n: int) -> Iterator[list[tuple[Any, ...]]]:
    """The plain COPY's rows, one batch at a time (built outside the timed spans)."""
    now = dt.datetime.now(dt.UTC)
    for start in range(0, n, INSERT_BATCH):
        yield [
            (f'{{"n":{i}}}', now, "benchmark", 25, "{}", 1, "default", now, "available", [],
             None, None)
            for i in range(start, min(start + INSERT_BATCH, n))
        ]


def plain_copy_rate(
    url: str, driver_name: str, n: int, colour: str = "sync", schema: str = BENCH_SCHEMA
) -> float:
    """COPY of the same rows straight through the driver's COPY, in the colour of the run,
    without river-queue's insert path (no params, checks, transaction or notification)."""
    from river.plugins.manager import open_driver

    if colour == "async":
        return asyncio.run(_plain_copy_rate_async(url, driver_name, n, schema))
    driver = open_driver(url, driver_name)
    try:
        ex = driver.get_executor(schema)
        seconds = 0.0
        for rows in _plain_rows(n):
            started = time.monotonic()
            ex._copy_jobs(rows)
            seconds += time.monotonic() - started
        rate = n / seconds
        empty(ex)
        return rate
    finally:
        driver.close()


async def _plain_copy_rate_async(url: str, driver_name: str, n: int, schema: str) -> float:
    from river.plugins.manager import aopen_driver

    driver = await aopen_driver(url, driver_name)
    try:
        ex = driver.get_executor(schema)
        seconds = 0.0
        for rows in _plain_rows(n):
            started = time.monotonic()
            await ex._copy_jobs(rows)
            seconds += time.monotonic() - started
        rate = n / seconds
        await ex.exec_script(f"TRUNCATE {S}river_job")
        return rate
    finally:
        await driver.close()


# -- one run with its baselines ---------------------------------------------------------


def run_one(
    opts: argparse.Namespace, url: str, progress: Progress, *, defaults: bool = False,
    baselines: bool = True,
) -> Result:
    if colour_of(opts.driver, opts.colour) == "async":
        return asyncio.run(
            run_async(opts, url, progress, defaults=defaults, baselines=baselines)
        )
    return run_sync(opts, url, progress, defaults=defaults, baselines=baselines)


def run(opts: argparse.Namespace, url: str) -> dict[str, Any]:
    """The run ``opts`` asks for, with every baseline it names; returns the summary."""
    server = prepare(url, opts.schema)
    progress = Progress(not opts.json)
    burn_down = not opts.duration and bool(opts.num_total_jobs)
    plain = None
    if burn_down and opts.processes == 1:
        plain = plain_copy_rate(
            url, opts.driver, min(opts.num_total_jobs, 100_000),
            colour_of(opts.driver, opts.colour), opts.schema,
        )
    if opts.processes > 1:
        result = _run_processes(opts, url, progress, server)
    else:
        result = run_one(opts, url, progress)
    if opts.processes == 1:  # the several-process run seeds with raw SQL, not the client
        result.plain_copy_jobs_per_sec = plain
    if burn_down and opts.defaults:
        prepare(url, opts.schema)
        result.defaults_jobs_per_sec = _worked(
            run_one(opts, url, progress, defaults=True, baselines=False)
        )
    if burn_down and opts.versus_asyncpg and opts.driver != "asyncpg":
        prepare(url, opts.schema)
        async_opts = argparse.Namespace(**{**vars(opts), "max_workers": opts.async_max_workers})
        other = asyncio.run(
            run_async(async_opts, url, progress, driver_name="asyncpg", baselines=False)
        )
        result.asyncpg_jobs_per_sec = _worked(other)
    progress.done()
    summary = result.summary()
    if getattr(opts, "gc_threshold", None):
        summary["gc_threshold"] = opts.gc_threshold
    return summary


def _worked(result: Result) -> float:
    return result.jobs / result.work_seconds if result.work_seconds > 0 else 0.0


# -- several processes ------------------------------------------------------------------


def _run_processes(
    opts: argparse.Namespace, url: str, progress: Progress, server: ServerCPU | None
) -> Result:
    """Insert once and work with N processes (one client each); one process as baseline."""
    if colour_of(opts.driver, opts.colour) != "async":
        raise SystemExit("--processes runs async clients; use --driver asyncpg or psycopg3")
    n = opts.num_total_jobs
    result = Result(opts.driver, "async", opts.processes, jobs=n)
    one = _work_in_processes(opts, url, 1, progress, server)
    prepare(url, opts.schema)
    started = time.monotonic()
    asyncio.run(_seed_only(opts, url, n))
    result.insert_seconds = time.monotonic() - started
    several = _work_in_processes(opts, url, opts.processes, progress, server, seeded=True)
    result.work_seconds, result.peak_rss_mb = several.seconds, several.peak_rss_mb
    result.work_cpu = several.cpu
    result.one_process_jobs_per_sec = n / one.seconds if one.seconds > 0 else None
    result.one_process_cpu, result.one_process_seconds = one.cpu, one.seconds
    return result


@dataclass
class _ProcessesRun:
    seconds: float  # until the queue was empty
    peak_rss_mb: float
    cpu: CPUSpan  # the worker processes' CPU (summed) and the server's


def _work_in_processes(
    opts: argparse.Namespace, url: str, count: int, progress: Progress,
    server: ServerCPU | None, *, seeded: bool = False,
) -> _ProcessesRun:
    """How ``count`` worker processes emptied the queue: time, peak RSS, CPU."""
    if not seeded:
        asyncio.run(_seed_only(opts, url, opts.num_total_jobs))
    progress.update(f"working with {count} process(es)", force=True)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_work_only, args=(opts, url, out)) for _ in range(count)]
    span = CPUSpan(server).start()
    for p in procs:
        p.start()
    reports = [out.get() for _ in procs]
    for p in procs:
        p.join()
    span.stop()
    span.client_seconds = sum(r[2] for r in reports)  # the workers', not this process's
    return _ProcessesRun(max(r[0] for r in reports), max(r[1] for r in reports), span)


async def _seed_only(opts: argparse.Namespace, url: str, n: int) -> None:
    from river.driver.params import JobInsertFastParams
    from river.plugins.manager import aopen_driver

    driver = await aopen_driver(url, "asyncpg" if opts.driver == "asyncpg" else "psycopg3")
    try:
        ex = driver.get_executor(opts.schema)
        params = [
            JobInsertFastParams(encoded_args=f'{{"n":{i}}}', kind="benchmark") for i in range(n)
        ]
        for i in range(0, n, INSERT_BATCH):
            await ex.job_insert_fast_many_no_returning(params[i : i + INSERT_BATCH])
    finally:
        await driver.close()


def _work_only(opts: argparse.Namespace, url: str, out: Any) -> None:
    """A worker process: work until the queue is empty; report the time and peak RSS."""
    import river

    async def main() -> float:
        from river.plugins.manager import aopen_driver

        driver = await aopen_driver(url, opts.driver)

        class Noop(river.AsyncWorker[NoopArgs]):
            async def work(self, job: river.Job[NoopArgs]) -> None:
                return None

        workers = river.Workers()
        workers.add(Noop())
        client: Any = river.AsyncClient(driver, config(opts, workers))
        ex = driver.get_executor(opts.schema)
        started, cpu = time.monotonic(), time.process_time()
        await client.start()
        while True:
            pending, _ = (await ex.fetch_all(pending_sql()))[0]
            if not pending:
                break
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - started
        cpu_used.append(time.process_time() - cpu)
        await client.stop()
        await driver.close()
        return elapsed

    cpu_used: list[float] = []
    elapsed = asyncio.run(main())
    out.put((elapsed, peak_rss_mb(), cpu_used[0]))
