"""Django tasks on RiverBackend (run by test_django_tasks.py in a process of its own per
Django PostgreSQL backend: Django's settings and backend library are per process)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.contrib import _django_setup

BACKEND = os.environ.get("RIVER_DJANGO_BACKEND", "psycopg")
BACKEND_PATH = "river.contrib.django.tasks.RiverBackend"
_django_setup.configure(
    BACKEND,
    tasks={
        "default": {"BACKEND": BACKEND_PATH, "QUEUES": ["default", "reports"]},
        "on_commit": {"BACKEND": BACKEND_PATH, "OPTIONS": {"ENQUEUE_ON_COMMIT": True}},
    },
)

from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.tasks import TaskResultStatus, task_backends  # noqa: E402
from django.tasks.exceptions import (  # noqa: E402
    InvalidTask,
    TaskResultDoesNotExist,
    TaskResultMismatch,
)
from django.test import override_settings  # noqa: E402

import river  # noqa: E402
from river.contrib.django import close_client, get_client, make_client  # noqa: E402
from river.contrib.django.tasks import RiverBackend  # noqa: E402
from river.errors import ArgsEncodeError  # noqa: E402
from tests._client_helpers import started, wait_for_state  # noqa: E402
from tests._db import admin_execute  # noqa: E402
from tests.contrib import _django_tasks as tasks  # noqa: E402
from tests.contrib._orm import NoteArgs, create_app_table  # noqa: E402

FINAL = (river.JobState.COMPLETED, river.JobState.DISCARDED, river.JobState.CANCELLED)


@pytest.fixture(autouse=True)
def _river_schema(schema: str) -> Iterator[None]:
    conf = {"SCHEMA": schema, "POOL_SIZE": 3, "CONFIG": {"fetch_cooldown": 0.01, "fetch_poll_interval": 0.05}}
    with override_settings(RIVER=conf):
        yield
        close_client()
    connection.close()


def jobs(database_url: str, schema: str) -> list[tuple[Any, ...]]:
    return admin_execute(
        database_url,
        f'SELECT id, kind, queue, priority, state FROM "{schema}".river_job ORDER BY id',
    )


def work(*job_ids: int) -> list[river.JobRow]:
    """Run river_worker's client (make_client) until each job is finalized."""
    client = make_client()
    try:
        with started(client):
            return [wait_for_state(client, i, *FINAL, timeout=60) for i in job_ids]
    finally:
        client.close()


def test_enqueue_inside_rolled_back_atomic_leaves_no_job(database_url: str, schema: str) -> None:
    with transaction.atomic():
        result = tasks.add.enqueue(1, 2)
        assert result.id.isdigit()
        assert tasks.add.get_result(result.id).status == TaskResultStatus.READY
        assert jobs(database_url, schema) == []  # not committed: invisible elsewhere
        transaction.set_rollback(True)
    assert jobs(database_url, schema) == []
    with pytest.raises(TaskResultDoesNotExist):
        tasks.add.get_result(result.id)


def test_enqueue_inside_committed_atomic_commits_with_it(database_url: str, schema: str) -> None:
    table = create_app_table(database_url, schema)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (body) VALUES ('row')")
        result = tasks.count_rows.enqueue(table)
        assert jobs(database_url, schema) == []
    assert [j[1] for j in jobs(database_url, schema)] == ["django_task"]
    (row,) = work(int(result.id))
    assert row.state is river.JobState.COMPLETED
    assert tasks.count_rows.get_result(result.id).return_value == 1


def test_enqueue_on_commit_inserts_at_commit_only(database_url: str, schema: str) -> None:
    with transaction.atomic():
        result = tasks.on_commit_add.enqueue(1, 2)
        assert result.id == ""
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{schema}".river_job')
            assert cursor.fetchone()[0] == 0  # not even in the transaction
    assert result.id.isdigit()
    assert [(j[0], j[1]) for j in jobs(database_url, schema)] == [(int(result.id), "django_task")]
    assert tasks.on_commit_add.get_result(result.id).status == TaskResultStatus.READY


def test_enqueue_on_commit_rolled_back_never_inserts(database_url: str, schema: str) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        result = tasks.on_commit_add.enqueue(1, 2)
        raise RuntimeError("request failed")
    assert result.id == ""
    assert jobs(database_url, schema) == []


def test_backend_option_enqueue_on_commit_and_task_override(database_url: str, schema: str) -> None:
    with transaction.atomic():
        deferred = tasks.backend_on_commit_add.enqueue(1, 1)
        in_tx = tasks.in_tx_add.enqueue(2, 2)
        assert deferred.id == "" and in_tx.id.isdigit()
        transaction.set_rollback(True)
    assert jobs(database_url, schema) == []


def test_enqueue_outside_atomic_writes_at_once(database_url: str, schema: str) -> None:
    result = tasks.on_commit_add.enqueue(3, 4)  # no transaction: on_commit runs at once
    now = tasks.add.enqueue(5, 6)
    assert [j[0] for j in jobs(database_url, schema)] == [int(result.id), int(now.id)]


