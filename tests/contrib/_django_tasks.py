"""Django tasks for django_tasks_cases.py (imported once Django is configured)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.tasks import TaskContext, task


class Boom(Exception):
    pass


@task
def add(a: int, b: int) -> int:
    return a + b


@task(queue_name="reports", priority=10)
def echo(*args: Any, **kwargs: Any) -> Any:
    return {"args": list(args), "kwargs": kwargs}


@task
def fail(message: str) -> None:
    raise Boom(message)


@task(takes_context=True)
def with_context(context: TaskContext, label: str) -> list[Any]:
    return [label, context.attempt, context.task_result.id, context.task_result.status]


@task
async def async_double(n: int) -> int:
    return n * 2


@task(enqueue_on_commit=True)
def on_commit_add(a: int, b: int) -> int:
    return a + b


@task(enqueue_on_commit=False, backend="on_commit")
def in_tx_add(a: int, b: int) -> int:
    return a + b


@task(backend="on_commit")
def backend_on_commit_add(a: int, b: int) -> int:
    return a + b


@task
def count_rows(table: str) -> int:
    # Runs on a worker thread with that thread's own Django connection.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])


@task
def returns(kind: str) -> Any:
    """A return value that cannot be stored as the job's output."""
    return {"set": {1, 2}, "nan": float("nan"), "nul": "a\x00b"}[kind]
