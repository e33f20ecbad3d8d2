"""River's schema migrations: ``Migrator`` / ``AsyncMigrator`` and the migration files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from river.migrate.files import (
    LINE_MAIN,
    MigrateResult,
    MigrateVersion,
    Migration,
    ValidateResult,
    get_migration_sql,
    migrations,
)
from river.migrate.migrator_async import AsyncMigrator

if TYPE_CHECKING:
    from river.migrate.migrator import Migrator


def __getattr__(name: str) -> Any:
    if name == "Migrator":
        from river.migrate.migrator import Migrator

        return Migrator
    raise AttributeError(name)


__all__ = [
    "LINE_MAIN",
    "AsyncMigrator",
    "MigrateResult",
    "MigrateVersion",
    "Migration",
    "Migrator",
    "ValidateResult",
    "get_migration_sql",
    "migrations",
]
