"""Decode rows selected with the column lists of ``river.driver.sql_*`` (pure, shared by drivers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from river.stored_json import decode
from river.types import AttemptError, JobRow, JobState, Leader, Queue

_STATES = {s.value: s for s in JobState}


def job_from_row(r: Sequence[Any]) -> JobRow:
    errors = r[11]
    key = r[16]
    # Positional: the columns are in field order, and a keyword call costs more per row.
    return JobRow(
        r[0],
        _STATES[r[1]],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10] or [],
        [_attempt_error(e) for e in errors] if errors else [],
        r[12],
        {} if r[13] == "{}" else decode(r[13]),
        r[14],
        r[15] or [],
        bytes(key) if key is not None else None,
        r[17],
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _attempt_error(text: str) -> AttemptError:
    """One element of ``errors``. Another client may have written one that is not an
    attempt error: it is kept as text rather than failing the whole row (and with it
    every job of the fetch that locked it). So is one nested too deeply to decode."""
    try:
        return AttemptError.from_dict(decode(text))
    except (ValueError, TypeError, KeyError, AttributeError):
        return AttemptError(at=_EPOCH, attempt=0, error=str(text))


def queue_from_row(r: Sequence[Any]) -> Queue:
    return Queue(
        name=r[0], created_at=r[1], metadata=decode(r[2]), paused_at=r[3], updated_at=r[4]
    )


def leader_from_row(r: Sequence[Any]) -> Leader:
    return Leader(leader_id=r[0], elected_at=r[1], expires_at=r[2])
