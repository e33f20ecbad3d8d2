"""asyncpg's exceptions translated into River's driver errors (``river.driver.errors``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from river.driver.errors import (
    ConnectionLostError,
    QueryCanceledError,
    UniqueViolationError,
    is_connection_sqlstate,
    not_migrated_error,
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise unique violations, cancelled statements, lost connections and River's
    missing tables as River's errors."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        raise UniqueViolationError(
            str(exc), constraint=exc.constraint_name, detail=exc.detail
        ) from exc
    except asyncpg.QueryCanceledError as exc:
        raise QueryCanceledError(str(exc)) from exc
    except (asyncpg.UndefinedTableError, asyncpg.UndefinedObjectError) as exc:
        not_migrated = not_migrated_error(exc.sqlstate, str(exc))
        if not_migrated is not None:
            raise not_migrated from exc
        raise
    except asyncpg.PostgresError as exc:
        if is_connection_sqlstate(exc.sqlstate):
            raise ConnectionLostError(str(exc), sqlstate=exc.sqlstate) from exc
        raise
    except asyncpg.InterfaceError as exc:
        # asyncpg reports use of a closed connection as a misuse error.
        if "connection is closed" in str(exc):
            raise ConnectionLostError(str(exc)) from exc
        raise
    except asyncpg.InternalClientError as exc:
        # Seen when the server ends a pooled session (say, pg_terminate_backend) just
        # before it is used: the protocol cannot go on and asyncpg discards the connection.
        raise ConnectionLostError(str(exc)) from exc
    except ConnectionError as exc:  # the socket broke
        raise ConnectionLostError(str(exc)) from exc
