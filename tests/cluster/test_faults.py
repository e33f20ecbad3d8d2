"""Fault, load and hostile-input suite (``pytest -m faults``).

Each test injects a fault into a real Postgres deployment and asserts on the final
database state: process death mid-job, a database restart, lost connections, a load run
across processes, hostile inserts and rows, and secrets in errors and logs. Drivers are
chosen here, not by ``RIVER_TEST_DRIVER``. Waits are deadlines with polling.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, make_dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from psycopg import sql

import river
from river._internal.maintenance.rescuer_async import RESCUED_ERROR
from river.errors import ConfigError, InvalidInsertError
from tests._db import admin_execute
from tests.programs.fault_worker import FaultArgs
from tests.programs.procs import WorkerProcesses

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.faults


# --- helpers ------------------------------------------------------------------------------


def wait_for(cond: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


async def await_for(cond: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.1)


def q(schema: str, text: str) -> str:
    return text.replace("{s}", sql.Identifier(schema).as_string(None))


def states(url: str, schema: str) -> dict[str, int]:
    rows = admin_execute(url, q(schema, "SELECT state::text, count(*) FROM {s}.river_job GROUP BY 1"))
    return {r[0]: int(r[1]) for r in rows}


def with_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user}:{password}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


# --- 1. process death ---------------------------------------------------------------------


@pytest.fixture
def procs(database_url: str, schema: str) -> Iterator[WorkerProcesses]:
    admin_execute(database_url, q(schema, (
        "CREATE TABLE {s}.fault_log (job_id bigint NOT NULL, attempt int NOT NULL, "
        "pid int NOT NULL, at timestamptz NOT NULL DEFAULT now())"
    )))
    p = WorkerProcesses("tests.programs.fault_worker", database_url, schema)
    yield p
    p.stop_all()
    admin_execute(database_url, q(schema, "DROP TABLE IF EXISTS {s}.fault_log"))


def test_kill9_mid_job_rescues_retries_cancels_and_discards(
    procs: WorkerProcesses, database_url: str, schema: str
) -> None:
    """SIGKILL a process running 70 jobs: after rescue, jobs with attempts left are
    retried once by the survivor and complete, jobs out of attempts are discarded, jobs
    whose cancel was attempted while orphaned are cancelled; none lost, none run twice."""
    from river_psycopg3 import PsycopgDriver

    driver = PsycopgDriver.open(database_url, max_size=2)
    client = river.Client(driver, river.Config(schema=schema))
    try:
        victim = procs.spawn()
        retry = [client.insert(FaultArgs(hang_first=True), river.InsertOpts(max_attempts=5)).job.id
                 for _ in range(40)]
        discard = [client.insert(FaultArgs(hang_first=True), river.InsertOpts(max_attempts=1)).job.id
                   for _ in range(20)]
        cancel = [client.insert(FaultArgs(hang_first=True), river.InsertOpts(max_attempts=5)).job.id
                  for _ in range(10)]
        every = retry + discard + cancel
        log_count = q(schema, "SELECT count(*) FROM {s}.fault_log WHERE pid = %s")
        wait_for(lambda: admin_execute(database_url, log_count, (victim.pid,))[0][0] == len(every),
                 20, "every job to start in the victim")
        assert states(database_url, schema) == {"running": len(every)}
        victim.kill()  # SIGKILL mid-job: nothing is written back
        victim.wait()
        killed_at = time.monotonic()
        for job_id in cancel:  # the owner is gone: the cancel can only be recorded
            assert client.job_cancel(job_id).state is river.JobState.RUNNING
        # Leader failover timing is test_cluster's; here the dead leader's lease is ended
        # at once so that the survivor leads (and rescues) immediately.
        admin_execute(database_url, q(schema, "DELETE FROM {s}.river_leader WHERE leader_id = %s"),
                      (f"fault-{victim.pid}",))
        # The survivor's first rescue pass comes right after it is elected; make sure the
        # jobs are stuck for longer than rescue_stuck_jobs_after and job_timeout (5 s) by
        # then, or the next pass is 30 s away.
        stuck_for = q(schema, "SELECT now() - max(attempted_at) > interval '5.5 seconds' "
                      "FROM {s}.river_job")
        wait_for(lambda: admin_execute(database_url, stuck_for)[0][0], 15, "jobs stuck > 5.5s")
        survivor = procs.spawn()
        expected = {"completed": len(retry), "discarded": len(discard), "cancelled": len(cancel)}
        wait_for(lambda: states(database_url, schema) == expected, 45, f"final states {expected}")
        settled = time.monotonic() - killed_at
        jobs = {j: client.job_get(j) for j in every}
        for j in every:
            job = jobs[j]
            assert job.errors and job.errors[0].error == RESCUED_ERROR, j
            assert job.metadata["river:rescue_count"] == 1
            assert job.attempted_by[0] == f"fault-{victim.pid}"
        for j in retry:
            assert jobs[j].attempt == 2 and len(jobs[j].errors) == 1
            assert jobs[j].attempted_by == [f"fault-{victim.pid}", f"fault-{survivor.pid}"]
        for j in discard + cancel:
            assert jobs[j].attempt == 1 and jobs[j].finalized_at is not None
        for j in cancel:
            assert "cancel_attempted_at" in jobs[j].metadata
        log = admin_execute(database_url, q(schema, "SELECT job_id, attempt, pid FROM {s}.fault_log"))
        starts = collections.Counter((r[0], r[1]) for r in log)
        assert max(starts.values()) == 1  # no attempt started twice
        assert {(j, 1) for j in every} | {(j, 2) for j in retry} == set(starts)
        assert {r[2] for r in log if r[1] == 2} == {survivor.pid}
        print(f"\nkill -9: {len(every)} orphaned jobs settled {settled:.1f}s after the kill")
    finally:
        driver.close()


# --- 2. database restart ------------------------------------------------------------------


@dataclass
class SeqArgs:
    kind = "seq"
    seq: int


class Recorder:
    """Attempts started in this process, by (job id, attempt)."""

    def __init__(self) -> None:
        self.starts: collections.Counter[tuple[int, int]] = collections.Counter()

    def worker(self) -> river.AsyncWorker[SeqArgs]:
        starts = self.starts

        class SeqWorker(river.AsyncWorker[SeqArgs]):
            async def work(self, job: river.Job[SeqArgs]) -> None:
                starts[(job.id, job.attempt)] += 1

        return SeqWorker()


async def open_async_driver(name: str, url: str, min_size: int = 1) -> Any:
    if name == "asyncpg":
        from river_asyncpg import AsyncpgDriver

        return await AsyncpgDriver.open(url, min_size=min_size, max_size=10)
    from river_psycopg3 import AsyncPsycopgDriver

    return await AsyncPsycopgDriver.open(url, min_size=min_size, max_size=10)


def listen_pids(url: str, user: str | None = None) -> set[int]:
    query = "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%%'"
    params: tuple[Any, ...] = ()
    if user is not None:
        query += " AND usename = %s"
        params = (user,)
    return {r[0] for r in admin_execute(url, query, params)}


@pytest.mark.parametrize("driver_name", ["asyncpg", "psycopg3"])
@pytest.mark.anyio
async def test_database_restart_while_working(driver_name: str) -> None:
    """Restart a private Postgres (down ~1 s) while a client inserts and works jobs: the
    client reconnects, the listener listens again, every job inserted is completed, each
    attempt started once, none left running."""
    from river.cli.localpg import start_ephemeral
    from river.migrate import AsyncMigrator

    server = await asyncio.to_thread(start_ephemeral, fast=True)
    try:
        url = server.url
        driver = await open_async_driver(driver_name, url)
        await AsyncMigrator(driver).migrate_up()
        recorder = Recorder()
        workers = river.Workers()
        workers.add(recorder.worker())
        client = river.AsyncClient(driver, river.Config(
            queues={"default": river.QueueConfig(max_workers=20)}, workers=workers,
            fetch_cooldown=0.01, fetch_poll_interval=0.5, id="restart-client",
        ))
        await client.start()
        acked: list[int] = []
        failures = 0
        restarted = asyncio.Event()

        async def produce() -> None:
            nonlocal failures
            for seq in range(400):
                while True:
                    try:
                        await client.insert(SeqArgs(seq))
                        break
                    except Exception:  # the server is down: retry the same seq
                        failures += 1
                        await asyncio.sleep(0.05)
                acked.append(seq)
                if seq == 100:
                    asyncio.get_running_loop().run_in_executor(
                        None, lambda: (server.restart(down_for=1.0), restarted.set())
                    )
                await asyncio.sleep(0.005)

        t0 = time.monotonic()
        await produce()
        await asyncio.wait_for(restarted.wait(), 30)

        def done() -> bool:
            try:
                rows = admin_execute(url, "SELECT state::text, count(*) FROM river_job GROUP BY 1")
            except psycopg.Error:
                return False
            return dict(rows).get("completed", 0) >= len(acked) and "running" not in dict(rows)

        await await_for(lambda: asyncio.to_thread(done), 60, "every job completed")
        # The notifier listens again on the restarted server.
        await await_for(lambda: asyncio.to_thread(lambda: bool(listen_pids(url))), 30,
                        "a LISTEN connection after the restart")
        elapsed = time.monotonic() - t0
        await client.stop()
        rows = admin_execute(url, "SELECT id, state::text, attempt, (args->>'seq')::int FROM river_job")
        await driver.close()
    finally:
        await asyncio.to_thread(server.stop)
    assert {r[1] for r in rows} == {"completed"}
    assert {r[3] for r in rows} == set(acked) == set(range(400))
    assert len(rows) <= len(acked) + failures  # only an insert in doubt may exist twice
    assert all(r[2] == 1 for r in rows)
    for r in rows:
        assert recorder.starts[(r[0], 1)] == 1, f"job {r[0]} started {recorder.starts[(r[0], 1)]}x"
    assert sum(recorder.starts.values()) == len(rows)
    print(f"\nrestart ({driver_name}): {len(rows)} jobs, {failures} insert retries, {elapsed:.1f}s")


# --- 3. connection loss -------------------------------------------------------------------


@pytest.fixture
def login_role(database_url: str) -> Iterator[tuple[str, str]]:
    role = f"river_fault_{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    admin_execute(database_url, sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
        sql.Identifier(role), sql.Literal(password)).as_string(None))
    yield role, password
    admin_execute(database_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE usename = %s", (role,))
    admin_execute(database_url, sql.SQL("DROP ROLE IF EXISTS {}").format(
        sql.Identifier(role)).as_string(None))


@pytest.mark.parametrize("driver_name", ["asyncpg", "psycopg3"])
@pytest.mark.anyio
async def test_listener_and_worker_connections_killed(
    driver_name: str, database_url: str, schema: str, login_role: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Terminate the listener's backend and a pooled worker backend while new logins are
    refused: jobs inserted meanwhile are worked by polling; once logins work again the
    listener is back and inserts are picked up by notification (well under the poll
    interval). The password of the client's URL appears in no log record."""
    role, password = login_role
    url = with_user(database_url, role, password)
    caplog.set_level(logging.DEBUG)
    poll = 6.0
    driver = await open_async_driver(driver_name, url, min_size=4)
    recorder = Recorder()
    workers = river.Workers()
    workers.add(recorder.worker())
    client = river.AsyncClient(driver, river.Config(
        schema=schema, queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
        fetch_cooldown=0.01, fetch_poll_interval=poll,
    ))
    from river_psycopg3 import PsycopgDriver

    inserter_driver = PsycopgDriver.open(database_url, max_size=2)
    inserter = river.Client(inserter_driver, river.Config(schema=schema))

    async def completed(job_id: int) -> bool:
        job = await asyncio.to_thread(inserter.job_get, job_id)
        return job.state is river.JobState.COMPLETED

    async def notified_latency() -> float:
        t = time.monotonic()
        job = await asyncio.to_thread(inserter.insert, SeqArgs(0))
        await await_for(lambda: completed(job.job.id), poll * 3, "a notified job")
        return time.monotonic() - t

    try:
        await client.start()
        first = await await_for(lambda: asyncio.to_thread(listen_pids, database_url, role), 10,
                                "the listener")
        before = [await notified_latency() for _ in range(3)]
        assert max(before) < poll / 3, before  # notifications, not polling

        admin_execute(database_url, sql.SQL("ALTER ROLE {} NOLOGIN").format(
            sql.Identifier(role)).as_string(None))
        [(victim,)] = admin_execute(database_url, (
            "SELECT pid FROM pg_stat_activity WHERE usename = %s AND query NOT LIKE 'LISTEN%%' "
            "AND state = 'idle' ORDER BY pid LIMIT 1"), (role,))
        killed = admin_execute(database_url, "SELECT pg_terminate_backend(pid) FROM "
                               "pg_stat_activity WHERE pid = ANY(%s)", ([*first, victim],))
        assert killed and all(r[0] for r in killed)
        await await_for(lambda: asyncio.to_thread(lambda: not listen_pids(database_url, role)),
                        10, "the listener to be gone")
        t = time.monotonic()
        meanwhile = await asyncio.to_thread(
            inserter.insert_many, [SeqArgs(i) for i in range(20)])
        ids = [r.job.id for r in meanwhile]

        async def all_done() -> bool:
            return all([await completed(i) for i in ids])

        await await_for(all_done, poll * 4, "jobs inserted while the listener was down")
        outage_latency = time.monotonic() - t
        # Polling did it: the listener could not come back while logins were refused.
        assert not listen_pids(database_url, role)

        admin_execute(database_url, sql.SQL("ALTER ROLE {} LOGIN").format(
            sql.Identifier(role)).as_string(None))
        second = await await_for(lambda: asyncio.to_thread(listen_pids, database_url, role), 30,
                                 "the listener to reconnect")
        assert not (second & first)
        after = [await notified_latency() for _ in range(3)]
        assert max(after) < poll / 3, after
        await client.stop()
    finally:
        await client.stop()
        await driver.close()
        inserter_driver.close()
    final = states(database_url, schema)
    assert final == {"completed": 26}
    assert sorted(recorder.starts.values()) == [1] * 26  # each attempt once, all attempt 1
    assert all(a == 1 for (_, a) in recorder.starts)
    for record in caplog.records:
        text = record.getMessage() + (logging.Formatter().formatException(record.exc_info)
                                      if record.exc_info else "")
        assert password not in text
    assert any("notifier lost its connection" in r.getMessage() for r in caplog.records)
    print(f"\nconnection loss ({driver_name}): notified {max(before):.2f}s/{max(after):.2f}s, "
          f"polled during outage {outage_latency:.1f}s")


