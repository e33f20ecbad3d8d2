"""The functions a worker calls inside the caller's transaction (River's ``JobCompleteTx``,
``ResumableSetStepTx``, ``ResumableSetStepCursorTx``), in both colours (``*_async`` for
an async client), taking any transaction ``river.driver.tx_adapters`` resolves.

Each driver's ``tx`` module gives them its own connection types; call them from there
(``river_psycopg3.tx.job_complete_tx``, ...).
"""

from __future__ import annotations

from typing import Any

from river._internal.completer import worker_tx, worker_tx_async
from river.types import JobRow
from river.worker import Job


def job_complete_tx(tx: Any, job: Any, args_type: type[Any] | None = None) -> Job[Any] | JobRow:
    """Complete the job being worked inside ``tx``, a sync client's transaction."""
    return worker_tx.job_complete_tx(tx, job, args_type)


async def job_complete_tx_async(
    tx: Any, job: Any, args_type: type[Any] | None = None
) -> Job[Any] | JobRow:
    """Complete the job being worked inside ``tx``, an async client's transaction."""
    return await worker_tx_async.job_complete_tx(tx, job, args_type)


def resumable_set_step_tx(tx: Any, job: Any) -> JobRow:
    """Record the current resumable step as completed inside ``tx``."""
    return worker_tx.resumable_set_step_tx(tx, job)


def resumable_set_step_cursor_tx(tx: Any, job: Any, cursor: Any) -> JobRow:
    """Record the current cursor step and ``cursor`` inside ``tx``."""
    return worker_tx.resumable_set_step_tx(tx, job, cursor)


async def resumable_set_step_tx_async(tx: Any, job: Any) -> JobRow:
    """``resumable_set_step_tx`` inside an async client's transaction."""
    return await worker_tx_async.resumable_set_step_tx(tx, job)


async def resumable_set_step_cursor_tx_async(tx: Any, job: Any, cursor: Any) -> JobRow:
    """``resumable_set_step_cursor_tx`` inside an async client's transaction."""
    return await worker_tx_async.resumable_set_step_tx(tx, job, cursor)
