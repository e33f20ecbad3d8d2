"""Load run: N jobs inserted by concurrent producer processes and worked by worker
processes, then checked job by job.

    python -m benchmarks.load --jobs 1000000 --database-url postgresql://postgres@127.0.0.1:5432/river

Creates and migrates a schema ``river_load_<pid>`` (dropped afterwards unless
``--keep-schema``), starts ``--workers`` worker processes (asyncpg ``AsyncClient``) and
then ``--producers`` producer processes that insert their share of the jobs with COPY in
batches of ``--batch``. Each worker records every attempt it starts (job id and attempt,
in memory) and, when stopped, writes them to a file with its peak RSS (``VmHWM``). Once
every job is completed (or ``--timeout`` passes) the workers are stopped and the run is
checked: every row completed, at attempt 1, by one client; every job started exactly once
across all workers; no job missing. One JSON object is printed (``--json``) or a summary;
the exit status is 0 when every check passed and every process stayed under
``--rss-limit-mb``.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class LoadArgs:
    kind = "load"
    n: int


def peak_rss_kb() -> int:
    """This process's peak resident set size (``VmHWM``), in kB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# --- worker ---------------------------------------------------------------------------------


async def run_worker(url: str, schema: str, out: Path, max_workers: int) -> None:
    from river_asyncpg import AsyncpgDriver

    import river

    ids = array.array("q")
    attempts = array.array("q")

    class LoadWorker(river.AsyncWorker[LoadArgs]):
        async def work(self, job: river.Job[LoadArgs]) -> None:
            ids.append(job.id)
            attempts.append(job.attempt)

    driver = await AsyncpgDriver.open(url, max_size=10)
    workers = river.Workers()
    workers.add(LoadWorker())
    client = river.AsyncClient(driver, river.Config(
        schema=schema,
        id=f"load-worker-{os.getpid()}",
        queues={"default": river.QueueConfig(max_workers=max_workers)},
        workers=workers,
        fetch_cooldown=0.01,
        fetch_poll_interval=0.2,
    ))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await client.start()
    print("started", flush=True)
    await stop.wait()
    await client.stop()
    await driver.close()
    with open(out.with_suffix(".ids"), "wb") as f:
        ids.tofile(f)
    with open(out.with_suffix(".attempts"), "wb") as f:
        attempts.tofile(f)
    out.write_text(json.dumps({"pid": os.getpid(), "started": len(ids), "rss_kb": peak_rss_kb()}))


# --- producer -------------------------------------------------------------------------------


async def run_producer(url: str, schema: str, out: Path, start: int, count: int, batch: int) -> None:
    from river_asyncpg import AsyncpgDriver

    import river

    driver = await AsyncpgDriver.open(url, max_size=2)
    client = river.AsyncClient(driver, river.Config(schema=schema))
    began = time.monotonic()
    inserted = 0
    for first in range(start, start + count, batch):
        last = min(first + batch, start + count)
        inserted += await client.insert_many_fast([LoadArgs(n) for n in range(first, last)])
    elapsed = time.monotonic() - began
    await driver.close()
    out.write_text(json.dumps({
        "pid": os.getpid(), "inserted": inserted, "seconds": elapsed, "rss_kb": peak_rss_kb(),
    }))


# --- orchestrator ---------------------------------------------------------------------------


def _spawn(args: list[str], wait_started: bool) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.load", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    if wait_started:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != "started":
            proc.kill()
            raise RuntimeError(f"worker did not start: {line!r}")
    return proc


