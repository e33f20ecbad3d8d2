"""The bundled ``river.workflow`` plugin: a workflow task's worker reads its dependencies'
outputs with ``river.workflow_outputs()`` (``RIVER_DISABLED_PLUGINS=river.workflow`` or
``Config.disabled_plugins`` removes it; promotion of dependents does not depend on it)."""

from __future__ import annotations

from typing import Any

from river.plugins import hookimpl
from river.workflow import AsyncWorkflowMiddleware, WorkflowMiddleware


@hookimpl
def river_middleware(is_async: bool) -> list[Any]:
    return [AsyncWorkflowMiddleware() if is_async else WorkflowMiddleware()]
