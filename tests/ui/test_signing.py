"""The dashboard's signed values, as pure logic: a value signed for one purpose, session
or secret is refused for another, tampering is refused, a notice expires."""

from __future__ import annotations

import pytest

from river.ui.signing import FLASH_MAX_AGE, Signer, resolve_secret

KEY = b"k" * 32


def test_sign_and_unsign() -> None:
    signer = Signer(KEY)
    signed = signer.sign("session", "abc")
    assert signer.unsign("session", signed) == "abc"
    assert signer.unsign("flash", signed) is None  # another purpose
    assert Signer(b"x" * 32).unsign("session", signed) is None  # another secret
    value, _, mac = signed.rpartition(".")
    assert signer.unsign("session", f"abd.{mac}") is None
    assert signer.unsign("session", f"{value}.{mac[:-1]}A") is None
    for junk in (None, "", "nodot", "é.é", "\x00.\x00", "." * 3):
        assert signer.unsign("session", junk) is None


def test_csrf_token_is_bound_to_the_session() -> None:
    signer = Signer(KEY)
    one = signer.session_id(signer.new_session())
    two = signer.session_id(signer.new_session())
    assert one is not None and two is not None and one != two
    assert signer.csrf_ok(one, signer.csrf_token(one))
    assert not signer.csrf_ok(two, signer.csrf_token(one))
    assert not signer.csrf_ok(None, signer.csrf_token(one))
    for token in (None, 1, "", "é", signer.csrf_token(one) + "x"):
        assert not signer.csrf_ok(one, token)


def test_a_notice_is_for_its_session_and_expires() -> None:
    signer = Signer(KEY)
    notice = {"level": "ok", "lines": ["1 job retried: 7."]}
    cookie = signer.flash("s1", notice, now=1_000)
    assert signer.read_flash("s1", cookie, now=1_000 + FLASH_MAX_AGE) == notice
    assert signer.read_flash("s1", cookie, now=1_000 + FLASH_MAX_AGE + 1) is None
    assert signer.read_flash("s1", cookie, now=999) is None  # from the future
    assert signer.read_flash("s2", cookie, now=1_000) is None
    assert signer.read_flash(None, cookie, now=1_000) is None


def test_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RIVER_UI_SECRET", raising=False)
    assert resolve_secret(None) != resolve_secret(None)  # random per call (per process)
    monkeypatch.setenv("RIVER_UI_SECRET", "s" * 16)
    assert resolve_secret(None) == b"s" * 16
    assert resolve_secret("given-secret-16b") == b"given-secret-16b"
    with pytest.raises(ValueError, match="at least 16 bytes"):
        resolve_secret(b"short")