# --- 4. load -------------------------------------------------------------------------------


def test_load_two_producers_two_workers(database_url: str) -> None:
    """50,000 jobs inserted by 2 producer processes, worked by 2 worker processes (the
    1,000,000-job run is ``python -m benchmarks.load --jobs 1000000 --database-url URL``)."""
    n = 50_000
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--jobs", str(n), "--database-url", database_url,
         "--timeout", "90", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=150,
    )
    assert proc.stdout.strip(), proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\nload: {json.dumps(report)}")
    assert report["states"] == {"completed": n}
    assert report["max_attempt"] == 1 and report["max_attempted_by"] == 1
    assert report["duplicate_starts"] == 0
    assert report["missing_starts"] == 0 and report["unknown_starts"] == 0
    assert sum(report["started_per_worker"].values()) == n
    assert all(v > 0 for v in report["started_per_worker"].values())  # both worked
    assert set(report["peak_rss_mb"]) == {"worker-0", "worker-1", "producer-0", "producer-1",
                                          "orchestrator"}
    assert all(0 < mb < 500 for mb in report["peak_rss_mb"].values()), report["peak_rss_mb"]
    assert report["ok"] is True and proc.returncode == 0


# --- 5. hostile and malformed input -------------------------------------------------------

HYPO = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

