"""River's migration files, read from the package (pure; no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from river.driver.query import SCHEMA_MARK, schema_prefix

LINE_MAIN = "main"
_NAME_RE = re.compile(r"^(\d{3})_(.+)\.(up|down)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    up: str
    down: str

    def sql(self, direction: str, schema: str | None) -> str:
        text = self.up if direction == "up" else self.down
        return text.replace(SCHEMA_MARK, schema_prefix(schema))


@cache
def migrations(line: str = LINE_MAIN) -> tuple[Migration, ...]:
    if line != LINE_MAIN:
        raise ValueError(f"unknown migration line {line!r} (available: {LINE_MAIN})")
    folder = resources.files("river.migrate").joinpath("migrations", line)
    parts: dict[int, dict[str, str]] = {}
    for entry in folder.iterdir():
        m = _NAME_RE.match(entry.name)
        if m:
            info = parts.setdefault(int(m.group(1)), {"name": m.group(2)})
            info[m.group(3)] = entry.read_text(encoding="utf-8")
    return tuple(Migration(v, p["name"], p["up"], p["down"]) for v, p in sorted(parts.items()))


def get_migration_sql(
    version: int, direction: str = "up", schema: str | None = None, line: str = LINE_MAIN
) -> str:
    for m in migrations(line):
        if m.version == version:
            return m.sql(direction, schema)
    raise ValueError(f"no migration {version} in line {line!r}")


@dataclass(frozen=True, slots=True)
class MigrateVersion:
    version: int
    name: str
    duration: float


@dataclass(frozen=True, slots=True)
class MigrateResult:
    direction: str
    versions: list[MigrateVersion] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ValidateResult:
    ok: bool
    messages: list[str] = field(default_factory=list)
