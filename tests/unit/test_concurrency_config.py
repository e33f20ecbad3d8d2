"""The concurrency options' checks, each error naming the bad field, and how a queue's
metadata override (River UI's JSON) is read."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import river
from river._internal.producer.concurrency_limits import QueueConcurrency
from river.concurrency import concurrency_from_metadata, scan_limit


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"global_limit": 0}, "global_limit"),
        ({"global_limit": -1}, "global_limit"),
        ({"global_limit": 1.5}, "global_limit"),
        ({"global_limit": True}, "global_limit"),
        ({"local_limit": 0}, "local_limit"),
        ({"local_limit": "2"}, "local_limit"),
        ({}, "global_limit"),  # neither limit set
        ({"global_limit": 1, "partition": {"by_kind": True}}, "partition"),
    ],
)
def test_bad_limits_name_the_field(options: dict[str, Any], field: str) -> None:
    with pytest.raises(river.ConcurrencyConfigError) as err:
        river.ConcurrencyConfig(**options)
    assert err.value.field == field
    assert field in str(err.value)
    assert isinstance(err.value, river.ConfigError)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"by_args": "customer_id"}, "partition.by_args"),  # a string, not a list of names
        ({"by_args": ["customer_id", ""]}, "partition.by_args"),
        ({"by_args": ["a", 1]}, "partition.by_args"),
        ({"by_args": ["a", "a"]}, "partition.by_args"),
        ({"by_kind": "yes"}, "partition.by_kind"),
    ],
)
def test_bad_partitions_name_the_field(options: dict[str, Any], field: str) -> None:
    with pytest.raises(river.ConcurrencyConfigError) as err:
        river.PartitionConfig(**options)
    assert err.value.field == field
    assert field in str(err.value)


def test_queue_config_refuses_a_concurrency_of_another_type() -> None:
    config = river.QueueConfig(max_workers=2, concurrency={"global_limit": 1})  # type: ignore[arg-type]
    with pytest.raises(river.ConfigError, match=r"concurrency must be a river\.ConcurrencyConfig"):
        config.validate("q")


def test_good_config_keeps_its_values() -> None:
    config = river.ConcurrencyConfig(
        global_limit=3,
        local_limit=1,
        partition=river.PartitionConfig(by_args=["customer_id", "region"], by_kind=True),
    )
    assert config.partition.by_args == ("customer_id", "region")
    assert config.partition.partitioned
    river.QueueConfig(max_workers=2, concurrency=config).validate("q")


def test_metadata_as_river_ui_writes_it() -> None:
    parsed = concurrency_from_metadata(
        {"global_limit": 5, "local_limit": 0, "partition": {"by_args": ["b", "a"], "by_kind": True}}
    )
    assert parsed == river.ConcurrencyConfig(
        global_limit=5, partition=river.PartitionConfig(by_args=["b", "a"], by_kind=True)
    )
    # Limits of 0 and null partitions: no limit at all.
    empty = {"global_limit": 0, "local_limit": 0, "partition": {"by_args": None, "by_kind": None}}
    assert concurrency_from_metadata(empty) is None


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("5", "metadata"),
        ({"global_limit": -2}, "global_limit"),
        ({"global_limit": "5"}, "global_limit"),
        ({"local_limit": 1, "partition": ["kind"]}, "partition"),
        ({"local_limit": 1, "partition": {"by_args": "customer_id"}}, "partition.by_args"),
    ],
)
def test_bad_metadata_names_the_field(value: Any, field: str) -> None:
    with pytest.raises(river.ConcurrencyConfigError) as err:
        concurrency_from_metadata(value)
    assert err.value.field == field


def test_override_wins_and_a_bad_one_keeps_the_configured_limits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    configured = river.ConcurrencyConfig(global_limit=2)
    limits = QueueConcurrency("q", configured, logging.getLogger("river.test"))
    assert limits.limits({}) == configured
    assert limits.limits({"concurrency": {"global_limit": 7}}) == river.ConcurrencyConfig(
        global_limit=7
    )
    assert limits.limits({"concurrency": {"global_limit": 0}}) is None
    with caplog.at_level(logging.ERROR):
        assert limits.limits({"concurrency": {"global_limit": "x"}}) == configured
    assert "ignoring the concurrency in its metadata" in caplog.text
    assert limits.limits({"other": 1}) == configured


def test_a_partitioned_fetch_looks_further_than_it_takes() -> None:
    plain = river.ConcurrencyConfig(global_limit=2)
    parted = river.ConcurrencyConfig(global_limit=2, partition=river.PartitionConfig(by_kind=True))
    assert scan_limit(plain, 10) == 10
    assert scan_limit(parted, 10) > 10
