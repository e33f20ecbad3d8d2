"""``Config.unique_rules="0.48"`` on every insert path: a ``by_period`` job is keyed on its
scheduled time's period written in UTC (in a process whose zone is not UTC), and
``exclude_kind`` without ``by_args``, ``by_queue`` or ``by_period`` is refused with
``InvalidUniqueOptsError`` before anything is written. The default stays v0.43's."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from typing import Any

import pytest

import river
from river.testing import TimeStub
from tests._client_helpers_async import make_config, user_tx
from tests.runtime.test_client_async import EchoArgs, EchoWorker, _workers

pytestmark = pytest.mark.anyio

HOUR = dt.timedelta(hours=1)
# Far ahead, so the period is the scheduled time's whatever the clock says.
AT = dt.datetime(2031, 3, 4, 10, 15, tzinfo=dt.UTC)
KOLKATA = dt.timezone(dt.timedelta(hours=5, minutes=30))


@pytest.fixture
def kolkata_process() -> Iterator[None]:
    """The process's local zone is not UTC (v0.43 rules would write the period in it)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    mp.undo()
    time.tzset()


def _client(adriver: Any, schema: str, **config: Any) -> river.AsyncClient[Any]:
    return river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker()), **config))


def _opts(scheduled_at: dt.datetime, **unique: Any) -> river.InsertOpts:
    return river.InsertOpts(scheduled_at=scheduled_at, unique_opts=river.UniqueOpts(**unique))


async def test_v048_rules_key_a_scheduled_job_on_its_own_period_in_utc(
    adriver: Any, schema: str, kolkata_process: None
) -> None:
    client = _client(adriver, schema, unique_rules="0.48")
    first = await client.insert(EchoArgs(), _opts(AT.astimezone(KOLKATA), by_period=HOUR))
    expected = hashlib.sha256(b"&kind=echo&period=2031-03-04T10:00:00Z").digest()
    assert first.job.unique_key == expected
    # The same hour through every other insert path: a duplicate each time.
    same_hour = _opts(AT + dt.timedelta(minutes=40), by_period=HOUR)
    params = [river.InsertManyParams(EchoArgs(), same_hour)]
    (again,) = await client.insert_many(params)
    assert again.unique_skipped_as_duplicate and again.job.id == first.job.id
    async with user_tx(adriver) as tx:
        in_tx = await client.insert_tx(tx, EchoArgs(), same_hour)
        (many_tx,) = await client.insert_many_tx(tx, params)
    assert in_tx.unique_skipped_as_duplicate and many_tx.unique_skipped_as_duplicate
    with pytest.raises(river.UniqueConflictError):
        await client.insert_many_fast(params)
    # The next hour is another period.
    later = await client.insert(EchoArgs(), _opts(AT + HOUR, by_period=HOUR))
    assert not later.unique_skipped_as_duplicate
    assert len(await client.job_list()) == 2


async def test_default_rules_are_v043s(
    adriver: Any, schema: str, kolkata_process: None
) -> None:
    now = dt.datetime(2030, 6, 1, 8, 50, tzinfo=dt.UTC)
    client = _client(adriver, schema, test=river.TestConfig(time=TimeStub(now)))
    inserted = await client.insert(EchoArgs(), _opts(AT, by_period=HOUR))
    # The insert time's period (08:00 UTC), written in the process's zone (+05:30).
    expected = hashlib.sha256(b"&kind=echo&period=2030-06-01T13:30:00+05:30").digest()
    assert inserted.job.unique_key == expected
    alone = await client.insert(EchoArgs(), _opts(AT, exclude_kind=True))
    assert alone.job.unique_key is None


@pytest.mark.parametrize("unique", [
    {"exclude_kind": True},
    {"exclude_kind": True, "by_state": [river.JobState.AVAILABLE, river.JobState.PENDING,
                                        river.JobState.RUNNING, river.JobState.SCHEDULED]},
])
async def test_v048_rules_refuse_exclude_kind_alone_on_every_insert_path(
    adriver: Any, schema: str, unique: dict[str, Any]
) -> None:
    client = _client(adriver, schema, unique_rules=river.UniqueRules.RIVER_0_48)
    opts = river.InsertOpts(unique_opts=river.UniqueOpts(**unique))
    params = [river.InsertManyParams(EchoArgs(), opts)]
    refusal = "exclude_kind needs by_args, by_queue or by_period"
    with pytest.raises(river.InvalidUniqueOptsError, match=refusal):
        await client.insert(EchoArgs(), opts)
    with pytest.raises(river.InvalidUniqueOptsError, match=refusal):
        await client.insert_many(params)
    with pytest.raises(river.InvalidUniqueOptsError, match=refusal):
        await client.insert_many_fast(params)
    async with user_tx(adriver) as tx:
        with pytest.raises(river.InvalidUniqueOptsError, match=refusal):
            await client.insert_tx(tx, EchoArgs(), opts)
        with pytest.raises(river.InvalidUniqueOptsError, match=refusal):
            await client.insert_many_tx(tx, params)
        with pytest.raises(river.InvalidUniqueOptsError, match=refusal):
            await client.insert_many_fast_tx(tx, params)
    assert len(await client.job_list()) == 0

