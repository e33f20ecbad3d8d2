"""Chaos soak: ``python -m tests.programs.chaos --minutes M --seed S [--json]``.

Starts a throwaway PostgreSQL, ``--workers`` ``river worker`` processes (alternating the
asyncpg and psycopg drivers; targets in ``tests.programs.chaos_app``) and a producer
inserting a mixed workload: no-op, slow, failing, snoozing, unique, scheduled, resumable
and transaction-completing jobs, and small workflows (fan-out and fan-in, tasks failing
then succeeding on retry, tasks failing every attempt so that their dependents are
cancelled, tasks ignoring that). At random times drawn from ``--seed`` it SIGKILLs and
restarts workers, stops them with SIGTERM, kills the leader, restarts PostgreSQL,
terminates backends, pauses and resumes queues, cancels queued and running jobs and
cancels whole workflows. Run as
root (unless ``--no-network-faults``), each worker lives in its own network namespace
(``tests.programs.netns``) and the soak also cuts a worker's link off for a while
(``partition``) or holds it to a trickle (``slow_link``), healing it seconds later. Unless
``--no-failover``, PostgreSQL is a primary with a synchronous standby, every client has
a multi-host URL (``target_session_attrs=read-write``) and, once at a random time in the
middle of the run, the primary crashes and the standby is promoted (``failover``).

Then it stops the faults, lets every job finish (retries and scheduled jobs are brought
forward), checks the invariants below, prints them (one line each, or a JSON document
with ``--json``) and exits 1 when any is violated:

- ``final_states``: every job ended in a state its history allows (completed; cancelled
  only if cancelled; discarded only if made to fail every attempt or out of attempts);
- ``attempt_started_once``: no (job, attempt) started twice;
- ``all_finished``: no job left available, running, retryable, scheduled or pending;
- ``unique``: no two unique jobs with the same key in River's unique states;
- ``no_orphaned_running``: never a job ``running`` for a dead client beyond the rescue
  horizon (sampled during the run);
- ``cancel_is_final``: a job whose cancel was acknowledged (returned ``cancelled``) was
  never completed and never started again;
- ``tx_effect_once``: a transaction-completing job's side effect committed exactly once
  if it completed, never otherwise;
- ``workflows``: every workflow's tasks ended in a state consistent with their
  dependencies: a completed task's dependencies all completed (or failed in a way it
  ignores) and it started only after they finished; a task was cancelled only when asked
  to (itself or its workflow) or when a dependency it does not ignore failed, and then it
  never ran; no task started again after it completed; every task read its dependencies'
  outputs;
- ``peak_rss``: peak resident memory of every process stays under ``--max-rss-mb``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from river_psycopg3 import PsycopgDriver

import river
from river.cli.localpg import LocalPostgres, start_ephemeral
from river.cli.localpg.server import pg_ctl_stop
from river.migrate import Migrator
from tests.programs import chaos_app as app
from tests.programs.failover import promote, start_pair, wait_streaming
from tests.programs.netns import Host, make_hosts
from tests.programs.partition import serve_hosts

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "chaos"
DRIVERS = ("asyncpg", "psycopg3")
# Rescue horizon: rescue_after, plus a rescuer period, plus a leader's lease running out
# (its holder killed) and a new election, plus margin for a loaded machine.
RESCUER_PERIOD_S = 30.0
LEADER_TTL_S = 15.0
ORPHAN_HORIZON_S = app.RESCUE_AFTER.total_seconds() + RESCUER_PERIOD_S + LEADER_TTL_S + 25.0
FINAL = ("completed", "cancelled", "discarded")
UNIQUE_STATES = ("available", "completed", "pending", "retryable", "running", "scheduled")
FAULTS = {
    # name: relative weight
    "kill_worker": 4,
    "term_worker": 1,
    "kill_leader": 1,
    "restart_postgres": 1,
    "terminate_backends": 2,
    "pause_queue": 2,
    "cancel_jobs": 3,
    "cancel_workflow": 1,
}
# Only with worker hosts in network namespaces.
NETWORK_FAULTS = {"partition": 1, "slow_link": 1}


@dataclass
class Slot:
    """One worker process position, restarted after every fault that ends it."""

    index: int
    driver: str
    host: Host | None = None
    impaired_until: float = 0.0  # its link is cut or slowed until then
    proc: subprocess.Popen[bytes] | None = None
    restart_at: float = 0.0
    starts: int = 0


@dataclass
class Soak:
    args: argparse.Namespace
    server: LocalPostgres
    url: str
    logdir: Path
    rng: random.Random
    slots: list[Slot] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    inserted: Counter[str] = field(default_factory=Counter)
    control_errors: Counter[str] = field(default_factory=Counter)
    cancel_acked: dict[int, str] = field(default_factory=dict)  # job id -> when (db clock)
    cancel_requested: set[int] = field(default_factory=set)
    workflows: list[str] = field(default_factory=list)  # inserted (or tried), in order
    workflows_cancelled: set[str] = field(default_factory=set)  # workflow_cancel called
    paused: set[str] = field(default_factory=set)
    orphans: list[str] = field(default_factory=list)
    peak_rss_kb: dict[str, int] = field(default_factory=dict)
    unique_key: int = 0
    seq: int = 0
    standby: LocalPostgres | None = None
    failover_at: float = 0.0  # monotonic; 0: none to come
    driver: PsycopgDriver | None = None
    client: river.Client[Any] | None = None

    # -- processes ------------------------------------------------------------------------

    def spawn(self, slot: Slot) -> None:
        url = self.url
        if slot.host is not None:
            url = self.url.replace("127.0.0.1", slot.host.root_addr)
        env = {
            **os.environ,
            "CHAOS_URL": url,
            "CHAOS_SCHEMA": SCHEMA,
            "CHAOS_DRIVER": slot.driver,
            "CHAOS_WORKER": str(slot.index),
        }
        log = open(self.logdir / f"worker-{slot.index}-{slot.starts}.log", "wb")
        argv = [sys.executable, "-m", "river", "worker", "tests.programs.chaos_app:client",
                "--log-level", "WARNING"]
        slot.proc = subprocess.Popen(
            slot.host.command(argv) if slot.host is not None else argv,
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        slot.starts += 1

    def client_id_pid(self, client_id: str) -> int | None:
        # chaos-<slot>-<pid>
        tail = client_id.rsplit("-", 1)[-1]
        return int(tail) if tail.isdigit() else None

    def alive_pids(self) -> set[int]:
        return {s.proc.pid for s in self.slots if s.proc is not None and s.proc.poll() is None}

    def sample_rss(self) -> None:
        for slot in self.slots:
            if slot.proc is None or slot.proc.poll() is not None:
                continue
            try:
                status = Path(f"/proc/{slot.proc.pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    key = f"worker-{slot.index}-{slot.driver}-pid{slot.proc.pid}"
                    self.peak_rss_kb[key] = max(self.peak_rss_kb.get(key, 0), int(line.split()[1]))

    def restart_due(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            if slot.proc is not None and slot.proc.poll() is not None:
                slot.proc = None
            if slot.proc is None and now >= slot.restart_at:
                self.spawn(slot)

    def end_worker(self, slot: Slot, sig: int) -> None:
        if slot.proc is None or slot.proc.poll() is not None:
            return
        self.sample_rss()
        slot.proc.send_signal(sig)
        if sig == signal.SIGTERM:
            try:
                slot.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                slot.proc.kill()
        slot.proc.wait()
        slot.proc = None
        slot.restart_at = time.monotonic() + self.rng.uniform(0.0, 3.0)

    # -- database ---------------------------------------------------------------------------

    def admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=10)

    def control(self) -> river.Client[Any]:
        if self.client is None:
            self.driver = PsycopgDriver.open(self.url, max_size=3, timeout=10)
            self.client = river.Client(self.driver, river.Config(schema=SCHEMA))
        return self.client

    def guarded(self, what: str, fn: Any) -> Any:
        """Run a control operation; a database being restarted or killed is expected."""
        try:
            return fn()
        except Exception as exc:
            self.control_errors[f"{what}: {type(exc).__name__}"] += 1
            return None

    # -- the workload -------------------------------------------------------------------------

    def insert_batch(self) -> None:
        rng = self.rng
        batch: list[Any] = []
        # Each unique job is inserted a second time, in its own call (one statement may
        # not insert the same unique key twice).
        duplicates: list[Any] = []
        for _ in range(rng.randint(3, 12)):
            self.seq += 1
            n = self.seq
            queue = rng.choice(app.QUEUES)
            roll = rng.random()
            opts: river.InsertOpts | None = river.InsertOpts(queue=queue)
            if roll < 0.30:
                args: Any = app.NoopArgs(n=n)
            elif roll < 0.42:
                args = app.SlowArgs(n=n)
            elif roll < 0.52:
                fail_attempts = rng.choice((1, 2))
                args = app.FailArgs(n=n, fail_attempts=fail_attempts)
                opts = river.InsertOpts(queue=queue, max_attempts=2)
            elif roll < 0.60:
                args = app.SnoozeArgs(n=n)
            elif roll < 0.70:
                self.unique_key += 1
                # A new key, inserted again right after, and now and then an older key:
                # only the first insert of each key may be stored.
                unique = river.UniqueOpts(by_args=True)
                args = app.UniqueArgs(key=self.unique_key)
                opts = river.InsertOpts(queue=queue, unique_opts=unique)
                duplicates.append(river.InsertManyParams(args, opts))
                if rng.random() < 0.3:
                    older = app.UniqueArgs(key=rng.randint(1, self.unique_key))
                    duplicates.append(river.InsertManyParams(older, opts))
            elif roll < 0.78:
                args = app.NoopArgs(n=n)
                at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=rng.uniform(0.5, 8.0))
                opts = river.InsertOpts(queue=queue, scheduled_at=at)
                self.inserted["chaos_noop(scheduled)"] += 1
            elif roll < 0.89:
                args = app.ResumableArgs(n=n)
            else:
                args = app.TxCompleteArgs(n=n)
            batch.append(river.InsertManyParams(args, opts))
        client = self.control()
        if self.guarded("insert", lambda: client.insert_many(batch)) is not None:
            for params in batch:
                self.inserted[params.args.kind] += 1
        for params in duplicates:
            self.guarded("insert unique", lambda params=params: client.insert(params.args, params.opts))
        if rng.random() < 0.3:
            self.insert_workflow()

    def insert_workflow(self) -> None:
        """A small DAG: a root, a fan-out of two to four tasks, a join, now and then a
        tail after the join and a task that ignores a failed dependency."""
        rng = self.rng
        self.seq += 1
        wf = river.Workflow("chaos", id=f"chaos_wf_{self.seq}")

        def step() -> tuple[Any, river.InsertOpts]:
            roll = rng.random()
            fail_attempts = 0
            max_attempts = 3
            if roll < 0.15:
                fail_attempts = 1  # fails once, then succeeds on its retry
            elif roll < 0.23:
                fail_attempts, max_attempts = 9, 1  # discarded: its dependents cancelled
            seconds = rng.choice((0.0, 0.0, 0.2, 0.8))
            self.seq += 1
            args = app.WorkflowStepArgs(n=self.seq, fail_attempts=fail_attempts, seconds=seconds)
            return args, river.InsertOpts(queue=rng.choice(app.QUEUES), max_attempts=max_attempts)

        root = wf.add("root", *step())
        fan = [wf.add(f"fan{i}", *step(), deps=[root]) for i in range(rng.randint(2, 4))]
        join = wf.add("join", *step(), deps=fan)
        if rng.random() < 0.5:
            wf.add("tail", *step(), deps=[join])
        if rng.random() < 0.4:
            wf.add("ignoring", *step(), deps=fan[:2], ignore_discarded_deps=True,
                   ignore_cancelled_deps=True)
        self.workflows.append(wf.id)
        if self.guarded("insert workflow", lambda: self.control().insert_workflow(wf)) is not None:
            self.inserted["chaos_wf(workflows)"] += 1
            self.inserted["chaos_wf"] += len(wf.tasks)

    # -- faults --------------------------------------------------------------------------------

    def fault(self) -> None:
        weights = {**FAULTS, **(NETWORK_FAULTS if self.slots and self.slots[0].host else {})}
        names = list(weights)
        name = self.rng.choices(names, weights=[weights[n] for n in names])[0]
        getattr(self, f"fault_{name}")()
        self.faults[name] += 1

    def fault_kill_worker(self) -> None:
        self.end_worker(self.rng.choice(self.slots), signal.SIGKILL)

    def fault_term_worker(self) -> None:
        self.end_worker(self.rng.choice(self.slots), signal.SIGTERM)

    def fault_kill_leader(self) -> None:
        def leader() -> Any:
            with self.admin() as conn:
                return conn.execute(f"SELECT leader_id FROM {SCHEMA}.river_leader").fetchone()

        row = self.guarded("leader", leader)
        pid = self.client_id_pid(row[0]) if row else None
        for slot in self.slots:
            if slot.proc is not None and slot.proc.pid == pid:
                self.end_worker(slot, signal.SIGKILL)
                return
        self.fault_kill_worker()  # no leader yet: any worker

    def fault_partition(self) -> None:
        slot = self.rng.choice(self.slots)
        if slot.host is not None and not slot.impaired_until:
            slot.host.cut()
            slot.impaired_until = time.monotonic() + self.rng.uniform(3.0, 25.0)

    def fault_slow_link(self) -> None:
        slot = self.rng.choice(self.slots)
        if slot.host is not None and not slot.impaired_until:
            slot.host.slow()
            slot.impaired_until = time.monotonic() + self.rng.uniform(3.0, 15.0)

    def heal_due(self, everyone: bool = False) -> None:
        for slot in self.slots:
            if slot.host is not None and slot.impaired_until and (
                everyone or time.monotonic() >= slot.impaired_until
            ):
                slot.host.heal()
                slot.impaired_until = 0.0

    def fault_failover(self) -> None:
        """The primary crashes and its synchronous standby is promoted: the clients'
        multi-host URLs lead them to it on their own."""
        assert self.standby is not None
        server = self.server
        pg_ctl_stop(server.binaries, server.base, server._account, mode="immediate")
        promote(self.standby)
        self.server, self.standby = self.standby, None
        self.failover_at = 0.0

    def fault_restart_postgres(self) -> None:
        self.server.restart(down_for=self.rng.uniform(0.2, 3.0))

    def fault_terminate_backends(self) -> None:
        count = self.rng.randint(1, 4)

        def terminate() -> None:
            with self.admin() as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND backend_type = 'client backend' ORDER BY random() LIMIT %s",
                    (count,),
                )

        self.guarded("terminate", terminate)

    def fault_pause_queue(self) -> None:
        queue = self.rng.choice(app.QUEUES)
        client = self.control()
        if queue in self.paused:
            self.guarded("resume", lambda: client.queue_resume(queue))
            self.paused.discard(queue)
        else:
            self.guarded("pause", lambda: client.queue_pause(queue))
            self.paused.add(queue)

    def fault_cancel_jobs(self) -> None:
        def candidates() -> list[Any]:
            with self.admin() as conn:
                return conn.execute(
                    f"SELECT id FROM {SCHEMA}.river_job WHERE state IN"
                    " ('running', 'available', 'scheduled', 'retryable')"
                    " ORDER BY random() LIMIT %s",
                    (self.rng.randint(1, 5),),
                ).fetchall()

        rows = self.guarded("cancel candidates", candidates) or []
        client = self.control()
        for (job_id,) in rows:
            self.cancel_requested.add(job_id)
            row = self.guarded("cancel", lambda job_id=job_id: client.job_cancel(job_id))
            if row is not None and row.state == river.JobState.CANCELLED:
                self.cancel_acked[job_id] = (row.finalized_at or dt.datetime.now(dt.UTC)).isoformat()

    def fault_cancel_workflow(self) -> None:
        if not self.workflows:
            return
        wf_id = self.rng.choice(self.workflows[-20:])  # a recent one: likely in flight
        self.workflows_cancelled.add(wf_id)
        client = self.control()
        self.guarded("cancel workflow", lambda: client.workflow_cancel(wf_id))

    # -- checks ---------------------------------------------------------------------------------

    def check_orphans(self) -> None:
        alive = {str(pid) for pid in self.alive_pids()}

        def running() -> list[Any]:
            with self.admin() as conn:
                return conn.execute(
                    f"SELECT id, attempted_by[array_length(attempted_by, 1)],"
                    f" extract(epoch FROM now() - attempted_at)"
                    f" FROM {SCHEMA}.river_job WHERE state = 'running'"
                ).fetchall()

        for job_id, owner, age in self.guarded("orphan check", running) or []:
            pid = owner.rsplit("-", 1)[-1] if owner else ""
            if pid not in alive and float(age) > ORPHAN_HORIZON_S:
                self.orphans.append(f"job {job_id} running for {float(age):.0f}s, owner {owner} dead")

    # -- the run ----------------------------------------------------------------------------------

    def run(self, hosts: list[Host]) -> None:
        self.slots = [Slot(i, DRIVERS[i % len(DRIVERS)], hosts[i] if hosts else None)
                      for i in range(self.args.workers)]
        for slot in self.slots:
            self.spawn(slot)
        deadline = time.monotonic() + self.args.minutes * 60
        if self.standby is not None:
            self.failover_at = time.monotonic() + self.rng.uniform(0.3, 0.7) * self.args.minutes * 60
        next_fault = time.monotonic() + self.rng.expovariate(1 / self.args.fault_interval)
        next_check = time.monotonic() + 5
        while time.monotonic() < deadline:
            self.insert_batch()
            now = time.monotonic()
            if self.failover_at and now >= self.failover_at:
                self.fault_failover()
                self.faults["failover"] += 1
            elif now >= next_fault:
                self.fault()
                next_fault = now + self.rng.expovariate(1 / self.args.fault_interval)
            if now >= next_check:
                self.check_orphans()
                self.sample_rss()
                next_check = now + 5
            self.restart_due()
            self.heal_due()
            time.sleep(self.rng.uniform(0.1, 0.5))

    def drain(self) -> bool:
        """Every worker up, queues resumed, delays skipped: wait for every job to finish."""
        client = self.control()
        for queue in app.QUEUES:
            self.guarded("resume", lambda queue=queue: client.queue_resume(queue))
        self.paused.clear()
        self.heal_due(everyone=True)
        for slot in self.slots:
            slot.restart_at = 0.0
        deadline = time.monotonic() + self.args.drain_seconds
        while time.monotonic() < deadline:
            self.restart_due()
            self.sample_rss()
            self.check_orphans()

            def pending() -> int:
                with self.admin() as conn:
                    # River's retry backoff would make the soak wait hours: run them now.
                    conn.execute(
                        f"UPDATE {SCHEMA}.river_job SET scheduled_at = now()"
                        " WHERE state IN ('retryable', 'scheduled') AND scheduled_at > now()"
                    )
                    row = conn.execute(
                        f"SELECT count(*) FROM {SCHEMA}.river_job WHERE state NOT IN"
                        " ('completed', 'cancelled', 'discarded')"
                    ).fetchone()
                    return int(row[0]) if row else -1

            left = self.guarded("drain", pending)
            if left == 0:
                return True
            time.sleep(1.0)
        return False

    def stop(self) -> None:
        self.sample_rss()
        for slot in self.slots:
            if slot.proc is not None and slot.proc.poll() is None:
                slot.proc.send_signal(signal.SIGTERM)
        for slot in self.slots:
            if slot.proc is not None:
                try:
                    slot.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    slot.proc.kill()
                    slot.proc.wait()
        if self.driver is not None:
            self.driver.close()

    def invariants(self, drained: bool) -> list[dict[str, Any]]:
        with self.admin() as conn:
            jobs = conn.execute(
                f"SELECT id, kind, state::text, attempt, max_attempts, args,"
                f" coalesce(array_length(errors, 1), 0)"
                f" FROM {SCHEMA}.river_job"
            ).fetchall()
            twice = conn.execute(
                f"SELECT job_id, attempt, count(*) FROM {SCHEMA}.chaos_attempt"
                " GROUP BY job_id, attempt, snoozes HAVING count(*) > 1"
            ).fetchall()
            unique_dupes = conn.execute(
                f"SELECT args->>'key', count(*) FROM {SCHEMA}.river_job"
                " WHERE kind = 'chaos_unique' AND state::text = ANY(%s)"
                " GROUP BY 1 HAVING count(*) > 1",
                (list(UNIQUE_STATES),),
            ).fetchall()
            effects = dict(
                conn.execute(
                    f"SELECT job_id, count(*) FROM {SCHEMA}.chaos_effect GROUP BY 1"
                ).fetchall()
            )
            started_after_cancel = conn.execute(
                f"SELECT a.job_id FROM {SCHEMA}.chaos_attempt a"
                " JOIN unnest(%s::bigint[], %s::timestamptz[]) AS c(job_id, at)"
                " ON a.job_id = c.job_id WHERE a.started_at > c.at",
                (list(self.cancel_acked), list(self.cancel_acked.values())),
            ).fetchall()
        bad_final: list[str] = []
        not_finished: list[int] = []
        cancel_broken: list[str] = [f"job {r[0]} started after its cancel" for r in started_after_cancel]
        tx_broken: list[str] = []
        for job_id, kind, state, attempt, max_attempts, args, n_errors in jobs:
            if state not in FINAL:
                not_finished.append(job_id)
                continue
            allowed = {"completed"}
            if kind == "chaos_fail" and int(args.get("fail_attempts", 0)) >= max_attempts:
                allowed = {"discarded"}
            if attempt >= max_attempts or n_errors >= max_attempts:
                allowed.add("discarded")
            if job_id in self.cancel_requested:
                allowed.add("cancelled")
            if kind == "chaos_wf":  # cancelled by its workflow or a dependency: "workflows"
                allowed.add("cancelled")
            if state not in allowed:
                bad_final.append(f"job {job_id} ({kind}) {state}, allowed {sorted(allowed)}")
            if job_id in self.cancel_acked and state != "cancelled":
                cancel_broken.append(f"job {job_id} {state} after its cancel was acknowledged")
            if kind == "chaos_tx":
                want = 1 if state == "completed" else 0
                if effects.get(job_id, 0) != want:
                    tx_broken.append(f"job {job_id} {state} with {effects.get(job_id, 0)} effects")
        wf_broken, wf_detail = self.check_workflows()
        self.peak_rss_kb["chaos-orchestrator"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rss_over = {k: v for k, v in self.peak_rss_kb.items() if v > self.args.max_rss_mb * 1024}

        def check(name: str, violations: list[str], **detail: Any) -> dict[str, Any]:
            return {"name": name, "ok": not violations, "violations": violations[:20],
                    "violation_count": len(violations), **detail}

        return [
            check("final_states", bad_final, jobs=len(jobs)),
            check("attempt_started_once", [f"job {j} attempt {a} started {n} times" for j, a, n in twice]),
            check("all_finished", ([] if drained else ["drain timed out"])
                  + [f"job {j} not finished" for j in not_finished]),
            check("unique", [f"key {k}: {n} jobs" for k, n in unique_dupes]),
            check("no_orphaned_running", self.orphans, horizon_s=ORPHAN_HORIZON_S),
            check("cancel_is_final", cancel_broken, acknowledged=len(self.cancel_acked)),
            check("tx_effect_once", tx_broken),
            check("workflows", wf_broken, **wf_detail),
            check("peak_rss", [f"{k}: {v // 1024} MB" for k, v in rss_over.items()],
                  peak_rss_mb={k: round(v / 1024, 1) for k, v in sorted(self.peak_rss_kb.items())}),
        ]


    def check_workflows(self) -> tuple[list[str], dict[str, Any]]:
        with self.admin() as conn:
            tasks = conn.execute(
                f"SELECT id, state::text, metadata, finalized_at, errors::text"
                f" FROM {SCHEMA}.river_job WHERE kind = 'chaos_wf' ORDER BY id"
            ).fetchall()
            starts = conn.execute(
                f"SELECT a.job_id, min(a.started_at), max(a.started_at), count(*)"
                f" FROM {SCHEMA}.chaos_attempt a JOIN {SCHEMA}.river_job j ON j.id = a.job_id"
                " WHERE j.kind = 'chaos_wf' GROUP BY 1"
            ).fetchall()
        return workflow_violations(
            tasks, {r[0]: r[1:] for r in starts}, self.cancel_requested, self.workflows_cancelled
        )


FAILED = {"cancelled": "ignore_cancelled_deps", "discarded": "ignore_discarded_deps"}


def workflow_violations(
    tasks: list[Any],
    starts: dict[int, tuple[Any, Any, int]],
    cancel_requested: set[int],
    workflows_cancelled: set[str],
) -> tuple[list[str], dict[str, Any]]:
    """The ``workflows`` invariant on (id, state, metadata, finalized_at, errors) rows of
    workflow tasks and their attempts' (first start, last start, count) by job id."""
    by_wf: dict[str, dict[str, Any]] = {}
    for row in tasks:
        by_wf.setdefault(row[2]["workflow_id"], {})[row[2]["task"]] = row
    bad: list[str] = []
    outcomes: Counter[str] = Counter()
    for wf_id, named in by_wf.items():
        states = sorted({row[1] for row in named.values()})
        outcomes["+".join(states)] += 1
        for name, (job_id, state, md, finalized_at, errors) in named.items():
            where = f"{wf_id}/{name} (job {job_id}, {state})"
            first, last, count = starts.get(job_id, (None, None, 0))
            if state not in FINAL:
                bad.append(f"{where} not finished")
                continue
            if "dependencies' outputs" in (errors or ""):
                bad.append(f"{where} saw wrong dependencies' outputs: {errors[:200]}")
            if state == "completed" and last is not None and finalized_at is not None \
                    and last > finalized_at:
                bad.append(f"{where} started again after it completed")
            doomed: list[str] = []
            for dep in md.get("deps", []):
                dep_row = named.get(dep)
                dep_state = dep_row[1] if dep_row is not None else "deleted"
                ignored = dep_state in FAILED and bool(md.get(FAILED[dep_state]))
                if (dep_state in FAILED and not ignored) or dep_state == "deleted":
                    doomed.append(f"{dep} {dep_state}")
                elif dep_state not in FINAL:
                    doomed.append(f"{dep} {dep_state}")
                if first is not None and dep_row is not None and (
                    dep_row[3] is None or first < dep_row[3]
                ):
                    bad.append(f"{where} started before its dependency {dep} finished")
            asked = job_id in cancel_requested or wf_id in workflows_cancelled
            if state == "completed" and doomed:
                bad.append(f"{where} completed with dependencies {doomed}")
            if state == "cancelled" and not asked and not doomed:
                bad.append(f"{where} cancelled with none of its dependencies failed")
            if md.get("workflow_cancelled_by_dep") and (not doomed or count):
                bad.append(f"{where} cancelled by dependencies {doomed} after {count} starts")
            if doomed and count and not asked:
                bad.append(f"{where} ran {count} times with dependencies {doomed}")
    detail = {"workflows": len(by_wf), "tasks": len(tasks),
              "outcomes": dict(outcomes.most_common(8))}
    return bad, detail


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


