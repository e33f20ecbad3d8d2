"""The optional integrations stay out of ``import river``; the ``otel`` plugin is off
until ``RIVER_OTEL`` enables it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from river.contrib.otel import go_duration

_PROBE = """
import sys
import river
from river.plugins import manager
manager.get_plugin_manager()
mw = [type(m).__name__ for _, m in manager.contributions("river_middleware", True)]
hooks = [type(h).__name__ for _, h in manager.contributions("river_hooks", False)]
loaded = sorted(m for m in ("opentelemetry", "prometheus_client") if m in sys.modules)
print(mw, hooks, loaded)
"""


def _probe(**env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "RIVER_OTEL"}
    return subprocess.run(
        [sys.executable, "-c", _PROBE], env={**environ, **env},
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()


def test_import_river_imports_no_optional_integration() -> None:
    assert _probe() == (
        "['AsyncBatchMiddleware', 'AsyncWorkflowMiddleware', 'AsyncResumableMiddleware'] [] []"
    )


def test_plugin_enabled_by_environment() -> None:
    assert _probe(RIVER_OTEL="1") == (
        "['AsyncOpenTelemetryMiddleware', 'AsyncBatchMiddleware', 'AsyncWorkflowMiddleware', "
        "'AsyncResumableMiddleware'] "
        "['OpenTelemetryMiddleware'] ['opentelemetry']"
    )
    assert _probe(RIVER_OTEL="0").endswith("[] []")


def test_go_duration() -> None:
    assert go_duration(dt.timedelta(seconds=90)) == "1m30s"
    assert go_duration(dt.timedelta(hours=1)) == "1h0m0s"
    assert go_duration(dt.timedelta(milliseconds=1500)) == "1.5s"
    assert go_duration(dt.timedelta(milliseconds=250)) == "250ms"
    assert go_duration(dt.timedelta(0)) == "0s"
