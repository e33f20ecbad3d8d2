"""The hooks river-queue plugins implement (with ``river.hookimpl``)."""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from river.middleware import AnyHook, AnyMiddleware
from river.plugins.specs import DriverSpec

_hookspec = pluggy.HookspecMarker("river")


@_hookspec
def river_drivers() -> Iterable[DriverSpec]:  # type: ignore[empty-body]
    """Register database drivers, e.g. ``[DriverSpec(name="asyncpg", ...)]``."""


@_hookspec
def river_middleware(is_async: bool) -> Iterable[AnyMiddleware]:  # type: ignore[empty-body]
    """Contribute worker or insert middleware of the requested colour to every client."""


@_hookspec
def river_hooks(is_async: bool) -> Iterable[AnyHook]:  # type: ignore[empty-body]
    """Contribute lifecycle hooks (insert_begin, work_begin, work_end) to every client."""
