"""``river job``, ``river queue`` and ``river stats`` run as ``python -m river`` against a
real database: JSON for scripts, aligned tables, exit codes, bad ids, and no database
refused (never a throwaway server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from river_psycopg3 import PsycopgDriver

import river
from tests._db import admin_execute, selected_drivers

MISSING = "987654321"


@dataclass
class CmdArgs:
    kind = "cmd_job"
    n: int = 0


@dataclass
class OtherArgs:
    kind = "other_job"


def river_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return subprocess.run(
        [sys.executable, "-m", "river", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, "DATABASE_URL": "", "RIVER_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})},
    )


@pytest.fixture
def client(database_url: str, schema: str) -> Iterator[Any]:
    driver = PsycopgDriver.open(database_url, max_size=2)
    try:
        yield river.Client(driver, river.Config(schema=schema))
    finally:
        driver.close()


def _db(database_url: str, schema: str) -> list[str]:
    return ["--database-url", database_url, "--schema", schema]


def _json(done: subprocess.CompletedProcess[str], code: int = 0) -> Any:
    assert done.returncode == code, done
    return json.loads(done.stdout)


def test_job_list_filters_json_and_table(client: Any, database_url: str, schema: str) -> None:
    a = client.insert(CmdArgs(1)).job
    b = client.insert(CmdArgs(2)).job
    c = client.insert(OtherArgs(), river.InsertOpts(queue="other")).job
    db = _db(database_url, schema)
    listed = _json(river_cli("job", "list", "--json", *db))
    assert [j["id"] for j in listed] == [c.id, b.id, a.id]
    assert listed[2]["args"] == {"n": 1} and listed[2]["state"] == "available"
    assert [
        j["id"] for j in _json(river_cli("job", "list", "--json", "--queue", "other", *db))
    ] == [c.id]
    assert [
        j["id"]
        for j in _json(river_cli("job", "list", "--json", "--kind", "cmd_job", "--limit", "1", *db))
    ] == [b.id]
    assert _json(river_cli("job", "list", "--json", "--state", "completed", *db)) == []

    table = river_cli("job", "list", *db)
    assert table.returncode == 0, table
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "KIND", "QUEUE", "STATE", "ATTEMPT", "SCHEDULED", "AT"]
    assert "\x1b[" not in table.stdout  # no colours when not on a terminal
    # Aligned: every row's kind, queue and state start where their headers do.
    for header in ("KIND", "QUEUE", "STATE"):
        column = lines[0].index(header)
        assert all(line[column - 2 : column] == "  " and line[column] != " " for line in lines[1:])
    assert len(lines) == 4

    bad = river_cli("job", "list", "--state", "nonsense", *db)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_job_get_and_bad_ids(client: Any, database_url: str, schema: str) -> None:
    job = client.insert(CmdArgs(7), river.InsertOpts(tags=["urgent"])).job
    db = _db(database_url, schema)
    got = _json(river_cli("job", "get", str(job.id), "--json", *db))
    assert got["id"] == job.id and got["kind"] == "cmd_job" and got["args"] == {"n": 7}
    assert got["tags"] == ["urgent"] and got["errors"] == [] and got["finalized_at"] is None
    shown = river_cli("job", "get", str(job.id), *db)
    assert shown.returncode == 0 and "cmd_job" in shown.stdout

    missing = river_cli("job", "get", MISSING, "--json", *db)
    assert missing.returncode == 3 and missing.stdout == ""
    assert missing.stderr.strip() == f"river: job {MISSING} not found"
    for bad in ("abc", "0", "-5"):
        done = river_cli("job", "get", bad, *db)
        assert done.returncode == 2 and "not a job id" in done.stderr, done


def test_job_cancel_retry_delete(client: Any, database_url: str, schema: str) -> None:
    one = client.insert(CmdArgs(1)).job
    two = client.insert(CmdArgs(2)).job
    db = _db(database_url, schema)
    cancelled = _json(river_cli("job", "cancel", str(one.id), MISSING, "--json", *db), code=3)
    assert [(r["id"], r["ok"], r["error"]) for r in cancelled] == [
        (one.id, True, None),
        (int(MISSING), False, "not found"),
    ]
    assert cancelled[0]["job"]["state"] == "cancelled"
    assert client.job_get(one.id).state is river.JobState.CANCELLED

    retried = _json(river_cli("job", "retry", str(one.id), "--json", *db))
    assert retried[0]["job"]["state"] == "available"
    assert client.job_get(one.id).state is river.JobState.AVAILABLE

    done = river_cli("job", "delete", str(one.id), str(two.id), *db)
    assert done.returncode == 0, done
    assert client.job_list() == []
    again = river_cli("job", "delete", str(one.id), *db)
    assert again.returncode == 3 and f"job {one.id} not found" in again.stderr


def test_queue_list_pause_resume(client: Any, database_url: str, schema: str) -> None:
    admin_execute(
        database_url,
        f"INSERT INTO {schema}.river_queue (name, created_at, metadata, updated_at) "
        "VALUES ('default', now(), '{}', now()), ('mail', now(), '{}', now())",
    )
    db = _db(database_url, schema)
    listed = _json(river_cli("queue", "list", "--json", *db))
    assert [(q["name"], q["paused"]) for q in listed] == [("default", False), ("mail", False)]

    paused = _json(river_cli("queue", "pause", "mail", "--json", *db))
    assert [(q["name"], q["paused"]) for q in paused] == [("mail", True)]
    assert client.queue_get("mail").paused_at is not None
    table = river_cli("queue", "list", *db)
    assert table.returncode == 0
    assert [line.split()[:2] for line in table.stdout.splitlines()] == [
        ["NAME", "STATE"],
        ["default", "active"],
        ["mail", "paused"],
    ]
    resumed = river_cli("queue", "resume", "mail", *db)
    assert resumed.returncode == 0 and resumed.stdout == "resumed queue mail\n"
    assert client.queue_get("mail").paused_at is None

    missing = river_cli("queue", "pause", "nope", *db)
    assert missing.returncode == 3 and "queue 'nope' not found" in missing.stderr


def test_stats_match_counts(client: Any, database_url: str, schema: str) -> None:
    for n in range(3):
        client.insert(CmdArgs(n))
    cancel = client.insert(OtherArgs(), river.InsertOpts(queue="other")).job
    client.job_cancel(cancel.id)
    stats = _json(river_cli("stats", "--json", *_db(database_url, schema)))
    rows = admin_execute(
        database_url,
        f"SELECT queue, state::text, count(*) FROM {schema}.river_job GROUP BY queue, state",
    )
    assert {(q, s): n for q, s, n in rows} == {
        (q, s): n for q, by_state in stats["queues"].items() for s, n in by_state.items() if n
    }
    assert stats["total"]["available"] == 3 and stats["total"]["cancelled"] == 1
    table = river_cli("stats", *_db(database_url, schema))
    assert table.returncode == 0
    assert table.stdout.splitlines()[-1].split()[0] == "total"


@pytest.mark.parametrize("driver_name", selected_drivers())
def test_each_driver(client: Any, database_url: str, schema: str, driver_name: str) -> None:
    job = client.insert(CmdArgs(5)).job
    db = [*_db(database_url, schema), "--driver", driver_name]
    assert [j["id"] for j in _json(river_cli("job", "list", "--json", *db))] == [job.id]
    assert _json(river_cli("job", "cancel", str(job.id), "--json", *db))[0]["ok"] is True
    assert river_cli("job", "get", MISSING, *db).returncode == 3


def test_no_database_is_refused() -> None:
    for args in (("job", "list"), ("queue", "pause", "x"), ("stats",)):
        done = river_cli(*args)
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.startswith("river: error: no database given"), done.stderr
        assert "DATABASE_URL" in done.stderr and "PG" in done.stderr


def test_job_list_orders_and_continues_after_a_cursor(
    client: Any, database_url: str, schema: str
) -> None:
    jobs = [client.insert(CmdArgs(n)).job for n in range(5)]
    for job in (jobs[3], jobs[0], jobs[4]):
        client.job_cancel(job.id)
    db = _db(database_url, schema)
    first = river_cli("job", "list", "--json", "--state", "cancelled", "--order-by", "time",
                      "--ascending", "--limit", "2", *db)
    assert [j["id"] for j in _json(first)] == [jobs[3].id, jobs[0].id]
    cursor = first.stderr.split("--after ")[1].split()[0]
    rest = river_cli("job", "list", "--json", "--state", "cancelled", "--order-by", "time",
                     "--ascending", "--limit", "2", "--after", cursor, *db)
    assert [j["id"] for j in _json(rest)] == [jobs[4].id]
    assert "--after" not in rest.stderr
    mixed = river_cli("job", "list", "--order-by", "finalized_at", "--state", "available", *db)
    assert mixed.returncode == 1 and "cannot order by finalized_at" in mixed.stderr
    garbage = river_cli("job", "list", "--after", "nonsense!", *db)
    assert garbage.returncode == 1 and "not a job list cursor" in garbage.stderr
