"""Jobs in every state, written straight into River's tables as other clients would."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from river.driver.params import JobInsertFastParams
from river.types import AttemptError, JobState

XSS = "<script>window.__pwned = 1</script>"
TRACE = 'Traceback (most recent call last):\n  File "worker.py", line 3, in work\nValueError: card declined'


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def seed_every_state(executor: Any) -> dict[str, int]:
    """One job per state (plus queue rows), keyed by state; the discarded one has a
    traceback, a log, resumable progress and ``<script>`` in its args."""
    now = _now()
    params = []
    for state in JobState:
        metadata: dict[str, Any] = {"origin": XSS}
        if state is JobState.DISCARDED:
            metadata.update(
                {
                    "river:log": [{"attempt": 1, "log": "charging card 4242"}],
                    "river:resumable_step": "charge",
                    "river:resumable_cursor": {"charge": 17},
                }
            )
        params.append(
            JobInsertFastParams(
                encoded_args=json.dumps({"state": state.value, "note": XSS}),
                kind=f"report_{state.value}",
                queue="billing" if state is not JobState.PENDING else "default",
                metadata=json.dumps(metadata),
                tags=("nightly",) if state is JobState.COMPLETED else (),
                state=JobState.AVAILABLE,
                scheduled_at=now - dt.timedelta(minutes=5),
                unique_key=b"\x01\x02" if state is JobState.COMPLETED else None,
                unique_states=0b101 if state is JobState.COMPLETED else None,
            )
        )
    results = await executor.job_insert_fast_many(params)
    ids = {state.value: r.job.id for state, r in zip(JobState, results, strict=True)}
    error = AttemptError(at=now, attempt=1, error=f"card declined {XSS}", trace=TRACE).to_json()
    for state, id in ids.items():
        attempted = state not in ("available", "pending", "scheduled")
        await executor.execute(
            "UPDATE /* TEMPLATE: schema */river_job SET "
            "state = @state::text::/* TEMPLATE: schema */river_job_state, "
            "attempt = @attempt::smallint, attempted_at = @attempted_at::timestamptz, "
            "attempted_by = @attempted_by::text[], "
            "finalized_at = @finalized_at::timestamptz, scheduled_at = @scheduled_at::timestamptz, "
            "errors = @errors::jsonb[] WHERE id = @id::bigint",
            {
                "state": state,
                "attempt": 1 if attempted else 0,
                "attempted_at": now - dt.timedelta(seconds=30) if attempted else None,
                "attempted_by": ["client-a"] if attempted else [],
                "finalized_at": now if state in ("completed", "cancelled", "discarded") else None,
                "scheduled_at": now + dt.timedelta(hours=1)
                if state in ("scheduled", "retryable")
                else now - dt.timedelta(minutes=5),
                "errors": [error] if state in ("discarded", "retryable") else [],
                "id": id,
            },
        )
    for name in ("billing", "default"):
        await executor.execute(
            "INSERT INTO /* TEMPLATE: schema */river_queue (name, created_at, metadata, updated_at) "
            "VALUES (@name::text, now(), '{}', now()) ON CONFLICT DO NOTHING",
            {"name": name},
        )
    return ids
