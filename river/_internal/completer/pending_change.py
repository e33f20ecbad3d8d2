"""The state changes the batch completer holds until their batch is written (pure).

Any thread hands a change in (the async client's event loop, or each of a sync client's
worker threads); one at a time takes them out, the completer's loop. Handing in appends
to a deque, atomic in CPython, so no worker thread waits for another: with a lock, the
threads that end a job while one holding the lock has lost the GIL all block behind it.

A plain completion (the common case) is kept as its ``finalized_at`` alone: a datetime,
which Python's cyclic garbage collector does not track. A change object waiting for its
batch (up to 5,000 of them, each for up to a tick) was scanned by every collection and
moved on to the oldest generation, where it made full collections come more often.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterable
from typing import Any

from river.driver.params import (
    JobSetStateIfRunningParams,
    is_plain_completion,
    job_set_state_completed,
)

#: What the completer keeps for a job: ``finalized_at`` of a plain completion (with the
#: attempt it ends, when it names one), else the change.
PendingChange = dt.datetime | tuple[dt.datetime, int] | JobSetStateIfRunningParams
#: A job's id and its change, as kept.
PendingItem = tuple[int, PendingChange]


def compact(params: JobSetStateIfRunningParams) -> PendingChange:
    if is_plain_completion(params) and params.finalized_at is not None:
        if params.running_attempt is None:
            return params.finalized_at
        # A tuple of untracked values: the collector stops tracking it at its first pass.
        return (params.finalized_at, params.running_attempt)
    return params


def expand(job_id: int, change: PendingChange) -> JobSetStateIfRunningParams:
    if isinstance(change, JobSetStateIfRunningParams):
        return change
    if isinstance(change, tuple):
        params = job_set_state_completed(job_id, change[0])
        params.running_attempt = change[1]
        return params
    return job_set_state_completed(job_id, change)


def split(
    batch: Iterable[PendingItem],
) -> tuple[list[int], list[dt.datetime], list[int], list[JobSetStateIfRunningParams]]:
    """(ids, ``finalized_at`` and attempts (0: any) of the plain completions, the other
    changes)."""
    ids: list[int] = []
    finalized_at: list[dt.datetime] = []
    attempts: list[int] = []
    other: list[JobSetStateIfRunningParams] = []
    for job_id, change in batch:
        if isinstance(change, dt.datetime):
            ids.append(job_id)
            finalized_at.append(change)
            attempts.append(0)
        elif isinstance(change, tuple):
            ids.append(job_id)
            finalized_at.append(change[0])
            attempts.append(change[1])
        else:
            other.append(change)
    return ids, finalized_at, attempts, other


class PendingChanges:
    """Changes handed in by any thread and taken out, in order, by one.

    Of two changes to one job the later is written. A change put back after a failed
    write yields to one handed in for the same job since. ``info`` (None when nobody
    wants it) comes back with its change.
    """

    def __init__(self) -> None:
        self._incoming: collections.deque[tuple[int, PendingChange, Any]] = collections.deque()
        # Put back after a failed write; touched only by the thread that takes.
        self._put_back: dict[int, tuple[PendingChange, Any]] = {}

    def add(self, params: JobSetStateIfRunningParams, info: Any) -> int:
        """Hand a change in; returns how many are waiting (a job changed twice counts twice)."""
        self._incoming.append((params.id, compact(params), info))
        return len(self._incoming) + len(self._put_back)

    def __len__(self) -> int:
        return len(self._incoming) + len(self._put_back)

    def take(self) -> tuple[list[PendingItem], dict[int, Any]]:
        """Everything handed in or put back so far: (job id, change) pairs in the order
        they came, and the infos that are not None by job id."""
        taken, self._put_back = self._put_back, {}
        incoming = self._incoming
        for _ in range(len(incoming)):  # only what is there now: others may be appending
            job_id, change, info = incoming.popleft()
            taken[job_id] = (change, info)
        batch = [(job_id, change) for job_id, (change, _) in taken.items()]
        infos = {job_id: info for job_id, (_, info) in taken.items() if info is not None}
        return batch, infos

    def put_back(self, batch: Iterable[PendingItem], infos: dict[int, Any]) -> None:
        for job_id, change in batch:
            self._put_back.setdefault(job_id, (change, infos.get(job_id)))
