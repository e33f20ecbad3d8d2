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


#: Max workers of a queue that only a ``RiverBackend``'s ``QUEUES`` names.
TASK_QUEUE_WORKERS = 10


def _river_task_queues() -> set[str] | None:
    """The queues of the ``RiverBackend``s in ``settings.TASKS``, or None without one
    (or on a Django without ``django.tasks``)."""
    try:
        from django.tasks import task_backends
    except ImportError:
        return None
    found: set[str] | None = None
    for backend in task_backends.all():
        if any(
            (c.__module__, c.__name__) == ("river.contrib.django.tasks", "RiverBackend")
            for c in type(backend).__mro__
        ):
            found = (found or set()) | set(backend.queues)
    return found


def make_client() -> river.Client[Any]:
    """A new ``river.Client`` from ``settings.RIVER``, on a pool of its own (``close``
    closes it). With a ``RiverBackend`` in ``settings.TASKS`` it also works Django tasks:
    the ``django_task`` worker is registered, and each queue of the backend's ``QUEUES``
    missing from ``RIVER['QUEUES']`` is worked with ``TASK_QUEUE_WORKERS`` workers."""
    conf = river_settings()
    options: dict[str, Any] = {"schema": conf.schema, **conf.config}
    workers = _workers(conf.workers)
    queues = dict(conf.queues)
    task_queues = _river_task_queues()
    if task_queues is not None:
        from river.contrib.django.task_worker import DjangoTaskWorker

        workers = workers if workers is not None else river.Workers()
        workers.add_safely(DjangoTaskWorker())  # a worker of the project's own stays
        for name in sorted(task_queues - set(queues)):
            queues[name] = TASK_QUEUE_WORKERS
    if workers is not None:
        options["workers"] = workers
    if queues:
        options["queues"] = {name: river.QueueConfig(max_workers=n) for name, n in queues.items()}
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
