"""Jobs enqueued inside Django transactions (run by test_django_tx.py in a process of its
own per Django backend: Django's settings and backend library are per process)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from tests.contrib import _django_setup

BACKEND = os.environ.get("RIVER_DJANGO_BACKEND", "psycopg")
_django_setup.configure(BACKEND)

from django.db import connection, connections, transaction  # noqa: E402

import river  # noqa: E402
from river.testing import require_inserted_tx  # noqa: E402
from tests._client_helpers import started, wait_for_state  # noqa: E402
from tests.contrib._orm import (  # noqa: E402
    NoteArgs,
    OtherArgs,
    app_rows,
    config,
    create_app_table,
    job_kinds,
)


@pytest.fixture(autouse=True)
def _close_django_connection() -> Any:
    yield
    connection.close()


@pytest.fixture
def table(database_url: str, schema: str) -> str:
    return create_app_table(database_url, schema)


def _write_row(table: str, body: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (body) VALUES (%s)", [body])


class NoteWorker(river.Worker[NoteArgs]):
    def work(self, job: river.Job[NoteArgs]) -> None:
        pass


def test_atomic_commit_job_visible_and_worked(
    driver: Any, schema: str, table: str, database_url: str
) -> None:
    workers = river.Workers()
    workers.add(NoteWorker())
    client = river.Client(driver, config(schema, workers))
    with transaction.atomic():
        _write_row(table, "hello")
        inserted = client.insert_tx(connection, NoteArgs("hello"))
        assert job_kinds(database_url, schema) == []
    assert app_rows(database_url, table) == ["hello"]
    assert job_kinds(database_url, schema) == ["note"]
    with started(client):
        row = wait_for_state(client, inserted.job.id, river.JobState.COMPLETED)
    assert row.state is river.JobState.COMPLETED


def test_atomic_rollback_leaves_no_job(
    driver: Any, schema: str, table: str, database_url: str
) -> None:
    client = river.Client(driver, config(schema))
    with pytest.raises(RuntimeError), transaction.atomic():
        _write_row(table, "lost")
        client.insert_tx(connection, NoteArgs("lost"))
        raise RuntimeError("request failed")
    assert app_rows(database_url, table) == []
    assert job_kinds(database_url, schema) == []


def test_job_first_in_atomic_rolls_back_with_it(
    driver: Any, schema: str, database_url: str
) -> None:
    # Django begins the transaction lazily: the job must still be inside it.
    client = river.Client(driver, config(schema))
    with transaction.atomic():
        client.insert_tx(connections["default"], NoteArgs("x"))
        transaction.set_rollback(True)
    assert job_kinds(database_url, schema) == []


def test_savepoint_rollback_drops_only_the_inner_job(
    driver: Any, schema: str, database_url: str
) -> None:
    client = river.Client(driver, config(schema))
    with transaction.atomic():
        client.insert_tx(connection, NoteArgs("outer"))
        with pytest.raises(RuntimeError), transaction.atomic():
            client.insert_many_tx(connection, [OtherArgs("inner")])
            raise RuntimeError("inner block failed")
    assert job_kinds(database_url, schema) == ["note"]


def test_autocommit_outside_atomic_writes_at_once(
    driver: Any, schema: str, database_url: str
) -> None:
    client = river.Client(driver, config(schema))
    client.insert_tx(connection, NoteArgs("now"))
    assert job_kinds(database_url, schema) == ["note"]


def test_every_tx_entry_point_takes_the_connection(
    driver: Any, schema: str, database_url: str
) -> None:
    client = river.Client(driver, config(schema))
    with transaction.atomic():
        job = client.insert_tx(connection, NoteArgs("x")).job
        assert client.job_get_tx(connection, job.id).id == job.id
        assert require_inserted_tx(client, connection, NoteArgs).id == job.id
        assert client.job_cancel_tx(connection, job.id).state is river.JobState.CANCELLED
        client.queue_pause_tx(connection, "*")
        assert client.job_delete_tx(connection, job.id).id == job.id
        client.insert_many_fast_tx(connection, [OtherArgs("fast")])
    assert job_kinds(database_url, schema) == ["other"]


class CompleteInAtomicWorker(river.Worker[NoteArgs]):
    def __init__(self, table: str, driver_name: str) -> None:
        self.table, self.driver_name = table, driver_name

    def work(self, job: river.Job[NoteArgs]) -> None:
        module = __import__(f"river_{self.driver_name}")
        try:
            with transaction.atomic():
                _write_row(self.table, "worked")
                module.job_complete_tx(connection, job)
        finally:
            connection.close()  # this worker thread's own Django connection


def test_job_complete_tx_in_a_worker(
    driver: Any, schema: str, table: str, database_url: str
) -> None:
    workers = river.Workers()
    workers.add(CompleteInAtomicWorker(table, driver.name))
    client = river.Client(driver, config(schema, workers))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    job = client.insert(NoteArgs("x")).job
    with started(client):
        completed.get(timeout=10)
    assert app_rows(database_url, table) == ["worked"]
    assert client.job_get(job.id).state is river.JobState.COMPLETED


def test_async_client_rejects_django_connection(schema: str, database_url: str) -> None:
    from river_psycopg3 import AsyncPsycopgDriver

    async def attempt() -> None:
        driver = await AsyncPsycopgDriver.open(database_url, max_size=1)
        try:
            client = river.AsyncClient(driver, config(schema))
            with pytest.raises(TypeError, match="Django's connection is sync"):
                await client.insert_tx(connection, NoteArgs())
        finally:
            await driver.close()

    asyncio.run(attempt())


def test_client_of_the_other_library_rejects_the_connection(
    schema: str, database_url: str
) -> None:
    if BACKEND == "psycopg":
        from river_psycopg2 import Psycopg2Driver as Other
    else:
        from river_psycopg3 import PsycopgDriver as Other  # type: ignore[assignment]
    other = Other.open(database_url, max_size=1)
    try:
        client = river.Client(other, config(schema))
        with pytest.raises(TypeError, match=f"driver is {other.name}, which accepts"):
            client.insert_tx(connection, NoteArgs())
    finally:
        other.close()