json_scalars = (
    st.none() | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)  # any code point: NUL, surrogates, RTL, emoji...
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12,
)


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values as jsonb keeps them (numbers compared as numbers)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) or isinstance(b, float):
            return math.isclose(float(a), float(b), rel_tol=1e-15, abs_tol=0.0)
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@dataclass
class AnyArgs:
    kind = "hostile"
    value: Any = None


@pytest.fixture
def sync_client(database_url: str, schema: str) -> Iterator[river.Client[Any]]:
    from river_psycopg3 import PsycopgDriver

    driver = PsycopgDriver.open(database_url, max_size=4)
    yield river.Client(driver, river.Config(schema=schema))
    driver.close()


@HYPO
@given(
    value=json_values,
    queue=st.none() | st.text(max_size=70) | st.from_regex(r"\A[a-z0-9]{1,8}([_-][a-z0-9]{1,8})?\Z"),
    tags=st.none() | st.lists(st.text(max_size=20) | st.from_regex(r"\A\w[\w-]{1,10}\w\Z"),
                              max_size=4),
    priority=st.none() | st.integers(-3, 8) | st.booleans(),
    max_attempts=st.none() | st.integers(-2, 40000),
    metadata=st.none() | st.dictionaries(st.text(max_size=10), json_values, max_size=4)
    | json_values,
)
@example(value="a\x00b", queue=None, tags=None, priority=None, max_attempts=None, metadata=None)
@example(value="\ud800", queue=None, tags=None, priority=None, max_attempts=None, metadata=None)
@example(value=10**400, queue=None, tags=None, priority=None, max_attempts=None, metadata=None)
@example(value="x" * 2_000_000, queue="q", tags=["t" * 255], priority=4, max_attempts=32767,
         metadata={"k": "\u202e\U0001f600<&>" * 1000})
