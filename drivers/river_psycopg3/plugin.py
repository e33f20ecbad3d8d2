"""Registers the psycopg 3 driver (both colours) with river's plugin manager."""

from __future__ import annotations

from river.plugins import DriverSpec, hookimpl

LIBRARIES = ("psycopg", "psycopg_pool")


def _load_sync() -> type:
    from river.plugins.lazy import load

    cls: type = load("river_psycopg3.driver", "PsycopgDriver", library=LIBRARIES, extra="psycopg3")
    return cls


def _load_async() -> type:
    from river.plugins.lazy import load

    cls: type = load(
        "river_psycopg3.driver_async", "AsyncPsycopgDriver", library=LIBRARIES, extra="psycopg3"
    )
    return cls


@hookimpl
def river_drivers() -> list[DriverSpec]:
    return [
        DriverSpec(name="psycopg3", load_sync=_load_sync, load_async=_load_async, extra="psycopg3")
    ]
