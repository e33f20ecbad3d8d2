"""The migrator's statements and catalog questions: ping, tables and columns, migration
rows by line.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from river.driver.query import SCHEMA_MARK as S
from tests.driver._conformance_async import mixed_case_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
async def schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    async with mixed_case_schema(adriver) as name:
        yield name


async def test_ping_and_catalog_questions(aexecutor: Any) -> None:
    await aexecutor.ping()
    assert await aexecutor.table_exists("river_job")
    assert not await aexecutor.table_exists("no_such_table")
    assert await aexecutor.column_exists("river_migration", "line")
    assert not await aexecutor.column_exists("river_migration", "no_such_column")
    assert not await aexecutor.column_exists("no_such_table", "line")


async def test_migration_rows_by_line_and_assuming_main(aexecutor: Any) -> None:
    applied = await aexecutor.migration_get_by_line("main")
    assert applied == sorted(applied) and applied[0] == 1
    async with aexecutor.transaction() as tx:
        await tx.migration_insert_many("other", [1, 2])
        assert await tx.migration_get_by_line("other") == [1, 2]
        await tx.migration_delete_by_line_many("other", [1, 2])
        assert await tx.migration_get_by_line("other") == []
    # The shape before version 5: no line column, every row is the main line's.
    with pytest.raises(RuntimeError):
        async with aexecutor.transaction() as tx:
            await tx.exec_script(f"ALTER TABLE {S}river_migration DROP COLUMN line")
            assert await tx.migration_get_all_assuming_main() == applied
            await tx.migration_delete_assuming_main_many(applied[-2:])
            await tx.migration_insert_many_assuming_main([applied[-1]])
            assert await tx.migration_get_all_assuming_main() == [*applied[:-2], applied[-1]]
            raise RuntimeError("roll the table's shape back")
    assert await aexecutor.migration_get_by_line("main") == applied
