"""River's psycopg2 driver: ``Psycopg2Driver`` for ``river.Client``.

Names load on first use, so the plugin entry point works without psycopg2 installed and
using the driver then says which extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from river._lazy import lazy_getattr

if TYPE_CHECKING:
    from river_psycopg2.driver import Psycopg2Driver, Psycopg2Executor, Psycopg2Listener
    from river_psycopg2.tx import (
        job_complete_tx,
        resumable_set_step_cursor_tx,
        resumable_set_step_tx,
    )

# The database libraries the driver imports: missing, they make its names raise
# ``MissingDriverExtraError`` naming the ``psycopg2`` extra.
LIBRARIES = ("psycopg2",)

_NAMES = {
    "Psycopg2Driver": "river_psycopg2.driver",
    "Psycopg2Executor": "river_psycopg2.driver",
    "Psycopg2Listener": "river_psycopg2.driver",
    "job_complete_tx": "river_psycopg2.tx",
    "resumable_set_step_tx": "river_psycopg2.tx",
    "resumable_set_step_cursor_tx": "river_psycopg2.tx",
}


__getattr__ = lazy_getattr("river_psycopg2", _NAMES, libraries=LIBRARIES, extra="psycopg2")


__all__ = [
    "Psycopg2Driver",
    "Psycopg2Executor",
    "Psycopg2Listener",
    "job_complete_tx",
    "resumable_set_step_cursor_tx",
    "resumable_set_step_tx",
]
