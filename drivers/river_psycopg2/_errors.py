"""psycopg2's exceptions translated into River's driver errors (``river.driver.errors``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.errors

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
    except psycopg2.errors.UniqueViolation as exc:
        raise UniqueViolationError(
            str(exc), constraint=exc.diag.constraint_name, detail=exc.diag.message_detail
        ) from exc
    except psycopg2.errors.QueryCanceled as exc:
        raise QueryCanceledError(str(exc)) from exc
    except (psycopg2.errors.UndefinedTable, psycopg2.errors.UndefinedObject) as exc:
        not_migrated = not_migrated_error(exc.pgcode, str(exc))
        if not_migrated is not None:
            raise not_migrated from exc
        raise
    except psycopg2.InterfaceError as exc:  # "connection already closed"
        raise ConnectionLostError(str(exc)) from exc
    except psycopg2.OperationalError as exc:
        # Client-side failures (server gone, network) carry no SQLSTATE.
        if exc.pgcode is None or is_connection_sqlstate(exc.pgcode):
            raise ConnectionLostError(str(exc), sqlstate=exc.pgcode) from exc
        raise


@contextmanager
def translate_connect_errors(url: str, timeout: float) -> Iterator[None]:
    """``translate_errors`` for new connections, a timeout as ``ConnectTimeoutError``."""
    try:
        with translate_errors():
            yield
    except ConnectionLostError as exc:
        # libpq's words for connect_timeout passing, the one case without a server reply.
        if "timeout expired" in str(exc):
            raise connect_timeout_error(url, timeout) from exc.__cause__
        raise
