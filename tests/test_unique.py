"""Unique keys and state bitmasks match River Go's algorithm (vectors written out by hand)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from river._internal.unique import (
    DEFAULT_UNIQUE_STATES,
    unique_key,
    unique_key_string,
    unique_states_bitmask,
)
from river.insert_opts import UniqueOpts
from river.types import JobState

ARGS = '{"b":2,"a":1}'
AT = dt.datetime(2024, 5, 1, 12, 7, 30, tzinfo=dt.UTC)
NOW = dt.datetime(2024, 5, 1, 13, 40, 10, tzinfo=dt.UTC)
Q15 = dt.timedelta(minutes=15)


@pytest.mark.parametrize(
    ("opts", "scheduled_at", "expected"),
    [
        (UniqueOpts(by_args=True), None, '&kind=email&args={"a":1,"b":2}'),
        (UniqueOpts(by_args=["b"]), None, '&kind=email&args={"b":2}'),
        (UniqueOpts(by_args=["missing"]), None, "&kind=email&args={}"),
        (UniqueOpts(by_period=Q15), AT, "&kind=email&period=2024-05-01T12:00:00Z"),
        (UniqueOpts(by_period=Q15), None, "&kind=email&period=2024-05-01T13:30:00Z"),
        (UniqueOpts(by_queue=True), None, "&kind=email&queue=default"),
        (
            UniqueOpts(by_state=[JobState.AVAILABLE, JobState.PENDING, JobState.RUNNING,
                                 JobState.SCHEDULED]),
            None,
            "&kind=email",
        ),
        (UniqueOpts(by_args=True, exclude_kind=True), None, '&args={"a":1,"b":2}'),
        (UniqueOpts(by_queue=True, exclude_kind=True), None, "&queue=default"),
        (
            UniqueOpts(by_args=True, by_period=Q15, by_queue=True),
            AT,
            '&kind=email&args={"a":1,"b":2}&period=2024-05-01T12:00:00Z&queue=default',
        ),
        # Go truncates from year 1, not from the Unix epoch: 7 minutes does not divide a
        # day, so the two differ (Unix truncation would give 12:06:00).
        (UniqueOpts(by_period=dt.timedelta(minutes=7)), AT,
         "&kind=email&period=2024-05-01T12:05:00Z"),
    ],
)
def test_unique_key_string(opts: UniqueOpts, scheduled_at: dt.datetime | None,
                           expected: str) -> None:
    got = unique_key_string("email", ARGS, opts, "default", scheduled_at, NOW)
    assert got == expected
    key = unique_key("email", ARGS, opts, "default", scheduled_at, NOW)
    assert key == hashlib.sha256(expected.encode()).digest()


def test_unique_key_digest_literal() -> None:
    key = unique_key("email", ARGS, UniqueOpts(by_args=True), "default", None, NOW)
    assert key.hex() == "d6c89c0dd580c9bb667cba67ae439a47d31abf0a80ef2373f642ee9e91fdb89b"


def test_nested_paths_and_go_escapes() -> None:
    nested = '{"c":{"e":2,"d":1},"a":"x"}'
    opts = UniqueOpts(by_args=["c.d", "a"])
    got = unique_key_string("k", nested, opts, "q", None, NOW)
    assert got == '&kind=k&args={"a":"x","c":{"d":1}}'
    html = '{"html":"\\u003ca\\u0026b\\u003e"}'
    got = unique_key_string("k", html, UniqueOpts(by_args=True), "q", None, NOW)
    assert got == '&kind=k&args={"html":"\\u003ca\\u0026b\\u003e"}'


def test_state_bitmask() -> None:
    assert unique_states_bitmask(DEFAULT_UNIQUE_STATES) == 0xF5
    assert format(0xF5, "08b") == "11110101"
    assert unique_states_bitmask([JobState.AVAILABLE]) == 1
    assert unique_states_bitmask([JobState.SCHEDULED]) == 128
    assert unique_states_bitmask(
        [JobState.AVAILABLE, JobState.PENDING, JobState.RUNNING, JobState.SCHEDULED]
    ) == 209
    assert unique_states_bitmask(list(JobState)) == 255
