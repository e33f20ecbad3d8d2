"""A Django ``TaskResult`` read from a River job (needs Django >= 6.0: imported by
``river.contrib.django.tasks`` after its version check)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.tasks.base import Task, TaskError, TaskResult, TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string

from river.contrib.django.task_mapping import ERROR_CLASSES_KEY, task_status
from river.types import JobRow, JobState


@dataclasses.dataclass
class DjangoTaskArgs:
    """The args of a Django task's job: the task's module path, the call's arguments (as
    JSON), and Django's priority and backend alias of the enqueued task."""

    kind = "django_task"
    task: str
    args: list[Any]
    kwargs: dict[str, Any]
    priority: int = 0
    backend: str = "default"


def task_of(args: DjangoTaskArgs, row: JobRow) -> Task:
    """The enqueued ``Task``: the module-level task at ``args.task``, with the job's
    queue, Django's priority, and the job's ``scheduled_at`` as ``run_after`` when it was
    deferred."""
    found = import_string(args.task)
    if not isinstance(found, Task):
        raise TypeError(f"{args.task!r} (the task of job {row.id}) is not a django.tasks Task")
    run_after = row.scheduled_at if row.scheduled_at > row.created_at else None
    return found.using(
        priority=args.priority, queue_name=row.queue, backend=args.backend, run_after=run_after
    )


def args_of(row: JobRow) -> DjangoTaskArgs:
    raw = json.loads(row.encoded_args)
    return DjangoTaskArgs(
        task=raw["task"], args=list(raw.get("args", [])), kwargs=dict(raw.get("kwargs", {})),
        priority=int(raw.get("priority", 0)), backend=str(raw.get("backend", "default")),
    )


def _errors(row: JobRow) -> list[TaskError]:
    metadata = row.metadata if isinstance(row.metadata, dict) else {}
    classes = metadata.get(ERROR_CLASSES_KEY)
    classes = classes if isinstance(classes, dict) else {}
    return [
        TaskError(
            # River's own errors (a cancel, a timeout) have no class recorded.
            exception_class_path=str(classes.get(str(e.attempt), "builtins.Exception")),
            traceback=e.trace or e.error,
        )
        for e in row.errors
    ]


def result_of(row: JobRow, args: DjangoTaskArgs, task: Task) -> TaskResult:
    """The job's ``TaskResult``: its id is the job id; its return value the job's output."""
    result = TaskResult(
        task=task,
        id=str(row.id),
        status=TaskResultStatus(task_status(row.state)),
        enqueued_at=row.created_at,
        started_at=row.attempted_at,
        finished_at=row.finalized_at,
        last_attempted_at=row.attempted_at,
        args=args.args,
        kwargs=args.kwargs,
        backend=args.backend,
        errors=_errors(row),
        worker_ids=list(row.attempted_by),
    )
    if row.state is JobState.COMPLETED:
        object.__setattr__(result, "_return_value", row.output)
    return result


def aware(value: Any) -> Any:
    """``value`` as an aware datetime (a naive one is in Django's current time zone)."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value
