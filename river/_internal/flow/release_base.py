"""What a job leaving its turn frees: the dependents of its workflow task, the next job of
its sequence. Colour-free: the completer, ``job_complete_tx`` and the client's cancel and
delete decide with these, then ``release_async.release`` promotes in their transaction."""

from __future__ import annotations

import dataclasses
from typing import Any

from river.sequence import finished_sequence_job, sequence_key_of
from river.types import JobState
from river.workflow import finished_task, workflow_task_of


@dataclasses.dataclass(frozen=True, slots=True)
class Release:
    """A job's workflow task (workflow id, task name) and sequence key, either may be None."""

    workflow_task: tuple[str, str] | None = None
    sequence_key: str | None = None


def release_on_finish(metadata: Any, state: JobState) -> Release | None:
    """What a job moving to ``state`` frees; None for any other change, and for a job of
    no workflow and no sequence."""
    task = finished_task(metadata, state)
    key = finished_sequence_job(metadata, state)
    return Release(task, key) if task is not None or key is not None else None


def release_on_removal(metadata: Any) -> Release | None:
    """What a job cancelled or deleted outside a worker frees."""
    task = workflow_task_of(metadata)
    key = sequence_key_of(metadata)
    return Release(task, key) if task is not None or key is not None else None
