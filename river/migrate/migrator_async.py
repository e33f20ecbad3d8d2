"""Apply and remove River's migrations (River's ``rivermigrate``).

Each migration runs in its own transaction together with its ``river_migration`` row, so a
failure leaves the database at the last version that fully applied.
"""

from __future__ import annotations

import time
from typing import Any

from river.config import validate_schema
from river.driver.driver_async import AsyncDriver
from river.driver.executor_async import AsyncExecutor
from river.migrate.files import (
    LINE_MAIN,
    MigrateResult,
    MigrateVersion,
    Migration,
    ValidateResult,
    migrations,
)

_S = "/* TEMPLATE: schema */"


class AsyncMigrator:
    def __init__(
        self, driver: AsyncDriver[Any], *, schema: str | None = None, line: str = LINE_MAIN
    ) -> None:
        if schema is not None:
            validate_schema(schema)
        self._driver = driver
        self.schema = schema
        self.line = line
        self._all = migrations(line)

    def all_versions(self) -> list[Migration]:
        return list(self._all)

    def get_version(self, version: int) -> Migration:
        for m in self._all:
            if m.version == version:
                return m
        raise ValueError(f"no migration {version} in line {self.line!r}")

    async def existing_versions(self) -> list[int]:
        return await self._existing(self._driver.get_executor(self.schema))

    async def _existing(self, executor: AsyncExecutor) -> list[int]:
        if not await executor.table_exists("river_migration"):
            return []
        has_line = await executor.fetch_one(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass(@t::text) "
            "AND attname = 'line' AND NOT attisdropped",
            {"t": _qualified(self.schema, "river_migration")},
        )
        if has_line and has_line[0]:
            rows = await executor.fetch_all(
                f"SELECT version FROM {_S}river_migration WHERE line = @line ORDER BY version",
                {"line": self.line},
            )
        elif self.line == LINE_MAIN:
            rows = await executor.fetch_all(
                f"SELECT version FROM {_S}river_migration ORDER BY version"
            )
        else:
            rows = []
        return [int(r[0]) for r in rows]

    async def migrate_up(
        self,
        *,
        target_version: int | None = None,
        max_steps: int | None = None,
        dry_run: bool = False,
    ) -> MigrateResult:
        """Apply missing migrations up to ``target_version`` (default: the latest)."""
        existing = set(await self.existing_versions())
        latest = self._all[-1].version
        target = latest if target_version is None else target_version
        if not 0 <= target <= latest:
            raise ValueError(f"target version {target} out of range 0..{latest}")
        todo = [m for m in self._all if m.version <= target and m.version not in existing]
        if max_steps is not None:
            todo = todo[:max_steps]
        return await self._apply("up", todo, dry_run)

    async def migrate_down(
        self,
        *,
        target_version: int | None = None,
        max_steps: int | None = None,
        dry_run: bool = False,
    ) -> MigrateResult:
        """Remove migrations down to ``target_version`` (0 removes everything); one step
        when neither option is given."""
        existing = sorted(await self.existing_versions(), reverse=True)
        if target_version is None and max_steps is None:
            max_steps = 1
        target = 0 if target_version is None else target_version
        todo = [self.get_version(v) for v in existing if v > target]
        if max_steps is not None:
            todo = todo[:max_steps]
        return await self._apply("down", todo, dry_run)

    async def _apply(self, direction: str, todo: list[Migration], dry_run: bool) -> MigrateResult:
        result = MigrateResult(direction)
        executor = self._driver.get_executor(self.schema)
        for m in todo:
            started = time.monotonic()
            if not dry_run:
                async with executor.transaction() as tx:
                    await self._apply_one(tx, direction, m)
            result.versions.append(MigrateVersion(m.version, m.name, time.monotonic() - started))
        return result

    async def migrate_tx(self, executor: AsyncExecutor, direction: str) -> MigrateResult:
        """Migrate all the way up or down inside the caller's transaction/executor."""
        existing = set(await self._existing(executor))
        if direction == "up":
            todo = [m for m in self._all if m.version not in existing]
        else:
            todo = [m for m in reversed(self._all) if m.version in existing]
        result = MigrateResult(direction)
        for m in todo:
            started = time.monotonic()
            await self._apply_one(executor, direction, m)
            result.versions.append(MigrateVersion(m.version, m.name, time.monotonic() - started))
        return result

    async def _apply_one(self, tx: AsyncExecutor, direction: str, m: Migration) -> None:
        await tx.exec_script(m.sql(direction, self.schema))
        if not await tx.table_exists("river_migration"):
            return  # version 1 down removed the table; 5 may be skipped by other tools
        rows = await self._has_line_column(tx)
        if direction == "up":
            if rows:
                await tx.execute(
                    f"INSERT INTO {_S}river_migration (line, version) VALUES (@line, @v)",
                    {"line": self.line, "v": m.version},
                )
            else:
                await tx.execute(
                    f"INSERT INTO {_S}river_migration (version) VALUES (@v)", {"v": m.version}
                )
        elif rows:
            await tx.execute(
                f"DELETE FROM {_S}river_migration WHERE line = @line AND version = @v",
                {"line": self.line, "v": m.version},
            )
        else:
            await tx.execute(
                f"DELETE FROM {_S}river_migration WHERE version = @v", {"v": m.version}
            )

    async def _has_line_column(self, tx: AsyncExecutor) -> bool:
        row = await tx.fetch_one(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass(@t::text) "
            "AND attname = 'line' AND NOT attisdropped",
            {"t": _qualified(self.schema, "river_migration")},
        )
        return bool(row and row[0])

    async def validate(self) -> ValidateResult:
        existing = set(await self.existing_versions())
        missing = [m.version for m in self._all if m.version not in existing]
        if not missing:
            return ValidateResult(True)
        return ValidateResult(False, [f"unapplied migrations in line {self.line!r}: {missing}"])


def _qualified(schema: str | None, table: str) -> str:
    name = '"' + table + '"'
    return ('"' + schema.replace('"', '""') + '".' + name) if schema else name
