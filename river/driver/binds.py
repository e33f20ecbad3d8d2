"""The values bound to River's statements, built from the parameter records (no I/O).

Array parameters go one list per column (River's batch statements ``unnest`` them);
unused slots get typed placeholders, since some drivers cannot type an all-NULL array.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from river.driver.jsontext import check_json_text, unstorable_reason
from river.driver.params import JobInsertFastParams, JobSetStateIfRunningParams
from river.types import JobState

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_STATE_TEXT = {s: s.value for s in JobState}  # faster than the enum's ``.value``


def quote_path(name: str) -> str:
    """``schema.table`` with each part quoted."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def check_storable(params: Sequence[JobInsertFastParams]) -> None:
    """Reject, before anything is sent, args or metadata that ``jsonb`` cannot hold (a
    database error would abort the caller's transaction and name no job)."""
    # One scan of the whole batch clears the common case; a suspect batch is checked per job.
    texts = [p.encoded_args for p in params]
    texts.extend(p.metadata for p in params if p.metadata is not None)
    if unstorable_reason("\n".join(texts)) is None:
        return
    for p in params:  # InvalidJSONValueError is both ArgsEncodeError and InvalidMetadataError
        check_json_text(f"{p.kind} args", p.encoded_args)
        if p.metadata is not None:
            check_json_text(f"{p.kind} metadata", p.metadata)


def insert_args(params: Sequence[JobInsertFastParams]) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {
        "args": [p.encoded_args for p in params],
        "created_at": [p.created_at or now for p in params],
        "kind": [p.kind for p in params],
        "max_attempts": [p.max_attempts for p in params],
        "metadata": [p.metadata for p in params],
        "priority": [p.priority for p in params],
        "queue": [p.queue for p in params],
        "scheduled_at": [p.scheduled_at or now for p in params],
        "state": [_STATE_TEXT[p.state] for p in params],
        "tags": [",".join(p.tags) for p in params],
        "unique_key": [p.unique_key or b"" for p in params],
        "unique_states": [p.unique_states or 0 for p in params],
    }


def copy_rows(params: Sequence[JobInsertFastParams]) -> list[tuple[Any, ...]]:
    """Rows for COPY into river_job, in ``sql_job.COPY_COLUMNS`` order."""
    now = dt.datetime.now(dt.UTC)
    state_text = _STATE_TEXT
    return [
        (
            p.encoded_args,
            p.created_at or now,
            p.kind,
            p.max_attempts,
            p.metadata,
            p.priority,
            p.queue,
            p.scheduled_at or now,
            state_text[p.state],
            list(p.tags) if p.tags else _NO_TAGS,
            p.unique_key,
            p.unique_states,
        )
        for p in params
    ]


# Shared by every row without tags (the drivers only read it); a list, which every
# driver's COPY adapts to a text[].
_NO_TAGS: list[str] = []


def set_state_args(params: Sequence[JobSetStateIfRunningParams]) -> dict[str, Any]:
    return {
        "ids": [p.id for p in params],
        "attempt_do_update": [p.attempt is not None for p in params],
        "attempt": [p.attempt or 0 for p in params],
        "errors_do_update": [p.error is not None for p in params],
        "errors": [p.error or "{}" for p in params],
        "finalized_at_do_update": [p.finalized_at is not None for p in params],
        "finalized_at": [p.finalized_at or EPOCH for p in params],
        "metadata_do_merge": [p.metadata_updates is not None for p in params],
        "metadata_updates": [p.metadata_updates or "{}" for p in params],
        "scheduled_at_do_update": [p.scheduled_at is not None for p in params],
        "scheduled_at": [p.scheduled_at or EPOCH for p in params],
        "state": [p.state.value for p in params],
        "running_attempt": [p.running_attempt or 0 for p in params],
    }
