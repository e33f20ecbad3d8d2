# WARNING: this file is generated from 'test_unique_kind_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""A duplicate of another kind (unique options that leave the kind out) across
languages: River Go's insert writes its own kind into the job already there; river-queue's
leaves that job as it was."""

from __future__ import annotations

from typing import Any

import pytest

import river
from tests.interop._gopeer import GoPeer
from tests.interop._jobs import Spec, go_job, py_args

pytestmark = pytest.mark.anyio
ANY_KIND = river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True, exclude_kind=True))
ARGS = '{"account":7}'


def test_only_river_go_writes_a_duplicates_kind(driver: Any, schema: str, gopeer: GoPeer) -> None:
    client = river.Client(driver, river.Config(schema=schema))
    held = client.insert(py_args(Spec("interop_kind_a", ARGS)), ANY_KIND)
    assert not held.unique_skipped_as_duplicate
    dup = client.insert(py_args(Spec("interop_kind_b", ARGS)), ANY_KIND)
    assert dup.unique_skipped_as_duplicate and dup.job == held.job
    assert client.job_get(held.job.id) == held.job
    (go,) = gopeer.insert(schema, [go_job(Spec("interop_kind_c", ARGS, ANY_KIND))])["jobs"]
    assert go["skipped"] and go["id"] == held.job.id
    assert client.job_get(held.job.id).kind == "interop_kind_c"
