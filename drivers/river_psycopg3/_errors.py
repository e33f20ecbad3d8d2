"""psycopg's exceptions as River's driver errors (``river.driver.errors``): its table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import psycopg
from psycopg_pool import PoolTimeout

from river.driver import errors
from river.driver.urls import connect_timeout_error


def _unique_fields(exc: Exception) -> tuple[str | None, str | None]:
    assert isinstance(exc, psycopg.Error)
    return exc.diag.constraint_name, exc.diag.message_detail


def _client_side_failure(exc: Exception) -> bool:
    # Client-side failures have no SQLSTATE; a pool timeout is not a broken connection.
    return getattr(exc, "sqlstate", None) is None and not isinstance(exc, PoolTimeout)


ERRORS = errors.ErrorTable(
    database_error=psycopg.Error,
    sqlstate=lambda exc: getattr(exc, "sqlstate", None),
    unique_fields=_unique_fields,
    lost=((psycopg.OperationalError, _client_side_failure),),
)


def translate_errors() -> AbstractContextManager[None]:
    """``river.driver.errors.translate_errors`` with psycopg's table."""
    return errors.translate_errors(ERRORS)


@contextmanager
def translate_connect_errors(url: str, timeout: float) -> Iterator[None]:
    """``translate_errors`` for a new connection, a timeout as ``ConnectTimeoutError``."""
    try:
        yield
    except psycopg.errors.ConnectionTimeout as exc:
        raise connect_timeout_error(url, timeout) from exc
