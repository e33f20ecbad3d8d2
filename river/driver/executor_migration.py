# WARNING: this file is generated from 'executor_migration_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The executor's statements on ``river_migration`` and on the schema River's tables are
in (``sql_migration``: which tables, columns and indexes exist; ``sql_pg_misc``: rebuilding
an index).

The sync twin ``executor_migration.py`` is generated from this file.
"""

from __future__ import annotations

from collections.abc import Sequence

from river.driver import sql_migration, sql_pg_misc
from river.driver.executor_core import ExecutorCore
from river.driver.query import quote_ident


class MigrationQueries(ExecutorCore):
    """The migrator's and the reindexer's statements."""

    def table_exists(self, table: str) -> bool:
        """Whether ``table`` exists in this executor's schema (or on the search path)."""
        row = self.fetch_one(sql_migration.TABLE_EXISTS, {"name": self._qualified(table)})
        return bool(row and row[0])

    def column_exists(self, table: str, column: str) -> bool:
        row = self.fetch_one(
            sql_migration.COLUMN_EXISTS, {"table": self._qualified(table), "column": column}
        )
        return bool(row and row[0])

    # -- migrations (``river_migration``; before version 5 it has no ``line``) ----------

    def migration_get_by_line(self, line: str) -> list[int]:
        """The versions of ``line`` applied, ascending."""
        rows = self.fetch_all(sql_migration.MIGRATION_GET_BY_LINE, {"line": line})
        return [int(r[0]) for r in rows]

    def migration_get_all_assuming_main(self) -> list[int]:
        rows = self.fetch_all(sql_migration.MIGRATION_GET_ALL_ASSUMING_MAIN)
        return [int(r[0]) for r in rows]

    def migration_insert_many(self, line: str, versions: Sequence[int]) -> None:
        self.execute(
            sql_migration.MIGRATION_INSERT_MANY, {"line": line, "versions": list(versions)}
        )

    def migration_insert_many_assuming_main(self, versions: Sequence[int]) -> None:
        self.execute(
            sql_migration.MIGRATION_INSERT_MANY_ASSUMING_MAIN, {"versions": list(versions)}
        )

    def migration_delete_by_line_many(self, line: str, versions: Sequence[int]) -> None:
        self.execute(
            sql_migration.MIGRATION_DELETE_BY_LINE_MANY, {"line": line, "versions": list(versions)}
        )

    def migration_delete_assuming_main_many(self, versions: Sequence[int]) -> None:
        self.execute(
            sql_migration.MIGRATION_DELETE_ASSUMING_MAIN_MANY, {"versions": list(versions)}
        )

    # -- indexes ------------------------------------------------------------------------

    def index_exists(self, schema: str, index: str) -> bool:
        row = self.fetch_one(sql_pg_misc.INDEX_EXISTS, {"schema": schema, "index": index})
        return bool(row and row[0])

    def index_reindex_leftovers_exist(self, schema: str, index: str) -> bool:
        """Whether an interrupted ``REINDEX CONCURRENTLY`` left copies of ``index``."""
        row = self.fetch_one(
            sql_pg_misc.INDEX_REINDEX_LEFTOVERS_EXIST, {"schema": schema, "index": index}
        )
        return bool(row and row[0])

    def index_reindex(self, schema: str, index: str, *, label: str | None = None) -> None:
        """Rebuild ``index`` concurrently (not inside a transaction: Postgres refuses).

        With ``label`` (letters and digits), ``index_reindex_cancel(label)`` from another
        connection cancels the rebuild."""
        names = {"schema": quote_ident(schema), "index": quote_ident(index)}
        if label is None:
            self.exec_script(sql_pg_misc.INDEX_REINDEX.format(**names))
            return
        if not label.isalnum():
            raise ValueError(f"reindex label must be letters and digits, got {label!r}")
        self.exec_script(sql_pg_misc.INDEX_REINDEX_LABELLED.format(label=label, **names))

    def index_reindex_cancel(self, label: str) -> int:
        """Cancel the rebuild started with ``label``; returns how many were signalled."""
        row = self.fetch_one(sql_pg_misc.INDEX_REINDEX_CANCEL, {"label": label})
        return int(row[0]) if row else 0
