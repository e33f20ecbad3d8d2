# WARNING: this file is generated from '_hostile_jobs_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""A batch of jobs, one of which hands a hostile value over (in its args, its insert
metadata, ``record_output``, ``metadata_set``, or an exception raised with it), run to
their final states by a started client (async source; the sync twin is generated)."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from hypothesis import event

import river
from river.stored_json import MAX_DEPTH, nesting_depth
from tests._client_helpers import make_config, wait_for
from tests._json_strategies import same_json

BATCH = 4
MODES = ["args", "unique_args", "metadata", "output", "metadata_set", "raise"]
INSERTED = ("args", "unique_args", "metadata")  # the modes whose value goes in at insert
INSERTS = ["insert_many", "insert_many_fast"]
FINAL = {river.JobState.COMPLETED, river.JobState.DISCARDED, river.JobState.CANCELLED}
KIND = "hostile_json"
_tags = itertools.count()


@dataclass
class HostileArgs:
    kind = KIND
    tag: str
    n: int
    value: Any = None


class HostileWorker(river.Worker[HostileArgs]):
    """Plain jobs record their number; the hostile one hands its value over as planned."""

    def __init__(self) -> None:
        self.worked: Counter[int] = Counter()
        self.plans: dict[str, tuple[str, int, Any]] = {}
        self.received: dict[int, Any] = {}

    def work(self, job: river.Job[HostileArgs]) -> None:
        self.worked[job.id] += 1
        mode, position, value = self.plans[job.args.tag]
        if job.args.n != position:
            river.metadata_set("n", job.args.n)
            river.record_output({"n": job.args.n})
            return
        self.received[job.id] = job.args.value
        if mode == "output":
            river.record_output(value)
        elif mode == "metadata_set":
            river.metadata_set("v", value)
        elif mode == "raise":
            raise ValueError(value)


def hostile_client(driver: Any, schema: str) -> tuple[Any, HostileWorker]:
    """A client (not started) working hostile jobs once each (``max_attempts=1``)."""
    worker = HostileWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.Client(driver, make_config(schema, workers, max_attempts=1))
    return (client, worker)


def decodable(value: Any) -> bool:
    """Whether ``value`` comes back decoded (not as ``UndecodableJSON``) once stored."""
    try:
        return nesting_depth(json.dumps(value)) <= MAX_DEPTH
    except (ValueError, RecursionError):
        return False


def _batch(tag: str, position: int, mode: str, value: Any) -> list[river.InsertManyParams]:
    batch = []
    for n in range(BATCH):
        if n != position:
            batch.append(river.InsertManyParams(HostileArgs(tag, n)))
        elif mode == "args":
            batch.append(river.InsertManyParams(HostileArgs(tag, n, value)))
        elif mode == "unique_args":
            opts = river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True))
            batch.append(river.InsertManyParams(HostileArgs(tag, n, value), opts))
        elif mode == "metadata":
            opts = river.InsertOpts(metadata={"v": value})
            batch.append(river.InsertManyParams(HostileArgs(tag, n), opts))
        else:
            batch.append(river.InsertManyParams(HostileArgs(tag, n)))
    return batch


def _tagged(client: Any, tag: str) -> list[river.JobRow]:
    params = river.JobListParams(kinds=[KIND], args_contains={"tag": tag})
    return list(client.job_list(params).jobs)


def _insert(client: Any, how: str, batch: list[river.InsertManyParams]) -> None:
    if how == "insert_many":
        client.insert_many(batch)
    else:
        assert client.insert_many_fast(batch) == len(batch)


