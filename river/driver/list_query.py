"""The job list and delete-many statements, assembled from ``JobListParams`` filters
(the one place where River's SQL is put together from parts; no I/O)."""

from __future__ import annotations

import json
from typing import Any

from river.driver.job_list import (
    JobListCursor,
    JobListWhere,
    effective_states,
    sort_column,
    where_fragments,
)
from river.driver.params import JobListParams
from river.driver.sql import JOB_COLS, S
from river.errors import InvalidJobListParamsError

# Parameter names the listing binds itself; ``where`` conditions may not reuse them.
RESERVED_NAMES = frozenset({
    "ids", "kinds", "priorities", "queues", "states", "tags_all", "tags_any",
    "metadata_contains", "args_contains", "args_text", "limit", "after_id", "after_time",
})


def job_list(params: JobListParams) -> tuple[str, dict[str, Any]]:
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
    if params.where:
        conditions = (params.where,) if isinstance(params.where, JobListWhere) else params.where
        fragments, values = where_fragments(conditions, RESERVED_NAMES)
        where.extend(fragments)
        args.update(values)
    order = f"id {direction}" if column == "id" else f"{column} {direction}, id {direction}"
    query = (
        f"SELECT {JOB_COLS} FROM {S}river_job"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {order} LIMIT @limit::integer"
    )
    args["limit"] = params.limit
    return query, args


def job_delete_many(params: JobListParams) -> tuple[str, dict[str, Any]]:
    """Running jobs are never deleted; locked rows are skipped."""
    if params.where:
        raise InvalidJobListParamsError(
            "where conditions apply to job_list only, not to job_delete_many"
        )
    where, args = _where(params, params.states)
    where.append("state != 'running'")
    args["limit"] = params.limit
    query = (
        f"WITH to_delete AS (SELECT id FROM {S}river_job WHERE "
        + " AND ".join(where)
        + " ORDER BY id LIMIT @limit::integer FOR UPDATE SKIP LOCKED) "
        f"DELETE FROM {S}river_job USING to_delete WHERE river_job.id = to_delete.id "
        f"RETURNING {JOB_COLS}"
    )
    return query, args


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
        contains = params.metadata_contains
        where.append("metadata @> @metadata_contains::jsonb")
        args["metadata_contains"] = contains if isinstance(contains, str) else json.dumps(contains)
    if params.args_contains is not None:
        where.append("args @> @args_contains::jsonb")
        args["args_contains"] = params.args_contains
    if params.args_text:
        where.append("args::text ILIKE @args_text::text ESCAPE '\\'")
        args["args_text"] = "%" + _like_escape(params.args_text) + "%"
    return where, args


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
