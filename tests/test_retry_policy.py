"""River's default retry policy: (errors + 1)^4 seconds, ±10%."""

from __future__ import annotations

import datetime as dt

from river.retry_policy import DefaultRetryPolicy
from river.types import AttemptError, JobRow, JobState

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _job(errors: int) -> JobRow:
    err = AttemptError(at=NOW, attempt=1, error="x")
    return JobRow(
        id=1, state=JobState.RUNNING, attempt=errors + 1, max_attempts=25, attempted_at=NOW,
        created_at=NOW, finalized_at=None, scheduled_at=NOW, priority=1, encoded_args="{}",
        attempted_by=[], errors=[err] * errors, kind="k", metadata={}, queue="default", tags=[],
    )


def test_backoff_and_jitter_bounds() -> None:
    for errors, base in ((0, 1), (1, 16), (2, 81), (5, 1296)):
        low = DefaultRetryPolicy(now=lambda: NOW, rand=lambda: 0.0).next_retry(_job(errors))
        high = DefaultRetryPolicy(now=lambda: NOW, rand=lambda: 1.0).next_retry(_job(errors))
        mid = DefaultRetryPolicy(now=lambda: NOW, rand=lambda: 0.5).next_retry(_job(errors))
        assert abs((low - NOW).total_seconds() - base * 0.9) < 1e-6
        assert abs((high - NOW).total_seconds() - base * 1.1) < 1e-6
        assert (mid - NOW).total_seconds() == base