@example(value=None, queue="a'; DROP TABLE river_job; --", tags=None, priority=None,
         max_attempts=None, metadata=None)
@example(value=None, queue=None, tags=['x"); DROP--'], priority=None, max_attempts=None,
         metadata={"k": "\x00"})
def test_insert_is_rejected_typed_or_stored_verbatim(
    sync_client: river.Client[Any], value: Any, queue: Any, tags: Any, priority: Any,
    max_attempts: Any, metadata: Any,
) -> None:
    opts = river.InsertOpts(queue=queue, tags=tags, priority=priority, max_attempts=max_attempts,
                            metadata=metadata)
    for insert in (lambda: sync_client.insert(AnyArgs(value), opts).job,
                   lambda: sync_client.insert_many_fast([river.InsertManyParams(AnyArgs(value),
                                                                                opts)])):
        try:
            job = insert()
        except InvalidInsertError:
            continue  # typed: ArgsEncodeError, InvalidQueueError, InvalidTagsError, ...
        if isinstance(job, int):
            assert job == 1
            job = sync_client.job_list(river.JobListParams(limit=1, descending=True))[0]
        back = sync_client.job_get(job.id)
        assert json_equal(back.args, {"value": value}), (back.args, value)
        assert back.queue == (queue or "default")
        assert back.tags == list(tags or [])
        assert back.priority == (priority or 1)
        assert back.max_attempts == (max_attempts or 25)
        assert json_equal(back.metadata, metadata or {})