def _check_final(
    worker: HostileWorker, rows: list[river.JobRow], position: int, mode: str, value: Any
) -> None:
    for n, row in enumerate(rows):
        assert row.state in FINAL, (n, row.state)
        if n != position:  # a plain job: worked and completed exactly once
            assert worker.worked[row.id] == 1
            assert row.state is river.JobState.COMPLETED and row.attempt == 1
            assert row.errors == [] and row.output == {"n": n} and (row.metadata["n"] == n)
            continue
        assert worker.worked[row.id] <= 1  # never repeated (max_attempts=1)
        if row.state is not river.JobState.COMPLETED:
            assert row.errors and row.errors[-1].error.strip(), "no reason recorded"
            continue
        assert mode != "raise"
        decoded = not isinstance(row.metadata, river.UndecodableJSON)
        assert decoded == (decodable({"v": value}) or mode in ("args", "unique_args"))
        if mode in ("args", "unique_args") and decodable({"value": value}):
            assert same_json(worker.received[row.id], value)
        if mode == "output" and decoded:
            assert same_json(row.output, value)
        if mode in ("metadata", "metadata_set") and decoded:
            assert same_json(row.metadata["v"], value)


def run_batch(
    client: Any, worker: HostileWorker, value: Any, mode: str, position: int, how: str
) -> list[river.JobRow]:
    """Insert a batch whose job at ``position`` hands ``value`` over as ``mode`` says, wait
    for every job's final state and check the property: the insert refused the batch
    with a river error and wrote nothing (then the plain jobs go alone), or the hostile
    job is final with its reason recorded; the plain jobs complete exactly once, and
    each job can be got and listed. Returns the batch's rows in insert order."""
    tag = f"t{next(_tags)}"
    worker.plans[tag] = (mode, position, value)
    batch = _batch(tag, position, mode, value)
    try:
        _insert(client, how, batch)
    except river.RiverError:
        assert mode in INSERTED, "only a value inserted is refused at insert"
        event(f"{mode}: refused at insert")
        assert _tagged(client, tag) == []  # nothing of the batch written
        batch[position] = river.InsertManyParams(HostileArgs(tag, position))
        worker.plans[tag] = ("plain", -1, None)
        _insert(client, how, batch)
        position = -1

    def all_final() -> list[river.JobRow] | None:
        rows = _tagged(client, tag)
        done = len(rows) == BATCH and all(row.state in FINAL for row in rows)
        return rows if done else None

    rows: list[river.JobRow] = sorted(wait_for(all_final, timeout=120), key=lambda row: row.id)
    _check_final(worker, rows, position, mode, value)
    if position >= 0:
        event(f"{mode}: {rows[position].state.value}")
    for row in rows:
        got = client.job_get(row.id)
        assert (got.id, got.state, got.attempt) == (row.id, row.state, row.attempt)
    listed = client.job_list(river.JobListParams(ids=[r.id for r in rows])).jobs
    assert [r.id for r in listed] == [r.id for r in rows]
    if position >= 0 and mode in INSERTED:
        _check_filters(client, rows[position], mode, value)
    _check_update(client, rows[(position + 1) % BATCH], value)
    return rows


def _check_filters(client: Any, row: river.JobRow, mode: str, value: Any) -> None:
    """Listing by the value: refused with a river error, or the job is found (its stored
    args or metadata contain the value they were written from)."""
    if mode == "metadata":
        params = river.JobListParams(ids=[row.id], metadata_contains={"v": value})
    else:
        params = river.JobListParams(ids=[row.id], args_contains={"value": value})
    try:
        found = client.job_list(params)
    except river.InvalidJobListParamsError:
        event("filter refused")
    else:
        assert [r.id for r in found.jobs] == [row.id]
    if isinstance(value, str):
        try:
            client.job_list(river.JobListParams(args_text=value[:1000]))
        except river.InvalidJobListParamsError:
            pass


def _check_update(client: Any, row: river.JobRow, value: Any) -> None:
    """``job_update`` with the value as output: refused with a river error and the job
    unchanged, or stored. (None means no new output: nothing to check.)"""
    if value is None:
        return
    try:
        updated = client.job_update(row.id, output=value)
    except river.RiverError as exc:
        event(f"job_update refused: {type(exc).__name__}")
        after = client.job_get(row.id)
        assert (after.metadata, after.state) == (row.metadata, row.state)
        return
    if decodable({"output": value}):
        assert same_json(updated.output, value)
        assert same_json(client.job_get(row.id).output, value)
