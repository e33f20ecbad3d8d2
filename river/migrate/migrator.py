# WARNING: this file is generated from 'migrator_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Apply and remove River's schema migrations (River's ``rivermigrate``).

Each migration runs in its own transaction together with the insert or delete of its
``river_migration`` row, so a failure leaves the database at the last version that fully
applied. Before version 5, ``river_migration`` has no ``line`` column; its rows then
belong to the main line (River's "assuming main" queries).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, Generic

from river.config import validate_schema
from river.driver.driver import Driver, TxT
from river.driver.executor import Executor
from river.driver.query import SCHEMA_MARK, quote_ident, schema_prefix
from river.migrate.files import LINE_MAIN, Migration, migrations
from river.migrate.results import (
    Direction,
    MigrateResult,
    MigrateVersion,
    MigrationError,
    ValidateResult,
)

logger = logging.getLogger("river.migrate")
_TABLE_STATE = "SELECT rel IS NOT NULL, EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = rel AND attname = 'line' AND NOT attisdropped) FROM (SELECT to_regclass(@name::text) AS rel) t"
_SELECT_BY_LINE = (
    f"SELECT version FROM {SCHEMA_MARK}river_migration WHERE line = @line ORDER BY version"
)
_SELECT_ASSUMING_MAIN = f"SELECT version FROM {SCHEMA_MARK}river_migration ORDER BY version"
_INSERT_BY_LINE = f"INSERT INTO {SCHEMA_MARK}river_migration (line, version) VALUES (@line, @v)"
_INSERT_ASSUMING_MAIN = f"INSERT INTO {SCHEMA_MARK}river_migration (version) VALUES (@v)"
_DELETE_BY_LINE = f"DELETE FROM {SCHEMA_MARK}river_migration WHERE line = @line AND version = @v"
_DELETE_ASSUMING_MAIN = f"DELETE FROM {SCHEMA_MARK}river_migration WHERE version = @v"


class Migrator(Generic[TxT]):
    """Migrates one schema's River tables along one migration line (``main``).

    ``schema`` None leaves table names unqualified, so the connection's search path picks
    the schema. Down migrations go one step by default, like River's.
    """

    def __init__(
        self, driver: Driver[TxT], *, schema: str | None = None, line: str = LINE_MAIN
    ) -> None:
        if schema is not None:
            validate_schema(schema)
        self._driver = driver
        self._migrations = migrations(line)  # raises for an unknown line
        self.schema = schema
        self.line = line

    # -- the bundled migrations -------------------------------------------------------

    def all_versions(self) -> list[Migration]:
        return list(self._migrations)

    def get_version(self, version: int) -> Migration:
        for migration in self._migrations:
            if migration.version == version:
                return migration
        available = [m.version for m in self._migrations]
        raise ValueError(f"migration {version} not found (available versions: {available})")

    # -- the database -----------------------------------------------------------------

    def existing_versions(self) -> list[int]:
        """Versions of this line recorded in ``river_migration``, ascending."""
        return self._existing(self._driver.get_executor(self.schema))

    def migrate_up(
        self,
        *,
        target_version: int | None = None,
        max_steps: int | None = None,
        dry_run: bool = False,
    ) -> MigrateResult:
        """Apply the missing migrations up to and including ``target_version`` (default:
        all of them), at most ``max_steps`` of them."""
        return self.migrate(
            "up", target_version=target_version, max_steps=max_steps, dry_run=dry_run
        )

    def migrate_down(
        self,
        *,
        target_version: int | None = None,
        max_steps: int | None = None,
        dry_run: bool = False,
    ) -> MigrateResult:
        """Remove applied migrations above ``target_version`` (0 removes River's schema
        completely), at most ``max_steps`` of them; one step when neither is given."""
        return self.migrate(
            "down", target_version=target_version, max_steps=max_steps, dry_run=dry_run
        )

    def migrate(
        self,
        direction: Direction,
        *,
        target_version: int | None = None,
        max_steps: int | None = None,
        dry_run: bool = False,
    ) -> MigrateResult:
        """``migrate_up`` or ``migrate_down`` by name, each migration in its own
        transaction."""
        executor = self._driver.get_executor(self.schema)
        todo = self._plan(direction, self._existing(executor), target_version, max_steps)
        return self._apply(executor, direction, todo, dry_run)

    def migrate_tx(
        self,
        tx: TxT | Executor,
        direction: Direction,
        *,
        target_version: int | None = None,
        max_steps: int | None = None,
        dry_run: bool = False,
    ) -> MigrateResult:
        """Like ``migrate``, but inside the caller's transaction (a driver transaction or
        an executor bound to one): nothing is visible before it commits, and all of it
        rolls back with it. Each migration runs in a savepoint.

        Postgres cannot use an enum label in the transaction that added it, so going from
        below version 4 to version 6 or later needs two transactions (as with River).
        """
        executor = self._executor_for(tx)
        todo = self._plan(direction, self._existing(executor), target_version, max_steps)
        return self._apply(executor, direction, todo, dry_run)

    def validate(self, *, target_version: int | None = None) -> ValidateResult:
        """Not ok while a migration (up to ``target_version``, default all) is missing."""
        return self._validate(self._driver.get_executor(self.schema), target_version)

    def validate_tx(
        self, tx: TxT | Executor, *, target_version: int | None = None
    ) -> ValidateResult:
        executor = self._executor_for(tx)
        return self._validate(executor, target_version)

    # -- internals --------------------------------------------------------------------

    def _executor_for(self, tx: TxT | Executor) -> Executor:
        if isinstance(tx, Executor):
            return tx
        return self._driver.unwrap_executor(tx, self.schema)

    def _query(self, sql: str) -> str:
        # Rendered here rather than by the executor: a caller's executor may carry
        # another schema.
        return sql.replace(SCHEMA_MARK, schema_prefix(self.schema))

    def _table_state(self, executor: Executor) -> tuple[bool, bool]:
        """Whether ``river_migration`` exists, and whether it has the ``line`` column."""
        name = schema_prefix(self.schema) + quote_ident("river_migration")
        row = executor.fetch_one(_TABLE_STATE, {"name": name})
        return (bool(row[0]), bool(row[1])) if row else (False, False)

    def _existing(self, executor: Executor) -> list[int]:
        exists, has_line = self._table_state(executor)
        if not has_line and self.line != LINE_MAIN:
            raise MigrationError(
                f"the {self.line!r} line needs river_migration.line: migrate the main line to the latest version first"
            )
        if not exists:
            return []
        if has_line:
            rows = executor.fetch_all(self._query(_SELECT_BY_LINE), {"line": self.line})
        else:
            rows = executor.fetch_all(self._query(_SELECT_ASSUMING_MAIN))
        return [int(row[0]) for row in rows]

    def _plan(
        self,
        direction: Direction,
        existing: Sequence[int],
        target_version: int | None,
        max_steps: int | None,
    ) -> list[Migration]:
        applied = set(existing)
        latest = self._migrations[-1].version
        if max_steps is not None and max_steps < 0:
            raise ValueError(f"max_steps must be 0 or more, not {max_steps}")
        if direction == "up":
            if target_version is not None and (not 1 <= target_version <= latest):
                raise ValueError(
                    f"version {target_version} is not a valid River migration version (1 to {latest})"
                )
            last = latest if target_version is None else target_version
            todo = [m for m in self._migrations if m.version not in applied and m.version <= last]
        else:
            if target_version is None:
                floor = 0
                if max_steps is None:
                    max_steps = 1
            elif target_version in (0, -1):  # -1: River Go's spelling of "everything"
                floor = 0
            elif 1 <= target_version <= latest:
                if target_version not in applied:
                    raise ValueError(
                        f"version {target_version} is not applied, so it cannot be the target of a down migration"
                    )
                floor = target_version
            else:
                raise ValueError(
                    f"version {target_version} is not a valid River migration version (0 to {latest})"
                )
            todo = [m for m in reversed(self._migrations) if m.version in applied]
            todo = [m for m in todo if m.version > floor]
        return todo if max_steps is None else todo[:max_steps]

    def _apply(
        self, executor: Executor, direction: Direction, todo: list[Migration], dry_run: bool
    ) -> MigrateResult:
        done: list[MigrateVersion] = []
        for migration in todo:
            sql = migration.sql(direction, self.schema)
            duration = 0.0
            if not dry_run:
                started = time.monotonic()
                with executor.transaction() as tx:
                    try:
                        tx.exec_script(sql)
                    except Exception as exc:
                        raise MigrationError(
                            f"error applying version {migration.version:03d} [{direction.upper()}]: {exc}"
                        ) from exc
                    self._record(tx, direction, migration.version)
                duration = time.monotonic() - started
            logger.info(
                "%s migration %03d [%s] %s (%.3fs)",
                "dry run:" if dry_run else "applied",
                migration.version,
                direction,
                migration.name,
                duration,
            )
            done.append(MigrateVersion(migration.version, migration.name, duration, sql))
        return MigrateResult(direction, tuple(done))

    def _record(self, tx: Executor, direction: Direction, version: int) -> None:
        """Insert or delete the version's row, in the table's shape after the migration."""
        exists, has_line = self._table_state(tx)
        if not exists:
            return  # 001 down dropped the table, or another tool owns migrations
        args: dict[str, Any] = {"v": version, "line": self.line} if has_line else {"v": version}
        if direction == "up":
            sql = _INSERT_BY_LINE if has_line else _INSERT_ASSUMING_MAIN
        else:
            sql = _DELETE_BY_LINE if has_line else _DELETE_ASSUMING_MAIN
        tx.execute(self._query(sql), args)

    def _validate(self, executor: Executor, target_version: int | None) -> ValidateResult:
        if target_version is not None:
            self.get_version(target_version)
        last = self._migrations[-1].version if target_version is None else target_version
        applied = set(self._existing(executor))
        missing = [
            m.version for m in self._migrations if m.version <= last and m.version not in applied
        ]
        if missing:
            return ValidateResult(False, (f"Unapplied migrations: {missing}",))
        return ValidateResult(True)
