"""Registers the asyncpg driver with river's plugin manager."""

from __future__ import annotations

import river_asyncpg
from river.plugins import DriverSpec, hookimpl


def _load_async() -> type:
    cls: type = river_asyncpg.AsyncpgDriver  # loaded on first use, see the package
    return cls


@hookimpl
def river_drivers() -> list[DriverSpec]:
    return [DriverSpec(name="asyncpg", load_sync=None, load_async=_load_async, extra="asyncpg")]