@HYPO
@given(kind=st.text(max_size=140) | st.from_regex(r"\A\w[\w\-.:/+]{1,30}\Z"))
@example(kind="x'; DROP TABLE river_job; --")
@example(kind="ok_kind\x00")
def test_kind_is_rejected_typed_or_stored_verbatim(sync_client: river.Client[Any], kind: str) -> None:
    cls = make_dataclass("KindArgs", [("v", int, 0)], namespace={"kind": kind})
    try:
        job = sync_client.insert(cls()).job
    except river.InvalidKindError:
        return
    assert sync_client.job_get(job.id).kind == kind


@dataclass
class GoodArgs:
    kind = "good"
    v: int


class GoodWorker(river.AsyncWorker[GoodArgs]):
    async def work(self, job: river.Job[GoodArgs]) -> None:
        if job.args.v == 7:
            try:
                river.record_output("output with a NUL \x00 and a lone surrogate \ud800")
            except river.InvalidMetadataError:  # refused before it reaches the database
                river.record_output("output with a NUL refused")
        if job.args.v == 8:
            raise ValueError("error text with a NUL \x00")


@pytest.mark.parametrize("driver_name", ["asyncpg", "psycopg3"])
@pytest.mark.anyio
async def test_foreign_rows_that_do_not_fit(driver_name: str, database_url: str, schema: str) -> None:
    """Rows another client wrote (raw SQL) that do not fit this worker are errored and
    retried as River does; the producer keeps working every good job of the queue."""
    bad = {  # name: (kind, args, metadata, an element of errors or None)
        "args_missing_field": ("good", "{}", "{}", None),
        "args_wrong_shape": ("good", "[1, 2]", "{}", None),
        "args_string": ("good", '"s"', "{}", None),
        "args_null": ("good", "null", "{}", None),
        "args_deep": ("good", "[" * 3000 + "]" * 3000, "{}", None),
        "unknown_kind": ("nope", '{"v": 1}', "{}", None),
    }
    fine = {  # rows that look odd but are valid: worked normally
        # Metadata that is not an object, as River Go: the keys it reads are just absent.
        "metadata_array": ("good", '{"v": 1}', "[]", None),
        "metadata_null": ("good", '{"v": 1}', "null", None),
        "metadata_nested_nulls": ("good", '{"v": 1}', '{"a": null, "b": [null, {"c": null}]}', None),
        "errors_not_an_attempt": ("good", '{"v": 1}', "{}", "{}"),
        "errors_a_string": ("good", '{"v": 1}', "{}", '"boom"'),
        "extra_args_fields": ("good", '{"v": 1, "zzz": [1]}', "{}", None),
        "output_with_nul": ("good", '{"v": 7}', "{}", None),
    }
    ids: dict[str, int] = {}
    insert = q(schema, (
        "INSERT INTO {s}.river_job (kind, args, metadata, errors, max_attempts) VALUES "
        "(%s, %s::jsonb, %s::jsonb, CASE WHEN %s::text IS NULL THEN NULL "
        "ELSE ARRAY[%s::jsonb] END, 3) RETURNING id"))
    for name, (kind, args, meta, err) in {**bad, **fine}.items():
        ids[name] = admin_execute(database_url, insert, (kind, args, meta, err, err))[0][0]
    good = admin_execute(database_url, q(schema, (
        "INSERT INTO {s}.river_job (kind, args, max_attempts) SELECT 'good', "
        "jsonb_build_object('v', 100 + g), 3 FROM generate_series(1, 200) g RETURNING id")))
    errored = admin_execute(database_url, q(schema, (
        "INSERT INTO {s}.river_job (kind, args, max_attempts) VALUES "
        "('good', '{\"v\": 8}', 3) RETURNING id")))[0][0]

    driver = await open_async_driver(driver_name, database_url)
    workers = river.Workers()
    workers.add(GoodWorker())
    client = river.AsyncClient(driver, river.Config(
        schema=schema, queues={"default": river.QueueConfig(max_workers=5)}, workers=workers,
        fetch_cooldown=0.01, fetch_poll_interval=0.2,
    ))
    await client.start()
    try:
        async def settled() -> bool:
            rows = await asyncio.to_thread(admin_execute, database_url, q(schema, (
                "SELECT count(*) FILTER (WHERE state = 'completed'), "
                "count(*) FILTER (WHERE errors IS NOT NULL AND array_length(errors, 1) >= "
                "CASE WHEN id = ANY(%s) THEN 2 ELSE 1 END AND state <> 'running') "
                "FROM {s}.river_job WHERE id = ANY(%s)")),
                ([ids[n] for n in fine if n.startswith("errors_")], [ids[n] for n in bad] + [errored]))
            [(_, failed)] = rows
            done = await asyncio.to_thread(states, database_url, schema)
            return failed == len(bad) + 1 and done.get("completed", 0) == len(fine) + len(good)

        await await_for(settled, 30, "good jobs completed and bad ones errored")
    finally:
        await client.stop()
        await driver.close()
    for name in bad:
        job = admin_execute(database_url, q(schema, (
            "SELECT state::text, attempt, errors[array_length(errors, 1)]->>'error' "
            "FROM {s}.river_job WHERE id = %s")), (ids[name],))[0]
        assert job[0] in ("retryable", "available"), (name, job)
        assert job[1] >= 1 and job[2], (name, job)
        if name.startswith("args_"):
            assert job[2].startswith("ArgsDecodeError"), (name, job)
        if name == "unknown_kind":
            assert job[2].startswith("UnknownJobKindError"), job
    for name in fine:
        state, attempt = admin_execute(database_url, q(schema, (
            "SELECT state::text, attempt FROM {s}.river_job WHERE id = %s")), (ids[name],))[0]
        assert (state, attempt) == ("completed", 1), name
    [(output,)] = admin_execute(database_url, q(schema, (
        "SELECT metadata->>'output' FROM {s}.river_job WHERE id = %s")), (ids["output_with_nul"],))
    assert output == "output with a NUL refused"
    [(state, error)] = admin_execute(database_url, q(schema, (
        "SELECT state::text, errors[1]->>'error' FROM {s}.river_job WHERE id = %s")), (errored,))
    assert state in ("retryable", "available") and error.startswith("ValueError: error text")
    assert all(r[0] == "completed" for r in admin_execute(database_url, q(schema, (
        "SELECT state::text FROM {s}.river_job WHERE id = ANY(%s)")), ([g[0] for g in good],)))


