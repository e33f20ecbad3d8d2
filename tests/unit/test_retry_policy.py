"""River's default retry policy: (errors + 1)^4 seconds, ±10%."""

from __future__ import annotations

import dataclasses
import datetime as dt

from river.retry_policy import DefaultRetryPolicy, RetryPolicy
from river.types import AttemptError, JobRow, JobState

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MAX_SECONDS = (2**63 - 1) / 1e9  # Go's largest time.Duration


def _job(errors: int) -> JobRow:
    err = AttemptError(at=NOW, attempt=1, error="x")
    return JobRow(
        id=1, state=JobState.RUNNING, attempt=errors + 1, max_attempts=25, attempted_at=NOW,
        created_at=NOW, finalized_at=None, scheduled_at=NOW, priority=1, encoded_args="{}",
        attempted_by=[], errors=[err] * errors, kind="k", metadata={}, queue="default", tags=[],
    )


def _policy(r: float) -> DefaultRetryPolicy:
    return DefaultRetryPolicy(now=lambda: NOW, random=lambda: r)


def test_backoff_and_jitter_bounds() -> None:
    # The failure being handled is not in job.errors yet: 0 earlier errors -> 1^4 s.
    for errors, base in ((0, 1), (1, 16), (2, 81), (5, 1296), (24, 390625)):
        low = _policy(0.0).next_retry(_job(errors))
        high = _policy(1.0).next_retry(_job(errors))
        mid = _policy(0.5).next_retry(_job(errors))
        assert abs((low - NOW).total_seconds() - base * 0.9) < 1e-6
        assert abs((high - NOW).total_seconds() - base * 1.1) < 1e-6
        assert (mid - NOW).total_seconds() == base


def test_uses_error_count_not_attempt() -> None:
    job_late = dataclasses.replace(_job(2), attempt=20)
    assert _policy(0.5).next_retry(job_late) == NOW + dt.timedelta(seconds=81)


def test_capped_without_jitter() -> None:
    # (n + 1)^4 passes Go's max duration (~292 years) from n = 309: capped, no jitter.
    assert _policy(0.0).seconds(10**6) == MAX_SECONDS
    assert _policy(1.0).seconds(10**6) == MAX_SECONDS
    assert _policy(0.5).seconds(308) < MAX_SECONDS


def test_capped_retry_exactly_the_maximum_in_the_future() -> None:
    # River v0.48 fixed 310+ errors scheduling the retry ~292 years in the past.
    for errors in (309, 310, 400):
        for r in (0.0, 0.5, 1.0):
            assert _policy(r).seconds(errors) == MAX_SECONDS
            assert _policy(r).next_retry(_job(errors)) == NOW + dt.timedelta(seconds=MAX_SECONDS)


def test_real_clock_and_randomness() -> None:
    real = DefaultRetryPolicy()
    values = {real.seconds(3) for _ in range(200)}
    assert all(0.9 * 256 <= v <= 1.1 * 256 for v in values) and len(values) > 1
    delay = real.next_retry(_job(1)) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=13) < delay <= dt.timedelta(seconds=17.6)


def test_protocol() -> None:
    class Fixed:
        def next_retry(self, job: JobRow) -> dt.datetime:
            return NOW

    policies: list[RetryPolicy] = [Fixed(), DefaultRetryPolicy()]
    assert policies[0].next_retry(_job(0)) == NOW
