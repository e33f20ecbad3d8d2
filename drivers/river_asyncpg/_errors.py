"""asyncpg's exceptions as River's driver errors (``river.driver.errors``): its table."""

from __future__ import annotations

from contextlib import AbstractContextManager

import asyncpg

from river.driver import errors


def _unique_fields(exc: Exception) -> tuple[str | None, str | None]:
    return getattr(exc, "constraint_name", None), getattr(exc, "detail", None)


ERRORS = errors.ErrorTable(
    database_error=asyncpg.PostgresError,
    sqlstate=lambda exc: getattr(exc, "sqlstate", None),
    unique_fields=_unique_fields,
    lost=(
        # asyncpg reports use of a closed connection as a misuse error.
        (asyncpg.InterfaceError, lambda exc: "connection is closed" in str(exc)),
        # Seen when the server ends a pooled session (say, pg_terminate_backend) just
        # before it is used: the protocol cannot go on and asyncpg discards the connection.
        (asyncpg.InternalClientError, None),
        (ConnectionError, None),  # the socket broke
    ),
)


def translate_errors() -> AbstractContextManager[None]:
    """``river.driver.errors.translate_errors`` with asyncpg's table."""
    return errors.translate_errors(ERRORS)

