"""The shapes the ceiling's minimal loop is measured in, and the best of them.

A queue can fetch in batches of any size over any number of connections; the physical
ceiling is the best of the minimal loops over those shapes, measured in the same run.
Colour-free: both colours of ``sqlloops`` share it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Final

BATCHES: Final = (100, 500, 1000, 2000)
CONNECTIONS: Final = (1, 2, 3, 4)
#: Jobs each shape works at most: every shape does the same work whatever the table's size.
SHAPE_JOBS: Final = 20_000


@dataclass(frozen=True, slots=True)
class Shape:
    batch: int
    connections: int


@dataclass(frozen=True, slots=True)
class ShapeRate:
    shape: Shape
    jobs: int
    seconds: float

    @property
    def jobs_per_sec(self) -> float:
        return self.jobs / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.shape.batch,
            "connections": self.shape.connections,
            "jobs_per_sec": round(self.jobs_per_sec, 1),
        }


def all_shapes() -> list[Shape]:
    return [Shape(b, c) for b in BATCHES for c in CONNECTIONS]


def best(rates: list[ShapeRate]) -> ShapeRate:
    """The fastest shape (the first measured among equals)."""
    if not rates:
        raise ValueError("no shape was measured")
    return max(rates, key=lambda r: r.jobs_per_sec)


class JobBudget:
    """Jobs a shape's loops may still fetch, shared by them (threads in the sync colour)."""

    def __init__(self, jobs: int) -> None:
        self._left = jobs
        self._lock = threading.Lock()

    def take(self, batch: int) -> int:
        """How many jobs the next fetch may lock (0: the shape's work is done)."""
        with self._lock:
            n = max(0, min(batch, self._left))
            self._left -= n
            return n
