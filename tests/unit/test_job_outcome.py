"""The outcome decision of an attempt, table-driven, without a database."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from river._internal.executor.job_outcome import (
    CANCEL_CLIENT_STOP,
    CANCEL_REMOTE,
    CANCEL_TIMEOUT,
    OutcomeContext,
    asks_error_handler,
    decide,
    effective_timeout,
)
from river.context import JobCancelledError
from river.errors import JobCancel, JobSnooze
from river.types import JobRow, JobState

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
SCHEDULED = NOW - dt.timedelta(minutes=1)


def _row(attempt: int = 1, max_attempts: int = 3, metadata: Any = None) -> JobRow:
    return JobRow(
        id=7,
        attempt=attempt,
        attempted_at=NOW,
        attempted_by=["c"],
        created_at=SCHEDULED,
        encoded_args="{}",
        errors=[],
        finalized_at=None,
        kind="k",
        max_attempts=max_attempts,
        metadata={} if metadata is None else metadata,
        priority=1,
        queue="default",
        scheduled_at=SCHEDULED,
        state=JobState.RUNNING,
        tags=[],
        unique_key=None,
        unique_states=None,
    )


@dataclass
class Case:
    name: str
    error: BaseException | None
    state: JobState
    kind: str
    attempt: int = 1
    max_attempts: int = 3
    cancel_reason: str | None = None
    handler_cancels: bool = False
    retry_in: float = 60.0
    updates: dict[str, Any] = field(default_factory=dict)
    metadata: Any = None
    # Expected: attempt stored (None: unchanged), error text recorded, metadata merged.
    stored_attempt: int | None = None
    error_text: str | None = None
    merged: dict[str, Any] | None = None
    scheduled_in: float | None = None


CASES = [
    Case("success", None, JobState.COMPLETED, "completed"),
    Case("success_with_updates", None, JobState.COMPLETED, "completed",
         updates={"output": 1}, merged={"output": 1}),
    Case("error_retried_later", ValueError("boom"), JobState.RETRYABLE, "failed",
         error_text="ValueError: boom", scheduled_in=60.0),
    Case("error_retried_soon_is_available", ValueError("x"), JobState.AVAILABLE, "failed",
         retry_in=2.0, scheduled_in=2.0),
    Case("retry_in_the_past_is_now", ValueError("x"), JobState.AVAILABLE, "failed",
         retry_in=-30.0, scheduled_in=0.0),
    Case("last_attempt_discarded", ValueError("x"), JobState.DISCARDED, "failed",
         attempt=3, max_attempts=3, error_text="ValueError: x"),
    Case("job_cancel", JobCancel(ValueError("stop")), JobState.CANCELLED, "cancelled"),
    Case("handler_cancels", ValueError("x"), JobState.CANCELLED, "cancelled",
         handler_cancels=True),
    Case("handler_cancels_on_last_attempt", ValueError("x"), JobState.CANCELLED, "cancelled",
         attempt=3, max_attempts=3, handler_cancels=True),
    Case("snooze_long", JobSnooze(dt.timedelta(minutes=10)), JobState.SCHEDULED, "snoozed",
         attempt=2, stored_attempt=1, merged={"snoozes": 1}, scheduled_in=600.0),
    Case("snooze_short_is_available", JobSnooze(dt.timedelta(seconds=1)), JobState.AVAILABLE,
         "snoozed", stored_attempt=0, merged={"snoozes": 3}, metadata={"snoozes": 2},
         scheduled_in=1.0),
    Case("snooze_count_garbage", JobSnooze(dt.timedelta(minutes=1)), JobState.SCHEDULED,
         "snoozed", stored_attempt=0, merged={"snoozes": 1}, metadata={"snoozes": "x"}),
    Case("timeout", asyncio.CancelledError(), JobState.RETRYABLE, "failed",
         cancel_reason=CANCEL_TIMEOUT, error_text="TimeoutError: job timed out"),
    Case("remote_cancel", JobCancelledError("remote"), JobState.CANCELLED, "cancelled",
         cancel_reason=CANCEL_REMOTE,
         error_text="JobCancelledRemotelyError: job cancelled remotely"),
    # Once cancelled remotely, any error cancels the job for good (River's rule).
    Case("error_after_remote_cancel_on_last_attempt", ValueError("x"), JobState.CANCELLED,
         "cancelled", attempt=3, max_attempts=3, cancel_reason=CANCEL_REMOTE,
         error_text="JobCancelledRemotelyError: job cancelled remotely"),
    Case("snooze_after_remote_cancel", JobSnooze(dt.timedelta(minutes=1)), JobState.CANCELLED,
         "cancelled", cancel_reason=CANCEL_REMOTE),
    Case("client_stop_interrupts", asyncio.CancelledError(), JobState.AVAILABLE,
         "interrupted", attempt=2, cancel_reason=CANCEL_CLIENT_STOP, stored_attempt=1,
         updates={"river:resumable_step": "a"}, merged={"river:resumable_step": "a"}),
    Case("success_despite_cancel_signal", None, JobState.COMPLETED, "completed",
         cancel_reason=CANCEL_REMOTE),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_decide(case: Case) -> None:
    row = _row(case.attempt, case.max_attempts, case.metadata)
    calls: list[int] = []

    def next_retry() -> dt.datetime:
        calls.append(1)
        return NOW + dt.timedelta(seconds=case.retry_in)

    context = OutcomeContext(
        now=NOW,
        cancel_reason=case.cancel_reason,
        metadata_updates=case.updates,
        handler_cancels=case.handler_cancels,
        next_retry=next_retry,
    )
    params, kind = decide(row, context, case.error)
    assert (params.id, params.state, kind) == (row.id, case.state, case.kind)
    assert params.attempt == case.stored_attempt
    if case.error_text is not None:
        assert params.error is not None
        assert json.loads(params.error)["error"] == case.error_text
    if case.merged is not None:
        assert params.metadata_updates is not None
        assert json.loads(params.metadata_updates) == case.merged
    elif not case.updates:
        assert params.metadata_updates is None
    if case.scheduled_in is not None:
        assert params.scheduled_at == NOW + dt.timedelta(seconds=case.scheduled_in)
    # The retry time is asked for only when the job is to be retried.
    assert bool(calls) == (kind == "failed" and case.state is not JobState.DISCARDED)
    finalized = case.state in (JobState.COMPLETED, JobState.CANCELLED, JobState.DISCARDED)
    assert (params.finalized_at is not None) == finalized


def test_unencodable_metadata_raises() -> None:
    context = OutcomeContext(now=NOW, metadata_updates={"x": object()})
    with pytest.raises(TypeError):
        decide(_row(), context, None)


@pytest.mark.parametrize(
    ("error", "reason", "asked"),
    [
        (None, None, False),
        (ValueError("x"), None, True),
        (JobSnooze(dt.timedelta(seconds=1)), None, False),
        (JobCancel(ValueError("x")), None, False),
        (asyncio.CancelledError(), CANCEL_CLIENT_STOP, False),
        (asyncio.CancelledError(), CANCEL_TIMEOUT, True),
        (JobCancelledError("remote"), CANCEL_REMOTE, False),
        (ValueError("x"), CANCEL_REMOTE, False),
    ],
)
def test_asks_error_handler(error: BaseException | None, reason: str | None, asked: bool) -> None:
    assert asks_error_handler(error, reason) is asked


@pytest.mark.parametrize(
    ("worker", "client", "effective"),
    [
        (None, 60.0, 60.0),
        (0.0, 60.0, 60.0),  # 0 means the client's, as in River
        (5.0, 60.0, 5.0),
        (-1.0, 60.0, None),  # negative: no timeout
        (None, None, None),
        (5.0, None, 5.0),
    ],
)
def test_effective_timeout(
    worker: float | None, client: float | None, effective: float | None
) -> None:
    assert effective_timeout(worker, client) == effective
