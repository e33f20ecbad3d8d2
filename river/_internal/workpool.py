"""Where jobs run: asyncio tasks for the async client, a thread pool for the sync client."""

from __future__ import annotations

import asyncio
import contextvars
import queue
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any


class AWorkPool:
    """Runs coroutines as tasks, tracks them, and can cancel or await them all.

    Finished tasks are dropped in bulk once the set grows past twice ``max_workers``
    rather than by a done callback per task (one event-loop callback less per job).
    """

    def __init__(self, max_workers: int, name: str) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._name = name
        self._prune_at = max(2 * max_workers, 64)

    def submit(self, fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> asyncio.Task[Any]:
        task = _start_task(fn(*args))
        if task.done():  # an eager task that finished without suspending
            return task
        tasks = self._tasks
        tasks.add(task)
        if len(tasks) > self._prune_at:
            self._tasks = {t for t in tasks if not t.done()}
        return task

    def grow(self) -> None:
        """Make room for one more job at once (tasks are not limited: nothing to do)."""

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def wait_all(self) -> None:
        while True:
            pending = [t for t in self._tasks if not t.done()]
            if not pending:
                self._tasks.clear()
                return
            await asyncio.wait(pending)

    def __len__(self) -> int:
        return sum(1 for t in self._tasks if not t.done())


if sys.version_info >= (3, 12):

    def _start_task(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        # Runs the job at once until it first suspends: a job that never does (most
        # short ones) costs no event-loop round and no entry in the loop's task set.
        return asyncio.Task(coro, loop=asyncio.get_running_loop(), eager_start=True)

else:

    def _start_task(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return asyncio.get_running_loop().create_task(coro)


class WorkPool:
    """Runs functions on up to ``max_workers`` threads; cancellation is cooperative (job
    flags).

    A job is handed over with one put on a lock-free queue: no future per job and no
    shared counter (the producer tracks its own active jobs). A thread is started with
    each job handed over until there are ``max_workers``; they then stay for the pool's
    life, as a ``ThreadPoolExecutor``'s do.
    """

    def __init__(self, max_workers: int, name: str) -> None:
        self._max_workers = max_workers
        self._name = name
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        self._queue.put((contextvars.copy_context(), fn, args))
        if len(self._threads) < self._max_workers:
            self._start_thread()
        return None

    def grow(self) -> None:
        """Allow one more thread: a stuck job keeps its thread while another job takes its
        worker slot. The thread stays for the pool's life, idle once the stuck job ends."""
        with self._start_lock:
            self._max_workers += 1

    def _start_thread(self) -> None:
        with self._start_lock:
            if len(self._threads) >= self._max_workers:
                return
            thread = threading.Thread(
                target=self._loop, name=f"{self._name}_{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _loop(self) -> None:
        get = self._queue.get
        while True:
            item = get()
            if item is None:
                return
            ctx, fn, args = item
            try:
                ctx.run(fn, *args)
            except BaseException:  # the producer's job wrapper logs; the thread stays
                pass

    def cancel_all(self) -> None:
        return None

    def wait_all(self) -> None:
        """Finish every job handed over, then end the threads."""
        with self._start_lock:
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join()


_Item = tuple[contextvars.Context, Callable[..., Any], tuple[Any, ...]]