SQL_BREAKERS = [
    'river"; DROP SCHEMA public CASCADE; --', "river'; DROP TABLE river_job; --", "a;b",
    "river job", "", "x" * 47, "1abc", "ümlaut", "a-b", "a.b", "a\x00b",
]


@pytest.mark.parametrize("name", SQL_BREAKERS)
def test_sql_breaking_schema_and_queue_names_are_rejected(name: str) -> None:
    with pytest.raises(ConfigError):
        river.Config(schema=name).validate()
    with pytest.raises((ConfigError, InvalidInsertError)):
        river.Config(queues={name: river.QueueConfig(max_workers=1)},
                     workers=river.Workers()).validate()
    from river.migrate import Migrator

    with pytest.raises(ConfigError):
        Migrator(object(), schema=name)  # type: ignore[arg-type]


def test_schema_with_trailing_newline_is_rejected() -> None:
    with pytest.raises(ConfigError):
        river.Config(schema="river\n").validate()


@HYPO
@given(name=st.text(max_size=60))
@example(name='a"b')
@example(name="a'b")
def test_any_accepted_schema_name_is_quoted_safely(
    database_url: str, name: str
) -> None:
    """Whatever schema name validation lets through is a plain identifier that SQL quotes
    leave unchanged, so it cannot break out of the quoted name."""
    try:
        river.Config(schema=name).validate()
    except ConfigError:
        return
    assert name.strip() and '"' not in name and "'" not in name and ";" not in name
    assert sql.Identifier(name.rstrip("\n")).as_string(None) == f'"{name.rstrip(chr(10))}"'