def _states(url: str) -> dict[str, dict[str, int]]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT kind, state::text, count(*) FROM {SCHEMA}.river_job GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for kind, state, n in rows:
        out.setdefault(kind, {})[state] = int(n)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.programs.chaos", description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=2.0, help="length of the faulty phase")
    p.add_argument("--seed", type=int, default=1, help="seed of every random choice")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--workers", type=int, default=3, help="river worker processes")
    p.add_argument("--fault-interval", type=float, default=3.0, help="mean seconds between faults")
    p.add_argument("--drain-seconds", type=float, default=240.0, help="time allowed to finish")
    p.add_argument("--max-rss-mb", type=float, default=400.0, help="peak RSS limit per process")
    p.add_argument("--keep-logs", action="store_true", help="keep the worker logs (path printed)")
    p.add_argument("--no-failover", action="store_true",
                   help="one server: no standby, no failover")
    p.add_argument("--no-network-faults", action="store_true",
                   help="run the workers in the root namespace: no partition or slow link")
    return p.parse_args(argv)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # namespaces and server go, as on Ctrl-C
    started = time.monotonic()
    standby: LocalPostgres | None = None
    if args.no_failover:
        server = start_ephemeral(fast=True)
    else:
        server, standby = start_pair(sync=True)
    logdir = Path(tempfile.mkdtemp(prefix="river-chaos-"))
    soak: Soak | None = None
    hosts: list[Host] = []
    try:
        if not args.no_network_faults:
            hosts = make_hosts(args.workers)
            for each in (server, standby):
                if each is not None:
                    serve_hosts(each, hosts)
        url = server.url
        if standby is not None:
            wait_streaming(server, sync=True)
            url = (f"postgresql://postgres@127.0.0.1:{server.port},127.0.0.1:{standby.port}"
                   "/postgres?target_session_attrs=read-write")
        _setup(url)
        soak = Soak(args, server, url, logdir, random.Random(args.seed), standby=standby)
        try:
            soak.run(hosts)
            drained = soak.drain()
        finally:
            for host in hosts:
                host.heal()
            soak.stop()
        results = soak.invariants(drained)
        report = {
            "seed": args.seed,
            "minutes": args.minutes,
            "workers": args.workers,
            "network_faults": bool(hosts),
            "failover": standby is not None,
            "postgres": server.version,
            "elapsed_s": round(time.monotonic() - started, 1),
            "faults": dict(sorted(soak.faults.items())),
            "inserted": dict(sorted(soak.inserted.items())),
            "worker_starts": sum(s.starts for s in soak.slots),
            "control_errors": dict(sorted(soak.control_errors.items())),
            "jobs": _states(url),
            "invariants": results,
            "ok": all(r["ok"] for r in results),
        }
        if args.keep_logs:
            report["logs"] = str(logdir)
    finally:
        for host in hosts:
            host.destroy()
        if standby is not None:
            standby.stop()
        server.stop()
        if not args.keep_logs:
            import shutil

            shutil.rmtree(logdir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(f"chaos soak: seed {args.seed}, {args.minutes} min, faults {report['faults']}")
        for r in results:
            print(f"  {'ok  ' if r['ok'] else 'FAIL'} {r['name']}: {r['violation_count']} violation(s)"
                  + "".join(f"\n       {v}" for v in r["violations"]))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
