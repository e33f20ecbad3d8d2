"""How ``open(**pool_options)`` divides options between the pool and its connections."""

from __future__ import annotations

import inspect
from typing import Any

from psycopg_pool import ConnectionPool


def _pool_parameters() -> frozenset[str]:
    # Both pool classes take the same options.
    params = inspect.signature(ConnectionPool.__init__).parameters
    return frozenset(name for name in params if name not in ("self", "conninfo", "kwargs"))


POOL_PARAMETERS = _pool_parameters()


def split_pool_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(pool options, connection options)``: names ``ConnectionPool`` takes go to the
    pool, the rest (``prepare_threshold``, ``connect_timeout``, ...) to each connection."""
    pool = {k: v for k, v in options.items() if k in POOL_PARAMETERS}
    conn = {k: v for k, v in options.items() if k not in POOL_PARAMETERS}
    if "autocommit" in conn:
        raise TypeError("autocommit is set by the driver: its pool connections are autocommit")
    return pool, conn
