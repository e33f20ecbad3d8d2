"""Where jobs run: asyncio tasks for the async client, a thread pool for the sync client."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any


class AWorkPool:
    """Runs coroutines as tasks, tracks them, and can cancel or await them all."""

    def __init__(self, max_workers: int, name: str) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._name = name

    def submit(self, fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(fn(*args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def wait_all(self) -> None:
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    def __len__(self) -> int:
        return len(self._tasks)


class WorkPool:
    """Runs functions on a bounded thread pool; cancellation is cooperative (job flags)."""

    def __init__(self, max_workers: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._running = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        ctx = contextvars.copy_context()
        with self._lock:
            self._running += 1
        self._pool.submit(self._run, ctx, fn, args)

    def _run(self, ctx: contextvars.Context, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            ctx.run(fn, *args)
        finally:
            with self._lock:
                self._running -= 1

    def cancel_all(self) -> None:
        return None

    def wait_all(self) -> None:
        self._pool.shutdown(wait=True)

    def __len__(self) -> int:
        return self._running
