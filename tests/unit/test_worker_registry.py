"""The worker registry: a kind, or one of its aliases, registered twice is refused, and
a refused worker leaves the registry unchanged (River v0.50's ``AddWorkerSafely``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import river


@dataclass
class FirstArgs:
    kind = "first"
    kind_aliases = ("first_old",)


@dataclass
class SecondArgs:
    kind = "second"
    kind_aliases = ("second_old", "first_old")


@dataclass
class SelfAliasArgs:
    kind = "self"
    kind_aliases = ("self",)


class FirstWorker(river.Worker[FirstArgs]):
    def work(self, job: river.Job[FirstArgs]) -> None:
        pass


class SecondWorker(river.Worker[SecondArgs]):
    def work(self, job: river.Job[SecondArgs]) -> None:
        pass


class SelfAliasWorker(river.Worker[SelfAliasArgs]):
    def work(self, job: river.Job[SelfAliasArgs]) -> None:
        pass


def test_conflicting_alias_leaves_the_registry_unchanged() -> None:
    workers = river.Workers()
    first = FirstWorker()
    workers.add(first)
    err = workers.add_safely(SecondWorker())
    assert isinstance(err, river.ConfigError) and "'first_old' is already registered" in str(err)
    assert workers.kinds() == ["first", "first_old"]
    assert workers.get("second") is None and workers.get("second_old") is None
    entry = workers.get("first_old")
    assert entry is not None and entry[0] is first
    with pytest.raises(river.ConfigError, match="'first_old' is already registered"):
        workers.add(SecondWorker())


def test_a_kind_named_twice_by_one_worker_is_refused() -> None:
    workers = river.Workers()
    err = workers.add_safely(SelfAliasWorker())
    assert isinstance(err, river.ConfigError) and "'self'" in str(err)
    assert workers.kinds() == []
