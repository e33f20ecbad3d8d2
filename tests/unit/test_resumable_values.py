"""Cursor values without a database: empty values per type, decoding and encoding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from river.resumable import ResumableState, decode_cursor, encode_cursor, zero_value


@dataclass
class Inner:
    id: int
    name: str


@dataclass
class Outer:
    inner: Inner
    seen: list[int]
    at: dt.datetime | None
    limit: int = 10
    tags: list[str] = field(default_factory=lambda: ["x"])


def test_zero_values_are_gos() -> None:
    assert zero_value(int) == 0 and zero_value(str) == "" and zero_value(float) == 0.0
    assert zero_value(bool) is False and zero_value(dict[str, int]) == {}
    assert zero_value(list[int]) == [] and zero_value(None) is None and zero_value(Any) is None
    assert zero_value(int | None) is None
    # Dataclass fields without defaults get their zero; defaults are kept.
    assert zero_value(Outer) == Outer(inner=Inner(0, ""), seen=[], at=None)


def test_cursor_round_trip_through_json_values() -> None:
    cursor = Outer(Inner(3, "c"), [1, 2], dt.datetime(2026, 1, 2, tzinfo=dt.UTC), limit=5)
    encoded = encode_cursor(cursor)
    assert encoded["inner"] == {"id": 3, "name": "c"}
    assert encoded["at"] == "2026-01-02T00:00:00Z"
    assert decode_cursor(Outer, encoded) == cursor
    assert decode_cursor(float, 3) == 3.0 and decode_cursor(None, {"a": 1}) == {"a": 1}
    with pytest.raises(TypeError):
        decode_cursor(int, "3")


def test_state_follows_rivers_rules() -> None:
    state = ResumableState.from_metadata(
        {"river:resumable_step": "b", "river:resumable_cursor": {"c": 4}}
    )
    assert [state.enter(n, has_cursor=n == "c") for n in ("a", "b")] == [False, False]
    assert state.completed_step == "b" and state.enter("c", has_cursor=True)
    state.finish("c")
    assert state.updates_after_error() == {
        "river:resumable_step": "c", "river:resumable_cursor": None,
    }
    # Metadata another client wrote that is not an object is read as "no progress".
    assert ResumableState.from_metadata(["x"]).resume_matched
