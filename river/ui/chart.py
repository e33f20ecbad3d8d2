"""The throughput chart: jobs finalized per minute over the last hour, as SVG geometry
(stacked bars, one per minute) for the template to draw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from river.types import JobState, MinuteStateCount

SERIES = (JobState.COMPLETED, JobState.DISCARDED, JobState.CANCELLED)
WIDTH = 720
HEIGHT = 160
MINUTES = 60


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    state: str
    title: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    totals: dict[str, int]
    width: int = WIDTH
    height: int = HEIGHT


def throughput_chart(
    counts: Sequence[MinuteStateCount], now: dt.datetime, minutes: int = MINUTES
) -> Chart:
    """Stacked bars for the ``minutes`` whole minutes up to ``now`` (oldest on the left)."""
    last = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
    first = last - dt.timedelta(minutes=minutes - 1)
    per_minute: dict[dt.datetime, dict[JobState, int]] = {}
    totals = {s.value: 0 for s in SERIES}
    for c in counts:
        minute = c.minute.astimezone(dt.UTC)
        if c.state not in SERIES or not first <= minute <= last:
            continue
        per_minute.setdefault(minute, {})[c.state] = c.count
        totals[c.state.value] += c.count
    peak = max((sum(v.values()) for v in per_minute.values()), default=0)
    slot = WIDTH / minutes
    bars: list[Bar] = []
    for i in range(minutes):
        minute = first + dt.timedelta(minutes=i)
        stack = per_minute.get(minute, {})
        bottom = float(HEIGHT)
        for state in SERIES:
            n = stack.get(state, 0)
            if not n:
                continue
            height = HEIGHT * n / peak
            bottom -= height
            bars.append(
                Bar(
                    x=round(i * slot + 1, 2),
                    y=round(bottom, 2),
                    width=round(slot - 2, 2),
                    height=round(height, 2),
                    state=state.value,
                    title=f"{minute:%H:%M} UTC: {n} {state.value}",
                )
            )
    return Chart(bars=bars, peak=peak, totals=totals)
