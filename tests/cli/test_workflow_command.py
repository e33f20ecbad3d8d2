"""``river workflow list|get|cancel|retry`` run as ``python -m river`` against a real
database: JSON for scripts, tables, a workflow not found (exit 3), cancel and retry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from river_psycopg3 import PsycopgDriver

import river
from tests.cli.test_job_queue_commands import _db, _json, river_cli


@dataclass
class CliStepArgs:
    kind = "cli_workflow_step"
    name: str


@pytest.fixture
def client(database_url: str, schema: str) -> Iterator[Any]:
    driver = PsycopgDriver.open(database_url, max_size=2)
    try:
        yield river.Client(driver, river.Config(schema=schema))
    finally:
        driver.close()


def _workflow(client: Any, name: str = "etl") -> river.Workflow:
    wf = river.Workflow(name)
    a = wf.add("extract", CliStepArgs("extract"))
    wf.add("load", CliStepArgs("load"), deps=[a])
    client.insert_workflow(wf)
    return wf


def test_list_get_cancel_retry(client: Any, database_url: str, schema: str) -> None:
    wf = _workflow(client)
    db = _db(database_url, schema)
    listed = _json(river_cli("workflow", "list", "--json", *db))
    assert listed == [
        {"id": wf.id, "name": "etl", "created_at": listed[0]["created_at"],
         "counts": {"available": 1, "pending": 1}}
    ]
    got = _json(river_cli("workflow", "get", wf.id, "--json", *db))
    assert [(t["name"], t["deps"], t["job"]["state"]) for t in got["tasks"]] == [
        ("extract", [], "available"), ("load", ["extract"], "pending"),
    ]
    table = river_cli("workflow", "get", wf.id, *db)
    assert table.returncode == 0, table
    assert f"workflow {wf.id} (etl)" in table.stdout and "pending" in table.stdout
    cancelled = _json(river_cli("workflow", "cancel", wf.id, "--json", *db))
    assert {t["job"]["state"] for t in cancelled["tasks"]} == {"cancelled"}
    retried = _json(river_cli("workflow", "retry", wf.id, "--json", *db))
    assert [t["job"]["state"] for t in retried["tasks"]] == ["available", "pending"]
    assert client.workflow_get(wf.id).states == {
        "extract": river.JobState.AVAILABLE, "load": river.JobState.PENDING,
    }


def test_list_by_name_and_table(client: Any, database_url: str, schema: str) -> None:
    one, _ = _workflow(client, "one"), _workflow(client, "two")
    db = _db(database_url, schema)
    listed = _json(river_cli("workflow", "list", "--name", "one", "--json", *db))
    assert [w["id"] for w in listed] == [one.id]
    table = river_cli("workflow", "list", *db)
    assert table.returncode == 0, table
    assert "available=1 pending=1" in table.stdout and "two" in table.stdout


@pytest.mark.parametrize("action", ["get", "cancel", "retry"])
def test_unknown_workflow_exits_3(database_url: str, schema: str, action: str) -> None:
    done = river_cli("workflow", action, "wf_missing\u202e", *_db(database_url, schema))
    assert done.returncode == 3, done
    assert "not found" in done.stderr
