# WARNING: this file is generated from 'test_json_properties_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Property: any JSON-ish value (NaN, ±Infinity, huge integers, deep nesting, NUL, lone
surrogates, bidi controls, megabyte strings) handed over anywhere on a job's way (its
args, its insert metadata, ``record_output``, ``metadata_set``, an exception raised with
it) either is refused at the call with a river error and nothing written, or its job
reaches a final state with the reason recorded; the other jobs of its batch complete
exactly once, and getting and listing every job of the batch works
(``tests/_hostile_jobs_async.run_batch``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from river.stored_json import MAX_DEPTH
from tests._client_helpers import started
from tests._hostile_jobs import BATCH, INSERTS, MODES, HostileWorker, hostile_client, run_batch
from tests._json_strategies import MEGABYTE, big_text, deep, json_values, property_settings, unwrap

# The sync client's threads use ``random`` (jitter) while hypothesis draws.
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies"),
]


@pytest.fixture
def started_client(driver: Any, schema: str) -> Iterator[tuple[Any, HostileWorker]]:
    """One started client per test, shared by its examples (each uses its own jobs)."""
    client, worker = hostile_client(driver, schema)
    with started(client):
        yield (client, worker)


@property_settings(max_examples=40)
@given(
    value=json_values,
    mode=st.sampled_from(MODES),
    position=st.integers(0, BATCH - 1),
    how=st.sampled_from(INSERTS),
)
@example(value=deep(300), mode="output", position=0, how="insert_many")
@example(value=deep(MAX_DEPTH + 1, "dict"), mode="args", position=3, how="insert_many_fast")
@example(value=deep(5000), mode="raise", position=1, how="insert_many")
@example(value=big_text("\u202e<x", MEGABYTE // 2), mode="raise", position=2, how="insert_many")
@example(value={"a\ud800": 1}, mode="metadata_set", position=1, how="insert_many")
@example(value=[float("nan")], mode="metadata", position=0, how="insert_many_fast")
@example(value=10**4000, mode="args", position=2, how="insert_many")
@example(value=deep(1000), mode="args", position=1, how="insert_many")
@example(value=["lone \ud800"], mode="unique_args", position=2, how="insert_many")
@example(value=deep(2000, "dict"), mode="args", position=0, how="insert_many_fast")
def test_a_hostile_value_is_refused_or_its_job_finishes_and_its_batch_is_unaffected(
    started_client: tuple[Any, HostileWorker], value: Any, mode: str, position: int, how: str
) -> None:
    client, worker = started_client
    run_batch(client, worker, unwrap(value), mode, position, how)
