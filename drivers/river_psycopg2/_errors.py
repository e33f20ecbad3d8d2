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
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise unique violations, cancelled statements and lost connections as River's
    errors."""
    try:
        yield
    except psycopg2.errors.UniqueViolation as exc:
        raise UniqueViolationError(
            str(exc), constraint=exc.diag.constraint_name, detail=exc.diag.message_detail
        ) from exc
    except psycopg2.errors.QueryCanceled as exc:
        raise QueryCanceledError(str(exc)) from exc
    except psycopg2.InterfaceError as exc:  # "connection already closed"
        raise ConnectionLostError(str(exc)) from exc
    except psycopg2.OperationalError as exc:
        # Client-side failures (server gone, network) carry no SQLSTATE.
        if exc.pgcode is None or is_connection_sqlstate(exc.pgcode):
            raise ConnectionLostError(str(exc), sqlstate=exc.pgcode) from exc
        raise
