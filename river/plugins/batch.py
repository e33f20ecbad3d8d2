"""The bundled ``river.batch`` plugin: a job inserted with a batch key leads a batch of
the jobs of its key (``RIVER_DISABLED_PLUGINS=river.batch`` or ``Config.disabled_plugins``
removes it; batch workers then get each job alone)."""

from __future__ import annotations

from typing import Any

from river.batch import AsyncBatchMiddleware, BatchMiddleware
from river.plugins import hookimpl


@hookimpl
def river_middleware(is_async: bool) -> list[Any]:
    return [AsyncBatchMiddleware() if is_async else BatchMiddleware()]
