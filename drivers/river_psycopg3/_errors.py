"""psycopg's exceptions translated into River's driver errors (``river.driver.errors``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import PoolTimeout

from river.driver.errors import (
    ConnectionLostError,
    QueryCanceledError,
    UniqueViolationError,
    is_connection_sqlstate,
    not_migrated_error,
)
from river.driver.urls import connect_timeout_error


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise unique violations, cancelled statements, lost connections and River's
    missing tables as River's errors."""
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:
        raise UniqueViolationError(
            str(exc), constraint=exc.diag.constraint_name, detail=exc.diag.message_detail
        ) from exc
    except psycopg.errors.QueryCanceled as exc:
        raise QueryCanceledError(str(exc)) from exc
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedObject) as exc:
        not_migrated = not_migrated_error(exc.sqlstate, str(exc))
        if not_migrated is not None:
            raise not_migrated from exc
        raise
    except psycopg.OperationalError as exc:
        # Client-side failures have no SQLSTATE; a pool timeout is not a broken connection.
        lost = exc.sqlstate is None and not isinstance(exc, PoolTimeout)
        if lost or is_connection_sqlstate(exc.sqlstate):
            raise ConnectionLostError(str(exc), sqlstate=exc.sqlstate) from exc
        raise


@contextmanager
def translate_connect_errors(url: str, timeout: float) -> Iterator[None]:
    """``translate_errors`` for a new connection, a timeout as ``ConnectTimeoutError``."""
    try:
        yield
    except psycopg.errors.ConnectionTimeout as exc:
        raise connect_timeout_error(url, timeout) from exc
