"""What an action did to each job it was asked to change, and the notice that says so.

An action reads each job first, then asks the client to change it; every id ends in
exactly one outcome: changed, or skipped with the reason (running, not found, already in
the state asked for, a unique key held by another job). Notices are built from these
outcomes only, never from what the request asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Ids a notice lists per reason before it says "and N more".
IDS_SHOWN = 12

PAST = {"retry": "retried", "cancel": "cancelled", "delete": "deleted"}


@dataclass
class Outcomes:
    """Per-id results of one job action."""

    action: str
    changed: list[int] = field(default_factory=list)
    #: Running jobs a cancel asked to stop: changed, but not cancelled yet.
    stopping: list[int] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)

    def skip(self, id: int, reason: str) -> None:
        self.skipped.setdefault(reason, []).append(id)

    @property
    def total_skipped(self) -> int:
        return sum(len(ids) for ids in self.skipped.values())

    def notice(self) -> dict[str, Any]:
        """The flash notice: a level and its lines."""
        lines = []
        past = PAST[self.action]
        if self.changed:
            lines.append(f"{_jobs(len(self.changed))} {past}: {_ids(self.changed)}.")
        if self.stopping:
            lines.append(
                f"{_jobs(len(self.stopping))} running, told to stop (cancelled once "
                f"the worker returns): {_ids(self.stopping)}."
            )
        for reason, ids in self.skipped.items():
            lines.append(f"{_jobs(len(ids))} not {past} ({reason}): {_ids(ids)}.")
        if not self.changed and not self.stopping and not self.skipped:
            lines.append(f"No job {past}.")
        level = "ok" if not self.skipped else ("warn" if self.changed or self.stopping else "error")
        return {"level": level, "lines": lines}


def _jobs(n: int) -> str:
    return f"{n:,} job" if n == 1 else f"{n:,} jobs"


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:IDS_SHOWN])
    more = len(ids) - IDS_SHOWN
    return shown if more <= 0 else f"{shown} and {more:,} more"


def queue_notice(name: str, action: str, was_paused: bool) -> dict[str, Any]:
    """The notice after pausing or resuming queue ``name``."""
    if action == "pause":
        text = f"Queue {name} was already paused." if was_paused else f"Queue {name} paused."
    else:
        text = f"Queue {name} resumed." if was_paused else f"Queue {name} was not paused."
    return {"level": "ok", "lines": [text]}
