"""River's psycopg2 driver: ``Psycopg2Driver`` for ``river.Client``.

Names load on first use, so the plugin entry point works without psycopg2 installed and
using the driver then says which extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from river_psycopg2.driver import Psycopg2Driver, Psycopg2Executor, Psycopg2Listener
    from river_psycopg2.tx import (
        job_complete_tx,
        resumable_set_step_cursor_tx,
        resumable_set_step_tx,
    )

_NAMES = {
    "Psycopg2Driver": "river_psycopg2.driver",
    "Psycopg2Executor": "river_psycopg2.driver",
    "Psycopg2Listener": "river_psycopg2.driver",
    "job_complete_tx": "river_psycopg2.tx",
    "resumable_set_step_tx": "river_psycopg2.tx",
    "resumable_set_step_cursor_tx": "river_psycopg2.tx",
}


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'river_psycopg2' has no attribute {name!r}")
    from river.plugins.lazy import load

    return load(module, name, library="psycopg2", extra="psycopg2")


__all__ = [
    "Psycopg2Driver",
    "Psycopg2Executor",
    "Psycopg2Listener",
    "job_complete_tx",
    "resumable_set_step_cursor_tx",
    "resumable_set_step_tx",
]
