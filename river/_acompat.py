"""Colour shims: each async primitive beside the sync twin the code generator maps it to.

Async code (``*_async.py``) uses the ``A``-prefixed names and ``a``-prefixed functions;
``tools/async_to_sync.py`` renames them (``AEvent`` → ``Event``, ``asleep`` → ``sleep``, …)
in the generated sync module, so the two halves of each pair keep the same API.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import queue
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, ParamSpec, TypeVar, overload

T = TypeVar("T")
P = ParamSpec("P")
F = TypeVar("F")

__all__ = [
    "ACondition",
    "AEvent",
    "ALock",
    "AQueue",
    "Condition",
    "Event",
    "Lock",
    "Queue",
    "agather",
    "asleep",
    "aspawn",
    "ensure_async",
    "gather",
    "skip_sync",
    "sleep",
    "spawn",
]


# -- events ------------------------------------------------------------------------------------


class AEvent(asyncio.Event):
    """An ``asyncio.Event`` with a timed wait."""

    async def wait_timeout(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True if the event is set."""
        if self.is_set():
            return True
        try:
            # Waits in this task: ``wait_for`` (Python 3.11) runs the wait as a task of its
            # own, which costs two more turns of a busy event loop to wake up.
            async with asyncio.timeout(timeout):
                await self.wait()
        except TimeoutError:
            return False
        return True


class Event(threading.Event):
    """A ``threading.Event`` with the same timed wait as ``AEvent``.

    Like ``asyncio.Event``, setting an event that is already set and waiting on one that
    is set return at once, without taking the event's lock (hot paths set the same event
    once per job; a waiter clears it before looking at what changed).
    """

    def set(self) -> None:
        if not self.is_set():
            super().set()

    def wait_timeout(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True if the event is set."""
        if self.is_set():
            return True
        return self.wait(timeout)


# -- locks -------------------------------------------------------------------------------------

ALock = asyncio.Lock
Lock = threading.Lock
ACondition = asyncio.Condition
Condition = threading.Condition


# -- queues ------------------------------------------------------------------------------------


class AQueue(asyncio.Queue[T]):
    """An ``asyncio.Queue``: ``put_nowait``, ``await get()``, ``await get_timeout(t)``, ``qsize``."""

    async def get_timeout(self, timeout: float) -> T:
        """The next item; raises ``TimeoutError`` after ``timeout`` seconds."""
        return await asyncio.wait_for(self.get(), timeout)


class Queue(queue.Queue[T], Generic[T]):
    """A ``queue.Queue``: ``put_nowait``, ``get()``, ``get_timeout(t)``, ``qsize``."""

    def get_timeout(self, timeout: float) -> T:
        """The next item; raises ``TimeoutError`` after ``timeout`` seconds."""
        try:
            return self.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None


# -- sleeping ----------------------------------------------------------------------------------


async def asleep(seconds: float) -> None:
    """Sleep without blocking the event loop."""
    await asyncio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Sleep the calling thread."""
    time.sleep(seconds)


# -- concurrent work ---------------------------------------------------------------------------


def aspawn(
    fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any, name: str | None = None
) -> asyncio.Task[Any]:
    """Run ``fn(*args)`` as a task on the running loop (it copies the current context)."""
    return asyncio.get_running_loop().create_task(fn(*args), name=name)


def spawn(fn: Callable[..., Any], *args: Any, name: str | None = None) -> threading.Thread:
    """Run ``fn(*args)`` in a started daemon thread, in a copy of the current context."""
    ctx = contextvars.copy_context()
    thread = threading.Thread(target=ctx.run, args=(fn, *args), name=name, daemon=True)
    thread.start()
    return thread


async def agather(*tasks: asyncio.Task[Any], timeout: float | None = None) -> None:
    """Wait for ``tasks``; re-raises the first failure.

    With ``timeout``, raises ``TimeoutError`` once it passes (the tasks are then cancelled).
    """
    if timeout is None:
        await asyncio.gather(*tasks)
    else:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout)


def gather(*threads: threading.Thread, timeout: float | None = None) -> None:
    """Join ``threads``.

    With ``timeout`` (for all of them together), raises ``TimeoutError`` if one is still
    running once it passes; threads cannot be cancelled, so they keep running.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    for t in threads:
        t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if t.is_alive():
            raise TimeoutError(f"thread {t.name} still running after {timeout}s")


# -- code generator helpers --------------------------------------------------------------------


@overload
async def ensure_async(
    fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs
) -> T: ...


@overload
async def ensure_async(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


async def ensure_async(fn: Callable[P, Any], /, *args: P.args, **kwargs: P.kwargs) -> Any:
    """Call ``fn``, awaiting the result if it is awaitable (user callbacks may be either).

    In sync code generated from async code, ``await ensure_async(f, x)`` becomes ``f(x)``.
    """
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result


def skip_sync(obj: F) -> F:
    """Mark a function or class as async-only: the code generator leaves it out."""
    return obj
