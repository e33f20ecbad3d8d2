"""The workflow pages' request values and the notices their actions leave.

A notice counts what the action changed, read from the workflow's tasks before and after
it (never from what was asked), as the job actions' notices do.
"""

from __future__ import annotations

from typing import Any

from river.types import FINALIZED_STATES, JobState
from river.ui.forms import BadRequest, parse_text
from river.ui.present import bidi, clip
from river.workflow import MAX_NAME_LENGTH, WorkflowInfo

WORKFLOW_ACTIONS = ("cancel", "retry")
#: Workflows the list shows (newest first); a name filter finds older ones.
LIST_LIMIT = 100
#: Task names a notice lists before it says "and N more" (a notice travels in a cookie).
NAMES_SHOWN = 5
NAME_CHARS = 30
RETRYABLE = frozenset((JobState.CANCELLED, JobState.DISCARDED))


def parse_workflow_id(value: str | None) -> str:
    """A workflow id as ``Workflow`` accepts one: required, at most ``MAX_NAME_LENGTH``
    characters, no NUL (kept as given, spaces included: it is matched exactly)."""
    if value is None or value == "":
        raise BadRequest("workflow id is required")
    if len(value) > MAX_NAME_LENGTH:
        raise BadRequest(f"workflow id is longer than {MAX_NAME_LENGTH} characters")
    if "\x00" in value:
        raise BadRequest("workflow id contains NUL")
    return value


def parse_workflow_name(value: str | None) -> str | None:
    """The list's optional filter by workflow name."""
    return parse_text(value, "name", MAX_NAME_LENGTH)


def workflow_notice(action: str, before: WorkflowInfo, after: WorkflowInfo) -> dict[str, Any]:
    """The notice after cancelling or retrying the workflow: its tasks changed, told to
    stop, or left as they were."""
    was = {t.job.id: t.state for t in before.tasks}
    title = f"Workflow {_short(after.id, 40)}"
    if action == "cancel":
        changed = [
            t.name for t in after.tasks
            if t.state is JobState.CANCELLED and was.get(t.job.id) is not JobState.CANCELLED
        ]
        stopping = [t.name for t in after.tasks if t.state is JobState.RUNNING]
        lines = []
        if changed:
            lines.append(f"{title}: {_tasks(len(changed))} cancelled: {_names(changed)}.")
        if stopping:
            lines.append(
                f"{title}: {_tasks(len(stopping))} running, told to stop (cancelled once "
                f"the worker returns): {_names(stopping)}."
            )
        if not lines:
            lines.append(f"{title}: no task cancelled (every task had finished).")
        return {"level": "ok" if changed or stopping else "warn", "lines": lines}
    retried = [
        t.name for t in after.tasks
        if was.get(t.job.id) in RETRYABLE and t.state not in RETRYABLE
    ]
    if not retried:
        return {
            "level": "warn",
            "lines": [f"{title}: no task retried (none was cancelled or discarded)."],
        }
    return {"level": "ok", "lines": [f"{title}: {_tasks(len(retried))} retried: {_names(retried)}."]}


def finished(info: WorkflowInfo) -> bool:
    """Whether every task has reached a final state (nothing left to cancel)."""
    return all(t.state in FINALIZED_STATES for t in info.tasks)


def retryable(info: WorkflowInfo) -> bool:
    return any(t.state in RETRYABLE for t in info.tasks)


def _tasks(n: int) -> str:
    return f"{n:,} task" if n == 1 else f"{n:,} tasks"


def _short(text: str, limit: int) -> str:
    return clip(bidi(text), limit) if text else "(unnamed)"


def _names(names: list[str]) -> str:
    shown = ", ".join(_short(n, NAME_CHARS) for n in names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return shown if more <= 0 else f"{shown} and {more:,} more"
