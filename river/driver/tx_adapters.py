"""What every ``*_tx`` function accepts as the caller's transaction.

Besides a driver's own connection, a transaction can come from an ORM: SQLAlchemy's
``Connection``, ``Session``, ``AsyncConnection``, ``AsyncSession`` (and their scoped
proxies), or Django's ``connection`` / ``connections[alias]``. ``resolve_tx`` (sync) and
``resolve_tx_async`` (async) turn such an object into the driver connection underneath it,
inside the ORM's current transaction (or savepoint), so a job written there commits or
rolls back with the application's own rows.

Adapters are found by the fully qualified names of the classes of the object given, so no
ORM is imported unless the object comes from it. A driver's own connection types are
read from ``sys.modules`` for the same reason: an object cannot be a ``psycopg``
connection unless ``psycopg`` is imported.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from river.driver.driver_async import AsyncDriver

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection as SAConnection
    from sqlalchemy.ext.asyncio import AsyncConnection as SAAsyncConnection
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session



class DjangoConnection(Protocol):
    """What is used of Django's ``connection`` / ``connections[alias]`` (typed here
    without importing Django)."""

    def ensure_connection(self) -> None: ...
    def get_autocommit(self) -> bool: ...


#: ORM objects a sync ``*_tx`` function accepts besides the driver's connection.
OrmTx: TypeAlias = "SAConnection | Session | DjangoConnection"
#: ORM objects an async ``*_tx`` function accepts besides the driver's connection.
AsyncOrmTx: TypeAlias = "SAAsyncConnection | AsyncSession"


@dataclass(frozen=True)
class _Native:
    """A driver's own transaction types, by module and attribute path."""

    module: str
    attrs: tuple[str, ...]
    described: str

    def types(self) -> tuple[type, ...]:
        found: list[type] = []
        module = sys.modules.get(self.module)
        for path in self.attrs:
            obj: Any = module
            for part in path.split("."):
                obj = getattr(obj, part, None)
            if isinstance(obj, type):
                found.append(obj)
        return tuple(found)


# (driver name, is async) → the driver's own transaction types.
_NATIVE: dict[tuple[str, bool], _Native] = {
    ("psycopg3", False): _Native("psycopg", ("Connection",), "psycopg.Connection"),
    ("psycopg3", True): _Native("psycopg", ("AsyncConnection",), "psycopg.AsyncConnection"),
    ("psycopg2", False): _Native(
        "psycopg2", ("extensions.connection",), "a psycopg2 connection"
    ),
    ("asyncpg", True): _Native(
        "asyncpg", ("Connection", "pool.PoolConnectionProxy"), "asyncpg.Connection"
    ),
}

# The ORM objects each driver can sit under, for error messages.
_ORM_ACCEPTED: dict[tuple[str, bool], str] = {
    ("psycopg3", False): "a SQLAlchemy Connection or Session on the postgresql+psycopg "
    "dialect, or Django's connection (psycopg backend)",
    ("psycopg3", True): "a SQLAlchemy AsyncConnection or AsyncSession on the "
    "postgresql+psycopg dialect",
    ("psycopg2", False): "a SQLAlchemy Connection or Session on the postgresql+psycopg2 "
    "dialect, or Django's connection (psycopg2 backend)",
    ("asyncpg", True): "a SQLAlchemy AsyncConnection or AsyncSession on the "
    "postgresql+asyncpg dialect",
}


def register_native(driver_name: str, is_async: bool, module: str, *attrs: str) -> None:
    """Declare the transaction types of a third-party driver named ``driver_name``
    (classes ``attrs`` of ``module``), so its ``*_tx`` functions reject anything else."""
    _NATIVE[(driver_name, is_async)] = _Native(module, attrs, f"{module}.{attrs[0]}")


def _full_names(tx: Any) -> list[str]:
    return [f"{cls.__module__}.{cls.__qualname__}" for cls in type(tx).__mro__]


def _type_name(tx: Any) -> str:
    cls = type(tx)
    return f"{cls.__module__}.{cls.__qualname__}"


def _in_transaction(raw: Any) -> bool:
    """Whether a driver connection has a transaction open on the server side."""
    if hasattr(raw, "is_in_transaction"):  # asyncpg
        return bool(raw.is_in_transaction())
    # psycopg 3 and psycopg2 both give libpq's status; 0 is PQTRANS_IDLE.
    return int(raw.info.transaction_status) != 0


# -- SQLAlchemy ---------------------------------------------------------------------
# A SQLAlchemy transaction begins lazily ("autobegin"), and the asyncpg dialect starts
# the server-side transaction only on its first statement. A statement through
# SQLAlchemy opens both, so the job is written inside the ORM's transaction instead of
# in autocommit (and a psycopg ``transaction()`` block becomes a savepoint, not a commit).


def _sa_connection(conn: Any) -> Any:
    raw = conn.connection.driver_connection
    if not conn.in_transaction() or not _in_transaction(raw):
        conn.exec_driver_sql("SELECT 1")
    return raw


def _sa_session(session: Any) -> Any:
    return _sa_connection(session.connection())


def _sa_scoped_session(scoped: Any) -> Any:
    return _sa_session(scoped())


async def _sa_async_connection(conn: Any) -> Any:
    raw = (await conn.get_raw_connection()).driver_connection
    if not conn.in_transaction() or not _in_transaction(raw):
        await conn.exec_driver_sql("SELECT 1")
    return raw


async def _sa_async_session(session: Any) -> Any:
    return await _sa_async_connection(await session.connection())


async def _sa_async_scoped_session(scoped: Any) -> Any:
    return await _sa_async_session(scoped())


# -- Django -------------------------------------------------------------------------


