"""A client's intervals resolved once, in seconds, from its ``Config``.

``Config``'s fields hold the defaults (River's) and ``Config.validate`` has checked them,
so nothing here restates a default: a queue's own ``fetch_cooldown`` or
``fetch_poll_interval`` wins, else the client's. Built once per client (``Settings.of``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from river.concurrency import ConcurrencyConfig
from river.config import Config, Duration, QueueConfig, seconds


def _seconds(d: Duration) -> float:
    return d.total_seconds() if isinstance(d, dt.timedelta) else float(d)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProducerSettings:
    """What one queue's producer is built with."""

    max_workers: int
    fetch_cooldown: float
    fetch_poll_interval: float
    queue_report_interval: float
    queue_poll_interval: float
    concurrency: ConcurrencyConfig | None

    def as_kwargs(self) -> dict[str, Any]:
        """The settings as the producer's keyword arguments."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """A client's ``Config`` intervals, in seconds."""

    fetch_cooldown: float
    fetch_poll_interval: float
    queue_report_interval: float
    queue_poll_interval: float

    @classmethod
    def of(cls, config: Config) -> Settings:
        return cls(
            fetch_cooldown=_seconds(config.fetch_cooldown),
            fetch_poll_interval=_seconds(config.fetch_poll_interval),
            queue_report_interval=_seconds(config.queue_report_interval),
            queue_poll_interval=_seconds(config.queue_poll_interval),
        )

    def for_queue(self, qc: QueueConfig) -> ProducerSettings:
        """The producer settings of a queue: its own intervals, else the client's."""
        return ProducerSettings(
            max_workers=qc.max_workers,
            # Unset (None, or zero) is the client's.
            fetch_cooldown=seconds(qc.fetch_cooldown) or self.fetch_cooldown,
            fetch_poll_interval=seconds(qc.fetch_poll_interval) or self.fetch_poll_interval,
            queue_report_interval=self.queue_report_interval,
            queue_poll_interval=self.queue_poll_interval,
            concurrency=qc.concurrency,
        )
