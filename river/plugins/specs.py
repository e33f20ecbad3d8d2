"""Records that plugins return from their hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverSpec:
    """A database driver: loaders import its sync and/or async class on demand."""

    name: str
    load_sync: Callable[[], type] | None
    load_async: Callable[[], type] | None
    extra: str

    @property
    def colours(self) -> list[str]:
        return [c for c, f in (("sync", self.load_sync), ("async", self.load_async)) if f]
