"""Partition test: ``python -m tests.programs.partition --minutes M --seed S [--json]``.

Starts a throwaway PostgreSQL listening on loopback and on the root end of every host's
link, and ``--hosts`` worker hosts, each a ``tests.programs.partition_worker`` process in
its own network namespace (``tests.programs.netns``) with its own client and driver. A
producer in the root namespace inserts short jobs all along. Rounds, until ``--minutes``
have passed (at least one of each):

- **cut**: once the leader host runs hold jobs, its link goes down; it is healed when
  another host leads and runs one of its jobs again (rescued), or after ``CUT_MAX_S``;
- **slow**: a host's link is held to a trickle (token bucket: slow and lossy) for
  ``SLOW_S`` seconds while it runs jobs.

Then every job is let finish, the workers stop, and these invariants are checked on the
database and the workers' own logs (exit 1 when one is violated):

- ``leadership_moves``: after each cut, another host leads within ``LEADER_BOUND_S``;
- ``single_leader``: no two hosts believed they led at the same time;
- ``old_leader_learns``: a cut-off leader stopped believing it led before it was healed,
  and did not lead again until the database said so;
- ``rescued_after_horizon``: a job ran again only after its attempt started at least the
  rescue horizon earlier (or that attempt failed): a slow or cut host causes no early run;
- ``late_completion_ignored``: every completed job was completed by its latest attempt
  (a cut-off host's late completion never overwrote a newer attempt);
- ``attempt_started_once``: no (job, attempt) started twice;
- ``listener_reconnects``: after each heal, the host's listener receives notifications
  again within ``LISTEN_BOUND_S`` (after a cut, the server has ended the host's sessions
  just before the heal: the listener must connect again);
- ``nothing_lost``: every inserted job exists and is completed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from river_psycopg3 import PsycopgDriver

import river
from river._internal.leadership.elector_base import ELECT_INTERVAL, ELECT_JITTER, TTL
from river.cli.localpg import LocalPostgres, start_ephemeral
from river.migrate import Migrator
from tests.programs import partition_worker as app
from tests.programs.netns import SUBNET, Host, make_hosts

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "part"
DRIVERS = ("asyncpg", "psycopg3")
# A leader's lease runs out TTL after its last renewal; a follower tries every interval
# (plus jitter); margin for a loaded machine.
LEADER_BOUND_S = TTL + ELECT_INTERVAL + ELECT_JITTER + 10.0
CUT_MAX_S = 90.0
SLOW_S = 20.0
LISTEN_BOUND_S = 60.0
# Postgres drops a cut-off host's sessions after this many seconds of silence (TCP
# keepalives), as a production server should be configured to.
SERVER_KEEPALIVE = {"tcp_keepalives_idle": "3", "tcp_keepalives_interval": "1",
                    "tcp_keepalives_count": "3"}


@dataclass
class Worker:
    host: Host
    driver: str
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    client_id: str = ""


@dataclass
class Round:
    kind: str
    host: int
    start: float  # wall clock
    end: float = 0.0
    new_leader_at: float | None = None
    was_leader: bool = False
    note: str = ""


@dataclass
class Run:
    args: argparse.Namespace
    server: LocalPostgres
    url: str
    rng: random.Random
    workers: list[Worker] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    inserted: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    client: river.Client[Any] | None = None
    driver: PsycopgDriver | None = None
    seq: int = 0

    def admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=10)

    def control(self) -> river.Client[Any]:
        if self.client is None:
            self.driver = PsycopgDriver.open(self.url, max_size=2, timeout=10)
            self.client = river.Client(self.driver, river.Config(schema=SCHEMA))
        return self.client

    def insert(self, args: Any, count: int = 1) -> None:
        batch = []
        for _ in range(count):
            self.seq += 1
            batch.append(river.InsertManyParams(type(args)(n=self.seq)))
        try:
            results = self.control().insert_many(batch)
        except Exception as exc:  # recorded; the run goes on
            self.errors.append(f"insert: {type(exc).__name__}: {exc}")
            return
        self.inserted.extend(r.job.id for r in results)

    def leader(self) -> str | None:
        with self.admin() as conn:
            row = conn.execute(
                f"SELECT leader_id FROM {SCHEMA}.river_leader WHERE expires_at > now()"
            ).fetchone()
        return str(row[0]) if row else None

    def worker_of(self, client_id: str | None) -> Worker | None:
        return next((w for w in self.workers if client_id and w.client_id == client_id), None)

    def running_on(self, client_id: str, kind: str = "part_hold") -> list[tuple[int, int]]:
        with self.admin() as conn:
            rows = conn.execute(
                f"SELECT id, attempt FROM {SCHEMA}.river_job WHERE state = 'running'"
                " AND kind = %s AND attempted_by[array_length(attempted_by, 1)] = %s",
                (kind, client_id),
            ).fetchall()
        return [(int(a), int(b)) for a, b in rows]

    # -- processes ------------------------------------------------------------------------

    def spawn(self, worker: Worker) -> None:
        url = f"postgresql://postgres@{worker.host.root_addr}:{self.server.port}/postgres"
        env = {**os.environ, "PART_URL": url, "PART_SCHEMA": SCHEMA,
               "PART_DRIVER": worker.driver, "PART_HOST": str(worker.host.index)}
        with open(worker.log, "ab") as log:
            worker.proc = subprocess.Popen(
                worker.host.command([sys.executable, "-m", "tests.programs.partition_worker"]),
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not worker.client_id:
            for line in events(worker.log):
                if line.get("ev") == "started":
                    worker.client_id = line["client"]
            if worker.proc.poll() is not None:
                raise RuntimeError(f"worker {worker.host.index} exited: {tail(worker.log)}")
            time.sleep(0.2)
        if not worker.client_id:
            raise RuntimeError(f"worker {worker.host.index} did not start: {tail(worker.log)}")

    def stop(self) -> None:
        for w in self.workers:
            if w.proc is not None and w.proc.poll() is None:
                w.proc.send_signal(signal.SIGTERM)
        for w in self.workers:
            if w.proc is not None:
                try:
                    w.proc.wait(timeout=70)
                except subprocess.TimeoutExpired:
                    w.proc.kill()
                    w.proc.wait()
        if self.driver is not None:
            self.driver.close()

    # -- rounds ---------------------------------------------------------------------------

    def produce_for(self, seconds: float, until: Any = None) -> bool:
        """Insert short jobs for up to ``seconds``; True when ``until()`` came true."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.insert(app.ShortArgs(), self.rng.randint(1, 4))
            if until is not None and until():
                return True
            time.sleep(self.rng.uniform(0.3, 0.8))
        return False

    def cut_round(self) -> None:
        self.insert(app.HoldArgs(), 4 * len(self.workers))
        leader: list[Worker | None] = [None]

        def leader_holds() -> bool:
            leader[0] = self.worker_of(self.leader())
            return leader[0] is not None and bool(self.running_on(leader[0].client_id))

        if not self.produce_for(30, leader_holds) or leader[0] is None:
            self.errors.append("cut round: no leader running hold jobs within 30s")
            return
        victim = leader[0]
        held = {job for job, _ in self.running_on(victim.client_id)}
        rnd = Round("cut", victim.host.index, time.time(), was_leader=True,
                    note=f"held jobs {sorted(held)}")
        victim.host.cut()
        self.rounds.append(rnd)

        def moved_and_rescued() -> bool:
            now_leader = self.leader()
            if rnd.new_leader_at is None and now_leader not in (None, victim.client_id):
                rnd.new_leader_at = time.time()
            if rnd.new_leader_at is None:
                return False
            with self.admin() as conn:
                rerun = conn.execute(
                    f"SELECT count(*) FROM {SCHEMA}.river_job WHERE id = ANY(%s)"
                    " AND state = 'running' AND attempt > 1",
                    (list(held),),
                ).fetchone()
            return bool(rerun and rerun[0])

        if not self.produce_for(CUT_MAX_S, moved_and_rescued):
            rnd.note += "; healed without seeing a held job run again"
        # The server gives up the cut-off host's sessions (as its TCP keepalives would):
        # back on the network, the host must notice and connect again, listener included.
        with self.admin() as conn:
            ended = conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                " FROM pg_stat_activity WHERE client_addr = %s::inet",
                (victim.host.host_addr,),
            ).fetchone()
        rnd.note += f"; {ended[0] if ended else 0} of its sessions ended before the heal"
        victim.host.heal()
        rnd.end = time.time()
        self.produce_for(10)

    def slow_round(self) -> None:
        self.insert(app.HoldArgs(), 2 * len(self.workers))
        victim = self.rng.choice(self.workers)
        rnd = Round("slow", victim.host.index, time.time(),
                    was_leader=self.leader() == victim.client_id)
        victim.host.slow()
        self.rounds.append(rnd)
        self.produce_for(SLOW_S)
        victim.host.heal()
        rnd.end = time.time()
        self.produce_for(5)

    def run(self) -> None:
        deadline = time.monotonic() + self.args.minutes * 60
        kinds = ["cut", "slow"]
        while not self.rounds or time.monotonic() < deadline or len(self.rounds) < 2:
            kind = kinds[len(self.rounds)] if len(self.rounds) < 2 else self.rng.choice(kinds)
            getattr(self, f"{kind}_round")()
            if len(self.rounds) >= 2 and time.monotonic() >= deadline:
                break
            if len(self.rounds) > 100:
                break

    def drain(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.admin() as conn:
                conn.execute(
                    f"UPDATE {SCHEMA}.river_job SET scheduled_at = now()"
                    " WHERE state IN ('retryable', 'scheduled') AND scheduled_at > now()"
                )
                row = conn.execute(
                    f"SELECT count(*) FROM {SCHEMA}.river_job WHERE state NOT IN"
                    " ('completed', 'cancelled', 'discarded')"
                ).fetchone()
            if row and row[0] == 0:
                return True
            time.sleep(1.0)
        return False

    # -- invariants -----------------------------------------------------------------------

    def invariants(self, drained: bool) -> list[dict[str, Any]]:
        logs = {w.host.index: events(w.log) for w in self.workers}
        by_client = {w.client_id: w.host.index for w in self.workers}
        with self.admin() as conn:
            jobs = {
                int(r[0]): r[1:]
                for r in conn.execute(
                    f"SELECT id, state::text, attempt, finalized_at, errors"
                    f" FROM {SCHEMA}.river_job"
                ).fetchall()
            }
            attempts = conn.execute(
                f"SELECT job_id, attempt, client_id, started_at FROM {SCHEMA}.part_attempt"
                " ORDER BY job_id, attempt, started_at"
            ).fetchall()
        started: dict[tuple[int, int], list[Any]] = {}
        for job_id, attempt, client_id, at in attempts:
            started.setdefault((int(job_id), int(attempt)), []).append((client_id, at))
        finished = {
            (e["job"], e["attempt"]): host
            for host, lines in logs.items() for e in lines if e.get("ev") == "finish"
        }

        moves: list[str] = []
        learns: list[str] = []
        listens: list[str] = []
        for rnd in self.rounds:
            if rnd.kind == "cut":
                if rnd.new_leader_at is None:
                    moves.append(f"cut of host {rnd.host} at {rnd.start:.0f}: no new leader")
                elif rnd.new_leader_at - rnd.start > LEADER_BOUND_S:
                    moves.append(f"cut of host {rnd.host}: new leader after"
                                 f" {rnd.new_leader_at - rnd.start:.1f}s")
                status = [e for e in logs[rnd.host] if e.get("ev") == "status"]
                during = [e for e in status if rnd.start + TTL < e["t"] < rnd.end]
                if rnd.was_leader and any(e["leader"] for e in during):
                    learns.append(f"host {rnd.host} still believed it led {TTL:.0f}s into its cut")
                after = [e for e in status if e["t"] > rnd.end][:4]
                if any(e["leader"] for e in after):
                    learns.append(f"host {rnd.host} believed it led right after its heal")
            if rnd.end:
                status = [e for e in logs[rnd.host] if e.get("ev") == "status"]
                if not any(e["t"] <= rnd.end + LISTEN_BOUND_S and e["last_note"] > rnd.end
                           for e in status):
                    listens.append(f"host {rnd.host}: no notification within"
                                   f" {LISTEN_BOUND_S:.0f}s of its {rnd.kind} round's end")

        overlap: list[str] = []
        spans: list[tuple[float, float, int]] = []
        for host, lines in logs.items():
            begin: float | None = None
            last = 0.0
            for e in lines:
                if e.get("ev") != "status":
                    continue
                if e["leader"] and begin is None:
                    begin = e["t"]
                if not e["leader"] and begin is not None:
                    spans.append((begin, last, host))
                    begin = None
                last = e["t"]
            if begin is not None:
                spans.append((begin, last, host))
        spans.sort()
        for i, (_, end, host) in enumerate(spans):
            for begin2, end2, host2 in spans[i + 1:]:
                if begin2 >= end:
                    break
                if host2 != host:
                    overlap.append(f"hosts {host} and {host2} both led between {begin2:.1f}"
                                   f" and {min(end, end2):.1f}")

        early: list[str] = []
        twice = [f"job {j} attempt {a} started {len(v)} times" for (j, a), v in started.items()
                 if len(v) > 1]
        horizon = app.RESCUE_AFTER.total_seconds()
        for (job_id, attempt), rows in started.items():
            prev = started.get((job_id, attempt - 1))
            if not prev:
                continue
            gap = (rows[0][1] - prev[0][1]).total_seconds()
            errors = jobs.get(job_id, (None, None, None, None, []))[3] or []
            failed = any(int(e.get("attempt", 0)) == attempt - 1 for e in errors)
            if gap < horizon and not failed:
                early.append(f"job {job_id} attempt {attempt} on host {by_client.get(rows[0][0])}"
                             f" {gap:.1f}s after attempt {attempt - 1}")

        overwritten: list[str] = []
        lost: list[str] = []
        for job_id in self.inserted:
            if job_id not in jobs:
                lost.append(f"job {job_id} missing")
                continue
            state, attempt, finalized_at, _ = jobs[job_id]
            if state != "completed":
                lost.append(f"job {job_id} {state}")
                continue
            latest = started.get((job_id, attempt))
            if latest and finalized_at is not None and finalized_at < latest[0][1]:
                overwritten.append(f"job {job_id} completed at {finalized_at} before its"
                                   f" attempt {attempt} started ({latest[0][1]})")
            elif latest and (job_id, attempt) not in finished:
                overwritten.append(f"job {job_id} completed but its attempt {attempt} never"
                                   " finished its work")
        if not drained:
            lost.insert(0, "drain timed out")

        def check(name: str, violations: list[str], **detail: Any) -> dict[str, Any]:
            return {"name": name, "ok": not violations, "violations": violations[:20],
                    "violation_count": len(violations), **detail}

        return [
            check("leadership_moves", moves, bound_s=LEADER_BOUND_S),
            check("single_leader", overlap),
            check("old_leader_learns", learns),
            check("rescued_after_horizon", early, horizon_s=horizon),
            check("late_completion_ignored", overwritten),
            check("attempt_started_once", twice),
            check("listener_reconnects", listens, bound_s=LISTEN_BOUND_S),
            check("nothing_lost", lost, inserted=len(self.inserted)),
        ]


def events(path: Path) -> list[dict[str, Any]]:
    out = []
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return out
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def serve_hosts(server: LocalPostgres, hosts: list[Host]) -> None:
    """Listen on loopback and each host link's root end; trust the hosts' subnet."""
    addrs = ",".join(["127.0.0.1", *(h.root_addr for h in hosts)])
    conf = server.data_dir / "postgresql.conf"
    extra = {"listen_addresses": addrs, **SERVER_KEEPALIVE}
    with open(conf, "a", encoding="utf-8") as f:
        f.write("".join(f"{k} = '{v}'\n" for k, v in extra.items()))
    with open(server.data_dir / "pg_hba.conf", "a", encoding="utf-8") as f:
        f.write(f"host all all {SUBNET} trust\n")
    server.restart()


def _setup(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
    driver = PsycopgDriver.open(url, max_size=2)
    try:
        Migrator(driver, schema=SCHEMA).migrate_up()
    finally:
        driver.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(app.SCHEMA_SQL.format(schema=SCHEMA))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.programs.partition",
                                description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=2.0, help="length of the faulty phase")
    p.add_argument("--seed", type=int, default=1, help="seed of every random choice")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--hosts", type=int, default=3, help="worker hosts (namespaces)")
    p.add_argument("--drain-seconds", type=float, default=120.0, help="time allowed to finish")
    p.add_argument("--keep-logs", action="store_true", help="keep the worker logs (path printed)")
    return p.parse_args(argv)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # clean up as on Ctrl-C
    started = time.monotonic()
    logdir = Path(tempfile.mkdtemp(prefix="river-partition-"))
    server = start_ephemeral(fast=True)
    hosts: list[Host] = []
    run: Run | None = None
    report: dict[str, Any] = {}
    try:
        hosts = make_hosts(args.hosts)
        serve_hosts(server, hosts)
        url = server.url
        _setup(url)
        run = Run(args, server, url, random.Random(args.seed))
        run.workers = [Worker(h, DRIVERS[h.index % len(DRIVERS)], logdir / f"host-{h.index}.log")
                       for h in hosts]
        try:
            for w in run.workers:
                run.spawn(w)
            run.run()
            for h in hosts:
                h.heal()
            drained = run.drain(args.drain_seconds)
        finally:
            for h in hosts:
                h.heal()
            run.stop()
        results = run.invariants(drained)
        report = {
            "seed": args.seed,
            "minutes": args.minutes,
            "hosts": [{"index": w.host.index, "driver": w.driver, "client": w.client_id,
                       "address": w.host.host_addr} for w in run.workers],
            "postgres": server.version,
            "elapsed_s": round(time.monotonic() - started, 1),
            "faults": [{"kind": r.kind, "host": r.host, "was_leader": r.was_leader,
                        "length_s": round(r.end - r.start, 1),
                        "new_leader_after_s": (round(r.new_leader_at - r.start, 1)
                                               if r.new_leader_at else None),
                        "note": r.note} for r in run.rounds],
            "inserted": len(run.inserted),
            "control_errors": run.errors[:20],
            "invariants": results,
            "ok": all(r["ok"] for r in results),
        }
        if args.keep_logs:
            report["logs"] = str(logdir)
    finally:
        if run is not None:
            for w in run.workers:
                if w.proc is not None and w.proc.poll() is None:
                    w.proc.kill()
        for h in hosts:
            h.destroy()
        server.stop()
        if not args.keep_logs:
            import shutil

            shutil.rmtree(logdir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(f"partition test: seed {args.seed}, {args.minutes} min,"
              f" faults {[(f['kind'], f['host']) for f in report['faults']]}")
        for r in report["invariants"]:
            print(f"  {'ok  ' if r['ok'] else 'FAIL'} {r['name']}: {r['violation_count']}"
                  " violation(s)" + "".join(f"\n       {v}" for v in r["violations"]))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
