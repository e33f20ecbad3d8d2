"""Unique options as river-queue applies them: the state bitmask, and which options make
a job unique.

The keys themselves are checked against River Go's own, computed by River Go for every
option combination, in ``tests/interop/test_unique_keys.py`` (the ``interop`` env).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from river._internal.insert.insert_params import build_insert_params
from river._internal.insert.unique import DEFAULT_UNIQUE_STATES, unique_key, unique_states_bitmask
from river.insert_opts import InsertOpts, UniqueOpts
from river.types import JobState

ARGS = '{"b":2,"a":1}'
NOW = dt.datetime(2024, 5, 1, 13, 40, 10, tzinfo=dt.UTC)
REQUIRED = [JobState.AVAILABLE, JobState.PENDING, JobState.RUNNING, JobState.SCHEDULED]


def test_state_bitmask() -> None:
    assert unique_states_bitmask(DEFAULT_UNIQUE_STATES) == 0xF5
    assert format(0xF5, "08b") == "11110101"
    expected = {
        JobState.AVAILABLE: 0x01, JobState.CANCELLED: 0x02, JobState.COMPLETED: 0x04,
        JobState.DISCARDED: 0x08, JobState.PENDING: 0x10, JobState.RETRYABLE: 0x20,
        JobState.RUNNING: 0x40, JobState.SCHEDULED: 0x80,
    }
    for state, bit in expected.items():
        assert unique_states_bitmask([state]) == bit
        assert unique_states_bitmask([state.value]) == bit  # type: ignore[list-item]
    assert unique_states_bitmask(REQUIRED) == 0xD1
    assert unique_states_bitmask(list(JobState)) == 0xFF
    assert unique_states_bitmask([]) == 0


@dataclass
class Email:
    kind = "email"
    b: int
    a: int


def test_insert_params_unique_fields() -> None:
    opts = InsertOpts(unique_opts=UniqueOpts(by_args=True, by_state=[*REQUIRED, JobState.COMPLETED]))
    params = build_insert_params(Email(b=2, a=1), opts, now=NOW)
    assert params.encoded_args == ARGS
    assert params.unique_key == unique_key(
        "email", ARGS, UniqueOpts(by_args=True), "default", NOW
    )
    assert params.unique_states == 0xD1 | 0x04
    plain = build_insert_params(Email(b=2, a=1), None, now=NOW)
    assert plain.unique_key is None and plain.unique_states is None
    # exclude_kind alone is "empty": not unique at all.
    alone = InsertOpts(unique_opts=UniqueOpts(exclude_kind=True))
    assert build_insert_params(Email(b=2, a=1), alone, now=NOW).unique_key is None
    # As in Go, an empty (not None) by_state makes the job unique with the default states.
    empty_states = InsertOpts(unique_opts=UniqueOpts(by_state=[]))
    got = build_insert_params(Email(b=2, a=1), empty_states, now=NOW)
    assert got.unique_key == hashlib.sha256(b"&kind=email").digest()
    assert got.unique_states == 0xF5