# --- 6. secrets ----------------------------------------------------------------------------

SECRET = "s3cretpw"
BAD_URLS = [
    f"postgresql://u:{SECRET}@127.0.0.1:1/x",
    f"postgresql://u:{SECRET}@127.0.0.1:notaport/x",
    f"postgresql://u:{SECRET}@127.0.0.1:1/x?bogus=1",
    f"postgres://u:{SECRET}@/x?host=/nonexistent",
]


@pytest.mark.parametrize("cli_driver", ["psycopg3", "psycopg2", "asyncpg"])
def test_cli_errors_do_not_show_the_password(cli_driver: str) -> None:
    for url in BAD_URLS:
        proc = subprocess.run(
            [sys.executable, "-m", "river", "migrate-get", "--database-url", url,
             "--driver", cli_driver],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={**os.environ, "DATABASE_URL": ""},
        )
        assert proc.returncode != 0, (url, proc.stdout)
        assert SECRET not in proc.stdout + proc.stderr, (url, proc.stderr)
        assert proc.stderr.strip(), url
    # From the environment too.
    proc = subprocess.run([sys.executable, "-m", "river", "migrate-get"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DATABASE_URL": BAD_URLS[0]})
    assert proc.returncode != 0 and SECRET not in proc.stdout + proc.stderr


@pytest.mark.anyio
async def test_driver_errors_and_reprs_do_not_show_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from psycopg_pool import AsyncConnectionPool, ConnectionPool
    from river_asyncpg import AsyncpgDriver
    from river_psycopg2 import Psycopg2Driver
    from river_psycopg3 import AsyncPsycopgDriver, PsycopgDriver

    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    for url in BAD_URLS:
        with pytest.raises(Exception) as info:
            await AsyncpgDriver.open(url)
        texts += [str(info.value), repr(info.value), str(info.value.__cause__)]
        with pytest.raises(Exception) as sinfo:
            Psycopg2Driver.open(url)
        texts += [str(sinfo.value), repr(sinfo.value)]
    sync_pool: ConnectionPool[Any] = ConnectionPool(BAD_URLS[0], open=False)
    async_pool: AsyncConnectionPool[Any] = AsyncConnectionPool(BAD_URLS[0], open=False)
    objects: list[Any] = [PsycopgDriver(sync_pool), AsyncPsycopgDriver(async_pool)]
    objects += [d.get_executor("s") for d in objects] + [d.get_listener() for d in objects]
    objects += [river.Client(objects[0], river.Config(schema="s")), river.Config(schema="s")]
    texts += [repr(o) for o in objects] + [str(o) for o in objects]
    listener = objects[3]
    with pytest.raises(Exception) as linfo:
        await asyncio.wait_for(listener.connect(), 20)
    texts += [str(linfo.value), repr(linfo.value)]
    texts += [r.getMessage() for r in caplog.records]
    leaked = [t for t in texts if SECRET in t]
    assert not leaked, leaked