def _django_connection(conn: Any) -> Any:
    conn.ensure_connection()
    raw = conn.connection
    # Inside atomic() (autocommit off) Django lets the driver begin the transaction on
    # the first statement; open it now so the job is inside it. In autocommit mode the
    # job is written in autocommit, as Django's own queries are.
    if not conn.get_autocommit() and not _in_transaction(raw):
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
    return raw


_SYNC_ADAPTERS: dict[str, Callable[[Any], Any]] = {
    "sqlalchemy.engine.base.Connection": _sa_connection,
    "sqlalchemy.orm.session.Session": _sa_session,
    "sqlalchemy.orm.scoping.scoped_session": _sa_scoped_session,
    "django.db.backends.base.base.BaseDatabaseWrapper": _django_connection,
    # ``django.db.connection``: forwards attribute access to the default alias's wrapper.
    "django.utils.connection.ConnectionProxy": _django_connection,
}

_ASYNC_ADAPTERS: dict[str, Callable[[Any], Awaitable[Any]]] = {
    "sqlalchemy.ext.asyncio.engine.AsyncConnection": _sa_async_connection,
    "sqlalchemy.ext.asyncio.session.AsyncSession": _sa_async_session,
    "sqlalchemy.ext.asyncio.scoping.async_scoped_session": _sa_async_scoped_session,
}

_SYNC_ONLY_HINT = {
    "sqlalchemy": "use an AsyncConnection or AsyncSession (sqlalchemy.ext.asyncio)",
    "django": "Django's connection is sync: enqueue with a sync river.Client "
    "(from async code, through asgiref's sync_to_async)",
}


def _find(tx: Any, table: dict[str, Any]) -> Any:
    for name in _full_names(tx):
        found = table.get(name)
        if found is not None:
            return found
    return None


def _target(driver: Any, is_async: bool) -> tuple[str, _Native | None]:
    name = str(getattr(driver, "name", type(driver).__name__))
    if isinstance(driver, AsyncDriver) != is_async:
        # Say, an async session given to a driver's job_complete_tx while a sync client
        # works the job.
        given, colour, wanted = (
            ("an async", "sync", "a sync") if is_async else ("a sync", "async", "an async")
        )
        raise TypeError(
            f"{given} transaction was given, but the client's {name} driver "
            f"({type(driver).__name__}) is {colour}: use {wanted} connection or session"
        )
    return name, _NATIVE.get((name, is_async))


def _accepted(name: str, is_async: bool, native: _Native) -> str:
    orm = _ORM_ACCEPTED.get((name, is_async))
    return native.described + (f", {orm}" if orm else "")


def _check(raw: Any, given: Any, name: str, is_async: bool, native: _Native | None) -> Any:
    if native is None or isinstance(raw, native.types()):
        return raw
    colour = "an async" if is_async else "a sync"
    if raw is given:
        other = _NATIVE.get((name, not is_async))
        if other is not None and isinstance(raw, other.types()):
            raise TypeError(
                f"{_type_name(given)} is {'a sync' if is_async else 'an async'} connection; "
                f"{colour} {name} client or function needs {native.described}"
            )
        raise TypeError(
            f"expected a transaction for the {name} driver ({colour} function): "
            f"{_accepted(name, is_async, native)}; got {_type_name(given)}"
        )
    raise TypeError(
        f"the {_type_name(given)} given runs on a {_type_name(raw)} connection, but this "
        f"client's driver is {name}, which accepts {_accepted(name, is_async, native)}"
    )


def _colour_error(tx: Any, wanted_async: bool) -> TypeError:
    top = type(tx).__module__.split(".")[0]
    if wanted_async:
        hint = _SYNC_ONLY_HINT.get(top, "use its async counterpart")
        return TypeError(f"{_type_name(tx)} is sync and cannot be used by an async client or "
                         f"function: {hint}")
    return TypeError(
        f"{_type_name(tx)} is async and cannot be used by a sync client or function: use "
        "a sync Connection or Session (or an AsyncClient / the async function)"
    )


def resolve_tx(driver: Any, tx: Any) -> Any:
    """The sync ``driver``'s own connection for ``tx``: ``tx`` itself, or the connection
    under an ORM object, inside the ORM's current transaction. A ``TypeError`` otherwise."""
    name, native = _target(driver, False)
    if native is not None and isinstance(tx, native.types()):
        return tx
    adapter = _find(tx, _SYNC_ADAPTERS)
    if adapter is not None:
        return _check(adapter(tx), tx, name, False, native)
    if _find(tx, _ASYNC_ADAPTERS) is not None:
        raise _colour_error(tx, wanted_async=False)
    return _check(tx, tx, name, False, native)


async def resolve_tx_async(driver: Any, tx: Any) -> Any:
    """The async ``driver``'s own connection for ``tx``: ``tx`` itself, or the connection
    under an ORM object, inside the ORM's current transaction. A ``TypeError`` otherwise."""
    name, native = _target(driver, True)
    if native is not None and isinstance(tx, native.types()):
        return tx
    adapter = _find(tx, _ASYNC_ADAPTERS)
    if adapter is not None:
        return _check(await adapter(tx), tx, name, True, native)
    if _find(tx, _SYNC_ADAPTERS) is not None:
        raise _colour_error(tx, wanted_async=True)
    return _check(tx, tx, name, True, native)


def tx_is_async(tx: Any) -> bool | None:
    """Whether an ORM ``tx`` is async (True), sync (False), or not an ORM object (None)."""
    if _find(tx, _ASYNC_ADAPTERS) is not None:
        return True
    if _find(tx, _SYNC_ADAPTERS) is not None:
        return False
    return None
