"""Stopping and leadership as River does them: ``soft_stop_timeout``, ``stopped()``,
``notify.request_resign()`` and the reindexer's settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import asleep
from river._internal.maintenance.reindexer_async import AsyncReindexer
from river.config import REINDEXER_INDEX_NAMES_DEFAULT
from tests._client_helpers_async import make_config, started, user_tx, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class QuickArgs:
    kind = "quick"


@dataclass
class StubbornArgs:
    kind = "stubborn"


class QuickWorker(river.AsyncWorker[QuickArgs]):
    async def work(self, job: river.Job[QuickArgs]) -> None:
        await asleep(0.05)


class StubbornWorker(river.AsyncWorker[StubbornArgs]):
    """Runs for up to 60 seconds unless its context is cancelled."""

    async def work(self, job: river.Job[StubbornArgs]) -> None:
        for _ in range(3000):
            river.check_cancelled()
            await asleep(0.02)


def _workers() -> river.Workers:
    workers = river.Workers()
    workers.add(QuickWorker())
    workers.add(StubbornWorker())
    return workers


def _client(adriver: Any, schema: str, **overrides: Any) -> river.AsyncClient[Any]:
    return river.AsyncClient(adriver, make_config(schema, _workers(), **overrides))


# -- soft stop --------------------------------------------------------------------------


async def test_stop_escalates_to_cancel_after_soft_stop_timeout(
    adriver: Any, schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(adriver, schema, soft_stop_timeout=0.3)
    await client.start()
    res = await client.insert(StubbornArgs())
    await wait_for_state(client, res.job.id, river.JobState.RUNNING)
    with caplog.at_level(logging.WARNING, logger="river"):
        await client.stop()
    assert not client.started
    # Cancelled by the stop, the job is available again (as with stop_and_cancel).
    job = await client.job_get(res.job.id)
    assert job.state is river.JobState.AVAILABLE
    assert "soft stop timeout" in caplog.text


async def test_jobs_finishing_within_soft_stop_timeout_complete(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema, soft_stop_timeout=30.0)
    await client.start()
    res = await client.insert(QuickArgs())
    await wait_for_state(client, res.job.id, river.JobState.RUNNING, river.JobState.COMPLETED)
    await client.stop()
    assert (await client.job_get(res.job.id)).state is river.JobState.COMPLETED


@pytest.mark.parametrize("value", [0, -1.0])
def test_soft_stop_timeout_must_be_positive(value: float) -> None:
    with pytest.raises(river.ConfigError, match="soft_stop_timeout must be positive"):
        river.Config(soft_stop_timeout=value).validate()


# -- stopped() --------------------------------------------------------------------------


async def test_stopped_completes_once_the_client_has_stopped(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    assert client.stopped().is_set()  # never started
    await client.start()
    signal = client.stopped()
    assert not signal.is_set()
    assert not await signal.wait(0.05)
    await client.stop()
    assert signal.is_set()
    assert await signal.wait(0)
    assert await signal.wait()
    if True:  # ASYNC
        assert await client.stopped() is True
    await client.start()
    assert not client.stopped().is_set()  # a new run
    await client.stop_and_cancel()
    assert client.stopped().is_set()


# -- request_resign ---------------------------------------------------------------------


async def test_request_resign_makes_the_leader_resign(adriver: Any, schema: str) -> None:
    leader = _client(adriver, schema)
    other = river.AsyncClient(adriver, river.Config(schema=schema))
    async with started(leader):
        await wait_for(_is_leader(leader))
        terms = _count_terms(leader)
        await other.notify.request_resign()
        await wait_for(_gave_up(terms))


async def test_request_resign_tx_is_sent_when_the_transaction_commits(
    adriver: Any, schema: str
) -> None:
    leader = _client(adriver, schema)
    async with started(leader):
        await wait_for(_is_leader(leader))
        terms = _count_terms(leader)
        async with user_tx(adriver, rollback=True) as tx:
            await leader.notify.request_resign_tx(tx)
        await asleep(0.3)  # a sent request arrives within milliseconds
        assert terms == [] and leader.is_leader
        async with user_tx(adriver) as tx:
            await leader.notify.request_resign_tx(tx)
        await wait_for(_gave_up(terms))


async def test_request_resign_reaches_its_own_poll_only_leader(adriver: Any, schema: str) -> None:
    leader = _client(adriver, schema, poll_only=True)
    async with started(leader):
        await wait_for(_is_leader(leader))
        terms = _count_terms(leader)
        await leader.notify.request_resign()
        await wait_for(_gave_up(terms))


def _is_leader(client: Any) -> Any:
    async def check() -> bool:
        return bool(client.is_leader)

    return check


def _count_terms(client: Any) -> list[bool]:
    """Records the elector's leadership changes from now on."""
    changes: list[bool] = []
    elector = client._elector
    notify = elector._on_change

    def on_change(leader: bool) -> None:
        changes.append(leader)
        notify(leader)

    elector._on_change = on_change
    return changes


