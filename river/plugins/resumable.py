"""The bundled ``river.resumable`` plugin: resumable steps on every client, as in River
(``RIVER_DISABLED_PLUGINS=river.resumable`` or ``Config.disabled_plugins`` removes it).
Apart from ``river.resumable`` because plugins load on first use: ``import river`` loads
no pluggy."""

from __future__ import annotations

from typing import Any

from river.plugins import hookimpl
from river.resumable import AsyncResumableMiddleware, ResumableMiddleware


@hookimpl
def river_middleware(is_async: bool) -> list[Any]:
    return [AsyncResumableMiddleware() if is_async else ResumableMiddleware()]
