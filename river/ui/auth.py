"""Ready-made ``auth`` hooks. Any callable taking the request works; to reuse a host
application's login, check its session or user on the request and return True."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

USER_ENV = "RIVER_UI_USERNAME"
PASSWORD_ENV = "RIVER_UI_PASSWORD"


def basic_auth(
    username: str, password: str, realm: str = "River"
) -> Callable[[Request], bool | Response]:
    """HTTP basic authentication against one username and password."""
    if not username or not password:
        raise ValueError("basic auth needs a non-empty username and password")
    expected_user, expected_password = username.encode(), password.encode()

    def check(request: Request) -> bool | Response:
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, given = base64.b64decode(encoded, validate=True).partition(b":")
            except (binascii.Error, ValueError):
                user, given = b"", b""
            ok_user = secrets.compare_digest(user, expected_user)
            ok_password = secrets.compare_digest(given, expected_password)
            if ok_user and ok_password:
                return True
        return PlainTextResponse(
            "Authentication required.",
            status_code=401,
            headers={"WWW-Authenticate": f'Basic realm="{realm}", charset="UTF-8"'},
        )

    return check


def basic_auth_from_env(
    user_env: str = USER_ENV, password_env: str = PASSWORD_ENV
) -> Callable[[Request], bool | Response]:
    """``basic_auth`` with the username and password in two environment variables."""
    username, password = os.environ.get(user_env), os.environ.get(password_env)
    if not username or not password:
        raise ValueError(f"set {user_env} and {password_env} for basic auth")
    return basic_auth(username, password)
