"""Values Postgres cannot store as JSON (NaN, ±Infinity, NUL, lone surrogates, payloads
too large for a notification) are refused where they are handed over, with
``river.InvalidJSONValueError`` naming the field and the value; a state change the
database rejects anyway is written on its own, without the refused data and with the
reason in the job's errors, and never holds back the rest of its batch."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._internal.completer.completer_async import AsyncBatchCompleter
from river._internal.notifier.notification import ControlMetadataChanged
from river.context import current_job
from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    job_set_state_completed,
    job_set_state_discarded,
    job_set_state_error_retryable,
)
from river.types import AttemptError
from tests._client_helpers_async import make_config, started, user_tx, wait_for, wait_for_state

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("river.test.json_values")
BAD = 4  # the job, of eight, that hands over a value Postgres cannot store


@dataclass
class StoreArgs:
    kind = "store_values"
    n: int
    mode: str = ""


BAD_VALUES = {
    "output_nan": float("nan"),
    "output_inf": {"score": [1.0, float("inf")]},
    "metadata_neg_inf": float("-inf"),
    "metadata_nul": "a \x00 b",
    "middleware_nan": float("nan"),
}


class StoreWorker(river.AsyncWorker[StoreArgs]):
    def __init__(self) -> None:
        self.seen: list[int] = []

    async def work(self, job: river.Job[StoreArgs]) -> None:
        self.seen.append(job.args.n)
        river.metadata_set("n", job.args.n)
        river.record_output({"n": job.args.n})
        if job.args.n != BAD:
            return
        mode, value = job.args.mode, BAD_VALUES[job.args.mode]
        if mode.startswith("output"):
            river.record_output(value)
        elif mode.startswith("metadata"):
            river.metadata_set("bad", value)


class StagesNaN(river.AsyncWorkerMiddleware):
    """A middleware that stages a value for the job's metadata without ``metadata_set``'s
    check (as a middleware may, writing the job context directly)."""

    async def work(self, job: river.JobRow, call_next: Any) -> None:
        await call_next()
        args = json.loads(job.encoded_args)
        ctx = current_job.get()
        if ctx is not None and args == {"n": BAD, "mode": "middleware_nan"}:
            ctx.metadata_updates["from_middleware"] = float("nan")


@pytest.mark.parametrize("mode", sorted(BAD_VALUES))
async def test_an_unstorable_value_fails_its_job_and_the_others_complete_once(
    adriver: Any, schema: str, mode: str
) -> None:
    worker = StoreWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(
        adriver, make_config(schema, workers, max_attempts=1, middleware=[StagesNaN()])
    )
    results = await client.insert_many([StoreArgs(n=n, mode=mode) for n in range(1, 9)])
    ids = {n: r.job.id for n, r in zip(range(1, 9), results, strict=True)}
    async with started(client):
        done = {
            n: await wait_for_state(
                client, job_id, river.JobState.COMPLETED, river.JobState.DISCARDED
            )
            for n, job_id in ids.items()
        }
    assert sorted(worker.seen) == list(range(1, 9))  # each worked once
    for n, job in done.items():
        if n == BAD:
            continue
        assert job.state is river.JobState.COMPLETED
        assert job.output == {"n": n} and job.metadata["n"] == n
        assert job.errors == []
    bad = done[BAD]
    assert bad.state is river.JobState.DISCARDED  # the job's error; max_attempts=1
    assert "bad" not in bad.metadata and "from_middleware" not in bad.metadata
    [error] = bad.errors
    assert error.error.startswith("InvalidJSONValueError: ")
    field = {"output": "output", "metadata": "metadata['bad']", "middleware": "metadata"}
    assert error.error.startswith(f"InvalidJSONValueError: {field[mode.split('_')[0]]}")
    shown = {"nan": "nan", "inf": "inf", "neg": "-inf", "nul": "'a \\x00 b'"}
    assert f"(got {shown[mode.split('_')[1]]})" in error.error


@dataclass
class CountArgs:
    kind = "count_values"
    n: int


async def test_insert_refuses_nan_in_args_that_the_fast_encoder_would_write_as_null(
    adriver: Any, schema: str
) -> None:
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    for bad in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(river.ArgsEncodeError, match=f"field 'n': {bad!r}"):
            await client.insert(CountArgs(n=bad))  # type: ignore[arg-type]
        with pytest.raises(river.ArgsEncodeError, match=f"field 'n': {bad!r}"):
            await client.insert_many([CountArgs(n=1), CountArgs(n=bad)])  # type: ignore[arg-type]
    assert await client.job_list(river.JobListParams()) == []
    stored = (await client.insert(CountArgs(n=1.5))).job  # type: ignore[arg-type]
    assert json.loads(stored.encoded_args) == {"n": 1.5}


@pytest.mark.parametrize("depth", [1_000, 5_000])
async def test_insert_refuses_args_nested_past_the_encoder_naming_the_field(
    adriver: Any, schema: str, depth: int
) -> None:
    deep: Any = 1
    for _ in range(depth):
        deep = [deep]
    circular: list[Any] = []
    circular.append(circular)
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    for value in (deep, {"a": deep}, circular):
        batch = [CountArgs(n=1), CountArgs(n=value)]
        with pytest.raises(river.ArgsEncodeError) as one:
            await client.insert(CountArgs(n=value))
        with pytest.raises(river.ArgsEncodeError) as many:
            await client.insert_many(batch)
        with pytest.raises(river.ArgsEncodeError) as fast:
            await client.insert_many_fast(batch)
        for raised in (one, many, fast):
            assert "field 'n': nested too deeply to encode as JSON" in str(raised.value)
    assert await client.job_list(river.JobListParams()) == []


@dataclass
class TextArgs:
    kind = "text_values"
    s: str


@dataclass
class UniqueArgs:
    kind = "unique_values"
    s: str

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True))


@pytest.mark.parametrize("cls", [TextArgs, UniqueArgs], ids=["plain", "unique"])
@pytest.mark.parametrize("text", ["lone \ud800", "x\udfff", "nul \x00"], ids=["high", "low", "nul"])
async def test_insert_refuses_unstorable_text_in_args_naming_it(
    adriver: Any, schema: str, text: str, cls: Any
) -> None:
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    with pytest.raises(river.InvalidJSONValueError) as one:
        await client.insert(cls(s=text))
    with pytest.raises(river.InvalidJSONValueError) as many:
        await client.insert_many([cls(s="fine"), cls(s=text)])
    with pytest.raises(river.InvalidJSONValueError) as fast:
        await client.insert_many_fast([cls(s="fine"), cls(s=text)])
    for raised in (one, many, fast):
        assert raised.value.field == f"{cls.kind} args"
        assert raised.value.path == "['s']"
    assert await client.job_list(river.JobListParams()) == []


@pytest.mark.parametrize(
    "metadata, field, path",
    [
        ({"a": [float("nan")]}, "metadata", "['a'][0]"),
        ({"a": {"b": float("-inf")}}, "metadata", "['a']['b']"),
        ({"a": "nul \x00"}, "store_values metadata", "['a']"),
    ],
    ids=["nan", "neg_infinity", "nul"],
)
async def test_insert_refuses_unstorable_metadata_naming_it(
    adriver: Any, schema: str, metadata: dict[str, Any], field: str, path: str
) -> None:
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    with pytest.raises(river.InvalidJSONValueError) as raised:
        await client.insert(StoreArgs(n=1), river.InsertOpts(metadata=metadata))
    assert (raised.value.field, raised.value.path) == (field, path)
    assert await client.job_list(river.JobListParams()) == []


class NulErrorWorker(river.AsyncWorker[StoreArgs]):
    async def work(self, job: river.Job[StoreArgs]) -> None:
        raise ValueError("binary \x00 and \ud800 in the message")


async def test_an_error_text_keeps_what_jsonb_can_store(adriver: Any, schema: str) -> None:
    workers = river.Workers()
    workers.add(NulErrorWorker())
    client = river.AsyncClient(adriver, make_config(schema, workers, max_attempts=1))
    async with started(client):
        job = (await client.insert(StoreArgs(n=1))).job
        done = await wait_for_state(client, job.id, river.JobState.DISCARDED)
    [error] = done.errors
    assert error.error == "ValueError: binary \ufffd and \ufffd in the message"
    assert "rejected" not in error.error  # written with the batch, not set apart


class RaisingWorker(river.AsyncWorker[StoreArgs]):
    """Records what ``record_output`` raised and retries the job once."""

    def __init__(self) -> None:
        self.raised: list[BaseException] = []

    async def work(self, job: river.Job[StoreArgs]) -> None:
        try:
            river.record_output({"scores": [0.5, math.nan]})
        except river.InvalidJSONValueError as exc:
            self.raised.append(exc)
            raise


async def test_the_error_follows_the_retry_rules(adriver: Any, schema: str) -> None:
    worker = RaisingWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(adriver, make_config(schema, workers, max_attempts=3))
    async with started(client):
        job = (await client.insert(StoreArgs(n=1))).job

        async def failed_once() -> river.JobRow | None:
            row: river.JobRow = await client.job_get(job.id)
            return row if row.errors and row.state is not river.JobState.RUNNING else None

        retried = await wait_for(failed_once)
    # Failed, recorded, and retried while attempts remain.
    assert retried.attempt >= 1 and len(retried.errors) == retried.attempt
    assert retried.state is not river.JobState.DISCARDED or retried.attempt == 3
    assert retried.errors[0].error.startswith("InvalidJSONValueError: output['scores'][1]")
    exc = worker.raised[0]
    assert isinstance(exc, river.InvalidMetadataError) and isinstance(exc, ValueError)
    assert (exc.field, exc.path) == ("output", "['scores'][1]")
    assert isinstance(exc.value, float) and math.isnan(exc.value)


async def test_job_update_refuses_unstorable_output_and_changes_nothing(
    adriver: Any, schema: str
) -> None:
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    job = (await client.insert(StoreArgs(n=1), river.InsertOpts(metadata={"keep": 1}))).job
    await client.job_update(job.id, output={"ok": 1})
    for output in (float("nan"), {"a": [float("-inf")]}, "nul \x00", {"k\ud800": 1}):
        with pytest.raises(river.InvalidJSONValueError) as raised:
            await client.job_update(job.id, output=output)
        assert raised.value.field == "output"
        async with user_tx(adriver) as tx:
            with pytest.raises(river.InvalidJSONValueError):
                await client.job_update_tx(tx, job.id, output=output)
            # Refused before it was sent: the caller's transaction is still usable.
            assert (await client.job_update_tx(tx, job.id, output={"ok": 2})).output == {"ok": 2}
    assert (await client.job_get(job.id)).metadata == {"keep": 1, "output": {"ok": 2}}


class QuietWorker(river.AsyncWorker[StoreArgs]):
    async def work(self, job: river.Job[StoreArgs]) -> None:
        pass


def _queue_client(adriver: Any, schema: str) -> river.AsyncClient[Any]:
    workers = river.Workers()
    workers.add(QuietWorker())
    return river.AsyncClient(adriver, make_config(schema, workers))


@pytest.mark.parametrize(
    "metadata, path",
    [
        ({"x": float("nan")}, "['x']"),
        ({"x": [float("inf")]}, "['x'][0]"),
        ({"x": "nul \x00"}, "['x']"),
        ({"x\ud800": 1}, "['x\\ud800']"),
    ],
    ids=["nan", "infinity", "nul", "surrogate"],
)
async def test_queue_update_refuses_unstorable_metadata(
    adriver: Any, schema: str, metadata: dict[str, Any], path: str
) -> None:
    client = _queue_client(adriver, schema)
    async with started(client):
        await client.queue_update("default", metadata={"keep": 1})
        with pytest.raises(TypeError) as raised:  # as documented: TypeError
            await client.queue_update("default", metadata=metadata)
        assert isinstance(raised.value, river.InvalidJSONValueError)
        assert raised.value.field == "metadata of queue 'default'"
        assert raised.value.path == path
        assert (await client.queue_get("default")).metadata == {"keep": 1}


def _payload_bytes(metadata: dict[str, Any]) -> int:
    return len(ControlMetadataChanged(queue="default", metadata=metadata).to_payload())


async def test_queue_update_refuses_metadata_too_large_for_its_notification(
    adriver: Any, schema: str
) -> None:
    # Postgres takes NOTIFY payloads of up to 7999 bytes.
    base = _payload_bytes({"pad": ""})
    fits = {"pad": "x" * (7999 - base)}
    too_large = {"pad": "x" * (8000 - base)}
    assert _payload_bytes(fits) == 7999 and _payload_bytes(too_large) == 8000
    client = _queue_client(adriver, schema)
    async with started(client):
        assert (await client.queue_update("default", metadata=fits)).metadata == fits
        with pytest.raises(river.InvalidJSONValueError, match="8000-byte") as raised:
            await client.queue_update("default", metadata=too_large)
        assert isinstance(raised.value, TypeError)
        assert (await client.queue_get("default")).metadata == fits
        async with user_tx(adriver) as tx:
            with pytest.raises(river.InvalidJSONValueError):
                await client.queue_update_tx(tx, "default", metadata=too_large)
            # Nothing was sent: the caller's transaction goes on.
            await client.queue_update_tx(tx, "default", metadata={"after": 1})
        assert (await client.queue_get("default")).metadata == {"after": 1}


@pytest.mark.parametrize("cursor_id", [2**63, -(2**63) - 1, 10**30])
async def test_a_cursor_id_outside_bigint_is_a_typed_error(
    adriver: Any, schema: str, cursor_id: int
) -> None:
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    await client.insert(StoreArgs(n=1))
    with pytest.raises(river.InvalidJobListParamsError, match=f"cursor id {cursor_id} "):
        await client.job_list(river.JobListParams(after=river.JobListCursor(id=cursor_id)))
    with pytest.raises(river.InvalidJobListParamsError, match=f"cursor id {cursor_id} "):
        await client.job_list(river.JobListParams(after=("ignored", cursor_id)))
    assert len(await client.job_list(river.JobListParams(after=river.JobListCursor(id=0)))) == 1


# -- the completer: a row the database rejects, at every position of a batch -------------

BATCH = 8
_NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def _attempt_error(text: str) -> str:
    return AttemptError(at=_NOW, attempt=1, error=text).to_json()


def _bad_change(kind: str, job_id: int) -> Any:
    """A change as Python's json writes it, which Postgres rejects."""
    if kind == "nan_metadata":
        return job_set_state_completed(job_id, _NOW, '{"output": NaN, "keep": 1}')
    if kind == "infinity_metadata":
        return job_set_state_error_retryable(
            job_id, _NOW + dt.timedelta(hours=1), _attempt_error("boom"),
            '{"keep": 1, "x": [-Infinity]}',
        )
    if kind == "numeric_overflow":  # valid JSON to Python, past jsonb's numeric range
        return job_set_state_completed(job_id, _NOW, '{"keep": 1, "x": 1e1000000}')
    assert kind == "nul_error"
    return job_set_state_discarded(job_id, _NOW, _attempt_error("nul \x00 here"), '{"keep": 1}')


