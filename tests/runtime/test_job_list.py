# WARNING: this file is generated from 'test_job_list_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Listing jobs as River does: ordering fields, ``time`` following the state filter,
cursors continuing a listing, and raw ``where`` conditions with named parameters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import river
from river.types import JobState
from tests._client_helpers import make_config, user_tx
from tests.runtime.test_client import EchoArgs, EchoWorker, _workers

pytestmark = pytest.mark.anyio
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
# Scheduled times out of id order, one tie (broken by id).
OFFSETS = [5, 1, 4, 1, 3, 7, 2]


def _scheduled(client: Any) -> list[river.JobRow]:
    rows = client.insert_many(
        [
            river.InsertManyParams(
                EchoArgs(message=str(i)), river.InsertOpts(scheduled_at=NOW + dt.timedelta(hours=h))
            )
            for i, h in enumerate(OFFSETS)
        ]
    )
    return [r.job for r in rows]


def _all_pages(client: Any, params: river.JobListParams) -> list[int]:
    seen: list[int] = []
    while True:
        page = client.job_list(params)
        seen += [j.id for j in page.jobs]
        if page.last_cursor is None:
            return seen
        # The opaque text works as well as the cursor itself.
        params = params.with_after(page.last_cursor.encode())


def _client(driver: Any, schema: str) -> Any:
    return river.Client(driver, make_config(schema, _workers(EchoWorker())))


@pytest.mark.parametrize("order_by", ["scheduled_at", "time", "created_at", "id"])
@pytest.mark.parametrize("descending", [False, True])
def test_cursor_pages_through_every_ordering(
    driver: Any, schema: str, order_by: str, descending: bool
) -> None:
    client = _client(driver, schema)
    jobs = _scheduled(client)
    key = {
        "scheduled_at": lambda j: (j.scheduled_at, j.id),
        "time": lambda j: (j.scheduled_at, j.id),
        "created_at": lambda j: (j.created_at, j.id),
        "id": lambda j: j.id,
    }[order_by]
    expected = [j.id for j in sorted(jobs, key=key, reverse=descending)]
    params = river.JobListParams(
        states=[JobState.SCHEDULED], order_by=order_by, descending=descending, limit=3
    )
    assert _all_pages(client, params) == expected


def test_time_follows_the_first_state(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    jobs = _scheduled(client)
    # Cancelled in an order unlike both id and scheduled_at order.
    cancel_order = [jobs[i].id for i in (3, 0, 6, 2)]
    for job_id in cancel_order:
        client.job_cancel(job_id)
    by_time = client.job_list(
        river.JobListParams(states=[JobState.CANCELLED], order_by=river.JobListOrderBy.TIME)
    )
    assert [j.id for j in by_time] == cancel_order
    assert by_time.last_cursor is not None
    assert by_time.last_cursor.time == by_time[-1].finalized_at
    # Without a state filter, finalized_at lists the finalized jobs only (River's OrderBy).
    finalized = client.job_list(river.JobListParams(order_by="finalized_at"))
    assert [j.id for j in finalized] == cancel_order
    # A page continues after a job given as the cursor.
    rest = client.job_list(
        river.JobListParams(states=[JobState.CANCELLED], order_by="time", after=by_time[1])
    )
    assert [j.id for j in rest] == cancel_order[2:]
    # A cursor from another ordering is refused rather than misread.
    with pytest.raises(river.InvalidJobListParamsError, match="ordered by 'time'"):
        river.JobListParams(order_by="scheduled_at", after=by_time.last_cursor)


def test_empty_page_has_no_cursor_and_tx_listing_has_one(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    empty = client.job_list(river.JobListParams(kinds=["nothing_here"]))
    assert empty == [] and empty.last_cursor is None
    jobs = _scheduled(client)
    with user_tx(driver) as tx:
        page = client.job_list_tx(tx, river.JobListParams(limit=2))
    assert [j.id for j in page] == [jobs[0].id, jobs[1].id]
    assert page.last_cursor is not None and page.last_cursor.id == jobs[1].id
    after = river.JobListCursor.decode(str(page.last_cursor))
    assert after == page.last_cursor
    rest = client.job_list(river.JobListParams(after=river.JobListCursor.from_job(page[-1])))
    assert [j.id for j in rest] == [j.id for j in jobs[2:]]


def test_where_condition_with_named_parameters(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    rows = client.insert_many(
        [
            river.InsertManyParams(EchoArgs(message=m), river.InsertOpts(metadata={"customer": c}))
            for m, c in [("a", "acme"), ("b", "globex"), ("c", "acme"), ("d", "x' OR '1'='1")]
        ]
    )
    ids = [r.job.id for r in rows]
    acme = river.JobListWhere("metadata->>'customer' = @customer", {"customer": "acme"})
    assert [j.id for j in client.job_list(river.JobListParams(where=acme))] == [ids[0], ids[2]]
    both = client.job_list(
        river.JobListParams(
            where=[acme, river.JobListWhere("args->>'message' <> @skip", {"skip": "a"})]
        )
    )
    assert [j.id for j in both] == [ids[2]]
    # Values stay values: quotes in them do not change the statement.
    quoted = river.JobListWhere("metadata->>'customer' = @c", {"c": "x' OR '1'='1"})
    assert [j.id for j in client.job_list(river.JobListParams(where=quoted))] == [ids[3]]
    # ';' inside quoted text is data, not a statement separator.
    semicolon = river.JobListWhere("kind <> ';' AND kind = @kind", {"kind": "echo"})
    assert len(client.job_list(river.JobListParams(where=semicolon))) == 4
    with pytest.raises(river.InvalidJobListParamsError, match="@limit"):
        client.job_list(
            river.JobListParams(where=river.JobListWhere("priority < @limit", {"limit": 3}))
        )
    with pytest.raises(river.InvalidJobListParamsError, match="job_list only"):
        client.job_delete_many(river.JobListParams(kinds=["echo"], where=acme))
    assert len(client.job_list()) == 4


def test_legacy_kinds_are_inserted_and_listed(driver: Any, schema: str) -> None:
    # Kinds River Go clients may have written; only registered workers' kinds are checked.
    legacy = ["has space", "Ünicode kind", "x"]
    client = _client(driver, schema)
    for kind in legacy:
        cls = type("Legacy", (), {"kind": kind, "to_json": lambda self: "{}"})
        river.Client(driver, river.Config(schema=schema)).insert(cls())
    listed = client.job_list(river.JobListParams(kinds=legacy))
    assert sorted(j.kind for j in listed) == sorted(legacy)