def test_worked_result_status_return_value_and_times(database_url: str, schema: str) -> None:
    result = tasks.add.enqueue(2, 3)
    assert result.status == TaskResultStatus.READY and result.enqueued_at is not None
    (row,) = work(int(result.id))
    got = tasks.add.get_result(result.id)
    assert got.status == TaskResultStatus.SUCCESSFUL
    assert got.return_value == 5
    assert got.errors == [] and got.args == [2, 3] and got.kwargs == {}
    assert got.worker_ids == row.attempted_by and got.attempts == 1
    assert got.finished_at == row.finalized_at and got.started_at == row.attempted_at
    assert row.output == 5
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == 5


def test_failure_recorded_as_task_errors(database_url: str, schema: str) -> None:
    result = tasks.fail.enqueue("broken \u202e")
    (row,) = work(int(result.id))
    assert row.state is river.JobState.DISCARDED  # MAX_ATTEMPTS defaults to 1
    got = tasks.fail.get_result(result.id)
    assert got.status == TaskResultStatus.FAILED
    assert got.args == ["broken \u202e"]
    (error,) = got.errors
    assert error.exception_class_path == "tests.contrib._django_tasks.Boom"
    assert error.exception_class is tasks.Boom
    assert "raise Boom(message)" in error.traceback and "Boom: broken" in error.traceback
    with pytest.raises(ValueError, match="Task failed"):
        got.return_value  # noqa: B018


def test_takes_context(database_url: str, schema: str) -> None:
    result = tasks.with_context.enqueue("ctx")
    work(int(result.id))
    got = tasks.with_context.get_result(result.id)
    assert got.return_value == ["ctx", 1, result.id, "RUNNING"]


def test_async_task(database_url: str, schema: str) -> None:
    result = tasks.async_double.enqueue(21)
    work(int(result.id))
    assert tasks.async_double.get_result(result.id).return_value == 42


@pytest.mark.parametrize(
    ("priority", "river_priority"),
    [(100, 1), (1, 1), (0, 2), (-1, 3), (-50, 3), (-51, 4), (-100, 4)],
)
def test_priority_mapped(database_url: str, schema: str, priority: int, river_priority: int) -> None:
    result = tasks.add.using(priority=priority).enqueue(1, 1)
    assert jobs(database_url, schema)[0][3] == river_priority
    assert tasks.add.get_result(result.id).task.priority == priority


def test_queue_name_run_after_and_decorator_priority(database_url: str, schema: str) -> None:
    run_after = dt.datetime(2100, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    result = tasks.echo.using(run_after=run_after).enqueue(2**70, -0.0, [{"d": [[[]]]}], x="\u05d0")
    (job_id, kind, queue, priority, state) = jobs(database_url, schema)[0]
    assert (job_id, kind, queue, priority, state) == (int(result.id), "django_task", "reports", 1, "scheduled")
    got = tasks.echo.get_result(result.id)
    assert got.status == TaskResultStatus.READY
    assert got.task.queue_name == "reports" and got.task.priority == 10
    assert got.task.run_after == run_after
    assert got.args == [2**70, -0.0, [{"d": [[[]]]}]] and got.kwargs == {"x": "\u05d0"}
    assert tasks.add.get_result(tasks.add.enqueue(1, 1).id).task.run_after is None


def test_huge_int_round_trips_through_the_worker(database_url: str, schema: str) -> None:
    result = tasks.echo.using(queue_name="default").enqueue(2**70, n=-(2**65))
    work(int(result.id))
    assert tasks.echo.get_result(result.id).return_value == {
        "args": [2**70], "kwargs": {"n": -(2**65)}
    }


def test_get_result_of_unknown_ids(database_url: str, schema: str) -> None:
    plain = river.Client(get_client().driver, river.Config(schema=schema))
    other = plain.insert(NoteArgs("not a task")).job
    for bad in ["", "abc", "-1", "0", "1.0", " 1", "\u0661", "9" * 30, str(2**63), str(other.id), "999999"]:
        with pytest.raises(TaskResultDoesNotExist):
            tasks.add.get_result(bad)
    with pytest.raises(TaskResultMismatch):
        tasks.fail.get_result(tasks.add.enqueue(1, 1).id)


def test_bad_input_is_refused_and_writes_nothing(database_url: str, schema: str) -> None:
    with pytest.raises(ArgsEncodeError, match="nan is not representable"):
        tasks.add.enqueue(float("nan"), 1)
    with pytest.raises(ArgsEncodeError):
        tasks.on_commit_add.enqueue(float("inf"), 1)  # refused at the call, not the commit
    with pytest.raises(ArgsEncodeError, match="NUL"):
        tasks.add.enqueue("a\x00b", 1)
    for bad in ["\ud800", "\x00"]:  # refused at the call, not at the commit
        with pytest.raises(ArgsEncodeError, match="cannot be stored"), transaction.atomic():
            tasks.on_commit_add.enqueue(1, {"deep": [bad]})
    with pytest.raises(TypeError, match="Unsupported type"):
        tasks.add.enqueue(object(), 1)
    with pytest.raises(InvalidTask, match="reports"):
        tasks.add.using(queue_name="reports", backend="on_commit").enqueue(1, 1)
    with pytest.raises(InvalidTask, match="priority"):
        tasks.add.using(priority=101)
    assert jobs(database_url, schema) == []


def test_backend_options_checked() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"unknown key.*RETRIES"):
        RiverBackend("x", {"OPTIONS": {"RETRIES": 3}})
    with pytest.raises(ImproperlyConfigured, match="MAX_ATTEMPTS"):
        RiverBackend("x", {"OPTIONS": {"MAX_ATTEMPTS": 0}})
    with pytest.raises(ImproperlyConfigured, match="ENQUEUE_ON_COMMIT"):
        RiverBackend("x", {"OPTIONS": {"ENQUEUE_ON_COMMIT": "yes"}})
    with pytest.raises(ImproperlyConfigured, match=r"QUEUES.*Bad Queue"):
        RiverBackend("x", {"QUEUES": ["Bad Queue"]})
    assert RiverBackend("x", {"OPTIONS": {"MAX_ATTEMPTS": 3}}).max_attempts == 3


