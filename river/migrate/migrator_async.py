"""Apply and remove River's schema migrations (River's ``rivermigrate``).

Each migration runs in its own transaction together with the insert or delete of its
``river_migration`` row, so a failure leaves the database at the last version that fully
applied. Before version 5, ``river_migration`` has no ``line`` column; its rows then
belong to the main line (River's "assuming main" queries).
"""

from __future__ import annotations

import logging
import time
from typing import Generic

from river.driver.driver_async import AsyncDriver, TxT
from river.driver.executor_async import AsyncExecutor
from river.migrate.files import LINE_MAIN, Migration
from river.migrate.plan import MigratorBase, missing, plan
from river.migrate.results import (
    Direction,
    MigrateResult,
    MigrateVersion,
    MigrationError,
    ValidateResult,
)

logger = logging.getLogger("river.migrate")

class AsyncMigrator(MigratorBase, Generic[TxT]):
    """Migrates one schema's River tables along one migration line (``main``).

    ``schema`` None leaves table names unqualified, so the connection's search path picks
    the schema. Down migrations go one step by default, like River's.
    """

    def __init__(
        self, driver: AsyncDriver[TxT], *, schema: str | None = None, line: str = LINE_MAIN
    ) -> None:
        super().__init__(schema=schema, line=line)
        self._driver = driver

    # -- the database -----------------------------------------------------------------

    async def existing_versions(self) -> list[int]:
        """Versions of this line recorded in ``river_migration``, ascending."""
        return await self._existing(self._executor_for(None))

    async def migrate_up(
        self,
        *,
        target_version: int | None = None,
        max_steps: int | None = None,
        dry_run: bool = False,
    ) -> MigrateResult:
        """Apply the missing migrations up to and including ``target_version`` (default:
        all of them), at most ``max_steps`` of them."""
        return await self.migrate(
            "up", target_version=target_version, max_steps=max_steps, dry_run=dry_run
        )

    async def migrate_down(
        self,
        *,
        target_version: int | None = None,
        max_steps: int | None = None,
        dry_run: bool = False,
    ) -> MigrateResult:
        """Remove applied migrations above ``target_version`` (0 removes River's schema
        completely), at most ``max_steps`` of them; one step when neither is given."""
        return await self.migrate(
            "down", target_version=target_version, max_steps=max_steps, dry_run=dry_run
        )

    async def migrate(
        self,
        direction: Direction,
        *,
        target_version: int | None = None,
        max_steps: int | None = None,
        dry_run: bool = False,
    ) -> MigrateResult:
        """``migrate_up`` or ``migrate_down`` by name, each migration in its own
        transaction."""
        executor = self._executor_for(None)
        existing = await self._existing(executor)
        todo = plan(self._migrations, direction, existing, target_version, max_steps)
        return await self._apply(executor, direction, todo, dry_run)

    async def migrate_tx(
        self,
        tx: TxT | AsyncExecutor,
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
        existing = await self._existing(executor)
        todo = plan(self._migrations, direction, existing, target_version, max_steps)
        return await self._apply(executor, direction, todo, dry_run)

    async def validate(self, *, target_version: int | None = None) -> ValidateResult:
        """Not ok while a migration (up to ``target_version``, default all) is missing."""
        return await self._validate(self._executor_for(None), target_version)

    async def validate_tx(
        self, tx: TxT | AsyncExecutor, *, target_version: int | None = None
    ) -> ValidateResult:
        executor = self._executor_for(tx)
        return await self._validate(executor, target_version)

    # -- internals --------------------------------------------------------------------

    def _executor_for(self, tx: TxT | AsyncExecutor | None) -> AsyncExecutor:
        """An executor naming tables in this migrator's schema: on the driver's pool
        (``None``), on a caller's executor (whatever its schema), or on a transaction."""
        if tx is None:
            return self._driver.get_executor(self.schema)
        if isinstance(tx, AsyncExecutor):
            return tx.with_schema(self.schema)
        return self._driver.unwrap_executor(tx, self.schema)

    async def _existing(self, executor: AsyncExecutor) -> list[int]:
        """Versions of this line recorded in ``river_migration``."""
        has_line = await executor.column_exists("river_migration", "line")
        if not has_line and self.line != LINE_MAIN:
            raise MigrationError(
                f"the {self.line!r} line needs river_migration.line: migrate the main line "
                "to the latest version first"
            )
        if has_line:
            return await executor.migration_get_by_line(self.line)
        if not await executor.table_exists("river_migration"):
            return []
        return await executor.migration_get_all_assuming_main()

    async def _apply(
        self, executor: AsyncExecutor, direction: Direction, todo: list[Migration], dry_run: bool
    ) -> MigrateResult:
        done: list[MigrateVersion] = []
        for migration in todo:
            sql = migration.sql(direction, self.schema)
            duration = 0.0
            if not dry_run:
                started = time.monotonic()
                async with executor.transaction() as tx:
                    try:
                        await tx.exec_script(sql)
                    except Exception as exc:
                        raise MigrationError(
                            f"error applying version {migration.version:03d} "
                            f"[{direction.upper()}]: {exc}"
                        ) from exc
                    await self._record(tx, direction, migration.version)
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

    async def _record(self, tx: AsyncExecutor, direction: Direction, version: int) -> None:
        """Insert or delete the version's row, in the table's shape after the migration."""
        if await tx.column_exists("river_migration", "line"):
            if direction == "up":
                await tx.migration_insert_many(self.line, [version])
            else:
                await tx.migration_delete_by_line_many(self.line, [version])
        elif not await tx.table_exists("river_migration"):
            return  # 001 down dropped the table, or another tool owns migrations
        elif direction == "up":
            await tx.migration_insert_many_assuming_main([version])
        else:
            await tx.migration_delete_assuming_main_many([version])

    async def _validate(
        self, executor: AsyncExecutor, target_version: int | None
    ) -> ValidateResult:
        if target_version is not None:
            self.get_version(target_version)
        todo = missing(self._migrations, await self._existing(executor), target_version)
        if todo:
            return ValidateResult(False, (f"Unapplied migrations: {todo}",))
        return ValidateResult(True)
