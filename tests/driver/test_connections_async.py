"""Connections and transactions: the pool, nesting, errors, scripts, other schemas, and
executors on a caller's own connection.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from river.driver.errors import ConnectionLostError, UniqueViolationError
from river.driver.params import JobListParams, QueueCreateOrSetUpdatedAtParams
from river.driver.query import SCHEMA_MARK as S
from river.plugins.manager import aopen_driver
from tests._client_helpers_async import user_tx
from tests.driver._conformance_async import (
    autocommit_connection,
    job_params,
    kill_sessions,
    mixed_case_schema,
    tagged_url,
    user_connection,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    async with mixed_case_schema(adriver) as name:
        yield name


async def test_pool_recovers_from_killed_connections(adriver: Any, aexecutor: Any) -> None:
    url, tag = tagged_url()
    doomed = await aopen_driver(url, adriver.name, min_size=2, max_size=2)
    try:
        doomed_ex = doomed.get_executor()
        assert tuple(await doomed_ex.fetch_one("SELECT 1")) == (1,)
        await kill_sessions(aexecutor, tag)
        lost = 0
        for _ in range(5):
            try:
                row = await doomed_ex.fetch_one("SELECT 2")
            except ConnectionLostError:
                lost += 1
                continue
            assert tuple(row) == (2,)
            break
        else:
            raise AssertionError("the pool kept handing out dead connections")
        assert lost <= 2
    finally:
        await doomed.close()


async def test_pool_transactions_commit_roll_back_and_nest(aexecutor: Any) -> None:
    async with aexecutor.transaction() as tx:
        await tx.job_insert_fast_many([job_params(kind="outer")])
        with pytest.raises(RuntimeError):
            async with tx.transaction() as sp:
                await sp.job_insert_fast_many([job_params(kind="savepoint")])
                raise RuntimeError("roll back to the savepoint")
        async with tx.transaction() as sp:
            async with sp.transaction() as deeper:
                await deeper.job_insert_fast_many([job_params(kind="nested")])
        # Not committed yet: invisible to another connection.
        assert await aexecutor.job_list(JobListParams()) == []
    with pytest.raises(RuntimeError):
        async with aexecutor.transaction() as tx:
            await tx.job_insert_fast_many_no_returning([job_params(kind="copied")])
            raise RuntimeError("roll back")
    assert [j.kind for j in await aexecutor.job_list(JobListParams())] == ["outer", "nested"]


async def test_errors_inside_a_transaction(aexecutor: Any) -> None:
    async with aexecutor.transaction() as tx:
        await tx.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="dup"))
        insert = f"INSERT INTO {S}river_queue (name, updated_at) VALUES (@name::text, now())"
        with pytest.raises(UniqueViolationError) as raised:
            async with tx.transaction() as sp:
                await sp.execute(insert, {"name": "dup"})
        assert raised.value.constraint == "river_queue_pkey"
        # The savepoint rolled back: the transaction goes on.
        await tx.execute(insert, {"name": "other"})
    assert [q.name for q in await aexecutor.queue_list()] == ["dup", "other"]


async def test_unwrap_executor_on_a_callers_connection(adriver: Any, schema: str) -> None:
    pool_ex = adriver.get_executor(schema)
    async with user_connection(adriver, commit=False) as conn:
        tx_ex = adriver.unwrap_executor(conn, schema)
        await tx_ex.job_insert_fast_many([job_params(kind="rolled_back")])
        await tx_ex.job_insert_fast_many_no_returning([job_params(kind="rolled_back_copy")])
        assert len(await tx_ex.job_list(JobListParams())) == 2
        assert await pool_ex.job_list(JobListParams()) == []
    async with user_connection(adriver, commit=True) as conn:
        tx_ex = adriver.unwrap_executor(conn, schema)
        with pytest.raises(RuntimeError):
            async with tx_ex.transaction() as sp:
                await sp.job_insert_fast_many([job_params(kind="savepoint")])
                raise RuntimeError("roll back to the savepoint")
        async with tx_ex.transaction() as sp:
            await sp.job_insert_fast_many([job_params(kind="committed")])
    assert [j.kind for j in await pool_ex.job_list(JobListParams())] == ["committed"]


async def test_exec_script_and_percent_signs(aexecutor: Any) -> None:
    await aexecutor.exec_script(
        f"CREATE TABLE {S}smoke_t (v text); INSERT INTO {S}smoke_t VALUES ('100%')"
    )
    assert tuple(await aexecutor.fetch_one(f"SELECT v || '%' FROM {S}smoke_t")) == ("100%%",)
    row = await aexecutor.fetch_one("SELECT @v::text || '%'", {"v": "%(x)s"})
    assert tuple(row) == ("%(x)s%",)
    assert await aexecutor.table_exists("smoke_t") and not await aexecutor.table_exists("nope")


async def test_unwrap_executor_on_an_autocommit_connection(adriver: Any, schema: str) -> None:
    pool_ex = adriver.get_executor(schema)
    async with autocommit_connection(adriver) as conn:
        conn_ex = adriver.unwrap_executor(conn, schema)
        await conn_ex.job_insert_fast_many([job_params(kind="autocommitted")])
        with pytest.raises(RuntimeError):
            async with conn_ex.transaction() as tx:
                await tx.job_insert_fast_many([job_params(kind="rolled_back")])
                raise RuntimeError("roll back")
        async with conn_ex.transaction() as tx:
            async with tx.transaction() as sp:
                await sp.job_insert_fast_many([job_params(kind="committed")])
    kinds = [j.kind for j in await pool_ex.job_list(JobListParams())]
    assert kinds == ["autocommitted", "committed"]


async def test_transactions_commit_rollback_savepoint(aexecutor: Any) -> None:
    async with aexecutor.transaction() as tx:
        await tx.job_insert_fast_many([job_params(kind="kept")])
        with pytest.raises(RuntimeError):
            async with tx.transaction() as sp:
                await sp.job_insert_fast_many([job_params(kind="savepoint")])
                raise RuntimeError("roll back the savepoint")
    with pytest.raises(RuntimeError):
        async with aexecutor.transaction() as tx:
            await tx.job_insert_fast_many([job_params(kind="gone")])
            raise RuntimeError("roll back")
    assert [j.kind for j in await aexecutor.job_list(JobListParams())] == ["kept"]


async def test_unwrap_executor_joins_callers_transaction(adriver: Any, schema: str) -> None:
    async with user_tx(adriver, rollback=True) as tx:
        ex = adriver.unwrap_executor(tx, schema)
        await ex.job_insert_fast_many([job_params(kind="rolled_back")])
        assert len(await ex.job_list(JobListParams())) == 1
    async with user_tx(adriver) as tx:
        ex = adriver.unwrap_executor(tx, schema)
        await ex.job_insert_fast_many([job_params(kind="committed")])
    jobs = await adriver.get_executor(schema).job_list(JobListParams())
    assert [j.kind for j in jobs] == ["committed"]


async def test_with_schema_names_another_schemas_tables(adriver: Any, aexecutor: Any) -> None:
    elsewhere = adriver.get_executor("river_no_such_schema")
    assert not await elsewhere.table_exists("river_job")
    moved = elsewhere.with_schema(aexecutor.schema)
    assert moved.schema == aexecutor.schema and elsewhere.schema == "river_no_such_schema"
    assert await moved.table_exists("river_job")
    assert aexecutor.with_schema(aexecutor.schema) is aexecutor