def test_worker_client_registers_tasks_and_their_queues() -> None:
    client = make_client()
    try:
        assert set(client.config.queues) == {"default", "reports"}
        assert client.config.queues["reports"].max_workers == 10
        assert "django_task" in client.config.workers._by_kind
    finally:
        client.close()
    assert type(task_backends["default"]) is RiverBackend


def test_max_attempts_lets_river_retry(database_url: str, schema: str) -> None:
    retrying = {"BACKEND": BACKEND_PATH, "OPTIONS": {"MAX_ATTEMPTS": 2}}
    with override_settings(TASKS={"default": retrying}):
        result = tasks.fail.enqueue("twice")
        (row,) = work(int(result.id))
        got = tasks.fail.get_result(result.id)
    assert row.max_attempts == 2 and row.attempt == 2
    assert got.status == TaskResultStatus.FAILED and got.attempts == 2
    assert [e.exception_class_path for e in got.errors] == ["tests.contrib._django_tasks.Boom"] * 2



def test_naive_run_after_is_in_the_current_time_zone(database_url: str, schema: str) -> None:
    with override_settings(USE_TZ=False, TIME_ZONE="Asia/Kolkata"):
        result = tasks.add.using(run_after=dt.datetime(2100, 1, 1, 5, 30)).enqueue(1, 1)
    (scheduled,) = admin_execute(
        database_url, f'SELECT scheduled_at FROM "{schema}".river_job WHERE id = %s', [int(result.id)]
    )[0]
    assert scheduled == dt.datetime(2100, 1, 1, 0, 0, tzinfo=dt.UTC)


def test_an_error_without_a_recorded_class_is_builtins_exception(
    database_url: str, schema: str
) -> None:
    result = tasks.add.enqueue(1, 1)
    errors = '[{"at": "2026-01-01T00:00:00Z", "attempt": 1, "error": "JobCancelledRemotelyError"}]'
    admin_execute(
        database_url,
        f"UPDATE \"{schema}\".river_job SET state = 'cancelled', attempt = 1, "
        f"finalized_at = now(), errors = ARRAY[(%s::jsonb -> 0)] WHERE id = %s",
        [errors, int(result.id)],
    )
    got = tasks.add.get_result(result.id)
    assert got.status == TaskResultStatus.FAILED
    assert [(e.exception_class_path, e.traceback) for e in got.errors] == [
        ("builtins.Exception", "JobCancelledRemotelyError")
    ]


@pytest.mark.parametrize(
    ("kind", "exception"),
    [("set", "builtins.TypeError"), ("nan", "river.InvalidJSONValueError"),
     ("nul", "river.InvalidJSONValueError")],
)
def test_a_return_value_that_cannot_be_stored_fails_the_task(
    database_url: str, schema: str, kind: str, exception: str
) -> None:
    result = tasks.returns.enqueue(kind)
    (row,) = work(int(result.id))
    got = tasks.returns.get_result(result.id)
    assert row.state is river.JobState.DISCARDED and "output" not in row.metadata
    assert got.status == TaskResultStatus.FAILED
    assert [e.exception_class_path for e in got.errors] == [exception]
    assert got.errors[0].exception_class.__name__ == exception.rpartition(".")[2]


def test_aenqueue_and_aget_result(database_url: str, schema: str) -> None:
    async def enqueue_and_read() -> tuple[str, Any]:
        result = await tasks.add.aenqueue(4, 5)
        return result.id, (await tasks.add.aget_result(result.id)).status

    result_id, status = asyncio.run(enqueue_and_read())
    assert status == TaskResultStatus.READY
    assert [j[0] for j in jobs(database_url, schema)] == [int(result_id)]
