"""How a Django task's settings and a River job's state correspond (no Django import):
Django's priority (-100..100, larger runs first, default 0) onto River's (1..4, smaller
runs first), and a job's state onto a ``TaskResultStatus`` value."""

from __future__ import annotations

from river.types import JobState

#: The job kind of every Django task enqueued through ``RiverBackend``.
TASK_KIND = "django_task"

#: Job metadata key: the exception class path of each failed attempt (by attempt number).
ERROR_CLASSES_KEY = "django_task_exception_classes"

_STATUS = {
    JobState.AVAILABLE: "READY",
    JobState.SCHEDULED: "READY",
    JobState.RETRYABLE: "READY",
    JobState.PENDING: "READY",
    JobState.RUNNING: "RUNNING",
    JobState.COMPLETED: "SUCCESSFUL",
    JobState.DISCARDED: "FAILED",
    JobState.CANCELLED: "FAILED",
}


def river_priority(django_priority: int) -> int:
    """River's priority for a Django priority: above the default (1..100) runs first (1),
    the default (0) next (2), then -1..-50 (3), then -51..-100 (4). Jobs of River's own
    kinds (priority 1 by default) share the first band with the raised Django tasks."""
    if django_priority > 0:
        return 1
    if django_priority == 0:
        return 2
    if django_priority >= -50:
        return 3
    return 4


def task_status(state: JobState) -> str:
    """The ``TaskResultStatus`` value of a job in ``state``: waiting to run (available,
    scheduled, retryable after a failed attempt, pending) is ``READY``; discarded and
    cancelled jobs are ``FAILED``."""
    return _STATUS[state]
