"""A job's state change as the batch completer keeps it until its batch is written (pure).

A plain completion (the common case) is kept as its ``finalized_at`` alone: a datetime,
which Python's cyclic garbage collector does not track. A change object waiting for its
batch (up to 5,000 of them, each for up to a tick) was scanned by every collection and
moved on to the oldest generation, where it made full collections come more often.
Other changes are kept as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from river.driver.params import (
    JobSetStateIfRunningParams,
    is_plain_completion,
    job_set_state_completed,
)

#: What the completer keeps for a job: ``finalized_at`` of a plain completion, else the change.
PendingChange = dt.datetime | JobSetStateIfRunningParams


def compact(params: JobSetStateIfRunningParams) -> PendingChange:
    if is_plain_completion(params) and params.finalized_at is not None:
        return params.finalized_at
    return params


def expand(job_id: int, change: PendingChange) -> JobSetStateIfRunningParams:
    if isinstance(change, JobSetStateIfRunningParams):
        return change
    return job_set_state_completed(job_id, change)


def split(
    batch: Iterable[tuple[int, PendingChange]],
) -> tuple[list[int], list[dt.datetime], list[JobSetStateIfRunningParams]]:
    """(ids and ``finalized_at`` of the plain completions, the other changes)."""
    ids: list[int] = []
    finalized_at: list[dt.datetime] = []
    other: list[JobSetStateIfRunningParams] = []
    for job_id, change in batch:
        if isinstance(change, dt.datetime):
            ids.append(job_id)
            finalized_at.append(change)
        else:
            other.append(change)
    return ids, finalized_at, other
