"""Test helpers for code using river-queue (River's ``rivertest``).

Assertions about inserted jobs, sync and async (``a`` prefix), each with a ``_tx`` form
that looks inside the caller's transaction::

    require_inserted(driver, SendEmailArgs, RequireInsertedOpts(queue="email"))
    await arequire_inserted_tx(driver, tx, SendEmailArgs)

``TestWorker`` / ``AsyncTestWorker`` work one job inside a transaction and return the
event kind and row; ``work_context`` runs code as if a client were working a job (for
calling a worker's ``work`` directly); ``TimeStub`` is a clock a test sets and moves
(``river.Config(test=river.TestConfig(time=stub))``); ``resumable_step_after`` and
``resumable_step_at_cursor`` build insert options that start a resumable job partway.
"""

from __future__ import annotations

from river.testing._opts import ExpectedJob, RequireInsertedOpts
from river.testing._require import (
    require_inserted,
    require_inserted_tx,
    require_many_inserted,
    require_many_inserted_tx,
    require_not_inserted,
    require_not_inserted_tx,
)
from river.testing._require_async import require_inserted as arequire_inserted
from river.testing._require_async import require_inserted_tx as arequire_inserted_tx
from river.testing._require_async import require_many_inserted as arequire_many_inserted
from river.testing._require_async import require_many_inserted_tx as arequire_many_inserted_tx
from river.testing._require_async import require_not_inserted as arequire_not_inserted
from river.testing._require_async import require_not_inserted_tx as arequire_not_inserted_tx
from river.testing._resumable import resumable_step_after, resumable_step_at_cursor
from river.testing._time_stub import TimeStub
from river.testing._work_context import work_context
from river.testing._worker import TestWorker
from river.testing._worker_async import AsyncTestWorker, WorkResult

__all__ = [
    "AsyncTestWorker",
    "ExpectedJob",
    "RequireInsertedOpts",
    "TestWorker",
    "TimeStub",
    "WorkResult",
    "arequire_inserted",
    "arequire_inserted_tx",
    "arequire_many_inserted",
    "arequire_many_inserted_tx",
    "arequire_not_inserted",
    "arequire_not_inserted_tx",
    "require_inserted",
    "require_inserted_tx",
    "require_many_inserted",
    "require_many_inserted_tx",
    "require_not_inserted",
    "require_not_inserted_tx",
    "resumable_step_after",
    "resumable_step_at_cursor",
    "work_context",
]
