"""Registers the psycopg2 driver (sync only) with river's plugin manager."""

from __future__ import annotations

import river_psycopg2
from river.plugins import DriverSpec, hookimpl


def _load_sync() -> type:
    cls: type = river_psycopg2.Psycopg2Driver  # loaded on first use, see the package
    return cls


@hookimpl
def river_drivers() -> list[DriverSpec]:
    return [DriverSpec(name="psycopg2", load_sync=_load_sync, load_async=None, extra="psycopg2")]
