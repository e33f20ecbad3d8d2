"""What the pages show, read through the executor's named queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from river.driver.executor_async import AsyncExecutor
from river.types import JobState, Leader, Queue

STATES = tuple(JobState)
MAX_QUEUES = 1000
#: Each (queue, state) count stops here (shown as "1,000+"), which keeps the overview's
#: cost bounded (states x queues x cap index entries) however many jobs the table holds.
COUNT_CAP = 1_000
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
