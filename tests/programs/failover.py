"""Postgres failover test: ``python -m tests.programs.failover [--seed S] [--json] [--replication sync|async]``.

Starts a primary (durable settings) and a streaming-replication standby of it
(``pg_basebackup``), both on loopback, synchronous unless ``--replication async``. Every
client gets one multi-host URL, ``postgresql://h:p1,h:p2/db?target_session_attrs=read-write``:
two worker processes (``tests.programs.partition_worker``, asyncpg and psycopg 3) and a
producer in this process (psycopg2, the third driver) inserting jobs all along, and
``--load`` more producer threads inserting batches as fast as they can into a queue no
worker serves (default 3 with asynchronous replication, else none). While jobs run, the
primary is stopped (``immediate``: a crash) and the standby promoted. Nothing is restarted
or reconfigured: every client must find the new primary on its own.

Every insert is recorded client-side when it returns (acknowledged: committed), with the
job's id and a number unique to the run in its args. On the new primary, each
acknowledged job is either present (its id, with its number) or counted lost: the
report's ``acknowledged`` gives both counts, before and after the failover.

Invariants (exit 1 when one is violated):

- ``committed_inserts_kept``: every acknowledged job is on the new primary (checked with
  synchronous replication only; with asynchronous replication the loss is measured);
- ``producer_recovers`` / ``workers_recover``: the producer inserts again, and the
  workers complete a job inserted after the failover, within ``RECOVERY_BOUND_S``;
- ``all_finished``: every job kept ends ``completed`` (jobs running at the failover are
  completed late, retried or rescued by River's rules);
- ``attempt_started_once``: no (job, attempt) started twice.

The report gives the measured recovery times.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from itertools import count
from pathlib import Path
from typing import Any

import psycopg
from river_psycopg2 import Psycopg2Driver

import river
from river.cli.localpg import LocalPostgres, LocalPostgresError, start_ephemeral
from river.cli.localpg.accounts import chown, run_as
from river.cli.localpg.ephemeral import temp_parent
from river.cli.localpg.server import pg_ctl_stop, start_on_free_port, start_watchdog
from river.migrate import Migrator
from tests.programs import partition_worker as app

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "failover"
DRIVERS = ("asyncpg", "psycopg3")
RECOVERY_BOUND_S = 60.0
BEFORE_S = 8.0  # jobs run this long before the failover
AFTER_S = 20.0  # and this long after it
LOAD_QUEUE = "failover_load"  # served by no worker: load jobs stay available
LOAD_BATCH = 20


class Acks:
    """Inserts acknowledged by the server: the number in each job's args (unique to the
    run) -> (job id, wall-clock time its insert returned)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: dict[int, tuple[int, float]] = {}
        self.numbers = count(1)

    def record(self, batch: list[river.InsertManyParams], results: list[Any]) -> float:
        now = time.time()
        with self.lock:
            for params, r in zip(batch, results, strict=True):
                self.jobs[params.args.n] = (r.job.id, now)
        return now


def load(url: str, acks: Acks, stop: threading.Event) -> None:
    """Insert batches into ``LOAD_QUEUE`` as fast as the server acknowledges them."""
    driver = Psycopg2Driver.open(url, max_size=2)
    client: river.Client[Any] = river.Client(driver, river.Config(schema=SCHEMA))
    opts = river.InsertOpts(queue=LOAD_QUEUE)
    try:
        while not stop.is_set():
            batch = [river.InsertManyParams(app.ShortArgs(n=next(acks.numbers)), opts)
                     for _ in range(LOAD_BATCH)]
            try:
                acks.record(batch, client.insert_many(batch))
            except Exception:  # the failover window; the main producer records the errors
                stop.wait(0.2)
    finally:
        driver.close()