_FINAL_STATE = {
    "nan_metadata": river.JobState.COMPLETED,
    "infinity_metadata": river.JobState.RETRYABLE,
    "nul_error": river.JobState.DISCARDED,
    "numeric_overflow": river.JobState.COMPLETED,
}


async def _running_jobs(aexecutor: Any, n: int) -> list[int]:
    await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args="{}", kind="batch") for _ in range(n)]
    )
    rows = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=n, client_id="test")
    )
    assert len(rows) == n
    return sorted(row.id for row in rows)


@pytest.mark.parametrize("kind", sorted(_FINAL_STATE))
@pytest.mark.parametrize("position", range(BATCH))
async def test_a_rejected_row_is_finalized_alone_at_any_position_of_its_batch(
    aexecutor: Any, position: int, kind: str
) -> None:
    ids = await _running_jobs(aexecutor, BATCH)
    handed_on: list[int] = []
    completer = AsyncBatchCompleter(
        aexecutor, lambda rows: handed_on.extend(row.id for row, _ in rows), LOG
    )
    for i, job_id in enumerate(ids):
        if i == position:
            completer.add(_bad_change(kind, job_id), None)
        elif i % 2:
            completer.add(job_set_state_completed(job_id, _NOW, f'{{"n": {i}}}'), None)
        else:
            completer.add(job_set_state_completed(job_id, _NOW), None)  # a plain completion
    await completer.flush()  # one flush: nothing waits for a retry

    assert completer.backlog() == 0
    assert sorted(handed_on) == ids  # each row's event, once
    rows = {row.id: row for row in await aexecutor.job_get_by_id_many(ids)}
    for i, job_id in enumerate(ids):
        row = rows[job_id]
        if i == position:
            continue
        assert row.state is river.JobState.COMPLETED and row.errors == []
        assert row.metadata == ({"n": i} if i % 2 else {})
    bad = rows[ids[position]]
    assert bad.state is _FINAL_STATE[kind]
    assert bad.metadata == {"keep": 1}  # the storable updates kept, the others dropped
    reason = bad.errors[-1]
    assert "river: the database rejected this attempt's state change" in reason.error
    assert reason.attempt == 1
    if kind == "infinity_metadata":
        assert reason.error.startswith("boom\n") and "'x'" in reason.error
    if kind == "nul_error":
        assert reason.error.startswith("nul \ufffd here\n")
    if kind == "nan_metadata":
        assert "'output'" in reason.error
    if kind == "numeric_overflow":
        assert "'x'" in reason.error
