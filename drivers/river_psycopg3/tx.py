"""Functions taking the caller's psycopg connection (sync or async) as the transaction."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, overload

import psycopg

from river._internal import complete_tx, complete_tx_async
from river.types import JobRow


@overload
def job_complete_tx(tx: psycopg.AsyncConnection[Any], job: Any) -> Awaitable[JobRow]: ...
@overload
def job_complete_tx(tx: psycopg.Connection[Any], job: Any) -> JobRow: ...
def job_complete_tx(tx: Any, job: Any) -> JobRow | Awaitable[JobRow]:
    """Complete the job being worked inside ``tx`` (River's ``JobCompleteTx``); with an
    ``AsyncConnection`` it returns an awaitable."""
    if isinstance(tx, psycopg.AsyncConnection):
        return complete_tx_async.job_complete_tx(tx, job)
    return complete_tx.job_complete_tx(tx, job)
