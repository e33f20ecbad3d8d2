"""Functions taking the caller's psycopg2 connection as the transaction."""

from __future__ import annotations

from typing import Any, TypeVar, overload

import psycopg2.extensions

from river import job_tx
from river.driver.tx_adapters import OrmTx
from river.types import JobRow
from river.worker import Job

T = TypeVar("T")


@overload
def job_complete_tx(
    tx: psycopg2.extensions.connection | OrmTx, job: Job[T], args_type: None = None
) -> Job[T]: ...
@overload
def job_complete_tx(
    tx: psycopg2.extensions.connection | OrmTx, job: Job[Any] | JobRow, args_type: type[T]
) -> Job[T]: ...
@overload
def job_complete_tx(
    tx: psycopg2.extensions.connection | OrmTx, job: JobRow, args_type: None = None
) -> Job[Any] | JobRow: ...
def job_complete_tx(
    tx: psycopg2.extensions.connection | OrmTx, job: Any, args_type: type[Any] | None = None
) -> Job[Any] | JobRow:
    """Complete the job being worked inside ``tx`` (River's ``JobCompleteTx``).

    Returns a ``river.Job`` with the args decoded when their type is known (``args_type``,
    the args of a ``river.Job`` given as ``job``, or the type registered for the kind),
    otherwise the completed ``JobRow``."""
    return job_tx.job_complete_tx(tx, job, args_type)


def resumable_set_step_tx(tx: psycopg2.extensions.connection | OrmTx, job: Any) -> JobRow:
    """Record the current resumable step as completed inside ``tx`` (River's
    ``ResumableSetStepTx``): durable if and only if ``tx`` commits."""
    return job_tx.resumable_set_step_tx(tx, job)


def resumable_set_step_cursor_tx(
    tx: psycopg2.extensions.connection | OrmTx, job: Any, cursor: Any
) -> JobRow:
    """Record the current cursor step and ``cursor`` inside ``tx`` (River's
    ``ResumableSetStepCursorTx``): the next attempt resumes from ``cursor`` if ``tx``
    commits."""
    return job_tx.resumable_set_step_cursor_tx(tx, job, cursor)
