"""The job list and delete-many statements, assembled from ``JobListParams`` filters
(the one place where River's SQL is put together from parts; no I/O)."""

from __future__ import annotations

import json
from typing import Any

from river.driver.params import JobListParams
from river.driver.sql import JOB_COLS, S


def job_list(params: JobListParams) -> tuple[str, dict[str, Any]]:
    where, args = _where(params)
    order = params.order_by.value  # an enum value: safe to place in the statement
    direction = "DESC" if params.descending else "ASC"
    if params.after is not None:
        op = "<" if params.descending else ">"
        if order == "id":  # a plain bound the primary key index can seek to
            where.append(f"id {op} @after_id::bigint")
        else:
            where.append(f"({order}, id) {op} (@after_value, @after_id::bigint)")
            args["after_value"] = params.after[0]
        args["after_id"] = params.after[1]
    query = (
        f"SELECT {JOB_COLS} FROM {S}river_job"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {order} {direction}, id {direction} LIMIT @limit::integer"
    )
    args["limit"] = params.limit
    return query, args


def job_delete_many(params: JobListParams) -> tuple[str, dict[str, Any]]:
    """Running jobs are never deleted; locked rows are skipped."""
    where, args = _where(params)
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


def _where(params: JobListParams) -> tuple[list[str], dict[str, Any]]:
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
        # Compared as the enum so the state-leading indexes apply.
        where.append(f"state = any(@states::text[]::{S}river_job_state[])")
        args["states"] = [s.value for s in params.states]
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
