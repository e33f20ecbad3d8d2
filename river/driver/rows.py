"""Decode rows selected with the column lists of ``river.driver.sql_*`` (pure, shared by
drivers), reading each column by its name in that list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from river.driver.sql_job import JOB_COLS
from river.driver.sql_leader import LEADER_COLS
from river.driver.sql_queue import QUEUE_COLS
from river.stored_json import decode
from river.types import AttemptError, JobRow, JobState, Leader, Queue, parse_rfc3339

_STATES = {s.value: s for s in JobState}


def column_positions(columns: Iterable[str]) -> dict[str, int]:
    """Where each column of a select list lands in a row, by name (its table and cast
    dropped: ``river_job.state::text`` is ``state``)."""
    return {
        column.strip().split("::")[0].rpartition(".")[2]: i for i, column in enumerate(columns)
    }


#: Where each column of ``sql_job.job_columns()`` lands in a row. A statement returning
#: more than a job puts its extra column right after them, at ``JOB_EXTRA_COLUMN``.
JOB_COLUMN = column_positions(JOB_COLS.split(","))
JOB_EXTRA_COLUMN = len(JOB_COLUMN)
QUEUE_COLUMN = column_positions(QUEUE_COLS.split(","))
LEADER_COLUMN = column_positions(LEADER_COLS.split(","))

# Module constants, not a dict lookup per column: a row read through them costs about as
# much as one read with literal indexes (the bench's fetch decodes every job here).
_ID = JOB_COLUMN["id"]
_STATE = JOB_COLUMN["state"]
_ATTEMPT = JOB_COLUMN["attempt"]
_MAX_ATTEMPTS = JOB_COLUMN["max_attempts"]
_ATTEMPTED_AT = JOB_COLUMN["attempted_at"]
_CREATED_AT = JOB_COLUMN["created_at"]
_FINALIZED_AT = JOB_COLUMN["finalized_at"]
_SCHEDULED_AT = JOB_COLUMN["scheduled_at"]
_PRIORITY = JOB_COLUMN["priority"]
_ARGS = JOB_COLUMN["args"]
_ATTEMPTED_BY = JOB_COLUMN["attempted_by"]
_ERRORS = JOB_COLUMN["errors"]
_KIND = JOB_COLUMN["kind"]
_METADATA = JOB_COLUMN["metadata"]
_QUEUE = JOB_COLUMN["queue"]
_TAGS = JOB_COLUMN["tags"]
_UNIQUE_KEY = JOB_COLUMN["unique_key"]
_UNIQUE_STATES = JOB_COLUMN["unique_states"]


def job_from_row(r: Sequence[Any]) -> JobRow:
    errors = r[_ERRORS]
    key = r[_UNIQUE_KEY]
    metadata = r[_METADATA]
    # Positional: a keyword call costs more per row.
    return JobRow(
        r[_ID],
        _STATES[r[_STATE]],
        r[_ATTEMPT],
        r[_MAX_ATTEMPTS],
        r[_ATTEMPTED_AT],
        r[_CREATED_AT],
        r[_FINALIZED_AT],
        r[_SCHEDULED_AT],
        r[_PRIORITY],
        r[_ARGS],
        r[_ATTEMPTED_BY] or [],
        [_attempt_error(e) for e in errors] if errors else [],
        r[_KIND],
        {} if metadata == "{}" else decode(metadata),
        r[_QUEUE],
        r[_TAGS] or [],
        bytes(key) if key is not None else None,
        r[_UNIQUE_STATES],
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _attempt_error(text: str) -> AttemptError:
    """One element of ``errors``. Another client may have written one that is not an
    attempt error: it never fails the whole row (and with it every job of the fetch
    that locked it). An object of another shape is read field by field, as River v0.48
    does (a time that is not RFC 3339 reads as the epoch, an ``attempt`` as a numeric
    string counts, an ``error`` or ``trace`` that is not a string is kept as its JSON);
    anything else, or one nested too deeply to decode, is kept whole as the error text."""
    try:
        data = decode(text)
    except (ValueError, TypeError):
        data = None
    if not isinstance(data, dict):
        return AttemptError(at=_EPOCH, attempt=0, error=str(text))
    try:
        at = parse_rfc3339(data["at"])
    except (ValueError, TypeError, KeyError, AttributeError):
        at = _EPOCH
    return AttemptError(
        at=at,
        attempt=_best_effort_int(data.get("attempt")),
        error=_best_effort_text(data.get("error")),
        trace=_best_effort_text(data.get("trace")),
    )


def _best_effort_int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return 0


def _best_effort_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def queue_from_row(r: Sequence[Any]) -> Queue:
    c = QUEUE_COLUMN
    return Queue(
        name=r[c["name"]],
        created_at=r[c["created_at"]],
        metadata=decode(r[c["metadata"]]),
        paused_at=r[c["paused_at"]],
        updated_at=r[c["updated_at"]],
    )


def leader_from_row(r: Sequence[Any]) -> Leader:
    c = LEADER_COLUMN
    return Leader(
        leader_id=r[c["leader_id"]], elected_at=r[c["elected_at"]], expires_at=r[c["expires_at"]]
    )
