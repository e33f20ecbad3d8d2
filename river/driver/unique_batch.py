"""Which jobs of one insert batch the unique index holds, and which of them repeat an
earlier job's key (no I/O).

``river_job_unique_idx`` covers a row whose ``unique_key`` and ``unique_states`` are set
and whose state is one of its ``unique_states``; two such rows with the same key conflict.
Postgres refuses a batch ``INSERT … ON CONFLICT DO UPDATE`` that meets one row twice and
a ``COPY`` that meets a taken key, so both insert paths find a batch's repeats here first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from river.driver.params import JobInsertFastParams, JobInsertResult
from river.errors import UniqueConflictError
from river.types import JobState

# Bit of each state in ``unique_states``, as River lays it out (available is the lowest).
STATE_BITS = {
    JobState.AVAILABLE: 1 << 0,
    JobState.CANCELLED: 1 << 1,
    JobState.COMPLETED: 1 << 2,
    JobState.DISCARDED: 1 << 3,
    JobState.PENDING: 1 << 4,
    JobState.RETRYABLE: 1 << 5,
    JobState.RUNNING: 1 << 6,
    JobState.SCHEDULED: 1 << 7,
}

UNIQUE_INDEX = "river_job_unique_idx"
# The key in a unique violation's detail: ``Key (unique_key)=(\x…) already exists.`` (the
# words around it may be translated; the column and the hex value are not).
_DETAIL_KEY_RE = re.compile(r"\(unique_key\)=\(\\x([0-9a-fA-F]*)\)")


def indexed_key(p: JobInsertFastParams) -> bytes | None:
    """The key under which ``p`` enters the unique index, or None when it does not."""
    key, states = p.unique_key, p.unique_states
    if key and states and states & STATE_BITS[JobState(p.state)]:
        return key
    return None


def first_of_repeats(params: Sequence[JobInsertFastParams]) -> list[int | None] | None:
    """For each job, the position of the earlier job of ``params`` whose key it repeats
    (None for a job that repeats none); None when no job repeats one."""
    firsts: dict[bytes, int] = {}
    out: list[int | None] | None = None
    for i, p in enumerate(params):
        if not p.unique_key:
            continue
        key = indexed_key(p)
        if key is None:
            continue
        first = firsts.setdefault(key, i)
        if first != i:
            if out is None:
                out = [None] * len(params)
            out[i] = first
    return out


def without_repeats(
    params: Sequence[JobInsertFastParams],
) -> tuple[Sequence[JobInsertFastParams], list[int | None] | None]:
    """``params`` without the jobs that repeat an earlier one's key, and
    ``first_of_repeats(params)`` (``params`` itself, and None, when none does)."""
    repeats = first_of_repeats(params)
    if repeats is None:
        return params, None
    return [p for p, first in zip(params, repeats, strict=True) if first is None], repeats


class BatchKeys:
    """The indexed keys of a batch read in pieces: position and kind of each key's job.
    ``add`` refuses a job that repeats an earlier one's key (a ``COPY`` cannot skip it)."""

    def __init__(self) -> None:
        self._seen: dict[bytes, tuple[int, str]] = {}
        self._count = 0

    def add(self, piece: Sequence[JobInsertFastParams]) -> None:
        seen = self._seen
        for offset, p in enumerate(piece):
            if not p.unique_key:
                continue
            key = indexed_key(p)
            if key is None:
                continue
            index = self._count + offset
            earlier = seen.setdefault(key, (index, p.kind))
            if earlier[0] != index:
                raise UniqueConflictError(index, key, p.kind, duplicate_of=earlier[0])
        self._count += len(piece)

    def conflict(self, constraint: str | None, detail: str | None) -> UniqueConflictError | None:
        """The error for the database's unique violation on ``constraint`` with ``detail``,
        naming the job whose key the database reported; None when the violation is not
        the unique jobs' index."""
        if constraint is not None and constraint != UNIQUE_INDEX:
            return None
        match = _DETAIL_KEY_RE.search(detail or "")
        if match is not None:
            key = bytes.fromhex(match.group(1))
            index, kind = self._seen.get(key, (None, None))
            return UniqueConflictError(index, key, kind)
        # No key in the detail (say, bytea_output is 'escape'): a lone unique job is certain.
        if len(self._seen) == 1:
            ((key, (index, kind)),) = self._seen.items()
            return UniqueConflictError(index, key, kind)
        return UniqueConflictError(None, None, None)


def with_repeats(
    sent: Sequence[JobInsertResult], repeats: Sequence[int | None]
) -> list[JobInsertResult]:
    """The results of a whole batch from those of the jobs sent (``repeats`` from
    ``first_of_repeats``): a repeat gets the row its first job got, as a duplicate, as a
    second insert of its own would."""
    out: list[JobInsertResult] = []
    results = iter(sent)
    for first in repeats:
        if first is None:
            out.append(next(results))
        else:
            out.append(JobInsertResult(job=out[first].job, unique_skipped_as_duplicate=True))
    return out
