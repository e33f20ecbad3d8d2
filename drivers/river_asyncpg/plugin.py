"""Registers the asyncpg driver with river's plugin manager."""

from __future__ import annotations

from river.plugins import DriverSpec, hookimpl


def _load_async() -> type:
    from river.plugins.lazy import load

    cls: type = load("river_asyncpg.driver", "AsyncpgDriver", library="asyncpg", extra="asyncpg")
    return cls


@hookimpl
def river_drivers() -> list[DriverSpec]:
    return [DriverSpec(name="asyncpg", load_sync=None, load_async=_load_async, extra="asyncpg")]