def _gave_up(changes: list[bool]) -> Any:
    async def check() -> bool:
        return False in changes

    return check


# -- the reindexer's settings -----------------------------------------------------------


def _reindexers(client: Any, schema: str) -> list[AsyncReindexer]:
    return list(client._reindexers(schema))


async def test_reindexer_defaults_are_rivers(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    [reindexer] = _reindexers(client, schema)
    assert reindexer.indexes == REINDEXER_INDEX_NAMES_DEFAULT
    assert "river_job_kind" in reindexer.indexes
    assert reindexer.timeout == 60.0
    import datetime as dt

    after = dt.datetime(2026, 5, 1, 13, 30, tzinfo=dt.UTC)
    assert reindexer.schedule.next(after) == dt.datetime(2026, 5, 2, tzinfo=dt.UTC)


async def test_reindexer_settings_are_taken_from_config(adriver: Any, schema: str) -> None:
    import datetime as dt

    client = _client(
        adriver, schema, reindexer_schedule="30 3 * * *",
        reindexer_index_names=["river_job_kind"], reindexer_timeout=dt.timedelta(seconds=5),
    )
    [reindexer] = _reindexers(client, schema)
    assert reindexer.indexes == ("river_job_kind",)
    assert reindexer.timeout == 5.0
    after = dt.datetime(2026, 5, 1, 13, 30, tzinfo=dt.UTC)
    assert reindexer.schedule.next(after) == dt.datetime(2026, 5, 2, 3, 30, tzinfo=dt.UTC)
    every = river.PeriodicInterval(dt.timedelta(hours=6))
    [custom] = _reindexers(_client(adriver, schema, reindexer_schedule=every), schema)
    assert custom.schedule is every
    assert _reindexers(_client(adriver, schema, reindexer_enabled=False), schema) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"reindexer_schedule": "not cron"}, "invalid cron expression"),
        ({"reindexer_schedule": 5}, "reindexer_schedule must be"),
        ({"reindexer_timeout": 0}, "reindexer_timeout must be positive"),
        ({"reindexer_index_names": "river_job_kind"}, "reindexer_index_names must be"),
        ({"reindexer_index_names": [""]}, "reindexer_index_names must be"),
    ],
)
def test_reindexer_settings_are_validated(options: dict[str, Any], message: str) -> None:
    with pytest.raises(river.ConfigError, match=message):
        river.Config(**options).validate()


async def test_reindexer_rebuilds_the_configured_indexes(aexecutor: Any, schema: str) -> None:
    reindexer = AsyncReindexer(aexecutor, schema_name=schema, indexes=["river_job_kind"])
    assert await reindexer.run_once() == 1
    assert await AsyncReindexer(aexecutor, schema_name=schema, indexes=[]).run_once() == 0


async def test_reindexer_cancels_a_rebuild_past_its_timeout(
    adriver: Any, aexecutor: Any, schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    reindexer = AsyncReindexer(
        aexecutor, schema_name=schema, indexes=["river_job_kind"], timeout=0.3
    )
    # An open transaction holding the table's SHARE UPDATE EXCLUSIVE lock blocks the
    # concurrent rebuild until the timeout cancels it.
    async with user_tx(adriver, rollback=True) as tx:
        blocker = adriver.unwrap_executor(tx, schema)
        await blocker.exec_script(
            f'LOCK TABLE "{schema}".river_job IN SHARE UPDATE EXCLUSIVE MODE'
        )
        with caplog.at_level(logging.WARNING, logger="river"):
            assert await reindexer.run_once() == 0
    assert "took longer than 0.3s; cancelling it" in caplog.text
    assert "rebuilding river_job_kind failed" in caplog.text
