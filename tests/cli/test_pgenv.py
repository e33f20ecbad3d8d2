"""The URL built from libpq's environment (pure: no database)."""

from __future__ import annotations

from pathlib import Path

import psycopg.conninfo
import pytest

from river.cli._pgenv import (
    LibpqEnvError,
    for_asyncpg,
    libpq_env_url,
    libpq_parameters,
    parameters_url,
    selects_database,
)


def test_only_selecting_variables_name_a_database() -> None:
    assert not selects_database({})
    assert not selects_database({"PGPASSWORD": "pw", "PGSSLMODE": "require", "PGHOST": ""})
    for name in ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"):
        assert selects_database({name: "x"})
    assert libpq_env_url({"PGPASSWORD": "pw"}) is None


@pytest.mark.parametrize(
    "env",
    [
        {"PGHOST": "db.example", "PGPORT": "5433", "PGUSER": "app user", "PGPASSWORD": "p@ss:/w",
         "PGDATABASE": "my db", "PGSSLMODE": "require", "PGAPPNAME": "river cli",
         "PGOPTIONS": "-c search_path=a,b"},
        {"PGHOST": "/var/run/postgresql", "PGPORT": "5434", "PGDATABASE": "d"},
        {"PGHOST": "h1,h2", "PGPORT": "5432,5433", "PGTARGETSESSIONATTRS": "read-write"},
        {"PGHOST": "::1", "PGCONNECT_TIMEOUT": "5"},
        {"PGUSER": "only"},
    ],
)
def test_libpq_reads_the_url_back_as_the_variables(env: dict[str, str]) -> None:
    url = libpq_env_url(env)
    assert url is not None and url.startswith("postgresql://")
    expected = libpq_parameters(env)
    assert psycopg.conninfo.conninfo_to_dict(url) == expected


def test_service_comes_before_the_variables(tmp_path: Path) -> None:
    user_file = tmp_path / "user.conf"
    user_file.write_text("[svc]\nhost = from-service\ndbname=svcdb\n")
    env = {"PGSERVICE": "svc", "PGSERVICEFILE": str(user_file), "PGHOST": "from-env",
           "PGUSER": "envuser"}
    assert libpq_parameters(env) == {"host": "from-service", "dbname": "svcdb",
                                     "user": "envuser"}
    # Not in the user's file: the system file (PGSYSCONFDIR) is next.
    (tmp_path / "pg_service.conf").write_text("[other]\nport=6000\n")
    env = {"PGSERVICE": "other", "PGSERVICEFILE": str(user_file),
           "PGSYSCONFDIR": str(tmp_path)}
    assert libpq_parameters(env) == {"port": "6000"}
    with pytest.raises(LibpqEnvError, match='service "missing" not found'):
        libpq_parameters({"PGSERVICE": "missing", "PGSERVICEFILE": str(user_file)})


def test_asyncpg_parameters() -> None:
    assert for_asyncpg({"hostaddr": "10.0.0.1", "host": "db", "connect_timeout": "3",
                        "application_name": "a"}) == {"host": "10.0.0.1",
                                                      "application_name": "a"}
    with pytest.raises(LibpqEnvError, match="cannot honour PGCHANNELBINDING, PGGSSENCMODE"):
        for_asyncpg({"gssencmode": "disable", "channel_binding": "require"})
    assert libpq_env_url({"PGHOSTADDR": "10.0.0.1", "PGCONNECT_TIMEOUT": "2"},
                         driver="asyncpg") == "postgresql://10.0.0.1/"


def test_parameters_url_shapes() -> None:
    assert parameters_url({}) == "postgresql:///"
    assert parameters_url({"host": "h", "port": "1", "user": "u", "dbname": "d"}) == (
        "postgresql://u@h:1/d"
    )
    assert parameters_url({"host": "/tmp", "port": "5"}) == "postgresql:///?port=5&host=/tmp"
