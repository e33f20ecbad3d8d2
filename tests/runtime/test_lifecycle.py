# WARNING: this file is generated from 'test_lifecycle_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Stopping and leadership as River does them: ``soft_stop_timeout``, ``stopped()``,
``notify.request_resign()`` and the reindexer's settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import sleep
from river._internal.maintenance.reindexer import Reindexer
from river.config import REINDEXER_INDEX_NAMES_DEFAULT
from tests._client_helpers import make_config, started, user_tx, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class QuickArgs:
    kind = "quick"


@dataclass
class StubbornArgs:
    kind = "stubborn"


class QuickWorker(river.Worker[QuickArgs]):
    def work(self, job: river.Job[QuickArgs]) -> None:
        sleep(0.05)


class StubbornWorker(river.Worker[StubbornArgs]):
    """Runs for up to 60 seconds unless its context is cancelled."""

    def work(self, job: river.Job[StubbornArgs]) -> None:
        for _ in range(3000):
            river.check_cancelled()
            sleep(0.02)


def _workers() -> river.Workers:
    workers = river.Workers()
    workers.add(QuickWorker())
    workers.add(StubbornWorker())
    return workers


def _client(driver: Any, schema: str, **overrides: Any) -> river.Client[Any]:
    return river.Client(driver, make_config(schema, _workers(), **overrides))


# -- soft stop --------------------------------------------------------------------------


def test_stop_escalates_to_cancel_after_soft_stop_timeout(
    driver: Any, schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(driver, schema, soft_stop_timeout=0.3)
    client.start()
    res = client.insert(StubbornArgs())
    wait_for_state(client, res.job.id, river.JobState.RUNNING)
    with caplog.at_level(logging.WARNING, logger="river"):
        client.stop()
    assert not client.started
    # Cancelled by the stop, the job is available again (as with stop_and_cancel).
    job = client.job_get(res.job.id)
    assert job.state is river.JobState.AVAILABLE
    assert "soft stop timeout" in caplog.text


def test_jobs_finishing_within_soft_stop_timeout_complete(driver: Any, schema: str) -> None:
    client = _client(driver, schema, soft_stop_timeout=30.0)
    client.start()
    res = client.insert(QuickArgs())
    wait_for_state(client, res.job.id, river.JobState.RUNNING, river.JobState.COMPLETED)
    client.stop()
    assert client.job_get(res.job.id).state is river.JobState.COMPLETED


@pytest.mark.parametrize("value", [0, -1.0])
def test_soft_stop_timeout_must_be_positive(value: float) -> None:
    with pytest.raises(river.ConfigError, match="soft_stop_timeout must be positive"):
        river.Config(soft_stop_timeout=value).validate()


# -- stopped() --------------------------------------------------------------------------


def test_stopped_completes_once_the_client_has_stopped(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    assert client.stopped().is_set()  # never started
    client.start()
    signal = client.stopped()
    assert not signal.is_set()
    assert not signal.wait(0.05)
    client.stop()
    assert signal.is_set()
    assert signal.wait(0)
    assert signal.wait()
    client.start()
    assert not client.stopped().is_set()  # a new run
    client.stop_and_cancel()
    assert client.stopped().is_set()


# -- request_resign ---------------------------------------------------------------------


def test_request_resign_makes_the_leader_resign(driver: Any, schema: str) -> None:
    leader = _client(driver, schema)
    other = river.Client(driver, river.Config(schema=schema))
    with started(leader):
        wait_for(_is_leader(leader))
        terms = _count_terms(leader)
        other.notify.request_resign()
        wait_for(_gave_up(terms))


def test_request_resign_tx_is_sent_when_the_transaction_commits(driver: Any, schema: str) -> None:
    leader = _client(driver, schema)
    with started(leader):
        wait_for(_is_leader(leader))
        terms = _count_terms(leader)
        with user_tx(driver, rollback=True) as tx:
            leader.notify.request_resign_tx(tx)
        sleep(0.3)  # a sent request arrives within milliseconds
        assert terms == [] and leader.is_leader
        with user_tx(driver) as tx:
            leader.notify.request_resign_tx(tx)
        wait_for(_gave_up(terms))


def test_request_resign_reaches_its_own_poll_only_leader(driver: Any, schema: str) -> None:
    leader = _client(driver, schema, poll_only=True)
    with started(leader):
        wait_for(_is_leader(leader))
        terms = _count_terms(leader)
        leader.notify.request_resign()
        wait_for(_gave_up(terms))


def _is_leader(client: Any) -> Any:

    def check() -> bool:
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

    def check() -> bool:
        return False in changes

    return check


# -- the reindexer's settings -----------------------------------------------------------


def _reindexers(client: Any, schema: str) -> list[Reindexer]:
    return list(client._reindexers(schema))


def test_reindexer_defaults_are_rivers(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    [reindexer] = _reindexers(client, schema)
    assert reindexer.indexes == REINDEXER_INDEX_NAMES_DEFAULT
    assert "river_job_kind" in reindexer.indexes
    assert reindexer.timeout == 60.0
    import datetime as dt

    after = dt.datetime(2026, 5, 1, 13, 30, tzinfo=dt.UTC)
    assert reindexer.schedule.next(after) == dt.datetime(2026, 5, 2, tzinfo=dt.UTC)


def test_reindexer_settings_are_taken_from_config(driver: Any, schema: str) -> None:
    import datetime as dt

    client = _client(
        driver,
        schema,
        reindexer_schedule="30 3 * * *",
        reindexer_index_names=["river_job_kind"],
        reindexer_timeout=dt.timedelta(seconds=5),
    )
    [reindexer] = _reindexers(client, schema)
    assert reindexer.indexes == ("river_job_kind",)
    assert reindexer.timeout == 5.0
    after = dt.datetime(2026, 5, 1, 13, 30, tzinfo=dt.UTC)
    assert reindexer.schedule.next(after) == dt.datetime(2026, 5, 2, 3, 30, tzinfo=dt.UTC)
    every = river.PeriodicInterval(dt.timedelta(hours=6))
    [custom] = _reindexers(_client(driver, schema, reindexer_schedule=every), schema)
    assert custom.schedule is every
    assert _reindexers(_client(driver, schema, reindexer_enabled=False), schema) == []


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


def test_reindexer_rebuilds_the_configured_indexes(executor: Any, schema: str) -> None:
    reindexer = Reindexer(executor, schema_name=schema, indexes=["river_job_kind"])
    assert reindexer.run_once() == 1
    assert Reindexer(executor, schema_name=schema, indexes=[]).run_once() == 0


def test_reindexer_cancels_a_rebuild_past_its_timeout(
    driver: Any, executor: Any, schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    reindexer = Reindexer(executor, schema_name=schema, indexes=["river_job_kind"], timeout=0.3)
    # An open transaction holding the table's SHARE UPDATE EXCLUSIVE lock blocks the
    # concurrent rebuild until the timeout cancels it.
    with user_tx(driver, rollback=True) as tx:
        blocker = driver.unwrap_executor(tx, schema)
        blocker.exec_script(f'LOCK TABLE "{schema}".river_job IN SHARE UPDATE EXCLUSIVE MODE')
        with caplog.at_level(logging.WARNING, logger="river"):
            assert reindexer.run_once() == 0
    assert "took longer than 0.3s; cancelling it" in caplog.text
    assert "rebuilding river_job_kind failed" in caplog.text
