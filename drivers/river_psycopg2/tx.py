"""Functions taking the caller's psycopg2 connection as the transaction."""

from __future__ import annotations

from typing import Any

import psycopg2.extensions

from river._internal.complete_tx import job_complete_tx as _complete
from river.types import JobRow


def job_complete_tx(tx: psycopg2.extensions.connection, job: Any) -> JobRow:
    """Complete the job being worked inside ``tx`` (River's ``JobCompleteTx``)."""
    return _complete(tx, job)
