"""Unique keys and refusals under each River release's rules (``Config.unique_rules``),
computed without a database. River Go's own keys are compared in
``tests/interop/test_unique_keys.py`` (v0.43 and v0.51.2 peers)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pytest

import river
from river._internal.insert.insert_params import build_insert_params
from river._internal.insert.unique import unique_args_json, unique_key, unique_key_string
from river.errors import ConfigError, InvalidUniqueOptsError
from river.insert_opts import InsertOpts, UniqueOpts
from river.types import JobState
from river.unique_rules import UniqueRules

V043, V048 = UniqueRules.RIVER_0_43, UniqueRules.RIVER_0_48
NOW = dt.datetime(2024, 5, 1, 13, 40, 10, 123456, tzinfo=dt.UTC)
KOLKATA = dt.timezone(dt.timedelta(hours=5, minutes=30))
ST_JOHNS = dt.timezone(-dt.timedelta(hours=2, minutes=30))
HOUR = dt.timedelta(hours=1)
REQUIRED = [JobState.AVAILABLE, JobState.PENDING, JobState.RUNNING, JobState.SCHEDULED]


@dataclass
class Ping:
    kind = "ping"
    n: int = 0


@dataclass
class UniqueByArgs:
    """Args whose own options make them unique by args."""

    kind = "own_unique"
    n: int = 0

    def insert_opts(self) -> InsertOpts:
        return InsertOpts(unique_opts=UniqueOpts(by_args=True))


@pytest.mark.parametrize("zone", [dt.UTC, KOLKATA, ST_JOHNS])
def test_v048_period_is_the_scheduled_times_written_in_utc(zone: dt.tzinfo) -> None:
    opts = UniqueOpts(by_period=HOUR)
    at = (NOW + dt.timedelta(days=3, hours=2)).astimezone(KOLKATA)
    key = unique_key_string("k", "{}", opts, "q", NOW, zone=zone, scheduled_at=at, rules=V048)
    assert key == "&kind=k&period=2024-05-04T15:00:00Z"
    # Not scheduled: the insert time's period, still in UTC.
    plain = unique_key_string("k", "{}", opts, "q", NOW, zone=zone, rules=V048)
    assert plain == "&kind=k&period=2024-05-01T13:00:00Z"
    # In the past too: River Go keys on ScheduledAt whenever it is set.
    past = unique_key_string(
        "k", "{}", opts, "q", NOW, zone=zone, scheduled_at=NOW - 5 * HOUR, rules=V048
    )
    assert past == "&kind=k&period=2024-05-01T08:00:00Z"


def test_v048_truncates_periods_from_year_one_as_go_does() -> None:
    # 90 minutes do not divide a day: the boundaries are counted from 0001-01-01 UTC.
    opts = UniqueOpts(by_period=dt.timedelta(minutes=90), by_queue=True, exclude_kind=True)
    at = dt.datetime(2024, 5, 1, 13, 40, tzinfo=KOLKATA)  # 08:10 UTC
    key = unique_key_string("k", "{}", opts, "q", NOW, scheduled_at=at, rules=V048)
    assert key == "&period=2024-05-01T07:30:00Z&queue=q"


def test_v043_keys_are_unchanged() -> None:
    opts = UniqueOpts(by_period=HOUR)
    at = NOW + dt.timedelta(days=3)
    key = unique_key_string("k", "{}", opts, "q", NOW, zone=KOLKATA, scheduled_at=at)
    # The insert time, shown in the process's zone; the scheduled time plays no part.
    assert key == "&kind=k&period=2024-05-01T18:30:00+05:30"
    assert key == unique_key_string("k", "{}", opts, "q", NOW, zone=KOLKATA, rules=V043)
    assert unique_key("k", "{}", opts, "q", NOW, zone=KOLKATA) == hashlib.sha256(
        key.encode()
    ).digest()


def test_insert_params_key_scheduled_jobs_by_the_rules_given() -> None:
    at = (NOW + dt.timedelta(days=1, hours=3)).astimezone(ST_JOHNS)
    opts = InsertOpts(scheduled_at=at, unique_opts=UniqueOpts(by_period=HOUR))
    v048 = build_insert_params(Ping(), opts, now=NOW, unique_rules=V048)
    assert v048.unique_key == hashlib.sha256(b"&kind=ping&period=2024-05-02T16:00:00Z").digest()
    v043 = build_insert_params(Ping(), opts, now=NOW)
    assert v043.unique_key == unique_key("ping", '{"n":0}', UniqueOpts(by_period=HOUR), "default", NOW)
    assert v043.unique_key != v048.unique_key
    # A naive scheduled_at is UTC, as elsewhere.
    naive = InsertOpts(
        scheduled_at=at.astimezone(dt.UTC).replace(tzinfo=None),
        unique_opts=UniqueOpts(by_period=HOUR),
    )
    assert build_insert_params(Ping(), naive, now=NOW, unique_rules=V048).unique_key == v048.unique_key


@pytest.mark.parametrize("unique", [
    UniqueOpts(exclude_kind=True),
    UniqueOpts(exclude_kind=True, by_state=[*REQUIRED, JobState.COMPLETED]),
    UniqueOpts(exclude_kind=True, by_state=[]),
])
def test_v048_refuses_exclude_kind_without_args_queue_or_period(unique: UniqueOpts) -> None:
    opts = InsertOpts(unique_opts=unique)
    with pytest.raises(InvalidUniqueOptsError, match="exclude_kind needs by_args, by_queue or by_period"):
        build_insert_params(Ping(), opts, now=NOW, unique_rules=V048)
    # v0.43 accepts it: alone it is not unique; with by_state, one kind-less key.
    v043 = build_insert_params(Ping(), opts, now=NOW)
    assert (v043.unique_key is None) == (unique.by_state is None)
    # Unique enforcement off (tests): no unique options at all, so nothing to refuse.
    off = build_insert_params(Ping(), opts, now=NOW, unique_rules=V048, enforce_unique=False)
    assert off.unique_key is None


def test_v048_exclude_kind_alone_in_the_call_does_not_fall_back_to_the_args_options() -> None:
    opts = InsertOpts(unique_opts=UniqueOpts(exclude_kind=True))
    # v0.43: the call's options are empty, so the args' own (by_args) apply.
    v043 = build_insert_params(UniqueByArgs(), opts, now=NOW)
    assert v043.unique_key == unique_key(
        "own_unique", '{"n":0}', UniqueOpts(by_args=True), "default", NOW
    )
    # v0.48 (as River Go): the call's options are not empty, and are refused.
    with pytest.raises(InvalidUniqueOptsError, match="exclude_kind"):
        build_insert_params(UniqueByArgs(), opts, now=NOW, unique_rules=V048)


@pytest.mark.parametrize("rules", [V043, V048])
def test_exclude_kind_with_another_option_is_keyed_alike(rules: UniqueRules) -> None:
    opts = InsertOpts(unique_opts=UniqueOpts(exclude_kind=True, by_queue=True))
    params = build_insert_params(Ping(), opts, now=NOW, unique_rules=rules)
    assert params.unique_key == hashlib.sha256(b"&queue=default").digest()


def test_a_key_given_twice_counts_with_its_first_value_as_in_river_go() -> None:
    # gjson finds the first: River Go v0.43 and v0.51.2 both key {"a":1} here.
    assert unique_args_json('{"a":1,"b":0,"a":2}', True) == '{"a":1,"b":0}'
    assert unique_args_json('{"a":1,"a":2}', ["a"]) == '{"a":1}'
    assert unique_args_json('{"o":{"x":1,"x":2}}', ["o.x"]) == '{"o":{"x":1}}'


def test_config_takes_a_release_or_its_value() -> None:
    assert river.Config().unique_rules_resolved() is V043
    assert river.Config(unique_rules="0.48").unique_rules_resolved() is V048
    assert river.Config(unique_rules=river.UniqueRules.RIVER_0_48).unique_rules_resolved() is V048
    with pytest.raises(ConfigError, match=r"unique_rules must be one of \['0.43', '0.48'\].*'0.51'"):
        river.Config(unique_rules="0.51").validate()