def _states(conn: Any, schema: str) -> dict[str, int]:
    rows = conn.execute(
        f'SELECT state::text, count(*) FROM "{schema}".river_job GROUP BY 1'
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def orchestrate(opts: argparse.Namespace) -> dict[str, Any]:
    import psycopg
    from river_psycopg3 import PsycopgDriver

    from river.migrate import Migrator

    url, n = opts.database_url, opts.jobs
    schema = opts.schema or f"river_load_{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix="river-load-"))
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    conn.execute(f'CREATE SCHEMA "{schema}"')
    driver = PsycopgDriver.open(url, max_size=2)
    Migrator(driver, schema=schema).migrate_up()
    driver.close()
    report: dict[str, Any] = {"jobs": n, "schema": schema}
    workers: list[subprocess.Popen[str]] = []
    producers: list[subprocess.Popen[str]] = []
    try:
        for i in range(opts.workers):
            workers.append(_spawn(
                ["--role", "worker", "--database-url", url, "--schema", schema,
                 "--out", str(tmp / f"worker-{i}.json"), "--max-workers", str(opts.max_workers)],
                wait_started=True,
            ))
        began = time.monotonic()
        share = -(-n // opts.producers)
        for i in range(opts.producers):
            start, count = i * share, max(0, min(share, n - i * share))
            producers.append(_spawn(
                ["--role", "producer", "--database-url", url, "--schema", schema,
                 "--out", str(tmp / f"producer-{i}.json"), "--start", str(start),
                 "--count", str(count), "--batch", str(opts.batch)],
                wait_started=False,
            ))
        deadline = began + opts.timeout
        for p in producers:
            p.wait(timeout=max(1.0, deadline - time.monotonic()))
        report["insert_seconds"] = round(time.monotonic() - began, 2)
        while time.monotonic() < deadline:
            if _states(conn, schema).get("completed", 0) >= n:
                break
            time.sleep(0.2)
        report["total_seconds"] = round(time.monotonic() - began, 2)
        report["jobs_per_second"] = round(n / max(report["total_seconds"], 1e-9))
    finally:
        for p in workers:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in [*workers, *producers]:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
    report["states"] = _states(conn, schema)
    [(max_attempt, max_tries, multi)] = conn.execute(
        f'SELECT coalesce(max(attempt), 0), coalesce(max(array_length(attempted_by, 1)), 0), '
        f'count(*) FILTER (WHERE errors IS NOT NULL) FROM "{schema}".river_job'
    ).fetchall()
    report["max_attempt"], report["max_attempted_by"], report["rows_with_errors"] = (
        max_attempt, max_tries, multi,
    )
    db_ids = array.array("q", (r[0] for r in conn.execute(
        f'SELECT id FROM "{schema}".river_job ORDER BY id'
    )))
    started = array.array("q")
    rss: dict[str, int] = {}
    per_worker: dict[str, int] = {}
    for i in range(opts.workers):
        info = json.loads((tmp / f"worker-{i}.json").read_text())
        rss[f"worker-{i}"] = info["rss_kb"]
        per_worker[f"worker-{i}"] = info["started"]
        with open(tmp / f"worker-{i}.ids", "rb") as f:
            started.frombytes(f.read())
        with open(tmp / f"worker-{i}.attempts", "rb") as f:
            attempts = array.array("q", f.read())
        report.setdefault("max_started_attempt", 0)
        report["max_started_attempt"] = max(report["max_started_attempt"], max(attempts, default=0))
    for i in range(opts.producers):
        info = json.loads((tmp / f"producer-{i}.json").read_text())
        rss[f"producer-{i}"] = info["rss_kb"]
    rss["orchestrator"] = peak_rss_kb()
    report["started_per_worker"] = per_worker
    ordered = sorted(started)
    report["duplicate_starts"] = sum(1 for a, b in itertools.pairwise(ordered) if a == b)
    unique = sorted(set(ordered))
    report["missing_starts"] = len(set(db_ids).difference(unique))
    report["unknown_starts"] = len(set(unique).difference(db_ids))
    report["peak_rss_mb"] = {k: round(v / 1024, 1) for k, v in rss.items()}
    report["ok"] = (
        len(db_ids) == n
        and report["states"] == {"completed": n}
        and max_attempt == 1
        and max_tries == 1
        and report["duplicate_starts"] == 0
        and report["missing_starts"] == 0
        and report["unknown_starts"] == 0
        and all(v / 1024 < opts.rss_limit_mb for v in rss.values())
    )
    if not opts.keep_schema:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    conn.close()
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=1_000_000)
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    p.add_argument("--schema", default=None)
    p.add_argument("--producers", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--max-workers", type=int, default=200, help="slots per worker process")
    p.add_argument("--batch", type=int, default=5_000, help="jobs per COPY")
    p.add_argument("--timeout", type=float, default=1800.0)
    p.add_argument("--rss-limit-mb", type=float, default=500.0)
    p.add_argument("--keep-schema", action="store_true")
    p.add_argument("--json", action="store_true")
    # Internal: the roles of the child processes.
    p.add_argument("--role", choices=["worker", "producer"], help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    opts = p.parse_args(argv)
    if not opts.database_url:
        p.error("--database-url (or DATABASE_URL) is required")
    if opts.role == "worker":
        asyncio.run(run_worker(opts.database_url, opts.schema, opts.out, opts.max_workers))
        return 0
    if opts.role == "producer":
        asyncio.run(run_producer(
            opts.database_url, opts.schema, opts.out, opts.start, opts.count, opts.batch
        ))
        return 0
    report = orchestrate(opts)
    if opts.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
