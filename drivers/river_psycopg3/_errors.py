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
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise unique violations, cancelled statements and lost connections as River's
    errors."""
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:
        raise UniqueViolationError(
            str(exc), constraint=exc.diag.constraint_name, detail=exc.diag.message_detail
        ) from exc
    except psycopg.errors.QueryCanceled as exc:
        raise QueryCanceledError(str(exc)) from exc
    except psycopg.OperationalError as exc:
        # Client-side failures have no SQLSTATE; a pool timeout is not a broken connection.
        lost = exc.sqlstate is None and not isinstance(exc, PoolTimeout)
        if lost or is_connection_sqlstate(exc.sqlstate):
            raise ConnectionLostError(str(exc), sqlstate=exc.sqlstate) from exc
        raise
