"""Retry policies: when a failed job runs again (River's ``ClientRetryPolicy``)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Protocol

from river.types import JobRow

_MAX_SECONDS = 100 * 365 * 24 * 3600.0


class RetryPolicy(Protocol):
    def next_retry(self, job: JobRow) -> dt.datetime: ...


class DefaultRetryPolicy:
    """``now + (errors + 1)^4`` seconds with ±10% jitter, as River does.

    ``job.errors`` does not yet hold the failure being handled, hence the ``+ 1``.
    """

    def __init__(
        self,
        *,
        now: Callable[[], dt.datetime] | None = None,
        rand: Callable[[], float] | None = None,
    ) -> None:
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._rand = rand or random.random

    def seconds(self, error_count: int) -> float:
        base = float((error_count + 1) ** 4)
        jitter = base * 0.1 * (self._rand() * 2 - 1)
        return min(base + jitter, _MAX_SECONDS)

    def next_retry(self, job: JobRow) -> dt.datetime:
        return self._now() + dt.timedelta(seconds=self.seconds(len(job.errors)))
