"""River on a SQLAlchemy application: a driver on the engine's own pool.

Any ``*_tx`` function already takes a SQLAlchemy ``Connection``, ``Session``,
``AsyncConnection`` or ``AsyncSession`` as the transaction (the job is written in the
session's current transaction); this module adds ``driver_from_engine``, so the
application and River share one pool::

    engine = create_async_engine("postgresql+asyncpg://...")
    client = river.AsyncClient(driver_from_engine(engine), config)

Trade-offs of sharing the pool: River's producers, completer and maintenance services
borrow connections from it while a client works jobs (size the pool for the application
plus about ``len(queues) + 2``); the LISTEN connection that wakes producers stays open for
the client's lifetime, so it is made outside the pool from the engine's URL; and the
connections River borrows run in autocommit for the time it holds them, which is put
back before they return to the pool. A client that only inserts uses no listener.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

from river.contrib.sqlalchemy._pools import listener_url, make_driver

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

    from river.driver.driver import Driver
    from river.driver.driver_async import AsyncDriver

__all__ = ["driver_from_engine", "listener_url"]


@overload
def driver_from_engine(engine: AsyncEngine) -> AsyncDriver[Any]: ...
@overload
def driver_from_engine(engine: Engine) -> Driver[Any]: ...
def driver_from_engine(engine: Engine | AsyncEngine) -> Driver[Any] | AsyncDriver[Any]:
    """A River driver borrowing connections from ``engine``'s pool: for an ``Engine`` on
    ``postgresql+psycopg`` or ``+psycopg2`` a sync driver (for ``river.Client``), for an
    ``AsyncEngine`` on ``postgresql+asyncpg`` or ``+psycopg`` an async one (for
    ``river.AsyncClient``). The engine stays the caller's: closing the driver leaves it
    open."""
    return make_driver(engine)
