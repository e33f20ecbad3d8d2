"""Plugins: the example third-party distribution installed with pip and found through its
entry point, disabling plugins by name, middleware order, and broken plugins reported."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import river
from river.plugins import manager
from river.plugins.manager import PluginLoadError
from tests._client_helpers import make_config, started, wait_for_state

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIST = ROOT / "examples" / "third_party_plugin"


@dataclasses.dataclass
class PingArgs:
    kind = "ping"


class PingWorker(river.Worker[PingArgs]):
    def work(self, job: river.Job[PingArgs]) -> None:
        return None


def _reload_plugins() -> None:
    manager.get_plugin_manager.cache_clear()
    importlib.invalidate_caches()


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example plugin, installed by pip into a directory put on ``sys.path``."""
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(target), str(PLUGIN_DIST)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(target))
    _reload_plugins()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        _reload_plugins()


@pytest.fixture
def plugins_reloaded(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    monkeypatch.undo()
    _reload_plugins()


def _work_one(driver: Any, schema: str, **config: Any) -> river.JobRow:
    workers = river.Workers()
    workers.add(PingWorker())
    client = river.Client(driver, make_config(schema, workers, **config))
    with started(client):
        job = client.insert(PingArgs()).job
        return wait_for_state(client, job.id, river.JobState.COMPLETED)


def test_third_party_plugin_is_found_through_its_entry_point(
    installed_plugin: Path, driver: Any, schema: str
) -> None:
    assert "example_stamp" in manager.plugin_names()
    found = manager.contributions("river_middleware", False)
    assert [(name, type(obj).__name__) for name, obj in found] == [
        ("example_stamp", "StampMiddleware"),
        ("river.batch", "BatchMiddleware"),
        ("river.workflow", "WorkflowMiddleware"),
        ("river.resumable", "ResumableMiddleware"),
    ]
    job = _work_one(driver, schema)
    assert job.metadata["example_stamp"] == {"stamped_by": "river-example-plugin", "attempt": 1}

    job = _work_one(driver, schema, disabled_plugins=["example_stamp"])
    assert "example_stamp" not in job.metadata


def test_disabled_by_environment(
    installed_plugin: Path, plugins_reloaded: pytest.MonkeyPatch, driver: Any, schema: str
) -> None:
    plugins_reloaded.setenv(
        "RIVER_DISABLED_PLUGINS", "example_stamp, river.resumable, river.workflow, river.batch"
    )
    _reload_plugins()
    assert "example_stamp" not in manager.plugin_names()
    assert manager.contributions("river_middleware", False) == []
    job = _work_one(driver, schema)
    assert "example_stamp" not in job.metadata


def test_client_shows_middleware_order(installed_plugin: Path, driver: Any) -> None:
    class Outer(river.WorkerMiddleware):
        pass

    class Audit(river.Hook):
        pass

    outer, audit = Outer(), Audit()
    client = river.Client(driver, river.Config(middleware=[outer], hooks=[audit]))
    assert [type(m).__name__ for m in client.worker_middleware] == [
        "Outer", "StampMiddleware", "BatchMiddleware", "WorkflowMiddleware",
        "ResumableMiddleware",
    ]
    assert client.hooks == (audit,)
    assert client.insert_middleware == ()


def _broken_dist(tmp_path: Path, value: str) -> Path:
    info = tmp_path / "broken_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[river]\nbroken = {value}\n")
    return tmp_path


def test_broken_plugin_is_reported_by_name(
    tmp_path: Path, plugins_reloaded: pytest.MonkeyPatch
) -> None:
    plugins_reloaded.syspath_prepend(str(_broken_dist(tmp_path, "no_such_module_xyz")))
    plugins_reloaded.setenv("RIVER_STRICT_PLUGINS", "1")
    _reload_plugins()
    with pytest.raises(PluginLoadError, match=r"river plugin 'broken' .* failed to load"):
        manager.get_plugin_manager()

    plugins_reloaded.setenv("RIVER_STRICT_PLUGINS", "0")
    _reload_plugins()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert "broken" not in manager.plugin_names()
    assert any("river plugin 'broken'" in str(w.message) for w in caught)


class _RaisingPlugin:
    @river.hookimpl
    def river_middleware(self, is_async: bool) -> list[Any]:
        raise RuntimeError("cannot build middleware")


class _WrongColourPlugin:
    @river.hookimpl
    def river_middleware(self, is_async: bool) -> list[Any]:
        return [river.AsyncWorkerMiddleware()]


@pytest.mark.parametrize(
    ("plugin", "error", "message"),
    [
        (_RaisingPlugin(), PluginLoadError,
         "plugin 'bad' failed in river_middleware: RuntimeError: cannot build middleware"),
        (_WrongColourPlugin(), river.WrongColourError,
         "plugin 'bad' gave AsyncWorkerMiddleware to a Client"),
    ],
    ids=["raises", "wrong-colour"],
)
def test_misbehaving_plugin_is_named(
    plugins_reloaded: pytest.MonkeyPatch, driver: Any, plugin: Any, error: type, message: str
) -> None:
    _reload_plugins()
    manager.get_plugin_manager().register(plugin, name="bad")
    with pytest.raises(error, match=message):
        river.Client(driver, river.Config())


def test_plugins_command_lists_plugins_and_their_order(
    installed_plugin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from river.cli import main

    assert main(["plugins"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert {"river.resumable", "example_stamp", "psycopg3"} <= set(out)
    assert (
        "async middleware, outermost first: AsyncStampMiddleware (example_stamp), "
        "AsyncBatchMiddleware (river.batch), AsyncWorkflowMiddleware (river.workflow), "
        "AsyncResumableMiddleware (river.resumable)"
    ) in out
    assert "sync hooks, in call order: none" in out
