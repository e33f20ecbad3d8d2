"""Rows are read by column name, from the select lists the statements use."""

from __future__ import annotations

import datetime as dt

from river.driver import rows
from river.driver.sql_job import JOB_COLS
from river.types import JobState


def test_column_positions_drop_table_and_cast() -> None:
    assert rows.column_positions(["river_job.id", " river_job.state::text", "tags::text[]"]) == {
        "id": 0,
        "state": 1,
        "tags": 2,
    }


def test_job_columns_are_every_column_of_the_select_list() -> None:
    assert len(rows.JOB_COLUMN) == len(JOB_COLS.split(",")) == rows.JOB_EXTRA_COLUMN
    assert sorted(rows.JOB_COLUMN.values()) == list(range(rows.JOB_EXTRA_COLUMN))


def test_job_from_row_reads_each_field_from_its_named_column() -> None:
    at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    values = {
        "id": 7, "state": "retryable", "attempt": 2, "max_attempts": 5, "attempted_at": at,
        "created_at": at, "finalized_at": None, "scheduled_at": at, "priority": 3,
        "args": '{"n":1}', "attempted_by": ["c1"], "errors": None, "kind": "k",
        "metadata": '{"m":1}', "queue": "q", "tags": ["t"], "unique_key": b"\x01",
        "unique_states": 9,
    }  # fmt: skip
    row = [None] * rows.JOB_EXTRA_COLUMN
    for name, value in values.items():
        row[rows.JOB_COLUMN[name]] = value
    job = rows.job_from_row(row)
    assert (job.id, job.state, job.attempt, job.max_attempts, job.priority) == (
        7, JobState.RETRYABLE, 2, 5, 3,
    )  # fmt: skip
    assert (job.encoded_args, job.kind, job.queue, job.tags, job.attempted_by) == (
        '{"n":1}', "k", "q", ["t"], ["c1"],
    )  # fmt: skip
    assert (job.metadata, job.unique_key, job.unique_states, job.finalized_at) == (
        {"m": 1}, b"\x01", 9, None,
    )  # fmt: skip


def test_queue_and_leader_rows_by_name() -> None:
    at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    queue = rows.queue_from_row(["q", at, '{"a":1}', None, at])
    assert (queue.name, queue.metadata, queue.paused_at) == ("q", {"a": 1}, None)
    leader = rows.leader_from_row(["l1", at, at])
    assert leader.leader_id == "l1"


def test_attempt_errors_of_another_shape_are_read_field_by_field() -> None:
    # River v0.48 decodes them best effort; none may fail its row.
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    read = rows._attempt_error
    good = read('{"at": "2026-01-02T03:04:05Z", "attempt": 2, "error": "boom", "trace": "t"}')
    assert (good.at, good.attempt, good.error, good.trace) == (
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), 2, "boom", "t")
    odd = read('{"at": "yesterday", "attempt": "3", "error": {"code": 7}, "trace": ["a"]}')
    assert (odd.at, odd.attempt, odd.error, odd.trace) == (epoch, 3, '{"code":7}', '["a"]')
    bare = read('{"attempt": "x", "error": null}')
    assert (bare.at, bare.attempt, bare.error, bare.trace) == (epoch, 0, "", "")
    for text in ('"just text"', "[1, 2]", "not json"):
        whole = read(text)
        assert (whole.at, whole.attempt, whole.error) == (epoch, 0, text)
