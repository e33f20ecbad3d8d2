"""River's web dashboard: an ASGI application (Starlette, server-rendered Jinja2 pages)
to watch queues and jobs and to retry, cancel, delete jobs and pause queues.

Needs the ``ui`` extra. Run it alone with ``river ui`` or mount ``create_app(...)`` in a
FastAPI, Starlette or Django (ASGI) application.
"""

from __future__ import annotations

from river.ui.app import AuthHook, create_app
from river.ui.auth import basic_auth, basic_auth_from_env

__all__ = ["AuthHook", "basic_auth", "basic_auth_from_env", "create_app"]
