"""Decode rows selected with the column lists in ``river.driver.sql`` (pure, shared by drivers)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from river.types import AttemptError, JobRow, JobState, Leader, Queue

_STATES = {s.value: s for s in JobState}


def job_from_row(r: Sequence[Any]) -> JobRow:
    errors = r[11]
    key = r[16]
    return JobRow(
        id=r[0],
        state=_STATES[r[1]],
        attempt=r[2],
        max_attempts=r[3],
        attempted_at=r[4],
        created_at=r[5],
        finalized_at=r[6],
        scheduled_at=r[7],
        priority=r[8],
        encoded_args=r[9],
        attempted_by=r[10] or [],
        errors=[_attempt_error(e) for e in errors] if errors else [],
        kind=r[12],
        metadata={} if r[13] == "{}" else json.loads(r[13]),
        queue=r[14],
        tags=r[15] or [],
        unique_key=bytes(key) if key is not None else None,
        unique_states=r[17],
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _attempt_error(text: str) -> AttemptError:
    """One element of ``errors``. Another client may have written one that is not an
    attempt error: it is kept as text rather than failing the whole row (and with it
    every job of the fetch that locked it)."""
    try:
        return AttemptError.from_dict(json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return AttemptError(at=_EPOCH, attempt=0, error=str(text))


def queue_from_row(r: Sequence[Any]) -> Queue:
    return Queue(
        name=r[0], created_at=r[1], metadata=json.loads(r[2]), paused_at=r[3], updated_at=r[4]
    )


def leader_from_row(r: Sequence[Any]) -> Leader:
    return Leader(leader_id=r[0], elected_at=r[1], expires_at=r[2])
