"""The dashboard's signed values: the session cookie, the CSRF token bound to it, and the
one-time notice ("flash") an action leaves for the page it redirects to.

Each is HMAC-SHA256 over a purpose and the value under a server secret, so a cookie
planted by another page on the same host (another port, a sibling subdomain) cannot be
made up, and a token or notice made for one session or purpose is refused for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from typing import Any

SECRET_ENV = "RIVER_UI_SECRET"
#: A notice is shown by the page the action redirects to; an older one is dropped.
FLASH_MAX_AGE = 300
#: Session ids are this many random bytes.
_SESSION_BYTES = 24


def resolve_secret(secret: str | bytes | None) -> bytes:
    """The secret given, else ``$RIVER_UI_SECRET``, else a random one for this process
    (sessions, tokens and notices then do not survive a restart and are not shared
    between processes)."""
    if secret is None:
        secret = os.environ.get(SECRET_ENV) or None
    if secret is None:
        return secrets.token_bytes(32)
    raw = secret.encode() if isinstance(secret, str) else bytes(secret)
    if len(raw) < 16:
        raise ValueError(f"the dashboard's secret must be at least 16 bytes, not {len(raw)}")
    return raw


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None


class Signer:
    """Signs and checks values under one secret, each for a named purpose."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._secret, f"{purpose}\x00{value}".encode(), hashlib.sha256)
        return _b64(digest.digest())

    def sign(self, purpose: str, value: str) -> str:
        """``value`` (URL-safe text, no ``.``) with its signature appended."""
        return f"{value}.{self.mac(purpose, value)}"

    def unsign(self, purpose: str, signed: str | None) -> str | None:
        """The value of ``signed`` when its signature is right, else None."""
        if not signed or not signed.isascii() or "." not in signed:
            return None
        value, _, mac = signed.rpartition(".")
        if not hmac.compare_digest(mac, self.mac(purpose, value)):
            return None
        return value

    # -- sessions and CSRF -------------------------------------------------------------

    def new_session(self) -> str:
        """A signed new session id, the session cookie's value."""
        return self.sign("session", _b64(secrets.token_bytes(_SESSION_BYTES)))

    def session_id(self, cookie: str | None) -> str | None:
        return self.unsign("session", cookie)

    def csrf_token(self, session_id: str) -> str:
        return self.mac("csrf", session_id)

    def csrf_ok(self, session_id: str | None, token: object) -> bool:
        if session_id is None or not isinstance(token, str) or not token.isascii():
            return False
        return hmac.compare_digest(token, self.csrf_token(session_id))

    # -- one-time notices --------------------------------------------------------------

    def flash(self, session_id: str, notice: dict[str, Any], now: float | None = None) -> str:
        """A notice for the session's next page, as a cookie value."""
        payload = json.dumps({"n": notice, "t": int(now if now is not None else time.time())})
        return self.sign(f"flash:{session_id}", _b64(payload.encode()))

    def read_flash(
        self, session_id: str | None, cookie: str | None, now: float | None = None
    ) -> dict[str, Any] | None:
        """The notice in ``cookie`` when it was made for this session and is recent."""
        if session_id is None:
            return None
        value = self.unsign(f"flash:{session_id}", cookie)
        raw = _unb64(value) if value is not None else None
        if raw is None:
            return None
        try:
            payload = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("n"), dict):
            return None
        issued = payload.get("t")
        current = now if now is not None else time.time()
        if not isinstance(issued, int) or not 0 <= current - issued <= FLASH_MAX_AGE:
            return None
        notice: dict[str, Any] = payload["n"]
        return notice
