# WARNING: this file is generated from 'test_unique_duplicates_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""A unique job inserted by one language is a duplicate for the other: River Go's insert
of a job river-queue already holds is skipped, and the reverse, for each kind of unique
option. Both processes run in one time zone that is not UTC (Go writes a unique period
in its local zone)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest

import river
from river._acompat import sleep
from tests.interop._gopeer import GoPeer
from tests.interop._jobs import FIELDS, FIELDS_PATHS, FUTURE, Spec, go_job, py_args

pytestmark = pytest.mark.anyio
ZONE = "Asia/Kolkata"
HOUR = dt.timedelta(hours=1)
ALL_STATES = list(river.JobState)


def _cases() -> list[Spec]:
    u = river.UniqueOpts
    # Scheduled for later: keyed on the insert time's period by both.
    return [
        Spec(
            "interop_dup_1",
            '{"dup":1,"nested":{"b":1,"a":[2,"<&>"]}}',
            river.InsertOpts(unique_opts=u(by_args=True)),
        ),
        Spec(
            "interop_dup_2",
            '{"dup":2}',
            river.InsertOpts(unique_opts=u(by_args=True, exclude_kind=True)),
        ),
        Spec("interop_dup_3", "{}", river.InsertOpts(unique_opts=u(by_period=HOUR))),
        Spec(
            "interop_dup_3s",
            "{}",
            river.InsertOpts(scheduled_at=FUTURE, unique_opts=u(by_period=HOUR)),
        ),
        Spec("interop_dup_4", "{}", river.InsertOpts(queue="q_two", unique_opts=u(by_queue=True))),
        Spec("interop_dup_5", "{}", river.InsertOpts(unique_opts=u(by_state=ALL_STATES))),
        Spec("interop_dup_6", "{}", river.InsertOpts(unique_opts=u(by_state=[]))),
        Spec(
            "interop_dup_7",
            '{"dup":7}',
            river.InsertOpts(
                queue="q_two",
                unique_opts=u(by_args=True, by_period=HOUR, by_queue=True, exclude_kind=True),
            ),
        ),
        Spec(
            FIELDS,
            '{"zeta":"<z>","customer":"cé","note":"n","address":{"street":"s","city":"x"},"amount":42,"plan":{"name":"pro","seats":3}}',
            river.InsertOpts(unique_opts=u(by_args=FIELDS_PATHS)),
        ),
    ]


@pytest.fixture
def zone() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    mp.setenv("TZ", ZONE)
    time.tzset()
    yield
    mp.undo()
    time.tzset()


def _clear_of_an_hour_boundary() -> None:
    """Return once at least 20 s remain before the next full hour (periods of an hour)."""
    now = dt.datetime.now(dt.UTC)
    left = HOUR - (now - now.replace(minute=0, second=0, microsecond=0))
    if left < dt.timedelta(seconds=20):
        sleep(left.total_seconds() + 0.1)


def _py_insert(client: Any, cases: list[Spec], mode: str) -> list[Any]:
    params = [river.InsertManyParams(py_args(s), s.opts) for s in cases]
    if mode == "insert":
        return [client.insert(p.args, p.opts) for p in params]
    return list(client.insert_many(params))


@pytest.mark.parametrize("mode", ["insert", "insert_many"])
def test_river_queue_skips_what_river_go_inserted(
    driver: Any, schema: str, gopeer: GoPeer, zone: None, mode: str
) -> None:
    cases = _cases()
    _clear_of_an_hour_boundary()
    go_rows = gopeer.run("insert", schema, {"jobs": [go_job(s) for s in cases]}, tz=ZONE)["jobs"]
    assert [r["skipped"] for r in go_rows] == [False] * len(cases)
    client = river.Client(driver, river.Config(schema=schema))
    results = _py_insert(client, cases, mode)
    assert [(r.unique_skipped_as_duplicate, r.job.id) for r in results] == [
        (True, r["id"]) for r in go_rows
    ]
    assert len(client.job_list(river.JobListParams(limit=100)).jobs) == len(cases)


@pytest.mark.parametrize("mode", ["insert", "insert_many"])
def test_river_go_skips_what_river_queue_inserted(
    driver: Any, schema: str, gopeer: GoPeer, zone: None, mode: str
) -> None:
    cases = _cases()
    _clear_of_an_hour_boundary()
    client = river.Client(driver, river.Config(schema=schema))
    results = _py_insert(client, cases, mode)
    assert not any(r.unique_skipped_as_duplicate for r in results)
    go_rows = gopeer.run(
        "insert", schema, {"mode": mode, "jobs": [go_job(s) for s in cases]}, tz=ZONE
    )["jobs"]
    assert [(r["skipped"], r["id"]) for r in go_rows] == [(True, r.job.id) for r in results]
    assert len(client.job_list(river.JobListParams(limit=100)).jobs) == len(cases)
