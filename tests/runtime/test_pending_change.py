"""How the batch completer keeps a state change until its batch is written: a plain
completion as its ``finalized_at`` alone (a datetime the garbage collector does not track),
any other change as it is."""

from __future__ import annotations

import datetime as dt
import gc

from river._internal.pending_change import compact, expand, split
from river.driver.params import (
    job_set_state_completed,
    job_set_state_error_retryable,
)

AT = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def test_a_plain_completion_is_kept_as_an_untracked_datetime() -> None:
    kept = compact(job_set_state_completed(7, AT))
    assert kept == AT
    assert not gc.is_tracked(kept)
    assert expand(7, kept) == job_set_state_completed(7, AT)


def test_other_changes_are_kept_whole() -> None:
    with_output = job_set_state_completed(7, AT, '{"output": 1}')
    retry = job_set_state_error_retryable(8, AT + dt.timedelta(seconds=5), '{"error": "x"}')
    assert compact(with_output) is with_output
    assert compact(retry) is retry
    assert expand(8, retry) is retry


def test_split_separates_plain_completions_from_other_changes() -> None:
    retry = job_set_state_error_retryable(2, AT, '{"error": "x"}')
    batch = [(1, compact(job_set_state_completed(1, AT))), (2, compact(retry)), (3, AT)]
    assert split(batch) == ([1, 3], [AT, AT], [retry])