def start_pair(sync: bool) -> tuple[LocalPostgres, LocalPostgres]:
    primary = start_ephemeral(fast=False)
    try:
        settings = {"wal_level": "replica", "max_wal_senders": "4", "wal_keep_size": "256MB",
                    "synchronous_standby_names": "'*'" if sync else "''",
                    "synchronous_commit": "on"}
        with open(primary.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("".join(f"{k} = {v}\n" for k, v in settings.items()))
        primary.restart()
        account = primary._account
        base = Path(tempfile.mkdtemp(prefix="river-pg-standby-", dir=temp_parent(account)))
        chown(base, account)
        guard = start_watchdog(primary.binaries, base, account, keep_data=False)
        standby = LocalPostgres(primary.binaries, base, 0, remove_on_stop=True,
                                account=account, watchdog=guard)
        done = run_as(
            [primary.binaries.program("pg_basebackup"), "-h", "127.0.0.1", "-p",
             str(primary.port), "-U", "postgres", "-D", str(base / "data"), "-R",
             "-X", "stream", "--checkpoint=fast"],
            account=account, cwd=base,
        )
        if done.returncode != 0:
            standby.stop()
            raise LocalPostgresError(f"pg_basebackup failed: {done.stderr.strip()[-2000:]}")
        with open(base / "data" / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("synchronous_standby_names = ''\n")  # once promoted: alone
        standby.port = start_on_free_port(primary.binaries, base, account)
    except BaseException:
        primary.stop()
        raise
    return primary, standby


def wait_streaming(primary: LocalPostgres, sync: bool, timeout: float = 60.0) -> None:
    want = "sync" if sync else "async"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg.connect(primary.url, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT sync_state FROM pg_stat_replication WHERE state = 'streaming'"
            ).fetchone()
        if row and row[0] == want:
            return
        time.sleep(0.2)
    raise LocalPostgresError(f"the standby is not streaming ({want}) after {timeout:.0f}s")


def wal_behind(primary: LocalPostgres) -> dict[str, int | None]:
    """Bytes of WAL the primary has written but not sent to the standby, and not yet heard
    the standby write, just before the crash."""
    with psycopg.connect(primary.url, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute(
            "SELECT pg_current_wal_lsn() - sent_lsn, pg_current_wal_lsn() - write_lsn"
            " FROM pg_stat_replication LIMIT 1"
        ).fetchone()
    return {"unsent": int(row[0]) if row else None,
            "unwritten_by_standby": int(row[1]) if row else None}


def pause_receiver(standby: LocalPostgres) -> int:
    """Stop (SIGSTOP) the standby's WAL receiver, so that it falls behind the primary as a
    slow standby or link would; its pid, to resume it."""
    with psycopg.connect(standby.url, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute("SELECT pid FROM pg_stat_wal_receiver").fetchone()
    if not row or not row[0]:
        raise LocalPostgresError("the standby has no WAL receiver to pause")
    os.kill(int(row[0]), signal.SIGSTOP)
    return int(row[0])


def promote(standby: LocalPostgres) -> None:
    done = run_as([standby.binaries.program("pg_ctl"), "-D", str(standby.data_dir), "-w",
                   "-t", "60", "promote"], account=standby._account, cwd=standby.base)
    if done.returncode != 0:
        raise LocalPostgresError(f"promote failed: {done.stderr.strip()}")


def setup(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
    driver = Psycopg2Driver.open(url, max_size=2)
    try:
        Migrator(driver, schema=SCHEMA).migrate_up()
    finally:
        driver.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(app.SCHEMA_SQL.format(schema=SCHEMA))


def spawn(url: str, index: int, driver: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PART_URL": url, "PART_SCHEMA": SCHEMA, "PART_DRIVER": driver,
           "PART_HOST": f"f{index}"}
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.programs.partition_worker"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if '"ev": "started"' in log.read_text(errors="replace"):
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"worker {index} did not start: {log.read_text(errors='replace')[-3000:]}")


def run(args: argparse.Namespace, primary: LocalPostgres, standby: LocalPostgres,
        logdir: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    url = (f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby.port}"
           "/postgres?target_session_attrs=read-write")
    setup(url)
    procs: list[subprocess.Popen[bytes]] = []
    acks = Acks()
    errors: list[str] = []
    failed_at = 0.0
    behind: dict[str, int | None] = {}
    paused = 0  # the standby's WAL receiver, stopped to make it lag
    first_insert_after: float | None = None
    driver = Psycopg2Driver.open(url, max_size=2)
    client: river.Client[Any] = river.Client(driver, river.Config(schema=SCHEMA))
    stop_load = threading.Event()
    loaders = [threading.Thread(target=load, args=(url, acks, stop_load), daemon=True)
               for _ in range(args.load)]
    try:
        for i, name in enumerate(DRIVERS):
            procs.append(spawn(url, i, name, logdir / f"worker-{i}.log"))
        for t in loaders:
            t.start()
        start = time.monotonic()
        while time.monotonic() - start < args.before_seconds + args.after_seconds:
            lag_from = args.before_seconds - args.standby_lag
            if args.standby_lag and not paused and time.monotonic() - start >= lag_from:
                paused = pause_receiver(standby)
            if not failed_at and time.monotonic() - start >= args.before_seconds:
                behind = wal_behind(primary)
                pg_ctl_stop(primary.binaries, primary.base, primary._account, mode="immediate")
                failed_at = time.time()
                if paused:
                    os.kill(paused, signal.SIGCONT)
                promote(standby)
            batch = []
            for _ in range(rng.randint(1, 4)):
                kind = app.HoldArgs if rng.random() < 0.2 else app.ShortArgs
                batch.append(river.InsertManyParams(kind(n=next(acks.numbers))))
            try:
                results = client.insert_many(batch)
            except Exception as exc:  # the failover window: recorded, the run goes on
                errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                time.sleep(0.5)
                continue
            now = acks.record(batch, results)
            if failed_at and first_insert_after is None:
                first_insert_after = now
            time.sleep(rng.uniform(0.1, 0.4))
        stop_load.set()
        for t in loaders:
            t.join(timeout=60)
        drained = drain(url, args.drain_seconds)
    finally:
        stop_load.set()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=70)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        driver.close()
    report = check(url, acks.jobs, errors, failed_at, first_insert_after, drained, logdir,
                   sync=args.replication == "sync")
    return {"wal_behind_at_crash_bytes": behind, **report}


def drain(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                f"UPDATE {SCHEMA}.river_job SET scheduled_at = now()"
                " WHERE state IN ('retryable', 'scheduled') AND scheduled_at > now()"
            )
            row = conn.execute(
                f"SELECT count(*) FROM {SCHEMA}.river_job"
                " WHERE state NOT IN ('completed', 'cancelled', 'discarded')"
                " AND queue <> %s", (LOAD_QUEUE,)
            ).fetchone()
        if row and row[0] == 0:
            return True
        time.sleep(1.0)
    return False


def check(url: str, acked: dict[int, tuple[int, float]], errors: list[str], failed_at: float,
          first_insert_after: float | None, drained: bool, logdir: Path,
          sync: bool) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute(
            f"SELECT id, state::text, queue, (args->>'n')::bigint FROM {SCHEMA}.river_job"
        ).fetchall()
    # A job is present when its id holds its own number: after a lossy promotion the
    # id sequence may hand a lost job's id to another job.
    jobs = {int(i): state for i, state, _, _ in rows}
    number_at = {int(i): n for i, _, _, n in rows}
    load_ids = {int(i) for i, _, queue, _ in rows if queue == LOAD_QUEUE}
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        twice = conn.execute(
            f"SELECT job_id, attempt, count(*) FROM {SCHEMA}.part_attempt"
            " GROUP BY 1, 2 HAVING count(*) > 1").fetchall()
    finishes = []
    started_before: set[tuple[int, int]] = set()
    finished_before: set[tuple[int, int]] = set()
    for log in sorted(logdir.glob("worker-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if not line.startswith('{"t"'):
                continue
            e = json.loads(line)
            if e["ev"] == "finish":
                finishes.append((e["t"], e["n"]))
            if e["ev"] in ("start", "finish") and e["t"] < failed_at:
                (started_before if e["ev"] == "start" else finished_before).add(
                    (e["job"], e["attempt"]))
    inserted = {job: t for n, (job, t) in acked.items() if number_at.get(job) == n}
    # By the number in the args: a lost job's id may be given again to a later job.
    after = [t for t, n in finishes if n in acked and acked[n][1] > failed_at]
    worker_recovery = min(after) - failed_at if after else None
    producer_recovery = first_insert_after - failed_at if first_insert_after else None
    lost = [f"job {j} (n={n}, inserted {t - failed_at:+.1f}s from the failover) missing"
            + (f"; its id now holds n={number_at[j]}" if j in number_at else "")
            for n, (j, t) in sorted(acked.items()) if number_at.get(j) != n]
    lost_before = sum(1 for n, (j, t) in acked.items() if number_at.get(j) != n and t <= failed_at)
    before = sum(1 for _, t in acked.values() if t <= failed_at)
    unfinished = [f"job {j} {jobs[j]}" for j in inserted
                  if jobs[j] != "completed" and j not in load_ids]
    if not drained:
        unfinished.insert(0, "drain timed out")

    def result(name: str, violations: list[str], **detail: Any) -> dict[str, Any]:
        return {"name": name, "ok": not violations, "violations": violations[:20],
                "violation_count": len(violations), **detail}

    def bounded(what: str, seconds: float | None) -> list[str]:
        if seconds is None:
            return [f"{what} never recovered"]
        if seconds > RECOVERY_BOUND_S:
            return [f"{what} recovered after {seconds:.1f}s"]
        return []

    return {
        "recovery_s": {"producer": round(producer_recovery, 2) if producer_recovery else None,
                       "workers": round(worker_recovery, 2) if worker_recovery else None},
        "inserted": len(acked),
        # Every acknowledged insert, present on the new primary or lost.
        "acknowledged": {
            "total": len(acked), "present": len(inserted), "lost": len(lost),
            "before_failover": before, "lost_before_failover": lost_before,
            "lost_after_failover": len(lost) - lost_before,
        },
        "lost_jobs": lost[:20],
        # Attempts a worker had started but not finished when the primary crashed.
        "running_at_failover": len(started_before - finished_before),
        "insert_errors": len(errors),
        "insert_error_kinds": sorted({e.split(":")[0] for e in errors}),
        "invariants": [
            result("committed_inserts_kept", lost if sync else [], checked=sync),
            result("producer_recovers", bounded("the producer", producer_recovery),
                   bound_s=RECOVERY_BOUND_S),
            result("workers_recover", bounded("the workers", worker_recovery),
                   bound_s=RECOVERY_BOUND_S),
            result("all_finished", unfinished),
            result("attempt_started_once",
                   [f"job {j} attempt {a} started {n} times" for j, a, n in twice]),
        ],
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.programs.failover",
                                description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=1, help="seed of every random choice")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--replication", choices=("sync", "async"), default="sync",
                   help="synchronous or asynchronous streaming replication (async: committed"
                   " jobs may be lost, and the report counts them)")
    p.add_argument("--async-replication", dest="replication", action="store_const",
                   const="async", help=argparse.SUPPRESS)
    p.add_argument("--load", type=int, default=None,
                   help="threads inserting batches all along (default 3 with async"
                   " replication, else 0)")
    p.add_argument("--before-seconds", type=float, default=BEFORE_S,
                   help="insert and run jobs this long before the crash")
    p.add_argument("--after-seconds", type=float, default=AFTER_S,
                   help="and this long after it")
    p.add_argument("--standby-lag", type=float, default=0.0,
                   help="stop the standby's WAL receiver this many seconds before the crash"
                   " (a lagging standby; asynchronous replication only)")
    p.add_argument("--drain-seconds", type=float, default=120.0, help="time allowed to finish")
    args = p.parse_args(argv)
    if args.load is None:
        args.load = 3 if args.replication == "async" else 0
    if args.load < 0:
        p.error("--load must be 0 or more")
    if args.standby_lag < 0 or args.standby_lag > args.before_seconds:
        p.error("--standby-lag must be between 0 and --before-seconds")
    if args.standby_lag and args.replication == "sync":
        p.error("--standby-lag needs --replication async (a synchronous primary would wait)")
    return args


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # clean up as on Ctrl-C
    started = time.monotonic()
    sync = args.replication == "sync"
    logdir = Path(tempfile.mkdtemp(prefix="river-failover-"))
    primary, standby = start_pair(sync)
    try:
        wait_streaming(primary, sync)
        report = run(args, primary, standby, logdir)
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(logdir, ignore_errors=True)
    report = {"seed": args.seed, "replication": "synchronous" if sync else "asynchronous",
              "load_threads": args.load, "standby_lag_s": args.standby_lag,
              "postgres": primary.version, "elapsed_s": round(time.monotonic() - started, 1),
              **report}
    report["ok"] = all(r["ok"] for r in report["invariants"])
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(f"failover test: seed {args.seed}, {report['replication']} replication,"
              f" recovery {report['recovery_s']}, acknowledged {report['acknowledged']}")
        for r in report["invariants"]:
            print(f"  {'ok  ' if r['ok'] else 'FAIL'} {r['name']}: {r['violation_count']}"
                  " violation(s)" + "".join(f"\n       {v}" for v in r["violations"]))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
