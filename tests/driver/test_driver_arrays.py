"""Array parameters sent as literals read back exactly as the lists they came from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from river.driver.arrays import with_array_literals

TRICKY = ["", "plain", 'quo"te', "back\\slash", "{braces}", "a,b", "NULL", " sp ", "ü→✓", None]


def test_literals_by_element_type() -> None:
    now = dt.datetime(2026, 11, 30, 1, 2, 3, 456789, tzinfo=dt.UTC)
    out = with_array_literals({
        "i": [1, -2], "b": [True, False], "t": ['a"b', None], "d": [now], "e": [],
        "x": [b"\x00"], "n": 5,
    })
    assert out["i"] == "{1,-2}" and out["b"] == "{t,f}" and out["e"] == "{}"
    assert out["t"] == '{"a\\"b",NULL}'
    assert out["d"] == '{"2026-11-30T01:02:03.456789+00:00"}'
    assert out["x"] == [b"\x00"] and out["n"] == 5  # left to the driver


def test_round_trip_through_the_database(executor: Any) -> None:
    now = dt.datetime(2026, 11, 30, 1, 2, 3, 456789, tzinfo=dt.UTC)
    row = executor.fetch_one(
        "SELECT @t::text[], @i::bigint[], @b::boolean[], @d::timestamptz[], @e::text[]",
        {"t": TRICKY, "i": [0, 2**62], "b": [False, True], "d": [now], "e": []},
    )
    assert list(row) == [TRICKY, [0, 2**62], [False, True], [now], []]
