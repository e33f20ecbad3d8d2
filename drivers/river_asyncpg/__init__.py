"""River's asyncpg driver: ``AsyncpgDriver`` for ``river.AsyncClient``.

Names load on first use, so the plugin entry point works without asyncpg installed and
using the driver then says which extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from river._lazy import lazy_getattr

if TYPE_CHECKING:
    from river_asyncpg.driver import AsyncpgDriver, AsyncpgExecutor, AsyncpgListener
    from river_asyncpg.tx import (
        job_complete_tx,
        resumable_set_step_cursor_tx,
        resumable_set_step_tx,
    )

# The database libraries the driver imports: missing, they make its names raise
# ``MissingDriverExtraError`` naming the ``asyncpg`` extra.
LIBRARIES = ("asyncpg",)

_NAMES = {
    "AsyncpgDriver": "river_asyncpg.driver",
    "AsyncpgExecutor": "river_asyncpg.driver",
    "AsyncpgListener": "river_asyncpg.driver",
    "job_complete_tx": "river_asyncpg.tx",
    "resumable_set_step_tx": "river_asyncpg.tx",
    "resumable_set_step_cursor_tx": "river_asyncpg.tx",
}


__getattr__ = lazy_getattr("river_asyncpg", _NAMES, libraries=LIBRARIES, extra="asyncpg")


__all__ = [
    "AsyncpgDriver",
    "AsyncpgExecutor",
    "AsyncpgListener",
    "job_complete_tx",
    "resumable_set_step_cursor_tx",
    "resumable_set_step_tx",
]
