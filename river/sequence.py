"""Sequences: jobs of one sequence key run one at a time, in the order they were inserted.

An args type declares ``sequence_opts()`` returning ``river.SequenceOpts`` (River Pro's
``SequenceOpts``). Its jobs get a sequence key computed from their kind (unless
``exclude_kind``), their queue (``by_queue``) and their args (``by_args``: all of them, or
the named fields), stored in the job's metadata under ``riverpro_sequence_key``, and are
inserted ``pending``. The inserting transaction, the transaction finishing a job of the
key, and the leader's sweep make the key's next job available once no other job of the
key is in the way: available, running, retryable, scheduled, or failed (discarded or
cancelled) without ``continue_on_discarded`` / ``continue_on_cancelled``. A failed job
without those options holds its key until it is retried and completes, or is deleted.

This module is colour-free: the options, the key, and what a job's change frees.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from river._declared_keys import declared_opts, hashed_key
from river.driver.params import JobInsertFastParams, JobInsertResult
from river.errors import InvalidInsertError
from river.types import JobState

METADATA_SEQUENCE_KEY = "riverpro_sequence_key"
METADATA_CONTINUE_ON_CANCELLED = "riverpro_sequence_continue_on_cancelled"
METADATA_CONTINUE_ON_DISCARDED = "riverpro_sequence_continue_on_discarded"
# Workflow tasks wait for their dependencies, not for a key: the two do not mix (as in
# River Pro).
_WORKFLOW_ID = "workflow_id"


class SequenceError(InvalidInsertError):
    """A job whose sequence options are invalid, or a workflow task with a sequence."""


@dataclasses.dataclass(frozen=True, slots=True)
class SequenceOpts:
    """How an args type's jobs are put in sequences (River Pro's ``SequenceOpts``).

    By default all jobs of one kind form one sequence. ``by_args=True`` makes one
    sequence per distinct args value; a list of field names, one per distinct value of
    those fields (River Pro's ``river:"sequence"`` field tag). ``by_queue`` makes one per
    queue. ``exclude_kind`` leaves the kind out of the key, so that jobs of several kinds
    with equal keys share a sequence. ``continue_on_cancelled`` / ``continue_on_discarded``
    let the sequence go on past a job of this type that was cancelled / discarded; without
    them such a job holds the sequence."""

    by_args: bool | Sequence[str] = False
    by_queue: bool = False
    exclude_kind: bool = False
    continue_on_cancelled: bool = False
    continue_on_discarded: bool = False

    def validate(self) -> None:
        by = self.by_args
        if isinstance(by, str) or not isinstance(by, (bool, Sequence)):
            raise SequenceError(
                f"SequenceOpts.by_args must be a bool or a list of field names, got {by!r}"
            )
        if not isinstance(by, bool):
            if not by:
                raise SequenceError(
                    "SequenceOpts.by_args must name at least one field (or be True for all)"
                )
            for name in by:
                if not isinstance(name, str) or not name:
                    raise SequenceError(
                        f"SequenceOpts.by_args field names must be non-empty strings, got {name!r}"
                    )
        if self.exclude_kind and not (by or self.by_queue):
            raise SequenceError(
                "SequenceOpts.exclude_kind needs by_args or by_queue: the key would be empty"
            )


@cache
def has_sequence_opts(cls: type) -> bool:
    """Whether the args type ``cls`` declares ``sequence_opts()``."""
    return callable(getattr(cls, "sequence_opts", None))


def sequence_opts_of(args: Any) -> SequenceOpts:
    """``args.sequence_opts()``, checked."""
    return declared_opts(args, "sequence_opts", SequenceOpts, SequenceError)


def sequence_key(kind: str, queue: str, encoded_args: str, opts: SequenceOpts) -> str:
    """The key of a job's sequence: a SHA-256 of the parts the options select (a fixed
    size whatever the args; equal args give equal keys whatever their key order)."""
    parts: dict[str, Any] = {}
    if not opts.exclude_kind:
        parts["kind"] = kind
    if opts.by_queue:
        parts["queue"] = queue
    return hashed_key(parts, encoded_args, opts.by_args)


def sequence_metadata(
    metadata: dict[str, Any], kind: str, queue: str, encoded_args: str, opts: SequenceOpts
) -> dict[str, Any]:
    """``metadata`` with the job's sequence key and options added."""
    if _WORKFLOW_ID in metadata:
        raise SequenceError(
            f"a job of kind {kind!r} has sequence options and is a workflow task: "
            "sequences and workflows do not mix"
        )
    return {
        **metadata,
        METADATA_SEQUENCE_KEY: sequence_key(kind, queue, encoded_args, opts),
        METADATA_CONTINUE_ON_CANCELLED: opts.continue_on_cancelled,
        METADATA_CONTINUE_ON_DISCARDED: opts.continue_on_discarded,
    }


def sequence_key_of(metadata: Any) -> str | None:
    """The sequence key of a job's metadata, or None for a job of no sequence."""
    if not isinstance(metadata, dict):
        return None
    key = metadata.get(METADATA_SEQUENCE_KEY)
    return key if isinstance(key, str) else None


_MARKER = f'"{METADATA_SEQUENCE_KEY}"'


def has_sequence(params: Sequence[JobInsertFastParams]) -> bool:
    """Whether jobs about to be inserted hold a job of a sequence (inserted pending)."""
    return any(p.state is JobState.PENDING and _MARKER in p.metadata for p in params)


def sequence_keys_of(params: Sequence[JobInsertFastParams]) -> list[str]:
    """The sorted distinct sequence keys of jobs about to be inserted; only the metadata
    of pending jobs naming a key is decoded."""
    keys = {
        key
        for p in params
        if p.state is JobState.PENDING
        and _MARKER in p.metadata
        and (key := sequence_key_of(json.loads(p.metadata))) is not None
    }
    return sorted(keys)


def with_states(
    results: list[JobInsertResult], promoted: Sequence[tuple[int, JobState, str, str]]
) -> list[JobInsertResult]:
    """Insert results showing the state their jobs were promoted to in the inserting
    transaction (the rows were returned as inserted, pending)."""
    states = {job_id: state for job_id, state, _, _ in promoted}
    if not states:
        return results
    return [
        dataclasses.replace(r, job=dataclasses.replace(r.job, state=states[r.job.id]))
        if r.job.id in states
        else r
        for r in results
    ]


_FINISHING = frozenset((JobState.COMPLETED, JobState.CANCELLED, JobState.DISCARDED))


def finished_sequence_job(metadata: Any, state: JobState) -> str | None:
    """The sequence key of a job moving to ``state`` when that can free its sequence."""
    if state not in _FINISHING:
        return None
    return sequence_key_of(metadata)


__all__ = [
    "METADATA_CONTINUE_ON_CANCELLED",
    "METADATA_CONTINUE_ON_DISCARDED",
    "METADATA_SEQUENCE_KEY",
    "SequenceError",
    "SequenceOpts",
]
