"""River's psycopg 3 driver: ``PsycopgDriver`` (sync) and ``AsyncPsycopgDriver`` (async).

Names load on first use, so the plugin entry point works without psycopg installed and
using the driver then says which extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'river_psycopg3' has no attribute {name!r}")
    from river.plugins.lazy import load
    from river_psycopg3.plugin import LIBRARIES

    return load(module, name, library=LIBRARIES, extra="psycopg3")


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
