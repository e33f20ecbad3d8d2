"""Colour shims: each async primitive beside the sync twin the code generator maps it to."""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class AEvent(asyncio.Event):
    async def wait_timeout(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True if the event is set."""
        if self.is_set():
            return True
        try:
            await asyncio.wait_for(self.wait(), timeout)
        except TimeoutError:
            return False
        return True


class Event(threading.Event):
    def wait_timeout(self, timeout: float) -> bool:
        return self.wait(timeout)


ALock = asyncio.Lock
Lock = threading.Lock


class AQueue(asyncio.Queue[T]):
    async def get_timeout(self, timeout: float) -> T:
        """The next item; raises TimeoutError after ``timeout`` seconds."""
        return await asyncio.wait_for(self.get(), timeout)


class Queue(queue.Queue[T], Generic[T]):
    def get_timeout(self, timeout: float) -> T:
        try:
            return self.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None


async def asleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def aspawn(
    fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any, name: str | None = None
) -> asyncio.Task[Any]:
    return asyncio.get_running_loop().create_task(fn(*args), name=name)


def spawn(fn: Callable[..., Any], *args: Any, name: str | None = None) -> threading.Thread:
    ctx = contextvars.copy_context()
    thread = threading.Thread(target=ctx.run, args=(fn, *args), name=name, daemon=True)
    thread.start()
    return thread


async def agather(*tasks: asyncio.Task[Any]) -> None:
    await asyncio.gather(*tasks)


def gather(*threads: threading.Thread) -> None:
    for t in threads:
        t.join()
