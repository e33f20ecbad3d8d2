"""An example river-queue plugin, installed with pip like any other distribution.

It contributes worker middleware to every client: each job it wraps gets
``{"stamped_by": "river-example-plugin", "attempt": N}`` under the metadata key
``example_stamp`` when the attempt ends. Disable it with
``RIVER_DISABLED_PLUGINS=example_stamp`` or ``Config(disabled_plugins=["example_stamp"])``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import river

NAME = "river-example-plugin"


def _stamp(job: river.JobRow) -> None:
    river.metadata_set("example_stamp", {"stamped_by": NAME, "attempt": job.attempt})


class StampMiddleware(river.WorkerMiddleware):
    def work(self, job: river.JobRow, call_next: Callable[[], None]) -> None:
        _stamp(job)
        call_next()


class AsyncStampMiddleware(river.AsyncWorkerMiddleware):
    async def work(self, job: river.JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        _stamp(job)
        await call_next()


@river.hookimpl
def river_middleware(is_async: bool) -> list[Any]:
    return [AsyncStampMiddleware() if is_async else StampMiddleware()]
