"""Clients and drivers from Django's settings and database aliases."""

from __future__ import annotations

import threading
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

import river
from river.contrib.django.settings import river_settings
from river.driver.driver import Driver

# Django-only connection parameters, not libpq's.
_NOT_LIBPQ = {
    "cursor_factory", "context", "server_side_binding", "isolation_level", "assume_role",
    "pool", "prepare_threshold",
}

_lock = threading.Lock()
_client: river.Client[Any] | None = None


def _uses_psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return bool(is_psycopg3)


def driver_for_alias(alias: str = "default", *, max_size: int = 10) -> Driver[Any]:
    """A sync River driver with its own pool on the database of Django's ``alias``, on
    the library Django's backend uses (psycopg 3, else psycopg2); ``close`` closes it."""
    from django.db import connections

    wrapper = connections[alias]
    if wrapper.vendor != "postgresql":
        raise ImproperlyConfigured(f"River needs PostgreSQL; database {alias!r} is {wrapper.vendor}")
    params = {
        k: v for k, v in wrapper.get_connection_params().items()
        if k not in _NOT_LIBPQ and isinstance(v, (str, int)) and v != ""
    }
    if _uses_psycopg3():
        from psycopg.conninfo import make_conninfo
        from river_psycopg3 import PsycopgDriver

        return PsycopgDriver.open(make_conninfo("", **params), max_size=max_size)
    import psycopg2.extensions
    from river_psycopg2 import Psycopg2Driver

    return Psycopg2Driver.open(psycopg2.extensions.make_dsn(**params), max_size=max_size)


def _workers(path: str | None) -> river.Workers | None:
    if path is None:
        return None
    found = import_string(path)
    workers = found() if callable(found) and not isinstance(found, river.Workers) else found
    if not isinstance(workers, river.Workers):
        raise ImproperlyConfigured(f"RIVER['WORKERS'] = {path!r} is not a river.Workers")
    return workers


def make_client() -> river.Client[Any]:
    """A new ``river.Client`` from ``settings.RIVER``, on a pool of its own (``close``
    closes it)."""
    conf = river_settings()
    options: dict[str, Any] = {"schema": conf.schema, **conf.config}
    workers = _workers(conf.workers)
    if workers is not None:
        options["workers"] = workers
    if conf.queues:
        options["queues"] = {
            name: river.QueueConfig(max_workers=n) for name, n in conf.queues.items()
        }
    driver = driver_for_alias(conf.database, max_size=conf.pool_size)
    client = river.Client(driver, river.Config(**options))
    client._owns_driver = True  # closing the client closes the pool opened here
    return client


def get_client() -> river.Client[Any]:
    """The process's client from ``settings.RIVER``, made on first use (for inserting:
    ``get_client().insert_tx(connection, args)``)."""
    global _client
    with _lock:
        if _client is None:
            _client = make_client()
        return _client


def close_client() -> None:
    """Close the process's client from ``get_client`` and its pool (say, before Django's
    test runner drops the test database); the next ``get_client`` makes a new one."""
    global _client
    with _lock:
        client, _client = _client, None
    if client is not None:
        client.close()
