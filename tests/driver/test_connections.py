# WARNING: this file is generated from 'test_connections_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Connections and transactions: the pool, nesting, errors, scripts, other schemas, and
executors on a caller's own connection.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.errors import ConnectionLostError, UniqueViolationError
from river.driver.params import JobListParams, QueueCreateOrSetUpdatedAtParams
from river.driver.query import SCHEMA_MARK as S
from river.plugins.manager import open_driver
from tests._client_helpers import user_tx
from tests.driver._conformance import (
    autocommit_connection,
    job_params,
    kill_sessions,
    mixed_case_schema,
    tagged_url,
    user_connection,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_pool_recovers_from_killed_connections(driver: Any, executor: Any) -> None:
    url, tag = tagged_url()
    doomed = open_driver(url, driver.name, min_size=2, max_size=2)
    try:
        doomed_ex = doomed.get_executor()
        assert tuple(doomed_ex.fetch_one("SELECT 1")) == (1,)
        kill_sessions(executor, tag)
        lost = 0
        for _ in range(5):
            try:
                row = doomed_ex.fetch_one("SELECT 2")
            except ConnectionLostError:
                lost += 1
                continue
            assert tuple(row) == (2,)
            break
        else:
            raise AssertionError("the pool kept handing out dead connections")
        assert lost <= 2
    finally:
        doomed.close()


def test_pool_transactions_commit_roll_back_and_nest(executor: Any) -> None:
    with executor.transaction() as tx:
        tx.job_insert_fast_many([job_params(kind="outer")])
        with pytest.raises(RuntimeError):
            with tx.transaction() as sp:
                sp.job_insert_fast_many([job_params(kind="savepoint")])
                raise RuntimeError("roll back to the savepoint")
        with tx.transaction() as sp:
            with sp.transaction() as deeper:
                deeper.job_insert_fast_many([job_params(kind="nested")])
        # Not committed yet: invisible to another connection.
        assert executor.job_list(JobListParams()) == []
    with pytest.raises(RuntimeError):
        with executor.transaction() as tx:
            tx.job_insert_fast_many_no_returning([job_params(kind="copied")])
            raise RuntimeError("roll back")
    assert [j.kind for j in executor.job_list(JobListParams())] == ["outer", "nested"]


def test_errors_inside_a_transaction(executor: Any) -> None:
    with executor.transaction() as tx:
        tx.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="dup"))
        insert = f"INSERT INTO {S}river_queue (name, updated_at) VALUES (@name::text, now())"
        with pytest.raises(UniqueViolationError) as raised:
            with tx.transaction() as sp:
                sp.execute(insert, {"name": "dup"})
        assert raised.value.constraint == "river_queue_pkey"
        # The savepoint rolled back: the transaction goes on.
        tx.execute(insert, {"name": "other"})
    assert [q.name for q in executor.queue_list()] == ["dup", "other"]


def test_unwrap_executor_on_a_callers_connection(driver: Any, schema: str) -> None:
    pool_ex = driver.get_executor(schema)
    with user_connection(driver, commit=False) as conn:
        tx_ex = driver.unwrap_executor(conn, schema)
        tx_ex.job_insert_fast_many([job_params(kind="rolled_back")])
        tx_ex.job_insert_fast_many_no_returning([job_params(kind="rolled_back_copy")])
        assert len(tx_ex.job_list(JobListParams())) == 2
        assert pool_ex.job_list(JobListParams()) == []
    with user_connection(driver, commit=True) as conn:
        tx_ex = driver.unwrap_executor(conn, schema)
        with pytest.raises(RuntimeError):
            with tx_ex.transaction() as sp:
                sp.job_insert_fast_many([job_params(kind="savepoint")])
                raise RuntimeError("roll back to the savepoint")
        with tx_ex.transaction() as sp:
            sp.job_insert_fast_many([job_params(kind="committed")])
    assert [j.kind for j in pool_ex.job_list(JobListParams())] == ["committed"]


def test_exec_script_and_percent_signs(executor: Any) -> None:
    executor.exec_script(
        f"CREATE TABLE {S}smoke_t (v text); INSERT INTO {S}smoke_t VALUES ('100%')"
    )
    assert tuple(executor.fetch_one(f"SELECT v || '%' FROM {S}smoke_t")) == ("100%%",)
    row = executor.fetch_one("SELECT @v::text || '%'", {"v": "%(x)s"})
    assert tuple(row) == ("%(x)s%",)
    assert executor.table_exists("smoke_t") and (not executor.table_exists("nope"))


def test_unwrap_executor_on_an_autocommit_connection(driver: Any, schema: str) -> None:
    pool_ex = driver.get_executor(schema)
    with autocommit_connection(driver) as conn:
        conn_ex = driver.unwrap_executor(conn, schema)
        conn_ex.job_insert_fast_many([job_params(kind="autocommitted")])
        with pytest.raises(RuntimeError):
            with conn_ex.transaction() as tx:
                tx.job_insert_fast_many([job_params(kind="rolled_back")])
                raise RuntimeError("roll back")
        with conn_ex.transaction() as tx:
            with tx.transaction() as sp:
                sp.job_insert_fast_many([job_params(kind="committed")])
    kinds = [j.kind for j in pool_ex.job_list(JobListParams())]
    assert kinds == ["autocommitted", "committed"]


def test_transactions_commit_rollback_savepoint(executor: Any) -> None:
    with executor.transaction() as tx:
        tx.job_insert_fast_many([job_params(kind="kept")])
        with pytest.raises(RuntimeError):
            with tx.transaction() as sp:
                sp.job_insert_fast_many([job_params(kind="savepoint")])
                raise RuntimeError("roll back the savepoint")
    with pytest.raises(RuntimeError):
        with executor.transaction() as tx:
            tx.job_insert_fast_many([job_params(kind="gone")])
            raise RuntimeError("roll back")
    assert [j.kind for j in executor.job_list(JobListParams())] == ["kept"]


def test_unwrap_executor_joins_callers_transaction(driver: Any, schema: str) -> None:
    with user_tx(driver, rollback=True) as tx:
        ex = driver.unwrap_executor(tx, schema)
        ex.job_insert_fast_many([job_params(kind="rolled_back")])
        assert len(ex.job_list(JobListParams())) == 1
    with user_tx(driver) as tx:
        ex = driver.unwrap_executor(tx, schema)
        ex.job_insert_fast_many([job_params(kind="committed")])
    jobs = driver.get_executor(schema).job_list(JobListParams())
    assert [j.kind for j in jobs] == ["committed"]


def test_with_schema_names_another_schemas_tables(driver: Any, executor: Any) -> None:
    elsewhere = driver.get_executor("river_no_such_schema")
    assert not elsewhere.table_exists("river_job")
    moved = elsewhere.with_schema(executor.schema)
    assert moved.schema == executor.schema and elsewhere.schema == "river_no_such_schema"
    assert moved.table_exists("river_job")
    assert executor.with_schema(executor.schema) is executor
