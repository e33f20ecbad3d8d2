"""The error of the local PostgreSQL module."""

from __future__ import annotations

from river.errors import RiverError


class LocalPostgresError(RiverError):
    """No local PostgreSQL server could be found or started."""
