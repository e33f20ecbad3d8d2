"""Django's task framework (``django.tasks``, Django >= 6.0) on River::

    TASKS = {"default": {"BACKEND": "river.contrib.django.tasks.RiverBackend"}}

``@task`` functions then enqueue River jobs of kind ``django_task``, inserted through
Django's connection of ``RIVER['DATABASE']``: inside ``transaction.atomic()`` the job
commits or rolls back with it. ``manage.py river_worker`` works them (its client
registers the worker and the backend's queues). See ``docs/integrations/django.md``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import django
from django.core.exceptions import ImproperlyConfigured

try:
    from django.tasks.backends.base import BaseTaskBackend
except ImportError as exc:  # Django < 6.0
    raise ImproperlyConfigured(
        "river.contrib.django.tasks needs Django >= 6.0 (django.tasks); this is Django "
        f"{django.get_version()}"
    ) from exc

from django.db import connections, transaction
from django.tasks.base import Task, TaskResult, TaskResultStatus
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils.json import normalize_json

import river
from river.contrib.django.clients import get_client
from river.contrib.django.settings import river_settings
from river.contrib.django.task_mapping import TASK_KIND, river_priority
from river.contrib.django.task_results import DjangoTaskArgs, args_of, aware, result_of, task_of
from river.contrib.django.task_worker import DjangoTaskWorker
from river.driver.jsontext import encode_json
from river.errors import InvalidQueueError, JobNotFoundError
from river.insert_opts import validate_queue_name

__all__ = ["DjangoTaskArgs", "DjangoTaskWorker", "RiverBackend", "RiverTask"]

_OPTIONS = {"ENQUEUE_ON_COMMIT", "MAX_ATTEMPTS"}
_JOB_ID = re.compile(r"\A[1-9][0-9]{0,18}\Z")
_MAX_JOB_ID = 2**63 - 1


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RiverTask(Task):  # type: ignore[misc]  # Django is untyped here
    """A ``Task`` with ``enqueue_on_commit``: True inserts its job when the current
    transaction commits (never, if it rolls back); False inserts it in the transaction;
    None (the default) takes the backend's ``OPTIONS['ENQUEUE_ON_COMMIT']``."""

    enqueue_on_commit: bool | None = None


class RiverBackend(BaseTaskBackend):  # type: ignore[misc]  # Django is untyped here
    """A task backend that enqueues River jobs.

    ``OPTIONS``: ``ENQUEUE_ON_COMMIT`` (default False: the job is inserted in the current
    transaction) and ``MAX_ATTEMPTS`` (default 1: a task that raises is ``FAILED``, as
    Django's tasks have no retries; more lets River retry it, ``READY`` in between).
    ``QUEUES`` lists the accepted queue names (default ``["default"]``), each a valid
    River queue name.
    """

    task_class = RiverTask
    supports_defer = True
    supports_async_task = True
    supports_get_result = True
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        unknown = sorted(set(self.options) - _OPTIONS)
        if unknown:
            raise ImproperlyConfigured(
                f"TASKS[{alias!r}]['OPTIONS']: unknown key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(_OPTIONS))}"
            )
        on_commit = self.options.get("ENQUEUE_ON_COMMIT", False)
        if not isinstance(on_commit, bool):
            raise ImproperlyConfigured(
                f"TASKS[{alias!r}]['OPTIONS']['ENQUEUE_ON_COMMIT'] must be True or False, "
                f"got {on_commit!r}"
            )
        attempts = self.options.get("MAX_ATTEMPTS", 1)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ImproperlyConfigured(
                f"TASKS[{alias!r}]['OPTIONS']['MAX_ATTEMPTS'] must be a positive whole "
                f"number, got {attempts!r}"
            )
        for queue in sorted(self.queues):
            try:
                validate_queue_name(queue)
            except InvalidQueueError as err:
                raise ImproperlyConfigured(f"TASKS[{alias!r}]['QUEUES']: {err}") from err
        self.enqueue_on_commit: bool = on_commit
        self.max_attempts: int = attempts

    def validate_task(self, task: Task) -> None:
        super().validate_task(task)
        try:
            validate_queue_name(task.queue_name)
        except InvalidQueueError as err:
            raise InvalidTask(str(err)) from err

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        """Insert the task's job (now, or when the transaction commits: see
        ``RiverTask.enqueue_on_commit``); the result's id is the job id, and is ``""``
        until the job is inserted."""
        self.validate_task(task)
        job_args = DjangoTaskArgs(
            task=task.module_path, args=normalize_json(args), kwargs=normalize_json(kwargs),
            priority=task.priority, backend=self.alias,
        )
        opts = river.InsertOpts(
            queue=task.queue_name,
            priority=river_priority(task.priority),
            scheduled_at=aware(task.run_after),
            max_attempts=self.max_attempts,
        )
        result = TaskResult(
            task=task, id="", status=TaskResultStatus.READY, enqueued_at=None,
            started_at=None, finished_at=None, last_attempted_at=None,
            args=job_args.args, kwargs=job_args.kwargs, backend=self.alias, errors=[],
            worker_ids=[],
        )
        database = river_settings().database

        def insert() -> None:
            job = get_client().insert_tx(connections[database], job_args, opts).job
            object.__setattr__(result, "id", str(job.id))
            object.__setattr__(result, "enqueued_at", job.created_at)
            task_enqueued.send(type(self), task_result=result)

        on_commit = getattr(task, "enqueue_on_commit", None)
        if on_commit if on_commit is not None else self.enqueue_on_commit:
            # Bad args fail at the call, not at the commit.
            encode_json(f"{TASK_KIND} args", dataclasses.asdict(job_args))
            transaction.on_commit(insert, using=database)
        else:
            insert()
        return result

    def get_result(self, result_id: str) -> TaskResult:
        """The result of the job whose id is ``result_id``, read through Django's
        connection (a job inserted in the current transaction is found)."""
        text = str(result_id)
        if not _JOB_ID.match(text) or int(text) > _MAX_JOB_ID:
            raise TaskResultDoesNotExist(result_id)
        try:
            row = get_client().job_get_tx(connections[river_settings().database], int(text))
        except JobNotFoundError:
            raise TaskResultDoesNotExist(result_id) from None
        if row.kind != TASK_KIND:
            raise TaskResultDoesNotExist(result_id)
        args = args_of(row)
        return result_of(row, args, task_of(args, row))
