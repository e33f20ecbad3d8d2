"""Registers the psycopg2 driver (sync only) with river's plugin manager."""

from __future__ import annotations

from river.plugins import DriverSpec, hookimpl


def _load_sync() -> type:
    from river.plugins.lazy import load

    cls: type = load(
        "river_psycopg2.driver", "Psycopg2Driver", library="psycopg2", extra="psycopg2"
    )
    return cls


@hookimpl
def river_drivers() -> list[DriverSpec]:
    return [DriverSpec(name="psycopg2", load_sync=_load_sync, load_async=None, extra="psycopg2")]
