"""Registers the psycopg 3 driver (both colours) with river's plugin manager."""

from __future__ import annotations

import river_psycopg3
from river.plugins import DriverSpec, hookimpl


def _load_sync() -> type:
    cls: type = river_psycopg3.PsycopgDriver  # loaded on first use, see the package
    return cls


def _load_async() -> type:
    cls: type = river_psycopg3.AsyncPsycopgDriver
    return cls


@hookimpl
def river_drivers() -> list[DriverSpec]:
    return [
        DriverSpec(name="psycopg3", load_sync=_load_sync, load_async=_load_async, extra="psycopg3")
    ]
