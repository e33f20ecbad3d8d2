"""What the batch completer writes for a state change the database rejects (pure).

A change Postgres refuses for its data (metadata holding NaN, which Python's ``json``
writes but ``jsonb`` rejects; a NUL in an error text; a check constraint) would be
refused again on every retry: left alone it keeps its job ``running`` until the rescuer
runs it a second time. Instead the same state change is written without the data the
database refused, and why goes into the job's ``errors``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from river.driver.errors import ConnectionLostError, DriverError
from river.driver.jsontext import (
    check_json_text,
    clean_string,
    encode_json,
    find_unstorable,
    sanitize,
)
from river.driver.params import JobSetStateIfRunningParams
from river.errors import InvalidJSONValueError
from river.types import AttemptError

# SQLSTATE classes of errors about the statement's data, which a retry repeats: data
# exception, integrity constraint violation, program limit exceeded (a value too large).
_REJECTION_CLASSES = ("22", "23", "54")
_MESSAGE_MAX = 500


def sqlstate_of(exc: BaseException) -> str | None:
    """Postgres's error code of ``exc`` for any driver (psycopg and asyncpg name it
    ``sqlstate``, psycopg2 ``pgcode``), or None."""
    for name in ("sqlstate", "pgcode"):
        code = getattr(exc, name, None)
        if isinstance(code, str) and code:
            return code
    return None


def is_rejection(exc: BaseException) -> bool:
    """Whether ``exc`` refuses the data sent (and would again), rather than a passing
    failure (a lost connection, a timeout, a deadlock) that a retry may get past."""
    if isinstance(exc, ConnectionLostError):
        return False
    code = sqlstate_of(exc)
    if code is None:
        # No database error code: refused by the driver before sending (a string it
        # cannot encode, say) is a ValueError; anything else is not about the data.
        return isinstance(exc, (ValueError, TypeError)) and not isinstance(exc, DriverError)
    return code[:2] in _REJECTION_CLASSES


def looks_unstorable(change: object) -> bool:
    """Whether a pending change (a ``finalized_at`` or the change itself) holds JSON
    ``jsonb`` cannot store, by the same check as at hand-over: after a failed batch, such
    changes are written apart at once instead of found by halving the batch."""
    if not isinstance(change, JobSetStateIfRunningParams):
        return False  # a plain completion carries no JSON
    for text in (change.metadata_updates, change.error):
        if text is None:
            continue
        try:
            check_json_text("change", text)
        except (InvalidJSONValueError, RecursionError):
            return True
    return False


def _storable_metadata(text: str, error_bad: bool) -> tuple[str | None, list[str]]:
    """The metadata updates of ``text`` that ``jsonb`` can store, re-encoded (None for
    none), and the keys dropped. Python's parser reads the ``NaN`` its encoder wrote.
    When no value is at fault and the error text is not either, all are dropped: the
    database refused them for a reason not found here."""
    try:
        updates = json.loads(text)
    except (ValueError, RecursionError):
        return None, ["(all: not valid JSON)"]
    if not isinstance(updates, dict):
        return None, ["(all: not a JSON object)"]
    kept = {k: v for k, v in updates.items() if find_unstorable(v) is None}
    if len(kept) == len(updates):
        return (text, []) if error_bad else (None, sorted(updates))
    dropped = [k for k in updates if k not in kept]
    return (encode_json("metadata", kept) if kept else None), dropped


def _attempt_error(text: str | None) -> AttemptError | None:
    if text is None:
        return None
    try:
        return AttemptError.from_dict(json.loads(sanitize(text)))
    except Exception:
        return None


def _reason(exc: BaseException, dropped: list[str]) -> str:
    message = clean_string(" ".join(str(exc).split()))
    if len(message) > _MESSAGE_MAX:
        message = message[: _MESSAGE_MAX - 3] + "..."
    if dropped:
        what = "without its metadata updates " + ", ".join(map(repr, dropped))
    else:
        what = "with the NUL characters and lone surrogates of its error replaced"
    return (
        f"river: the database rejected this attempt's state change "
        f"({type(exc).__name__}: {message}); it was written {what}"
    )


def replacement(
    params: JobSetStateIfRunningParams, attempt: int, exc: BaseException
) -> JobSetStateIfRunningParams:
    """``params`` as it can be written after the database rejected it with ``exc``: the
    same state change, keeping the metadata updates ``jsonb`` can store and its error
    cleaned of what ``jsonb`` cannot hold, with the reason appended to that error (or
    recorded as the error of ``attempt`` when the change carried none)."""
    error_bad = params.error is not None and sanitize(params.error) != params.error
    metadata, dropped = (
        _storable_metadata(params.metadata_updates, error_bad)
        if params.metadata_updates is not None
        else (None, [])
    )
    reason = _reason(exc, dropped)
    original = _attempt_error(params.error)
    if original is None:
        at = params.finalized_at or dt.datetime.now(dt.UTC)
        error = AttemptError(at=at, attempt=attempt, error=reason)
    else:
        error = dataclasses.replace(original, error=f"{original.error}\n{reason}")
    return dataclasses.replace(params, metadata_updates=metadata, error=error.to_json())


def bare(
    params: JobSetStateIfRunningParams, attempt: int, exc: BaseException
) -> JobSetStateIfRunningParams:
    """The state change alone, for when even its ``replacement`` was rejected: no
    metadata updates, and only the reason as its error, in ASCII."""
    reason = _reason(exc, ["(all)"]).encode("ascii", "backslashreplace").decode("ascii")
    at = params.finalized_at or dt.datetime.now(dt.UTC)
    error = AttemptError(at=at, attempt=attempt, error=reason)
    return dataclasses.replace(params, metadata_updates=None, error=error.to_json())
