"""The migrator's statements: ``river_migration`` and the tables it checks exist.

River's ``river_migration.sql``. ``@name`` parameters; ``/* TEMPLATE: schema */`` prefixes
(see ``river.driver.query``).
"""

from __future__ import annotations

from river.driver.query import SCHEMA_MARK as S

TABLE_EXISTS = "SELECT to_regclass(@name::text) IS NOT NULL"

COLUMN_EXISTS = """
SELECT EXISTS (
    SELECT 1 FROM pg_attribute
    WHERE attrelid = to_regclass(@table::text) AND attname = @column::text AND NOT attisdropped
)
"""

# Before version 5, river_migration has no ``line``: its rows are the main line's.
MIGRATION_GET_BY_LINE = (
    f"SELECT version FROM {S}river_migration WHERE line = @line::text ORDER BY version"
)

MIGRATION_GET_ALL_ASSUMING_MAIN = f"SELECT version FROM {S}river_migration ORDER BY version"

MIGRATION_INSERT_MANY = f"""
INSERT INTO {S}river_migration (line, version)
SELECT @line::text, unnest(@versions::bigint[])
"""

MIGRATION_INSERT_MANY_ASSUMING_MAIN = (
    f"INSERT INTO {S}river_migration (version) SELECT unnest(@versions::bigint[])"
)

MIGRATION_DELETE_BY_LINE_MANY = f"DELETE FROM {S}river_migration WHERE line = @line::text AND version = any(@versions::bigint[])"

MIGRATION_DELETE_ASSUMING_MAIN_MANY = (
    f"DELETE FROM {S}river_migration WHERE version = any(@versions::bigint[])"
)
