"""The async→sync generator: transforms, markers, and that every generated file is fresh."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("async_to_sync", ROOT / "tools/async_to_sync.py")
assert _spec is not None and _spec.loader is not None
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)

SOURCE = '''"""Doc."""

from contextlib import asynccontextmanager

from river._acompat import AEvent, asleep
from river.driver.executor_async import AsyncExecutor


class AsyncThing:
    async def run(self, ex: AsyncExecutor) -> None:
        async with ex.transaction() as tx:
            await asleep(1)
        async for x in self.items():
            print(x)
        if True:  # ASYNC
            print("async only")
        else:
            print("sync only")

    @skip_sync
    async def only_async(self) -> None:
        await asleep(0)
'''


def test_transform() -> None:
    out = tool.convert_source(SOURCE, "thing_async.py")
    assert out.startswith("# WARNING: this file is generated from 'thing_async.py'")
    assert "async " not in out and "await " not in out
    assert "from river.driver.executor import Executor" in out
    assert "from river._acompat import sleep" in out
    assert "def run(self, ex: Executor)" in out
    assert "with ex.transaction() as tx:" in out and "sleep(1)" in out
    assert "for x in self.items():" in out
    assert 'print("sync only")' in out and "async only" not in out
    assert "only_async" not in out
    assert "AEvent" not in out and "asynccontextmanager" not in out  # unused imports dropped


def test_deterministic() -> None:
    assert tool.convert_source(SOURCE, "x_async.py") == tool.convert_source(SOURCE, "x_async.py")


def test_generated_files_are_fresh() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools/async_to_sync.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
