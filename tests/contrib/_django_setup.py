"""Django configured in this process for the tests: the database of
``RIVER_TEST_DATABASE_URL``, on the backend named by ``RIVER_DJANGO_BACKEND`` (``psycopg``
or ``psycopg2``). Django picks psycopg 3 whenever it imports, so for ``psycopg2`` it is
hidden while Django's PostgreSQL backend loads."""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import unquote, urlsplit


def database_settings(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


def configure(
    backend: str, river: dict[str, Any] | None = None, tasks: dict[str, Any] | None = None
) -> None:
    import django
    from django.conf import settings

    if backend == "psycopg2":
        hidden = sys.modules.get("psycopg")
        sys.modules["psycopg"] = None  # type: ignore[assignment]
        try:
            import django.db.backends.postgresql.base
        finally:
            if hidden is not None:
                sys.modules["psycopg"] = hidden
            else:
                del sys.modules["psycopg"]
    settings.configure(
        DATABASES={"default": database_settings(os.environ["RIVER_TEST_DATABASE_URL"])},
        INSTALLED_APPS=["river.contrib.django"],
        RIVER=river or {},
        USE_TZ=True,
        **({"TASKS": tasks} if tasks is not None else {}),
    )
    django.setup()
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    assert is_psycopg3 == (backend == "psycopg"), "Django is on the wrong PostgreSQL library"
