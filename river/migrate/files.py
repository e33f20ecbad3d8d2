"""River's migration files, read from this package (pure: no database).

Files are ``migrations/<line>/NNN_<name>.up.sql`` and ``.down.sql``. Table references
carry the ``/* TEMPLATE: schema */`` marker, replaced by the quoted schema and a dot (or
nothing, leaving the search path to decide).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from river.config import validate_schema
from river.driver.query import SCHEMA_MARK, schema_prefix
from river.migrate.results import Direction

LINE_MAIN = "main"
_FILE_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.(up|down)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One version of a migration line, with the SQL of both directions."""

    version: int
    name: str
    sql_up: str
    sql_down: str

    def sql(self, direction: Direction, schema: str | None = None) -> str:
        """The SQL of ``direction`` with its tables qualified by ``schema``."""
        return render(self.sql_up if direction == "up" else self.sql_down, schema)


def render(sql: str, schema: str | None) -> str:
    """Fill in the schema marker; ``schema`` must be a valid River schema name."""
    if schema is not None:
        validate_schema(schema)
    return sql.replace(SCHEMA_MARK, schema_prefix(schema))


def migration_lines() -> tuple[str, ...]:
    """The migration lines bundled with river-queue (River's ``main``)."""
    folder = resources.files("river.migrate").joinpath("migrations")
    return tuple(sorted(entry.name for entry in folder.iterdir() if entry.is_dir()))


@cache
def migrations(line: str = LINE_MAIN) -> tuple[Migration, ...]:
    """Every migration of ``line`` in version order (1, 2, …)."""
    lines = migration_lines()
    if line not in lines:
        close = difflib.get_close_matches(line, lines, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"migration line does not exist: {line!r}{hint}")
    folder = resources.files("river.migrate").joinpath("migrations", line)
    found: dict[int, dict[str, str]] = {}
    for entry in folder.iterdir():
        match = _FILE_RE.match(entry.name)
        if match:
            parts = found.setdefault(int(match.group(1)), {"name": match.group(2)})
            parts[match.group(3)] = entry.read_text(encoding="utf-8")
    # A packaging mistake, not a user error: versions must run 1..N, each with both files.
    complete = [v for v, p in sorted(found.items()) if "up" in p and "down" in p]
    if complete != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration line {line!r} is incomplete: versions {sorted(found)}")
    return tuple(Migration(v, p["name"], p["up"], p["down"]) for v, p in sorted(found.items()))


def get_migration(version: int, line: str = LINE_MAIN) -> Migration:
    """The bundled migration ``version`` of ``line``; ``ValueError`` if there is none."""
    for migration in migrations(line):
        if migration.version == version:
            return migration
    available = [m.version for m in migrations(line)]
    raise ValueError(f"migration {version} not found (available versions: {available})")


def get_migration_sql(
    version: int, direction: Direction = "up", schema: str | None = None, line: str = LINE_MAIN
) -> str:
    """The SQL of one migration, e.g. to hand to another migration tool."""
    return get_migration(version, line).sql(direction, schema)
