"""The migration plan decided from the applied versions, without a database."""

from __future__ import annotations

import pytest

from river.migrate import migrations
from river.migrate.plan import find_version, missing, plan

MAIN = migrations()
LATEST = MAIN[-1].version


@pytest.mark.parametrize(
    ("direction", "applied", "target", "steps", "expected"),
    [
        ("up", [], None, None, list(range(1, LATEST + 1))),
        ("up", [1, 2], 4, None, [3, 4]),
        ("up", [1, 2], None, 1, [3]),
        ("up", list(range(1, LATEST + 1)), None, None, []),
        # Up to an applied version does nothing, later pending ones included (River v0.48).
        ("up", [1, 2, 3, 4], 3, None, []),
        ("up", [1, 2, 3, 4], 4, None, []),
        ("down", [1, 2, 3], None, None, [3]),
        ("down", [1, 2, 3], 1, None, [3, 2]),
        ("down", [1, 2, 3], 0, None, [3, 2, 1]),
        ("down", [1, 2, 3], -1, 2, [3, 2]),
        ("down", [], None, None, []),
    ],
)
def test_plan(
    direction: str, applied: list[int], target: int | None, steps: int | None, expected: list[int]
) -> None:
    todo = plan(MAIN, direction, applied, target, steps)  # type: ignore[arg-type]
    assert [m.version for m in todo] == expected


@pytest.mark.parametrize(
    ("direction", "applied", "target", "steps", "message"),
    [
        ("up", [], LATEST + 1, None, "not a valid River migration version"),
        ("up", [], 0, None, "not a valid River migration version"),
        ("down", [1, 2], 3, None, "is not applied"),
        ("down", [1], LATEST + 1, None, "not a valid River migration version"),
        ("up", [], None, -1, "max_steps must be 0 or more"),
    ],
)
def test_plan_refuses(
    direction: str, applied: list[int], target: int | None, steps: int | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plan(MAIN, direction, applied, target, steps)  # type: ignore[arg-type]


def test_missing_and_find_version() -> None:
    assert missing(MAIN, [1, 2], 4) == [3, 4]
    assert missing(MAIN, range(1, LATEST + 1), None) == []
    assert find_version(MAIN, 2).version == 2
    with pytest.raises(ValueError, match="migration 99 not found"):
        missing(MAIN, [], 99)
