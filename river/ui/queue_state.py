"""The queue page's concurrency and sequence state, read through the executor.

Concurrency: the limits the clients were configured with are not stored in the database
(the dashboard knows them only when ``create_app(concurrency=...)`` is given them); the
override in the queue's metadata is, and is resolved here exactly as a producer resolves
it (``river._internal.producer.concurrency_limits``). The running jobs are counted per partition
the way the limited fetch counts them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from river.concurrency import (
    METADATA_CONCURRENCY,
    ConcurrencyConfig,
    ConcurrencyConfigError,
    concurrency_from_metadata,
)
from river.driver.executor_async import AsyncExecutor
from river.types import JobState

#: The running jobs of one queue read to count them per partition.
PARTITION_RUNNING_SCANNED = 2_000
#: Partitions shown (the busiest first).
PARTITIONS_SHOWN = 50
#: The waiting (and, apart, the running) jobs of one queue read to find its sequences.
SEQUENCE_JOBS_SCANNED = 5_000
SEQUENCES_SHOWN = 50
#: States of a sequence's head job that hold its key after a failure.
HOLDING = frozenset((JobState.CANCELLED, JobState.DISCARDED))


@dataclass
class PartitionLoad:
    #: What names the partition: ``kind <k>`` and ``field=<JSON value>`` parts.
    label: str
    running: int
    most_in_one_client: int


@dataclass
class ConcurrencyState:
    #: The clients' configured limits: None when there are none, or when not known.
    configured: ConcurrencyConfig | None
    configured_known: bool
    #: The queue metadata's ``concurrency`` value as stored (None: no override).
    override_raw: Any
    #: Why clients ignore that override (they keep the configured limits), or None.
    override_error: str | None
    #: The limits clients keep to now; None: no limits (or not known).
    in_force: ConcurrencyConfig | None
    in_force_known: bool
    partitions: list[PartitionLoad] = field(default_factory=list)
    running_capped: bool = False
    running_scanned: int = PARTITION_RUNNING_SCANNED

    @property
    def overridden(self) -> bool:
        return self.override_raw is not None and self.override_error is None


async def concurrency_state(
    executor: AsyncExecutor,
    queue: str,
    metadata: Any,
    configured: Mapping[str, ConcurrencyConfig] | None,
) -> ConcurrencyState:
    known = configured is not None
    base = configured.get(queue) if configured is not None else None
    raw = metadata.get(METADATA_CONCURRENCY) if isinstance(metadata, dict) else None
    error = None
    in_force, in_force_known = base, known
    if raw is not None:
        try:
            in_force, in_force_known = concurrency_from_metadata(raw), True
        except ConcurrencyConfigError as exc:
            error = str(exc)
    state = ConcurrencyState(
        configured=base,
        configured_known=known,
        override_raw=raw,
        override_error=error,
        in_force=in_force,
        in_force_known=in_force_known,
    )
    if in_force is None:
        return state
    partition = in_force.partition
    rows = await executor.queue_running_by_partition(
        queue,
        by_kind=partition.by_kind,
        by_args=partition.by_args,
        max=PARTITION_RUNNING_SCANNED,
        partitions=PARTITIONS_SHOWN,
    )
    state.partitions = [
        PartitionLoad(_partition_label(key, partition.by_args), running, most)
        for key, running, most in rows
    ]
    state.running_capped = sum(p.running for p in state.partitions) >= PARTITION_RUNNING_SCANNED
    return state


def _partition_label(key: str, by_args: tuple[str, ...] | Any) -> str:
    """``["email", 42]`` → ``kind email, customer_id=42``; the whole queue when the
    partition is by nothing."""
    try:
        values = json.loads(key)
    except ValueError:
        return key
    if not isinstance(values, list) or not values:
        return key
    parts = [] if values[0] is None else [f"kind {values[0]}"]
    parts += [
        f"{name}={json.dumps(value, ensure_ascii=False)}"
        for name, value in zip(by_args, values[1:], strict=False)
    ]
    return ", ".join(parts) or "the whole queue"


@dataclass
class SequenceHead:
    key: str
    #: Jobs of the key waiting (pending) in this queue.
    waiting: int
    next_id: int | None
    #: The job in the next one's way: one that can run, or a failed one holding the key.
    head_id: int | None
    head_state: JobState | None
    head_kind: str | None

    @property
    def held(self) -> bool:
        return self.head_state in HOLDING


@dataclass
class SequenceState:
    sequences: list[SequenceHead]
    capped: bool
    scanned: int = SEQUENCE_JOBS_SCANNED


async def sequence_state(executor: AsyncExecutor, queue: str) -> SequenceState:
    rows = await executor.sequence_queue_heads(
        queue, scan=SEQUENCE_JOBS_SCANNED, max_keys=SEQUENCES_SHOWN
    )
    heads = [SequenceHead(*row) for row in rows]
    capped = len(heads) >= SEQUENCES_SHOWN or (
        sum(h.waiting for h in heads) >= SEQUENCE_JOBS_SCANNED
    )
    return SequenceState(heads, capped)
