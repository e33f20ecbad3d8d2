"""What both colours of elector share that does no I/O: the lease settings, the
leadership state, the reading of ``river_leadership`` messages and the wait after
consecutive failures."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Mapping
from typing import Any

from river._internal.notifier.notification import TOPIC_LEADERSHIP, channel, parse_leadership
from river.driver.params import LeaderElectParams

ELECT_INTERVAL = 5.0
ELECT_JITTER = 1.0
TTL = 15.0  # River: the interval plus 10s
# The leader stops trusting its lease this long before it expires (less for short test
# leases, so that they stay usable).
TRUST_MARGIN = 1.0

ERROR_BACKOFF_MAX = 5.0


def error_backoff(errors: int, cap: float = ERROR_BACKOFF_MAX) -> float:
    """Seconds to wait after ``errors`` consecutive failures: 1, 2, 4, … capped, jittered."""
    base = min(cap, 2.0 ** (errors - 1))
    return base * random.uniform(0.9, 1.1)


class ElectorBase:
    def __init__(
        self,
        client_id: str,
        *,
        schema_name: str,
        on_change: Callable[[bool], None],
        logger: logging.Logger | None,
        interval: float,
        ttl: float,
        jitter: float,
    ) -> None:
        if ttl <= interval:
            raise ValueError(f"leader ttl ({ttl}s) must exceed the elect interval ({interval}s)")
        self._client_id = client_id
        self._topic = channel(schema_name, TOPIC_LEADERSHIP)
        self._on_change = on_change
        self._logger = logger or logging.getLogger("river.elector")
        self._interval = interval
        self._ttl = ttl
        self._jitter = jitter
        self._trust = ttl - min(TRUST_MARGIN, ttl / 4)
        # Why the loop was woken.
        self._stopping = False
        self._leader_resigned = False
        self._resign_requested = False
        self._is_leader = False
        self._trust_until = 0.0

    @property
    def is_leader(self) -> bool:
        return self._is_leader

    def _heard(self, payload: Mapping[str, Any] | str) -> bool:
        """Note what a ``river_leadership`` payload asks; whether the loop must wake."""
        notice = parse_leadership(dict(payload) if isinstance(payload, Mapping) else payload)
        if notice.action == "resigned" and notice.leader_id != self._client_id:
            self._leader_resigned = True
            return True
        if notice.action == "request_resign" and notice.leader_id in ("", self._client_id):
            # River's request carries no leader id: it is meant for whoever leads.
            if self._is_leader:
                self._resign_requested = True
                return True
        return False

    def _params(self) -> LeaderElectParams:
        return LeaderElectParams(leader_id=self._client_id, ttl=dt.timedelta(seconds=self._ttl))

    def _set_leader(self, leader: bool) -> None:
        if leader == self._is_leader:
            return
        self._is_leader = leader
        self._logger.info("river: elector: %s leadership", "gained" if leader else "gave up")
        try:
            self._on_change(leader)
        except Exception:
            self._logger.exception("river: elector: leadership change callback failed")
