"""Which migrations to run, decided from the versions already applied (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from river.config import validate_schema
from river.migrate.files import LINE_MAIN, Migration, migrations
from river.migrate.results import Direction


class MigratorBase:
    """The migrations of one line, for one schema (both colours of migrator)."""

    def __init__(self, *, schema: str | None, line: str = LINE_MAIN) -> None:
        if schema is not None:
            validate_schema(schema)
        self._migrations = migrations(line)  # raises for an unknown line
        self.schema = schema
        self.line = line

    def all_versions(self) -> list[Migration]:
        return list(self._migrations)

    def get_version(self, version: int) -> Migration:
        return find_version(self._migrations, version)


def find_version(migrations: Sequence[Migration], version: int) -> Migration:
    for migration in migrations:
        if migration.version == version:
            return migration
    available = [m.version for m in migrations]
    raise ValueError(f"migration {version} not found (available versions: {available})")


def plan(
    migrations: Sequence[Migration],
    direction: Direction,
    existing: Iterable[int],
    target_version: int | None,
    max_steps: int | None,
) -> list[Migration]:
    """The migrations to apply (``up``, ascending) or remove (``down``, descending).

    Up goes to ``target_version`` (default: the latest); down removes the versions above
    it (0 or River Go's -1: everything), one step when neither it nor ``max_steps`` is
    given. At most ``max_steps`` either way.
    """
    applied = set(existing)
    latest = migrations[-1].version
    if max_steps is not None and max_steps < 0:
        raise ValueError(f"max_steps must be 0 or more, not {max_steps}")
    if direction == "up":
        if target_version is not None and not 1 <= target_version <= latest:
            raise ValueError(
                f"version {target_version} is not a valid River migration "
                f"version (1 to {latest})"
            )
        last = latest if target_version is None else target_version
        todo = [m for m in migrations if m.version not in applied and m.version <= last]
    else:
        if target_version is None:
            floor = 0
            if max_steps is None:
                max_steps = 1
        elif target_version in (0, -1):
            floor = 0
        elif 1 <= target_version <= latest:
            if target_version not in applied:
                raise ValueError(
                    f"version {target_version} is not applied, so it cannot "
                    "be the target of a down migration"
                )
            floor = target_version
        else:
            raise ValueError(
                f"version {target_version} is not a valid River migration "
                f"version (0 to {latest})"
            )
        todo = [m for m in reversed(migrations) if m.version in applied and m.version > floor]
    return todo if max_steps is None else todo[:max_steps]


def missing(
    migrations: Sequence[Migration], applied: Iterable[int], target_version: int | None
) -> list[int]:
    """Versions up to ``target_version`` (default: all) not yet applied."""
    if target_version is not None:
        find_version(migrations, target_version)
    last = migrations[-1].version if target_version is None else target_version
    done = set(applied)
    return [m.version for m in migrations if m.version <= last and m.version not in done]
