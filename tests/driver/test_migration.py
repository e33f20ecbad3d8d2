# WARNING: this file is generated from 'test_migration_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The migrator's statements and catalog questions: ping, tables and columns, migration
rows by line.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.query import SCHEMA_MARK as S
from tests.driver._conformance import mixed_case_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_ping_and_catalog_questions(executor: Any) -> None:
    executor.ping()
    assert executor.table_exists("river_job")
    assert not executor.table_exists("no_such_table")
    assert executor.column_exists("river_migration", "line")
    assert not executor.column_exists("river_migration", "no_such_column")
    assert not executor.column_exists("no_such_table", "line")


def test_migration_rows_by_line_and_assuming_main(executor: Any) -> None:
    applied = executor.migration_get_by_line("main")
    assert applied == sorted(applied) and applied[0] == 1
    with executor.transaction() as tx:
        tx.migration_insert_many("other", [1, 2])
        assert tx.migration_get_by_line("other") == [1, 2]
        tx.migration_delete_by_line_many("other", [1, 2])
        assert tx.migration_get_by_line("other") == []
    # The shape before version 5: no line column, every row is the main line's.
    with pytest.raises(RuntimeError):
        with executor.transaction() as tx:
            tx.exec_script(f"ALTER TABLE {S}river_migration DROP COLUMN line")
            assert tx.migration_get_all_assuming_main() == applied
            tx.migration_delete_assuming_main_many(applied[-2:])
            tx.migration_insert_many_assuming_main([applied[-1]])
            assert tx.migration_get_all_assuming_main() == [*applied[:-2], applied[-1]]
            raise RuntimeError("roll the table's shape back")
    assert executor.migration_get_by_line("main") == applied
