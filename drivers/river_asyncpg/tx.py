"""Functions taking the caller's ``asyncpg.Connection`` as the transaction."""

from __future__ import annotations

from typing import Any, TypeVar, overload

import asyncpg

from river import job_tx
from river.driver.tx_adapters import AsyncOrmTx
from river.types import JobRow
from river.worker import Job

T = TypeVar("T")


@overload
async def job_complete_tx(
    tx: asyncpg.Connection[Any] | AsyncOrmTx, job: Job[T], args_type: None = None
) -> Job[T]: ...
@overload
async def job_complete_tx(
    tx: asyncpg.Connection[Any] | AsyncOrmTx, job: Job[Any] | JobRow, args_type: type[T]
) -> Job[T]: ...
@overload
async def job_complete_tx(
    tx: asyncpg.Connection[Any] | AsyncOrmTx, job: JobRow, args_type: None = None
) -> Job[Any] | JobRow: ...
async def job_complete_tx(
    tx: asyncpg.Connection[Any] | AsyncOrmTx, job: Any, args_type: type[Any] | None = None
) -> Job[Any] | JobRow:
    """Complete the job being worked inside ``tx`` (River's ``JobCompleteTx``).

    Returns a ``river.Job`` with the args decoded when their type is known (``args_type``,
    the args of a ``river.Job`` given as ``job``, or the type registered for the kind),
    otherwise the completed ``JobRow``."""
    return await job_tx.job_complete_tx_async(tx, job, args_type)


async def resumable_set_step_tx(tx: asyncpg.Connection[Any] | AsyncOrmTx, job: Any) -> JobRow:
    """Record the current resumable step as completed inside ``tx`` (River's
    ``ResumableSetStepTx``): durable if and only if ``tx`` commits."""
    return await job_tx.resumable_set_step_tx_async(tx, job)


async def resumable_set_step_cursor_tx(
    tx: asyncpg.Connection[Any] | AsyncOrmTx, job: Any, cursor: Any
) -> JobRow:
    """Record the current cursor step and ``cursor`` inside ``tx`` (River's
    ``ResumableSetStepCursorTx``): the next attempt resumes from ``cursor`` if ``tx``
    commits."""
    return await job_tx.resumable_set_step_cursor_tx_async(tx, job, cursor)
