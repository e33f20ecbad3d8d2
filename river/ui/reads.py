"""What the pages show, read through the executor's named queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from river.concurrency import ConcurrencyConfig
from river.driver.executor_async import AsyncExecutor
from river.types import JobState, Leader, Queue
from river.ui.present import pretty_json
from river.ui.queue_state import ConcurrencyState, SequenceState, concurrency_state, sequence_state

#: States in the order a job passes through them, as tabs and columns show them.
STATES = (
    JobState.PENDING,
    JobState.SCHEDULED,
    JobState.AVAILABLE,
    JobState.RUNNING,
    JobState.RETRYABLE,
    JobState.COMPLETED,
    JobState.CANCELLED,
    JobState.DISCARDED,
)
MAX_QUEUES = 1000
#: Each (queue, state) count stops here (shown as "1,000+"), which keeps the overview's
#: cost bounded (states x queues x cap index entries) however many jobs the table holds.
COUNT_CAP = 1_000
#: A queue page counts jobs finalized in the last hour up to this many per state.
FINALIZED_SCANNED = 100
#: The running jobs of one queue its page reads to name the clients working it.
QUEUE_RUNNING_SCANNED = 100
#: The running jobs read to name the clients working them.
MAX_RUNNING_SCANNED = 2_000


@dataclass
class QueueSummary:
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    paused: bool = False
    known: bool = False  # has a river_queue row (only those can be paused)
    updated_at: dt.datetime | None = None
    oldest_available: dt.datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def active(self) -> bool:
        """Jobs of the queue are running now. (The queue row's ``updated_at`` is no sign
        of life: producers refresh it only every ten minutes, and pausing or resuming
        the queue sets it too.)"""
        return self.counts.get("running", 0) > 0


@dataclass
class Overview:
    now: dt.datetime
    queues: list[QueueSummary]
    state_totals: dict[str, int]
    capped_states: set[str]
    leader: Leader | None
    running_clients: dict[str, int]


async def overview_data(executor: AsyncExecutor) -> Overview:
    now = dt.datetime.now(dt.UTC)
    counts = await executor.job_count_by_queue_and_state_capped(COUNT_CAP)
    queue_rows: list[Queue] = await executor.queue_list(MAX_QUEUES)
    summaries: dict[str, QueueSummary] = {}
    for q in queue_rows:
        summaries[q.name] = QueueSummary(
            name=q.name, paused=q.paused_at is not None, known=True, updated_at=q.updated_at
        )
    totals = {s.value: 0 for s in STATES}
    capped: set[str] = set()
    for c in counts:
        summary = summaries.setdefault(c.queue, QueueSummary(name=c.queue))
        summary.counts[c.state.value] = c.count
        totals[c.state.value] += c.count
        if c.count >= COUNT_CAP:
            capped.add(c.state.value)
    oldest = await executor.queue_oldest_available(sorted(summaries))
    for name, at in oldest.items():
        summaries[name].oldest_available = at
    return Overview(
        now=now,
        queues=[summaries[n] for n in sorted(summaries)],
        state_totals=totals,
        capped_states=capped,
        leader=await executor.leader_get_elected_leader(),
        running_clients=await executor.job_running_client_ids(MAX_RUNNING_SCANNED),
    )


async def state_counts(executor: AsyncExecutor, queue: str | None = None) -> dict[str, int]:
    """Jobs per state (of ``queue``, or all), each (queue, state) count capped at
    ``COUNT_CAP``; a total at or past the cap reads "1,000+"."""
    totals = {s.value: 0 for s in STATES}
    for c in await executor.job_count_by_queue_and_state_capped(COUNT_CAP):
        if queue is None or c.queue == queue:
            totals[c.state.value] += c.count
    return totals


@dataclass
class QueueDetail:
    summary: QueueSummary
    metadata: str
    created_at: dt.datetime | None
    #: Client id -> running jobs of this queue it works (the last of ``attempted_by``).
    clients: dict[str, int]
    #: Jobs of this queue finalized in the last hour, per final state.
    finalized_last_hour: dict[str, int]
    concurrency: ConcurrencyState
    sequences: SequenceState
    #: Whether more running jobs exist than were read for ``clients``.
    clients_capped: bool = False
    running_scanned: int = QUEUE_RUNNING_SCANNED


async def queue_detail(
    executor: AsyncExecutor,
    name: str,
    configured: Mapping[str, ConcurrencyConfig] | None = None,
) -> QueueDetail | None:
    """One queue's page: its row (None when it has neither a row nor jobs), counts,
    the clients working it, its last hour's throughput, its concurrency limits (those
    ``configured`` for the clients, and the metadata's override) with the running jobs
    per partition, and its sequences."""
    now = dt.datetime.now(dt.UTC)
    row = await executor.queue_get(name)
    counts = await state_counts(executor, name)
    if row is None and not any(counts.values()):
        return None
    summary = QueueSummary(
        name=name,
        counts={k: v for k, v in counts.items() if v},
        paused=row is not None and row.paused_at is not None,
        known=row is not None,
        updated_at=row.updated_at if row is not None else None,
    )
    # Each read stops at what it counts (an index range each, whatever the table's size).
    clients = await executor.queue_running_client_ids(name, QUEUE_RUNNING_SCANNED)
    counted = await executor.queue_finalized_since(
        name, now - dt.timedelta(hours=1), FINALIZED_SCANNED + 1
    )
    finalized = {
        state.value: counted.get(state, 0)
        for state in (JobState.COMPLETED, JobState.CANCELLED, JobState.DISCARDED)
    }
    return QueueDetail(
        summary=summary,
        metadata=pretty_json(row.metadata) if row is not None else "{}",
        created_at=row.created_at if row is not None else None,
        clients=clients,
        finalized_last_hour=finalized,
        clients_capped=sum(clients.values()) >= QUEUE_RUNNING_SCANNED,
        concurrency=await concurrency_state(
            executor, name, row.metadata if row is not None else None, configured
        ),
        sequences=await sequence_state(executor, name),
    )
