"""Retry policies: when a failed job runs again (River's ``ClientRetryPolicy``)."""

from __future__ import annotations

import datetime as dt
import random as _random
from collections.abc import Callable
from typing import Protocol

from river.types import JobRow

# Go caps at its largest time.Duration (~292 years).
_MAX_SECONDS = (2**63 - 1) / 1e9


class RetryPolicy(Protocol):
    """When a failed job runs again: anything with ``next_retry(job) -> datetime``."""

    def next_retry(self, job: JobRow) -> dt.datetime: ...


class DefaultRetryPolicy:
    """``now + (errors + 1)^4`` seconds with ±10% jitter, as River does.

    ``job.errors`` does not yet hold the failure being handled, hence the ``+ 1``. River
    counts errors rather than attempts so that snoozes, which once consumed attempts, do
    not lengthen the backoff. ``now`` and ``random`` can be replaced in tests.
    """

    def __init__(
        self,
        *,
        now: Callable[[], dt.datetime] | None = None,
        random: Callable[[], float] | None = None,
    ) -> None:
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._random = random or _random.random

    def with_now(self, now: Callable[[], dt.datetime]) -> DefaultRetryPolicy:
        """The same policy (same jitter source) counting from the clock ``now``."""
        return DefaultRetryPolicy(now=now, random=self._random)

    def seconds(self, error_count: int) -> float:
        """Seconds until the retry after ``error_count`` earlier errors, jitter included."""
        base = min(float(error_count + 1) ** 4, _MAX_SECONDS)
        if base == _MAX_SECONDS:
            return base  # as River: no jitter once capped
        return min(base + base * (self._random() * 0.2 - 0.1), _MAX_SECONDS)

    def next_retry(self, job: JobRow) -> dt.datetime:
        delay = dt.timedelta(seconds=self.seconds(len(job.errors)))
        try:
            return self._now() + delay
        except OverflowError:
            return dt.datetime.max.replace(tzinfo=dt.UTC)
