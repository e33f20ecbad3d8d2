"""River's psycopg 3 driver: ``PsycopgDriver`` (sync) and ``AsyncPsycopgDriver`` (async).

Names load on first use, so the plugin entry point works without psycopg installed and
using the driver then says which extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from river._lazy import lazy_getattr

if TYPE_CHECKING:
    from river_psycopg3.driver import PsycopgDriver, PsycopgExecutor, PsycopgListener
    from river_psycopg3.driver_async import (
        AsyncPsycopgDriver,
        AsyncPsycopgExecutor,
        AsyncPsycopgListener,
    )
    from river_psycopg3.tx import (
        job_complete_tx,
        resumable_set_step_cursor_tx,
        resumable_set_step_tx,
    )

# The database libraries the driver imports: missing, they make its names raise
# ``MissingDriverExtraError`` naming the ``psycopg3`` extra.
LIBRARIES = ("psycopg", "psycopg_pool")

_NAMES = {
    "PsycopgDriver": "river_psycopg3.driver",
    "PsycopgExecutor": "river_psycopg3.driver",
    "PsycopgListener": "river_psycopg3.driver",
    "AsyncPsycopgDriver": "river_psycopg3.driver_async",
    "AsyncPsycopgExecutor": "river_psycopg3.driver_async",
    "AsyncPsycopgListener": "river_psycopg3.driver_async",
    "job_complete_tx": "river_psycopg3.tx",
    "resumable_set_step_tx": "river_psycopg3.tx",
    "resumable_set_step_cursor_tx": "river_psycopg3.tx",
}


__getattr__ = lazy_getattr("river_psycopg3", _NAMES, libraries=LIBRARIES, extra="psycopg3")


__all__ = [
    "AsyncPsycopgDriver",
    "AsyncPsycopgExecutor",
    "AsyncPsycopgListener",
    "PsycopgDriver",
    "PsycopgExecutor",
    "PsycopgListener",
    "job_complete_tx",
    "resumable_set_step_cursor_tx",
    "resumable_set_step_tx",
]
