"""Postgres failover test: ``python -m tests.programs.failover [--seed S] [--json] [--async-replication]``.

Starts a primary (durable settings) and a streaming-replication standby of it
(``pg_basebackup``), both on loopback, synchronous unless ``--async-replication``. Every
client gets one multi-host URL, ``postgresql://h:p1,h:p2/db?target_session_attrs=read-write``:
two worker processes (``tests.programs.partition_worker``, asyncpg and psycopg 3) and a
producer in this process (psycopg2, the third driver) inserting jobs all along. While
jobs run, the primary is stopped (``immediate``: a crash) and the standby promoted.
Nothing is restarted or reconfigured: every client must find the new primary on its own.

Invariants (exit 1 when one is violated):

- ``committed_inserts_kept``: every job whose insert returned before or after the
  failover is on the new primary (with synchronous replication);
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
import time
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
    inserted: dict[int, float] = {}  # job id -> when its insert returned
    errors: list[str] = []
    failed_at = 0.0
    first_insert_after: float | None = None
    driver = Psycopg2Driver.open(url, max_size=2)
    client: river.Client[Any] = river.Client(driver, river.Config(schema=SCHEMA))
    try:
        for i, name in enumerate(DRIVERS):
            procs.append(spawn(url, i, name, logdir / f"worker-{i}.log"))
        start = time.monotonic()
        seq = 0
        while time.monotonic() - start < BEFORE_S + AFTER_S:
            if not failed_at and time.monotonic() - start >= BEFORE_S:
                pg_ctl_stop(primary.binaries, primary.base, primary._account, mode="immediate")
                failed_at = time.time()
                promote(standby)
            batch = []
            for _ in range(rng.randint(1, 4)):
                seq += 1
                kind = app.HoldArgs if rng.random() < 0.2 else app.ShortArgs
                batch.append(river.InsertManyParams(kind(n=seq)))
            try:
                results = client.insert_many(batch)
            except Exception as exc:  # the failover window: recorded, the run goes on
                errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                time.sleep(0.5)
                continue
            now = time.time()
            if failed_at and first_insert_after is None:
                first_insert_after = now
            for r in results:
                inserted[r.job.id] = now
            time.sleep(rng.uniform(0.1, 0.4))
        drained = drain(url, args.drain_seconds)
    finally:
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
    return check(url, inserted, errors, failed_at, first_insert_after, drained, logdir)


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
            ).fetchone()
        if row and row[0] == 0:
            return True
        time.sleep(1.0)
    return False


def check(url: str, inserted: dict[int, float], errors: list[str], failed_at: float,
          first_insert_after: float | None, drained: bool, logdir: Path) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        jobs = dict(conn.execute(
            f"SELECT id, state::text FROM {SCHEMA}.river_job").fetchall())
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
                finishes.append((e["t"], e["job"]))
            if e["ev"] in ("start", "finish") and e["t"] < failed_at:
                (started_before if e["ev"] == "start" else finished_before).add(
                    (e["job"], e["attempt"]))
    after = [t for t, job in finishes if inserted.get(job, 0) > failed_at]
    worker_recovery = min(after) - failed_at if after else None
    producer_recovery = first_insert_after - failed_at if first_insert_after else None
    lost = [f"job {j} (inserted {t - failed_at:+.1f}s from the failover) missing"
            for j, t in inserted.items() if j not in jobs]
    unfinished = [f"job {j} {jobs[j]}" for j in inserted if j in jobs and jobs[j] != "completed"]
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
        "inserted": len(inserted),
        # Attempts a worker had started but not finished when the primary crashed.
        "running_at_failover": len(started_before - finished_before),
        "insert_errors": len(errors),
        "insert_error_kinds": sorted({e.split(":")[0] for e in errors}),
        "invariants": [
            result("committed_inserts_kept", lost),
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
    p.add_argument("--async-replication", action="store_true",
                   help="asynchronous streaming replication (committed jobs may be lost)")
    p.add_argument("--drain-seconds", type=float, default=120.0, help="time allowed to finish")
    return p.parse_args(argv)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # clean up as on Ctrl-C
    started = time.monotonic()
    sync = not args.async_replication
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
              "postgres": primary.version, "elapsed_s": round(time.monotonic() - started, 1),
              **report}
    report["ok"] = all(r["ok"] for r in report["invariants"])
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(f"failover test: seed {args.seed}, {report['replication']} replication,"
              f" recovery {report['recovery_s']}")
        for r in report["invariants"]:
            print(f"  {'ok  ' if r['ok'] else 'FAIL'} {r['name']}: {r['violation_count']}"
                  " violation(s)" + "".join(f"\n       {v}" for v in r["violations"]))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
