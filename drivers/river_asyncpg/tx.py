"""Functions taking the caller's ``asyncpg.Connection`` as the transaction."""

from __future__ import annotations

from typing import Any

import asyncpg

from river._internal.complete_tx_async import job_complete_tx as _complete
from river.types import JobRow


async def job_complete_tx(tx: asyncpg.Connection[Any], job: Any) -> JobRow:
    """Complete the job being worked inside ``tx`` (River's ``JobCompleteTx``)."""
    return await _complete(tx, job)
