# WARNING: this file is generated from 'executor_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The driver-neutral executor: River's domain operations over a few driver primitives.

A driver subclasses ``AsyncExecutor`` and supplies ``_execute``, ``_fetch_all``,
``exec_script``, ``transaction`` and ``_copy_jobs``; everything else is shared SQL.
"""

from __future__ import annotations

import abc
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

from river.driver import sql
from river.driver.jsontext import unstorable_reason
from river.driver.params import (
    JobCancelParams,
    JobDeleteBeforeParams,
    JobGetAvailableParams,
    JobGetStuckParams,
    JobInsertFastParams,
    JobInsertResult,
    JobListParams,
    JobRescueManyParams,
    JobScheduleParams,
    JobScheduleResult,
    JobSetStateIfRunningParams,
    JobUpdateParams,
    LeaderElectParams,
    LeaderResignParams,
    NotifyManyParams,
    QueueCreateOrSetUpdatedAtParams,
    QueuePauseParams,
)
from river.driver.query import CompiledQuery, ParamStyle, compile_query
from river.driver.rows import job_from_row, leader_from_row, queue_from_row
from river.errors import ArgsEncodeError, InvalidMetadataError
from river.types import JobRow, JobState, Leader, Queue, QueueStateCount

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_STATE_TEXT = {s: s.value for s in JobState}  # faster than the enum's ``.value``
_LIST_ORDER = {
    "id": "id",
    "scheduled_at": "scheduled_at",
    "created_at": "created_at",
    "finalized_at": "finalized_at",
    "attempted_at": "attempted_at",
}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Executor(abc.ABC):
    """Runs River's queries on a pool (each call autocommits) or on one transaction."""

    paramstyle: ClassVar[ParamStyle] = ParamStyle.PYFORMAT

    def __init__(self, schema: str | None = None) -> None:
        self.schema = schema

    # -- primitives supplied by drivers -----------------------------------------------

    @abc.abstractmethod
    def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None: ...

    @abc.abstractmethod
    def _fetch_all(self, query: CompiledQuery, args: Mapping[str, Any]) -> list[Sequence[Any]]: ...

    @abc.abstractmethod
    def exec_script(self, script: str) -> None:
        """Run SQL text without parameters (may hold several statements)."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Executor]:
        """A transaction (a savepoint when already in one) yielding an executor bound to it."""

    @abc.abstractmethod
    def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        """COPY rows (in ``sql.COPY_COLUMNS`` order) into river_job; return the count."""

    # -- generic helpers ----------------------------------------------------------------

    def compile(self, query: str) -> CompiledQuery:
        return compile_query(query, self.paramstyle, self.schema)

    def execute(self, query: str, args: Mapping[str, Any] | None = None) -> None:
        self._execute(self.compile(query), args or {})

    def fetch_all(self, query: str, args: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        return self._fetch_all(self.compile(query), args or {})

    def fetch_one(self, query: str, args: Mapping[str, Any] | None = None) -> Sequence[Any] | None:
        rows = self._fetch_all(self.compile(query), args or {})
        return rows[0] if rows else None

    def current_schema(self) -> str:
        row = self.fetch_one(sql.CURRENT_SCHEMA)
        return str(row[0]) if row else ""

    def table_exists(self, table: str) -> bool:
        name = f"{self.schema}.{table}" if self.schema else table
        row = self.fetch_one(
            "SELECT to_regclass(@name::text) IS NOT NULL", {"name": _quote_path(name)}
        )
        return bool(row and row[0])

    # -- jobs -------------------------------------------------------------------------

    def job_insert_fast_many(self, params: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
        if not params:
            return []
        _check_storable(params)
        rows = self.fetch_all(sql.JOB_INSERT_FAST_MANY, _insert_args(params))
        return [
            JobInsertResult(job=job_from_row(r), unique_skipped_as_duplicate=bool(r[18]))
            for r in rows
        ]

    def job_insert_fast_many_no_returning(self, params: Sequence[JobInsertFastParams]) -> int:
        if not params:
            return 0
        _check_storable(params)
        now = _utcnow()
        rows = [
            (
                p.encoded_args,
                p.created_at or now,
                p.kind,
                p.max_attempts,
                p.metadata,
                p.priority,
                p.queue,
                p.scheduled_at or now,
                p.state.value,
                list(p.tags),
                p.unique_key,
                p.unique_states,
            )
            for p in params
        ]
        return self._copy_jobs(rows)

    def job_get_available(self, params: JobGetAvailableParams) -> list[JobRow]:
        rows = self.fetch_all(
            sql.JOB_GET_AVAILABLE,
            {
                "queue": params.queue,
                "now": params.now,
                "max_to_lock": params.max_to_lock,
                "max_attempted_by": params.max_attempted_by,
                "client_id": params.client_id,
            },
        )
        return [job_from_row(r) for r in rows]

    def job_set_state_if_running_many(
        self, params: Sequence[JobSetStateIfRunningParams], *, returning: bool = True
    ) -> list[JobRow]:
        """Apply state changes to jobs still running (metadata merges regardless); the
        rows come back unless ``returning`` is False."""
        if not params:
            return []
        if not returning:
            self.fetch_all(sql.JOB_SET_STATE_IF_RUNNING_MANY_NO_ROWS, _set_state_args(params))
            return []
        rows = self.fetch_all(sql.JOB_SET_STATE_IF_RUNNING_MANY, _set_state_args(params))
        return [job_from_row(r) for r in rows]

    def job_complete_many(
        self, params: Sequence[JobSetStateIfRunningParams], *, returning: bool = True
    ) -> list[JobRow]:
        """``job_set_state_if_running_many`` for changes that only complete a job (see
        ``is_plain_completion``), with a lighter statement and the same result; the rows of
        jobs no longer running come back unchanged."""
        if not params:
            return []
        args = {
            "ids": [p.id for p in params],
            "finalized_at": [p.finalized_at or _utcnow() for p in params],
        }
        if not returning:
            self.fetch_all(sql.JOB_COMPLETE_MANY_NO_ROWS, args)
            return []
        rows = [job_from_row(r) for r in self.fetch_all(sql.JOB_COMPLETE_MANY, args)]
        if len(rows) < len(params):
            updated = {r.id for r in rows}
            rest = [p.id for p in params if p.id not in updated]
            rows += self.job_get_by_id_many(rest)
        return rows

    def job_get_by_id(self, id: int) -> JobRow | None:
        row = self.fetch_one(sql.JOB_GET_BY_ID, {"id": id})
        return job_from_row(row) if row else None

    def job_get_by_id_many(self, ids: Sequence[int]) -> list[JobRow]:
        rows = self.fetch_all(sql.JOB_GET_BY_ID_MANY, {"ids": list(ids)})
        return [job_from_row(r) for r in rows]

    def job_get_by_kind_many(self, kinds: Sequence[str]) -> list[JobRow]:
        rows = self.fetch_all(sql.JOB_GET_BY_KIND_MANY, {"kinds": list(kinds)})
        return [job_from_row(r) for r in rows]

    def job_cancel(self, params: JobCancelParams) -> JobRow | None:
        row = self.fetch_one(
            sql.JOB_CANCEL,
            {
                "id": params.id,
                "control_topic": params.control_topic,
                "cancel_attempted_at": json.dumps(_rfc3339(params.cancel_attempted_at)),
            },
        )
        return job_from_row(row) if row else None

    def job_update(self, params: JobUpdateParams) -> JobRow | None:
        row = self.fetch_one(sql.JOB_UPDATE, {"id": params.id, "metadata": params.metadata_merge})
        return job_from_row(row) if row else None

    def job_delete(self, id: int) -> JobRow | None:
        """Delete a job unless it is running; returns the row (still there if running)."""
        row = self.fetch_one(sql.JOB_DELETE, {"id": id})
        return job_from_row(row) if row else None

    def job_retry(self, id: int, now: dt.datetime | None = None) -> JobRow | None:
        row = self.fetch_one(sql.JOB_RETRY, {"id": id, "now": now})
        return job_from_row(row) if row else None

    def job_list(self, params: JobListParams) -> list[JobRow]:
        where, args = _list_where(params)
        order = _LIST_ORDER[params.order_by]
        direction = "DESC" if params.descending else "ASC"
        if params.after is not None:
            op = "<" if params.descending else ">"
            where.append(f"({order}, id) {op} (@after_value, @after_id::bigint)")
            args["after_value"], args["after_id"] = (params.after[0], params.after[1])
        query = (
            f"SELECT {sql.JOB_COLS} FROM {sql.S}river_job"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order} {direction}, id {direction} LIMIT @limit::integer"
        )
        args["limit"] = params.limit
        return [job_from_row(r) for r in self.fetch_all(query, args)]

    def job_delete_many(self, params: JobListParams) -> list[JobRow]:
        where, args = _list_where(params)
        where.append("state != 'running'")
        args["limit"] = params.limit
        query = (
            f"WITH to_delete AS (SELECT id FROM {sql.S}river_job WHERE "
            + " AND ".join(where)
            + f" ORDER BY id LIMIT @limit::integer FOR UPDATE SKIP LOCKED) DELETE FROM {sql.S}river_job USING to_delete WHERE river_job.id = to_delete.id RETURNING {sql.JOB_COLS}"
        )
        return sorted((job_from_row(r) for r in self.fetch_all(query, args)), key=lambda j: j.id)

    def job_schedule(self, params: JobScheduleParams) -> list[JobScheduleResult]:
        rows = self.fetch_all(sql.JOB_SCHEDULE, {"now": params.now, "max": params.max})
        return [
            JobScheduleResult(job=job_from_row(r), conflict_discarded=bool(r[18])) for r in rows
        ]

    def job_get_stuck(self, params: JobGetStuckParams) -> list[JobRow]:
        rows = self.fetch_all(
            sql.JOB_GET_STUCK,
            {"stuck_horizon": params.stuck_horizon, "after_id": params.after_id, "max": params.max},
        )
        return [job_from_row(r) for r in rows]

    def job_rescue_many(self, params: JobRescueManyParams) -> list[JobRow]:
        if not params.ids:
            return []
        # The placeholder is only stored for finalized states (see the SQL).
        rows = self.fetch_all(
            sql.JOB_RESCUE_MANY,
            {
                "ids": list(params.ids),
                "errors": list(params.errors),
                "finalized_at": [f or _EPOCH for f in params.finalized_at],
                "scheduled_at": list(params.scheduled_at),
                "states": [s.value for s in params.states],
            },
        )
        return [job_from_row(r) for r in rows]

    def job_delete_before(self, params: JobDeleteBeforeParams) -> int:
        never = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        row = self.fetch_one(
            sql.JOB_DELETE_BEFORE,
            {
                "cancelled_before": params.cancelled_finalized_before or never,
                "completed_before": params.completed_finalized_before or never,
                "discarded_before": params.discarded_finalized_before or never,
                "max": params.max,
            },
        )
        return int(row[0]) if row else 0

    # -- leadership -------------------------------------------------------------------

    def leader_delete_expired(self) -> None:
        self.execute(sql.LEADER_DELETE_EXPIRED)

    def leader_attempt_elect(self, params: LeaderElectParams) -> Leader | None:
        row = self.fetch_one(
            sql.LEADER_ATTEMPT_ELECT,
            {"leader_id": params.leader_id, "ttl_seconds": params.ttl.total_seconds()},
        )
        return leader_from_row(row) if row else None

    def leader_attempt_reelect(self, params: LeaderElectParams) -> Leader | None:
        row = self.fetch_one(
            sql.LEADER_ATTEMPT_REELECT,
            {"leader_id": params.leader_id, "ttl_seconds": params.ttl.total_seconds()},
        )
        return leader_from_row(row) if row else None

    def leader_resign(self, params: LeaderResignParams) -> bool:
        rows = self.fetch_all(
            sql.LEADER_RESIGN,
            {"leader_id": params.leader_id, "leadership_topic": params.leadership_topic},
        )
        return bool(rows)

    def leader_get_elected_leader(self) -> Leader | None:
        row = self.fetch_one(sql.LEADER_GET_ELECTED_LEADER)
        return leader_from_row(row) if row else None

    # -- queues -----------------------------------------------------------------------

    def queue_create_or_set_updated_at(self, params: QueueCreateOrSetUpdatedAtParams) -> Queue:
        row = self.fetch_one(
            sql.QUEUE_CREATE_OR_SET_UPDATED_AT,
            {"name": params.name, "metadata": params.metadata, "paused_at": params.paused_at},
        )
        assert row is not None
        return queue_from_row(row)

    def queue_get(self, name: str) -> Queue | None:
        row = self.fetch_one(sql.QUEUE_GET, {"name": name})
        return queue_from_row(row) if row else None

    def queue_list(self, max: int = 100) -> list[Queue]:
        return [queue_from_row(r) for r in self.fetch_all(sql.QUEUE_LIST, {"max": max})]

    def job_count_by_queue_and_state(self) -> list[QueueStateCount]:
        """How many jobs each queue holds in each state (only pairs with jobs)."""
        rows = self.fetch_all(sql.JOB_COUNT_BY_QUEUE_AND_STATE, {})
        return [QueueStateCount(queue=r[0], state=JobState(r[1]), count=int(r[2])) for r in rows]

    def queue_pause(self, params: QueuePauseParams) -> int:
        """Pause a queue (or ``*``); returns how many queues matched."""
        row = self.fetch_one(sql.QUEUE_PAUSE, {"name": params.name, "now": params.now})
        return int(row[0]) if row else 0

    def queue_resume(self, params: QueuePauseParams) -> int:
        row = self.fetch_one(sql.QUEUE_RESUME, {"name": params.name})
        return int(row[0]) if row else 0

    def queue_delete_expired(self, horizon: dt.datetime, max: int = 1000) -> list[str]:
        rows = self.fetch_all(sql.QUEUE_DELETE_EXPIRED, {"updated_at_horizon": horizon, "max": max})
        return [str(r[0]) for r in rows]

    # -- notifications ----------------------------------------------------------------

    def notify_many(self, params: NotifyManyParams) -> None:
        if params.payloads:
            self.fetch_all(
                sql.NOTIFY_MANY, {"topic": params.topic, "payloads": list(params.payloads)}
            )


def _quote_path(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def _rfc3339(t: dt.datetime) -> str:
    from river.types import format_rfc3339_nano

    return format_rfc3339_nano(t)


def _check_storable(params: Sequence[JobInsertFastParams]) -> None:
    """Reject, before anything is sent, args or metadata that ``jsonb`` cannot hold (a
    database error would abort the caller's transaction and name no job)."""
    for p in params:
        reason = unstorable_reason(p.encoded_args)
        if reason is not None:
            raise ArgsEncodeError(f"cannot store {p.kind} args: {reason}")
        if p.metadata is not None:
            reason = unstorable_reason(p.metadata)
            if reason is not None:
                raise InvalidMetadataError(f"cannot store {p.kind} metadata: {reason}")


def _insert_args(params: Sequence[JobInsertFastParams]) -> dict[str, Any]:
    now = _utcnow()
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


def _set_state_args(params: Sequence[JobSetStateIfRunningParams]) -> dict[str, Any]:
    # Unused slots get typed placeholders: some drivers cannot type an all-NULL array.
    return {
        "ids": [p.id for p in params],
        "attempt_do_update": [p.attempt is not None for p in params],
        "attempt": [p.attempt or 0 for p in params],
        "errors_do_update": [p.error is not None for p in params],
        "errors": [p.error or "{}" for p in params],
        "finalized_at_do_update": [p.finalized_at is not None for p in params],
        "finalized_at": [p.finalized_at or _EPOCH for p in params],
        "metadata_do_merge": [p.metadata_updates is not None for p in params],
        "metadata_updates": [p.metadata_updates or "{}" for p in params],
        "scheduled_at_do_update": [p.scheduled_at is not None for p in params],
        "scheduled_at": [p.scheduled_at or _EPOCH for p in params],
        "state": [p.state.value for p in params],
    }


def _list_where(params: JobListParams) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    args: dict[str, Any] = {}
    if params.ids:
        where.append("id = any(@ids::bigint[])")
        args["ids"] = list(params.ids)
    if params.kinds:
        where.append("kind = any(@kinds::text[])")
        args["kinds"] = list(params.kinds)
    if params.priorities:
        where.append("priority = any(@priorities::smallint[])")
        args["priorities"] = list(params.priorities)
    if params.queues:
        where.append("queue = any(@queues::text[])")
        args["queues"] = list(params.queues)
    if params.states:
        where.append("state::text = any(@states::text[])")
        args["states"] = [s.value for s in params.states]
    if params.tags_all:
        where.append("tags @> @tags_all::varchar(255)[]")
        args["tags_all"] = list(params.tags_all)
    if params.tags_any:
        where.append("tags && @tags_any::varchar(255)[]")
        args["tags_any"] = list(params.tags_any)
    if params.metadata_contains is not None:
        where.append("metadata @> @metadata_contains::jsonb")
        args["metadata_contains"] = params.metadata_contains
    return (where, args)
