"""Job actions applied id by id through the client, each id ending in one outcome: what
the database changed, or why it did not (read from the job before and after)."""

from __future__ import annotations

from typing import Any

from river.client_async import AsyncClient
from river.driver.errors import UniqueViolationError
from river.driver.executor_async import AsyncExecutor
from river.driver.job_list import JobListWhere
from river.driver.params import JobListParams
from river.driver.unique_batch import STATE_BITS
from river.errors import JobNotFoundError, JobRunningError
from river.types import FINALIZED_STATES, JobRow, JobState
from river.ui.outcomes import Outcomes

UNIQUE_HELD = "its unique key is held by another job"


async def apply_job_action(
    client: AsyncClient[Any], executor: AsyncExecutor, action: str, ids: list[int]
) -> tuple[Outcomes, dict[int, str]]:
    """Apply ``action`` (retry, cancel, delete) to each job, recording for each what
    changed or why not; returns the outcomes and, per id, the message of a retry refused
    because a live job holds the same unique key."""
    before = {
        job.id: job for job in await executor.job_list(JobListParams(ids=ids, limit=len(ids)))
    }
    outcomes = Outcomes(action)
    conflicts: dict[int, str] = {}
    for id in ids:
        job = before.get(id)
        if job is None:
            outcomes.skip(id, "not found")
            continue
        try:
            if action == "retry":
                await _retry(client, job, outcomes)
            elif action == "cancel":
                await _cancel(client, job, outcomes)
            else:
                await client.job_delete(id)
                outcomes.changed.append(id)
        except JobNotFoundError:
            outcomes.skip(id, "not found")
        except JobRunningError:
            outcomes.skip(id, "running")
        except UniqueViolationError:
            # River's retry makes the job live again; the unique index refuses it while
            # another live job has the same key (the driver's UniqueViolationError).
            holder = await unique_holder(executor, job)
            outcomes.skip(id, UNIQUE_HELD)
            conflicts[id] = (
                f"Job {id} cannot be retried: its unique key is held by "
                + (f"job {holder}" if holder is not None else "another job")
                + " (a job with the same unique options that is not finished yet)."
            )
    return outcomes, conflicts


async def _retry(client: AsyncClient[Any], job: JobRow, outcomes: Outcomes) -> None:
    if job.state is JobState.RUNNING:
        outcomes.skip(job.id, "running")
        return
    after = await client.job_retry(job.id)
    if after.state is JobState.RUNNING:
        outcomes.skip(job.id, "running")
    elif job.state is JobState.AVAILABLE and after.scheduled_at == job.scheduled_at:
        outcomes.skip(job.id, "already available")
    else:
        outcomes.changed.append(job.id)


async def _cancel(client: AsyncClient[Any], job: JobRow, outcomes: Outcomes) -> None:
    if job.state in FINALIZED_STATES:
        outcomes.skip(job.id, f"already {job.state.value}")
        return
    after = await client.job_cancel(job.id)
    if after.state is JobState.CANCELLED:
        outcomes.changed.append(job.id)
    elif after.state is JobState.RUNNING:
        outcomes.stopping.append(job.id)  # told to stop; its worker finishes it
    else:
        outcomes.skip(job.id, f"already {after.state.value}")


async def unique_holder(executor: AsyncExecutor, job: JobRow) -> int | None:
    """The job holding ``job``'s unique key in one of ``job``'s unique states, if any."""
    if job.unique_key is None:
        return None
    states = [s for s, bit in STATE_BITS.items() if (job.unique_states or 0) & bit]
    rows = await executor.job_list(
        JobListParams(
            states=states,
            where=JobListWhere(
                "unique_key = @key AND id <> @id", {"key": job.unique_key, "id": job.id}
            ),
            limit=1,
        )
    )
    return rows[0].id if rows else None
