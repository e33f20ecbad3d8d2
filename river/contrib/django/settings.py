"""The ``RIVER`` setting, read with defaults::

    RIVER = {
        "DATABASE": "default",        # the database alias River uses
        "SCHEMA": None,               # schema of River's tables (None: the search path)
        "QUEUES": {"default": 10},    # queue name -> max workers, for river_worker
        "WORKERS": "myapp.jobs.workers",  # dotted path to a river.Workers (or a callable)
        "CONFIG": {},                 # further river.Config keyword arguments
        "POOL_SIZE": 10,              # connections in the client's pool
    }
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_KNOWN = {"DATABASE", "SCHEMA", "QUEUES", "WORKERS", "CONFIG", "POOL_SIZE"}


@dataclass(frozen=True)
class RiverSettings:
    database: str = "default"
    schema: str | None = None
    queues: dict[str, int] = field(default_factory=dict)
    workers: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    pool_size: int = 10


def river_settings() -> RiverSettings:
    """``settings.RIVER`` checked, with defaults."""
    raw = getattr(settings, "RIVER", {}) or {}
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("RIVER must be a dict")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise ImproperlyConfigured(
            f"RIVER: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_KNOWN))}"
        )
    queues = raw.get("QUEUES", {})
    if not isinstance(queues, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and v > 0 for k, v in queues.items()
    ):
        raise ImproperlyConfigured("RIVER['QUEUES'] must map queue names to positive worker counts")
    return RiverSettings(
        database=raw.get("DATABASE", "default"),
        schema=raw.get("SCHEMA"),
        queues=dict(queues),
        workers=raw.get("WORKERS"),
        config=dict(raw.get("CONFIG", {})),
        pool_size=int(raw.get("POOL_SIZE", 10)),
    )
