"""``river ui``: refusals before anything binds, and a real server answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from river.cli import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_needs_a_database_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["ui"]) == 1
    assert "no database given" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_refuses_a_public_address_without_auth(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ui", "--database-url", "postgresql://x/y", "--host", host]) == 1
    err = capsys.readouterr().err
    assert f"refusing to serve the dashboard on {host}" in err
    assert "--insecure-no-auth" in err


def test_basic_auth_needs_its_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RIVER_UI_USERNAME", raising=False)
    monkeypatch.delenv("RIVER_UI_PASSWORD", raising=False)
    args = ["ui", "--database-url", "postgresql://x/y", "--host", "0.0.0.0", "--auth", "basic"]
    assert main(args) == 1
    assert "RIVER_UI_USERNAME" in capsys.readouterr().err


def test_bad_auth_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ui", "--database-url", "postgresql://x/y", "--auth", "nomodule"]) == 1
    assert "MODULE:ATTRIBUTE" in capsys.readouterr().err


def test_serves_the_dashboard_with_basic_auth(database_url: str, schema: str) -> None:
    port = _free_port()
    env = {**os.environ, "RIVER_UI_USERNAME": "ops", "RIVER_UI_PASSWORD": "pw"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "river",
            "ui",
            "--database-url",
            database_url,
            "--schema",
            schema,
            "--port",
            str(port),
            "--auth",
            "basic",
            "--read-only",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/queues"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=5)
            except urllib.error.HTTPError as exc:
                assert exc.code == 401  # up, and asking for credentials
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("river ui did not start") from None
                time.sleep(0.2)
        request = urllib.request.Request(url, headers={"Authorization": "Basic b3BzOnB3"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert "read-only" in response.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_several_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(app))
    args = ["ui", "--database-url", "postgresql://x/y", "--schema", "a", "--schema", "b"]
    assert main(args) == 0
    [app] = served
    assert [d.schema for d in app.state.river_dashboards] == ["a", "b"]  # type: ignore[attr-defined]
    served.clear()
    assert main(["ui", "--database-url", "postgresql://x/y", "--schema", "a"]) == 0
    assert [d.schema for d in served[0].state.river_dashboards] == ["a"]  # type: ignore[attr-defined]
