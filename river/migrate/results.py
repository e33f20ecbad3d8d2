"""What migrating and validating report, and the error a failed migration raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from river.errors import RiverError

Direction = Literal["up", "down"]


class MigrationError(RiverError):
    """A migration's SQL failed; its transaction was rolled back (the cause is chained)."""


@dataclass(frozen=True, slots=True)
class MigrateVersion:
    """One migration applied (up) or removed (down)."""

    version: int
    name: str
    duration: float
    """Seconds taken, 0.0 for a dry run."""
    sql: str
    """The SQL run (or that would have run), schema already filled in."""


@dataclass(frozen=True, slots=True)
class MigrateResult:
    """What a migration run did: its direction and the versions applied or removed."""

    direction: Direction
    versions: tuple[MigrateVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class ValidateResult:
    """``ok`` unless migrations are missing; ``messages`` then says which."""

    ok: bool
    messages: tuple[str, ...] = ()
