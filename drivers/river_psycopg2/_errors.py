"""psycopg2's exceptions as River's driver errors (``river.driver.errors``): its table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import psycopg2
import psycopg2.errors

from river.driver import errors
from river.driver.errors import ConnectionLostError
from river.driver.urls import connect_timeout_error


def _unique_fields(exc: Exception) -> tuple[str | None, str | None]:
    assert isinstance(exc, psycopg2.Error)
    return exc.diag.constraint_name, exc.diag.message_detail


ERRORS = errors.ErrorTable(
    database_error=psycopg2.Error,
    sqlstate=lambda exc: getattr(exc, "pgcode", None),
    unique_fields=_unique_fields,
    lost=(
        (psycopg2.InterfaceError, None),  # "connection already closed"
        # Client-side failures (server gone, network) carry no SQLSTATE.
        (psycopg2.OperationalError, lambda exc: getattr(exc, "pgcode", None) is None),
    ),
)


def translate_errors() -> AbstractContextManager[None]:
    """``river.driver.errors.translate_errors`` with psycopg2's table."""
    return errors.translate_errors(ERRORS)


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
