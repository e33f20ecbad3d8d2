"""Which keepalive parameters a libpq driver adds (those the user did not set), and the
errors naming a bad ``TcpKeepalive``."""

from __future__ import annotations

import socket

import pytest

from river.driver.keepalive import (
    DEFAULT_TCP_KEEPALIVE,
    TcpKeepalive,
    libpq_keepalive_defaults,
    url_parameter_names,
)
from river.errors import ConfigError

ALL = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
       "keepalives_count": 3, "tcp_user_timeout": 30000}


def test_url_parameter_names_of_both_url_forms() -> None:
    assert url_parameter_names("postgresql://u@h1:1,h2:2/db?keepalives_idle=60&sslmode=require"
                               ) == {"keepalives_idle", "sslmode"}
    assert url_parameter_names("host=h keepalives = 0 dbname='a b'") == {
        "host", "keepalives", "dbname"}
    assert url_parameter_names("postgresql://u@h/db") == set()
    assert url_parameter_names(None) == set()


def test_all_defaults_when_nothing_is_set() -> None:
    assert libpq_keepalive_defaults(["postgresql://h/db", None], {}, 170000) == ALL


def test_a_setting_in_either_url_or_the_options_is_left_alone() -> None:
    added = libpq_keepalive_defaults(
        ["postgresql://h/db?keepalives_count=9", "host=l keepalives_idle=1"],
        {"tcp_user_timeout": 0}, 170000,
    )
    assert added == {"keepalives": 1, "keepalives_interval": 5}


def test_no_user_timeout_before_libpq_12_or_when_zero() -> None:
    assert "tcp_user_timeout" not in libpq_keepalive_defaults([], {}, 110005)
    assert "tcp_user_timeout" not in TcpKeepalive(user_timeout=0).libpq_parameters(170000)


@pytest.mark.parametrize(
    ("field", "value"),
    [("idle", 0), ("interval", -1), ("count", 1.5), ("idle", True), ("user_timeout", -1)],
)
def test_bad_settings_are_named(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"TcpKeepalive.{field}"):
        TcpKeepalive(**{field: value})  # type: ignore[arg-type]


def test_apply_skips_a_unix_socket() -> None:
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert DEFAULT_TCP_KEEPALIVE.apply(left) is False
        assert DEFAULT_TCP_KEEPALIVE.apply(None) is False
