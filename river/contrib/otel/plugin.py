"""The ``otel`` plugin (entry point of the ``river`` group): OpenTelemetry middleware and
metric hook on every client of the process, when enabled with ``RIVER_OTEL=1``.

Installed plugins apply to every client, so this one stays off unless asked for; the
global tracer and meter providers are used. Importing this module imports nothing of
OpenTelemetry.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from river.plugins import hookimpl

ENV = "RIVER_OTEL"


def enabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() not in ("", "0", "false", "no")


@cache
def _middleware(is_async: bool) -> Any:
    # One object per colour: it is both the middleware and the metric hook.
    try:
        from river.contrib.otel.middleware import (
            AsyncOpenTelemetryMiddleware,
            OpenTelemetryMiddleware,
        )
    except ImportError as exc:
        raise ImportError(
            f'{ENV} is set but OpenTelemetry is not installed: pip install "river-queue[otel]"'
        ) from exc
    return AsyncOpenTelemetryMiddleware() if is_async else OpenTelemetryMiddleware()


@hookimpl
def river_middleware(is_async: bool) -> list[Any]:
    return [_middleware(is_async)] if enabled() else []


@hookimpl
def river_hooks(is_async: bool) -> list[Any]:
    return [_middleware(is_async)] if enabled() else []
