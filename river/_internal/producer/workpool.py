"""Where jobs run: asyncio tasks for the async client, a thread pool for the sync client."""

from __future__ import annotations

import asyncio
import collections
import contextvars
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any

#: The async pool lets finished tasks go only once it holds more than this many tasks.
_MIN_PRUNE_AT = 64


class AWorkPool:
    """Runs coroutines as tasks, tracks them, and can cancel or await them all.

    A job's task is let go in its last step (``finished``), without a done callback
    (one event-loop callback less per job): a finished task kept would hold its
    coroutine, context and weak reference for the collector to scan. Tasks that never
    got to run (cancelled before their first step) are dropped in bulk, once the set has
    doubled since the last prune.
    """

    def __init__(self, max_workers: int, name: str) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._name = name
        self._prune_at = _MIN_PRUNE_AT

    def submit(self, fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> asyncio.Task[Any]:
        task = _start_task(fn(*args))
        if task.done():  # an eager task that finished without suspending
            return task
        tasks = self._tasks
        tasks.add(task)
        if len(tasks) > self._prune_at:
            running = {t for t in tasks if not t.done()}
            self._tasks = running
            self._prune_at = max(2 * len(running), _MIN_PRUNE_AT)
        return task

    def finished(self, task: Any) -> None:
        """Stop tracking ``task``, which is running its last step: let go at once, a
        finished task is not kept for the collector to scan (with its coroutine and
        context) until the next prune."""
        self._tasks.discard(task)

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

    Jobs wait in one deque. A job handed over wakes a parked thread only when no other
    wake is already under way; a woken thread that finds more jobs waiting wakes the next
    one before it runs its own. So a fetch of many jobs costs one wake-up on the
    producer's side, threads that end a job take the next one without sleeping, and
    short jobs are run by a few threads rather than spread over all of them, while jobs
    that block still get a thread each, up to ``max_workers`` at once. Threads are started
    only when no parked one is left; they stay for the pool's life, as a
    ``ThreadPoolExecutor``'s do.
    """

    def __init__(self, max_workers: int, name: str) -> None:
        self._max_workers = max_workers
        self._name = name
        self._jobs: collections.deque[_Item] = collections.deque()
        self._lock = threading.Lock()  # guards the parked list, _waking and thread starts
        # Parked threads, each blocked on acquiring its own held lock.
        self._parked: list[threading.Lock] = []
        # A thread has been woken (or started) and has not taken a job yet.
        self._waking = False
        self._closing = False
        self._threads: list[threading.Thread] = []

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        self._jobs.append((contextvars.copy_context(), fn, args))
        if not self._waking:
            self._wake_one()
        return None

    def grow(self) -> None:
        """Allow one more thread: a stuck job keeps its thread while another job takes its
        worker slot. The thread stays for the pool's life, idle once the stuck job ends."""
        with self._lock:
            self._max_workers += 1
        if self._jobs and not self._waking:
            self._wake_one()

    def _wake_one(self) -> None:
        # Every job in the deque is picked up: either a wake is under way, or every
        # thread is busy and takes the next job when its own ends.
        with self._lock:
            if self._waking:
                return
            if self._parked:
                self._waking = True
                self._parked.pop().release()
            elif len(self._threads) < self._max_workers:
                self._waking = True
                park = threading.Lock()
                park.acquire()
                thread = threading.Thread(
                    target=self._loop, args=(park,),
                    name=f"{self._name}_{len(self._threads)}", daemon=True,
                )
                self._threads.append(thread)
                thread.start()

    def _loop(self, park: threading.Lock) -> None:
        jobs = self._jobs
        woken = True  # a thread starts as the one being woken
        while True:
            try:
                item: _Item | None = jobs.popleft()
            except IndexError:
                item = None
            if woken:
                woken = False
                self._waking = False
                if item is not None and jobs:
                    self._wake_one()
            if item is None:
                with self._lock:
                    if jobs:  # handed over since the popleft: take it
                        continue
                    if self._closing:
                        return
                    self._parked.append(park)
                park.acquire()
                woken = True
                continue
            ctx, fn, args = item
            try:
                ctx.run(fn, *args)
            except BaseException:  # the producer's job wrapper logs; the thread stays
                pass

    def cancel_all(self) -> None:
        return None

    def wait_all(self) -> None:
        """Finish every job handed over, then end the threads."""
        joined = 0
        while True:
            # A thread woken here may start another for the jobs still waiting: join
            # until no thread is left that was not joined.
            with self._lock:
                self._closing = True
                threads = self._threads[joined:]
                parked, self._parked = self._parked, []
            if not threads:
                return
            for park in parked:
                park.release()
            for thread in threads:
                thread.join()
            joined += len(threads)


_Item = tuple[contextvars.Context, Callable[..., Any], tuple[Any, ...]]
