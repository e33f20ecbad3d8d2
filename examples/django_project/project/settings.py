"""Settings of the example project: the database from ``DATABASE_URL``; River's tables and
the app's in the schema ``RIVER_SCHEMA`` (default ``public``)."""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

_url = urlsplit(os.environ["DATABASE_URL"])
SCHEMA = os.environ.get("RIVER_SCHEMA", "public")

SECRET_KEY = "example-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "project.urls"
INSTALLED_APPS = ["river.contrib.django", "notes"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": unquote(_url.username or ""),
        "PASSWORD": unquote(_url.password or ""),
        "HOST": _url.hostname or "",
        "PORT": str(_url.port or ""),
        "OPTIONS": {"options": f"-c search_path={SCHEMA},public"},
        "TEST": {"NAME": f"test_river_example_{os.getpid()}"},
    }
}

# Django's tasks (django.tasks, Django >= 6.0) enqueued as River jobs; river_worker runs them.
TASKS = {"default": {"BACKEND": "river.contrib.django.tasks.RiverBackend"}}

# River: the client used by views (get_client) and by `manage.py river_worker`.
RIVER = {
    "DATABASE": "default",
    "SCHEMA": SCHEMA,
    "QUEUES": {"default": 5},
    "WORKERS": "notes.jobs.workers",
}
