"""Functions taking the caller's transaction: a psycopg connection (sync or async), or an
ORM's (``river.driver.tx_adapters``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar, overload

import psycopg

from river import job_tx
from river.driver.tx_adapters import AsyncOrmTx, OrmTx, tx_is_async
from river.types import JobRow
from river.worker import Job

T = TypeVar("T")


@overload
def job_complete_tx(tx: psycopg.AsyncConnection[Any] | AsyncOrmTx, job: Job[T], args_type: None = None) -> Awaitable[Job[T]]: ...
@overload
def job_complete_tx(
    tx: psycopg.AsyncConnection[Any] | AsyncOrmTx, job: Job[Any] | JobRow, args_type: type[T]
) -> Awaitable[Job[T]]: ...
@overload
def job_complete_tx(
    tx: psycopg.AsyncConnection[Any] | AsyncOrmTx, job: JobRow, args_type: None = None
) -> Awaitable[Job[Any] | JobRow]: ...
@overload
def job_complete_tx(tx: psycopg.Connection[Any] | OrmTx, job: Job[T], args_type: None = None) -> Job[T]: ...
@overload
def job_complete_tx(tx: psycopg.Connection[Any] | OrmTx, job: Job[Any] | JobRow, args_type: type[T]) -> Job[T]: ...
@overload
def job_complete_tx(tx: psycopg.Connection[Any] | OrmTx, job: JobRow, args_type: None = None) -> Job[Any] | JobRow: ...
def job_complete_tx(
    tx: Any, job: Any, args_type: type[Any] | None = None
) -> Job[Any] | JobRow | Awaitable[Job[Any] | JobRow]:
    """Complete the job being worked inside ``tx`` (River's ``JobCompleteTx``); with an
    ``AsyncConnection`` it returns an awaitable.

    The result is a ``river.Job`` with the args decoded when their type is known
    (``args_type``, the args of a ``river.Job`` given as ``job``, or the type registered
    for the kind), otherwise the completed ``JobRow``."""
    if _is_async(tx):
        return job_tx.job_complete_tx_async(tx, job, args_type)
    return job_tx.job_complete_tx(tx, job, args_type)


@overload
def resumable_set_step_tx(tx: psycopg.AsyncConnection[Any] | AsyncOrmTx, job: Any) -> Awaitable[JobRow]: ...
@overload
def resumable_set_step_tx(tx: psycopg.Connection[Any] | OrmTx, job: Any) -> JobRow: ...
def resumable_set_step_tx(tx: Any, job: Any) -> JobRow | Awaitable[JobRow]:
    """Record the current resumable step as completed inside ``tx`` (River's
    ``ResumableSetStepTx``): durable if and only if ``tx`` commits."""
    if _is_async(tx):
        return job_tx.resumable_set_step_tx_async(tx, job)
    return job_tx.resumable_set_step_tx(tx, job)


@overload
def resumable_set_step_cursor_tx(
    tx: psycopg.AsyncConnection[Any] | AsyncOrmTx, job: Any, cursor: Any
) -> Awaitable[JobRow]: ...
@overload
def resumable_set_step_cursor_tx(tx: psycopg.Connection[Any] | OrmTx, job: Any, cursor: Any) -> JobRow: ...
def resumable_set_step_cursor_tx(tx: Any, job: Any, cursor: Any) -> JobRow | Awaitable[JobRow]:
    """Record the current cursor step and ``cursor`` inside ``tx`` (River's
    ``ResumableSetStepCursorTx``): the next attempt resumes from ``cursor`` if ``tx``
    commits."""
    if _is_async(tx):
        return job_tx.resumable_set_step_cursor_tx_async(tx, job, cursor)
    return job_tx.resumable_set_step_cursor_tx(tx, job, cursor)


def _is_async(tx: Any) -> bool:
    return isinstance(tx, psycopg.AsyncConnection) or tx_is_async(tx) is True
