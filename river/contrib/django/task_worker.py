"""The River worker of Django tasks (needs Django >= 6.0: imported by
``river.contrib.django.tasks`` after its version check)."""

from __future__ import annotations

from typing import Any

from django.db import close_old_connections, connections
from django.tasks.base import TaskContext, TaskResultStatus
from django.tasks.signals import task_finished, task_started
from django.utils.json import normalize_json

import river
from river.context import metadata_set, record_output
from river.contrib.django.task_mapping import ERROR_CLASSES_KEY
from river.contrib.django.task_results import DjangoTaskArgs, result_of, task_of


class DjangoTaskWorker(river.Worker[DjangoTaskArgs]):
    """Calls the task of a ``django_task`` job (with a ``TaskContext`` first when the task
    takes context), stores its return value as the job's output, and on an exception
    records the exception's class path beside River's error and trace."""

    def work(self, job: river.Job[DjangoTaskArgs]) -> None:
        _tidy_connections()
        try:
            self._run(job)
        except Exception as exc:
            _record_class(job, exc)
            raise
        finally:
            _tidy_connections()

    def _run(self, job: river.Job[DjangoTaskArgs]) -> None:
        task = task_of(job.args, job.row)
        result = result_of(job.row, job.args, task)
        sender = type(task.get_backend())
        task_started.send(sender=sender, task_result=result)
        try:
            if task.takes_context:
                value = task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
            else:
                value = task.call(*result.args, **result.kwargs)
            value = normalize_json(value)
            record_output(value)
        except Exception:
            object.__setattr__(result, "status", TaskResultStatus.FAILED)
            task_finished.send(sender=sender, task_result=result)
            raise
        object.__setattr__(result, "status", TaskResultStatus.SUCCESSFUL)
        object.__setattr__(result, "_return_value", value)
        task_finished.send(sender=sender, task_result=result)


def _tidy_connections() -> None:
    # A worker thread's Django connections are tidied as around a request; not while a
    # transaction is open in this thread (a test working the job inside its TestCase).
    if not any(c.in_atomic_block for c in connections.all(initialized_only=True)):
        close_old_connections()


def _record_class(job: river.Job[Any], exc: BaseException) -> None:
    known = job.row.metadata.get(ERROR_CLASSES_KEY) if isinstance(job.row.metadata, dict) else None
    classes = dict(known) if isinstance(known, dict) else {}
    cls = type(exc)
    classes[str(job.attempt)] = f"{cls.__module__}.{cls.__qualname__}"
    metadata_set(ERROR_CLASSES_KEY, classes)
