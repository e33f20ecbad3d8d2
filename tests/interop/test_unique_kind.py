# WARNING: this file is generated from 'test_unique_kind_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Where River Go's unique inserts differ from river-queue's: River Go's duplicate of
another kind (unique options that leave the kind out) writes its own kind into the job
already there before River v0.49, river-queue's (and River Go v0.49's and later) leaves
that job as it was; River Go's InsertMany refuses a
batch holding one unique job twice, which river-queue's insert_many reports as a
duplicate."""

from __future__ import annotations

from typing import Any

import pytest

import river
from tests.interop._gopeer import GoPeer, GoPeerError
from tests.interop._jobs import Spec, go_job, py_args

pytestmark = pytest.mark.anyio
ANY_KIND = river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True, exclude_kind=True))
ARGS = '{"account":7}'


def test_a_duplicate_of_another_kind_and_the_jobs_kind(
    driver: Any, schema: str, gopeer: GoPeer
) -> None:
    client = river.Client(driver, river.Config(schema=schema))
    held = client.insert(py_args(Spec("interop_kind_a", ARGS)), ANY_KIND)
    assert not held.unique_skipped_as_duplicate
    dup = client.insert(py_args(Spec("interop_kind_b", ARGS)), ANY_KIND)
    assert dup.unique_skipped_as_duplicate and dup.job == held.job
    assert client.job_get(held.job.id) == held.job
    (go,) = gopeer.insert(schema, [go_job(Spec("interop_kind_c", ARGS, ANY_KIND))])["jobs"]
    assert go["skipped"] and go["id"] == held.job.id
    fixed = gopeer.river_version(schema) >= (0, 49)
    assert client.job_get(held.job.id).kind == ("interop_kind_a" if fixed else "interop_kind_c")


def test_river_go_refuses_a_batch_holding_a_unique_job_twice(
    driver: Any, schema: str, gopeer: GoPeer
) -> None:
    job = go_job(Spec("interop_kind_a", ARGS, ANY_KIND))
    with pytest.raises(GoPeerError, match="cannot affect row a second time"):
        gopeer.insert(schema, [job, job], mode="insert_many")
    client = river.Client(driver, river.Config(schema=schema))
    assert client.job_list().jobs == []
    twice = river.InsertManyParams(py_args(Spec("interop_kind_a", ARGS)), ANY_KIND)
    results = client.insert_many([twice, twice])
    assert [r.unique_skipped_as_duplicate for r in results] == [False, True]
