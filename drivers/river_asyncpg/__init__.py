"""River's asyncpg driver: ``AsyncpgDriver`` for ``river.AsyncClient``.

Names load on first use, so the plugin entry point works without asyncpg installed and
using the driver then says which extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from river_asyncpg.driver import AsyncpgDriver, AsyncpgExecutor, AsyncpgListener
    from river_asyncpg.tx import (
        job_complete_tx,
        resumable_set_step_cursor_tx,
        resumable_set_step_tx,
    )

_NAMES = {
    "AsyncpgDriver": "river_asyncpg.driver",
    "AsyncpgExecutor": "river_asyncpg.driver",
    "AsyncpgListener": "river_asyncpg.driver",
    "job_complete_tx": "river_asyncpg.tx",
    "resumable_set_step_tx": "river_asyncpg.tx",
    "resumable_set_step_cursor_tx": "river_asyncpg.tx",
}


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'river_asyncpg' has no attribute {name!r}")
    from river.plugins.lazy import load

    return load(module, name, library="asyncpg", extra="asyncpg")


__all__ = [
    "AsyncpgDriver",
    "AsyncpgExecutor",
    "AsyncpgListener",
    "job_complete_tx",
    "resumable_set_step_cursor_tx",
    "resumable_set_step_tx",
]
