"""The job list and delete-many statements, assembled from ``JobListParams`` filters
(the one place where River's SQL is put together from parts; no I/O)."""

from __future__ import annotations

from typing import Any

from river._json_filter import json_filter_text
from river.driver.job_list import (
    JobListCursor,
    JobListWhere,
    effective_states,
    sort_column,
    where_fragments,
)
from river.driver.params import JobListParams
from river.driver.query import SCHEMA_MARK as S
from river.driver.sql_job import JOB_COLS, job_columns
from river.errors import InvalidJobListParamsError

# Parameter names the listing binds itself; ``where`` conditions may not reuse them.
RESERVED_NAMES = frozenset({
    "ids", "kinds", "priorities", "queues", "states", "tags_all", "tags_any",
    "metadata_contains", "args_contains", "args_text", "limit", "after_id", "after_time",
})


# Run before a listing with raw ``where`` conditions, inside a transaction the executor
# rolls back: nothing the conditions call can write, and the lexical rules the guard read
# them by hold whatever the pooled session was set to.
LISTING_READ_ONLY = (
    "SELECT set_config('transaction_read_only', 'on', true), "
    "set_config('standard_conforming_strings', 'on', true)"
)


def job_list(params: JobListParams) -> tuple[str, dict[str, Any]]:
    where, args, order = _page(params)
    if params.where:
        conditions = (params.where,) if isinstance(params.where, JobListWhere) else params.where
        fragments, values = where_fragments(conditions, RESERVED_NAMES)
        where.extend(fragments)
        args.update(values)
    query = (
        f"SELECT {JOB_COLS} FROM {S}river_job"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {order} LIMIT @limit::integer"
    )
    return query, args


def job_delete_many(params: JobListParams) -> tuple[str, dict[str, Any]]:
    """The jobs ``job_list(params)`` would list, less the running ones (never deleted)
    and the locked ones (skipped), deleted and returned in the listing's order."""
    if params.where:
        raise InvalidJobListParamsError(
            "where conditions apply to job_list only, not to job_delete_many"
        )
    where, args, order = _page(params)
    where.append("state != 'running'")
    deleted_order = ", ".join(f"deleted.{part}" for part in order.split(", "))
    query = (
        f"WITH to_delete AS (SELECT id FROM {S}river_job WHERE "
        + " AND ".join(where)
        + f" ORDER BY {order} LIMIT @limit::integer FOR UPDATE SKIP LOCKED), "
        f"deleted AS (DELETE FROM {S}river_job USING to_delete "
        "WHERE river_job.id = to_delete.id RETURNING river_job.*) "
        f"SELECT {job_columns('deleted')} FROM deleted ORDER BY {deleted_order}"
    )
    return query, args


def _page(params: JobListParams) -> tuple[list[str], dict[str, Any], str]:
    """The filters, the cursor's bound, their values and the ORDER BY of a listing."""
    order_by = params.order_by.value
    states = effective_states(order_by, params.states)
    where, args = _where(params, states)
    # A column name from a fixed set: safe to place in the statement.
    column = sort_column(order_by, states)
    direction = "DESC" if params.descending else "ASC"
    cursor = params.after
    if cursor is not None:
        if not isinstance(cursor, JobListCursor):  # JobListParams normalizes ``after``
            raise InvalidJobListParamsError(f"after is not a cursor: {cursor!r}")
        op = "<" if params.descending else ">"
        if column == "id":  # a plain bound the primary key index can seek to
            where.append(f"id {op} @after_id::bigint")
        else:
            where.append(f"({column}, id) {op} (@after_time::timestamptz, @after_id::bigint)")
            args["after_time"] = cursor.time
        args["after_id"] = cursor.id
    order = f"id {direction}" if column == "id" else f"{column} {direction}, id {direction}"
    args["limit"] = params.limit
    return where, args, order


def _where(params: JobListParams, states: Any) -> tuple[list[str], dict[str, Any]]:
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
    if states:
        # Compared as the enum so the state-leading indexes apply.
        where.append(f"state = any(@states::text[]::{S}river_job_state[])")
        args["states"] = [s.value for s in states]
    if params.tags_all:
        where.append("tags @> @tags_all::varchar(255)[]")
        args["tags_all"] = list(params.tags_all)
    if params.tags_any:
        where.append("tags && @tags_any::varchar(255)[]")
        args["tags_any"] = list(params.tags_any)
    if params.metadata_contains is not None:
        where.append("metadata @> @metadata_contains::jsonb")
        args["metadata_contains"] = json_filter_text("metadata_contains", params.metadata_contains)
    if params.args_contains is not None:
        where.append("args @> @args_contains::jsonb")
        args["args_contains"] = json_filter_text("args_contains", params.args_contains)
    if params.args_text:
        # E'' spells one backslash whatever the session's standard_conforming_strings.
        where.append("args::text ILIKE @args_text::text ESCAPE E'\\\\'")
        args["args_text"] = "%" + _like_escape(params.args_text) + "%"
    return where, args


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
