"""A batch's unique keys without a database: which jobs the unique index holds, which
repeat an earlier one, and which job a database's unique violation names."""

from __future__ import annotations

import hashlib
from typing import Any

from river.driver.params import JobInsertFastParams
from river.driver.unique_batch import (
    STATE_BITS,
    BatchKeys,
    first_of_repeats,
    indexed_key,
    without_repeats,
)
from river.types import JobState

KEY = hashlib.sha256(b"a").digest()
OTHER = hashlib.sha256(b"b").digest()


def _job(key: bytes | None = KEY, states: int | None = 0xF5, **kw: Any) -> JobInsertFastParams:
    return JobInsertFastParams(
        encoded_args="{}", kind="k", unique_key=key, unique_states=states, **kw
    )


def test_state_bits_are_rivers_layout() -> None:
    # River's unique_states bitmask: available is the lowest bit, then alphabetical order.
    assert [STATE_BITS[s] for s in sorted(STATE_BITS, key=lambda s: s.value)] == [
        1 << i for i in range(8)
    ]
    assert STATE_BITS[JobState.AVAILABLE] == 1


def test_indexed_key_needs_a_key_states_and_the_state_among_them() -> None:
    assert indexed_key(_job()) == KEY
    assert indexed_key(_job(key=None)) is None
    assert indexed_key(_job(key=b"")) is None
    assert indexed_key(_job(states=None)) is None
    assert indexed_key(_job(states=0)) is None
    assert indexed_key(_job(states=0x80, state=JobState.SCHEDULED)) == KEY
    assert indexed_key(_job(states=0x80)) is None  # available is not among them


def test_repeats_point_at_the_first_job_with_the_key() -> None:
    params = [_job(), _job(OTHER), _job(key=None), _job(states=0x80), _job(), _job(OTHER)]
    assert first_of_repeats(params) == [None, None, None, None, 0, 1]
    sent, repeats = without_repeats(params)
    assert list(sent) == params[:4] and repeats == [None, None, None, None, 0, 1]
    plain = [_job(), _job(OTHER), _job(key=None)]
    assert first_of_repeats(plain) is None
    assert without_repeats(plain) == (plain, None)


def test_conflict_names_the_job_holding_the_reported_key() -> None:
    keys = BatchKeys()
    keys.add([_job(key=None), _job(OTHER)])
    keys.add([_job()])
    detail = f"Key (unique_key)=(\\x{KEY.hex()}) already exists."
    err = keys.conflict("river_job_unique_idx", detail)
    assert err is not None and (err.index, err.unique_key, err.kind) == (2, KEY, "k")
    # Another index's violation is not a unique job's.
    assert keys.conflict("some_other_idx", detail) is None
    # Without a key in the detail, only a lone unique job is certain.
    unnamed = keys.conflict(None, None)
    assert unnamed is not None and unnamed.index is None and "did not say which" in str(unnamed)
    lone = BatchKeys()
    lone.add([_job(key=None), _job()])
    err = lone.conflict(None, "Key (unique_key)=(escaped bytes) already exists.")
    assert err is not None and (err.index, err.unique_key) == (1, KEY)
