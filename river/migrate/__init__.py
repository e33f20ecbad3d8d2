"""River's schema migrations: ``Migrator`` / ``AsyncMigrator`` and the bundled SQL.

Importing this package imports no database library; ``Migrator`` (the sync twin) is
loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from river._lazy import lazy_getattr
from river.migrate.files import (
    LINE_MAIN,
    Migration,
    get_migration,
    get_migration_sql,
    migration_lines,
    migrations,
)
from river.migrate.migrator_async import AsyncMigrator
from river.migrate.results import (
    Direction,
    MigrateResult,
    MigrateVersion,
    MigrationError,
    ValidateResult,
)

if TYPE_CHECKING:
    from river.migrate.migrator import Migrator


__getattr__ = lazy_getattr("river.migrate", {"Migrator": "river.migrate.migrator"})


__all__ = [
    "LINE_MAIN",
    "AsyncMigrator",
    "Direction",
    "MigrateResult",
    "MigrateVersion",
    "Migration",
    "MigrationError",
    "Migrator",
    "ValidateResult",
    "get_migration",
    "get_migration_sql",
    "migration_lines",
    "migrations",
]
