"""Database errors as River sees them, independent of the driver's library.

Drivers translate their library's exceptions into these at the executor and listener
boundary, keeping the original as ``__cause__``. Other database errors pass through as
the library raised them. Apart from ``river.errors`` (what the client and a worker
raise) because these are the driver layer's, made by its translation table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from river.errors import RiverError, SchemaNotMigratedError

UNIQUE_VIOLATION = "23505"
QUERY_CANCELED = "57014"
_SHUTDOWN_SQLSTATES = ("57P01", "57P02", "57P03")  # admin/crash shutdown, starting up


UNDEFINED_FUNCTION = "42883"
INVALID_SCHEMA_NAME = "3F000"  # also a call into pg_temp before the session has one
INSUFFICIENT_PRIVILEGE = "42501"
UNDEFINED_TABLE = "42P01"
UNDEFINED_OBJECT = "42704"  # a type, River's river_job_state among them
# Postgres names the relation as the statement wrote it: ``"river_job"`` or
# ``"schema.river_job"``; the quotes hold in every message language.
_RIVER_RELATION_RE = re.compile(r'"(?:([^"]*)\.)?(river_[a-z_]+)"')


def not_migrated_error(sqlstate: str | None, message: str) -> SchemaNotMigratedError | None:
    """The ``SchemaNotMigratedError`` a missing table or type of River's means, or None
    when the error is about something else."""
    if sqlstate not in (UNDEFINED_TABLE, UNDEFINED_OBJECT):
        return None
    match = _RIVER_RELATION_RE.search(message)
    if match is None:
        return None
    return SchemaNotMigratedError(match.group(1) or None, match.group(2))


def is_connection_sqlstate(sqlstate: str | None) -> bool:
    """Whether a Postgres error code means the connection is gone (class 08 or a shutdown)."""
    return sqlstate is not None and (sqlstate.startswith("08") or sqlstate in _SHUTDOWN_SQLSTATES)


class DriverError(RiverError):
    """A database operation failed; ``sqlstate`` is Postgres's error code when known."""

    def __init__(self, message: str, *, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class UniqueViolationError(DriverError):
    """A row conflicts with a unique index or constraint (SQLSTATE 23505); ``detail`` is
    Postgres's detail line naming the key, when the server sent one."""

    def __init__(
        self, message: str, *, constraint: str | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message, sqlstate=UNIQUE_VIOLATION)
        self.constraint = constraint
        self.detail = detail


class ConnectionLostError(DriverError, ConnectionError):
    """The connection to the database broke or could not be used; the operation may
    succeed again on a new connection."""


class ConnectTimeoutError(ConnectionLostError, TimeoutError):
    """The database server did not answer a new connection within the driver's
    ``connect_timeout``; the message names the server."""


class QueryCanceledError(DriverError):
    """A statement was cancelled before it finished (SQLSTATE 57014): its
    ``statement_timeout`` passed or another session cancelled it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, sqlstate=QUERY_CANCELED)


class UndefinedNameError(DriverError):
    """A statement named a function or a schema the database does not have (SQLSTATE
    42883 or 3F000)."""


class InsufficientPrivilegeError(DriverError):
    """The database role may not do what a statement asked (SQLSTATE 42501)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, sqlstate=INSUFFICIENT_PRIVILEGE)


@dataclass(frozen=True)
class ErrorTable:
    """How one driver's library reports the errors River translates.

    ``database_error`` is the library's class of errors the server sent, ``sqlstate``
    reads the code from one of them and ``unique_fields`` the constraint and detail line
    of a unique violation; ``lost`` lists the library's client-side exceptions that mean
    the connection is gone, each with a test of the exception (None: every one of them).
    """

    database_error: type[Exception]
    sqlstate: Callable[[Exception], str | None]
    unique_fields: Callable[[Exception], tuple[str | None, str | None]]
    lost: tuple[tuple[type[BaseException], Callable[[Exception], bool] | None], ...]


def translated_error(exc: Exception, table: ErrorTable) -> DriverError | SchemaNotMigratedError | None:
    """River's error for ``exc`` raised by the library ``table`` describes, or None when
    River has none and ``exc`` passes through as raised."""
    if isinstance(exc, table.database_error):
        sqlstate = table.sqlstate(exc)
        if sqlstate == UNIQUE_VIOLATION:
            constraint, detail = table.unique_fields(exc)
            return UniqueViolationError(str(exc), constraint=constraint, detail=detail)
        if sqlstate == QUERY_CANCELED:
            return QueryCanceledError(str(exc))
        if sqlstate in (UNDEFINED_FUNCTION, INVALID_SCHEMA_NAME):
            return UndefinedNameError(str(exc), sqlstate=sqlstate)
        if sqlstate == INSUFFICIENT_PRIVILEGE:
            return InsufficientPrivilegeError(str(exc))
        if sqlstate in (UNDEFINED_TABLE, UNDEFINED_OBJECT):
            return not_migrated_error(sqlstate, str(exc))
        if is_connection_sqlstate(sqlstate):
            return ConnectionLostError(str(exc), sqlstate=sqlstate)
    for lost_type, test in table.lost:
        if isinstance(exc, lost_type) and (test is None or test(exc)):
            return ConnectionLostError(str(exc))
    return None


@contextmanager
def translate_errors(table: ErrorTable) -> Iterator[None]:
    """Re-raise unique violations, cancelled statements, undefined names, refused
    privileges, lost connections and River's missing tables as River's errors, the
    library's exception as ``__cause__``."""
    try:
        yield
    except Exception as exc:
        river_error = translated_error(exc, table)
        if river_error is None:
            raise
        raise river_error from exc
