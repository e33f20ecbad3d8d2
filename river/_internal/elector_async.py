"""Leader election over ``river_leader`` (River's elector): one leader per schema.

Followers try to take the row every 5s (or soon after a ``resigned`` notification); the
leader extends its 15s lease every 5s and deletes it when it stops.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable

from river._acompat import AEvent
from river.driver.executor_async import AsyncExecutor
from river.driver.params import LeaderElectParams, LeaderResignParams

ELECT_INTERVAL = 5.0
TTL = 15.0


class AsyncElector:
    def __init__(
        self,
        executor: AsyncExecutor,
        client_id: str,
        *,
        schema_name: str,
        on_change: Callable[[bool], None],
        logger: logging.Logger,
        interval: float = ELECT_INTERVAL,
        ttl: float = TTL,
    ) -> None:
        self._executor = executor
        self._client_id = client_id
        self._topic = f"{schema_name}.river_leadership"
        self._on_change = on_change
        self._logger = logger
        self._interval = interval
        self._ttl = dt.timedelta(seconds=ttl)
        self._wake = AEvent()
        self._stop = AEvent()
        self.is_leader = False

    def handle_notification(self, payload: dict[str, object]) -> None:
        action = payload.get("action")
        if action == "resigned" and not self.is_leader:
            self._wake.set()
        elif action == "request_resign" and self.is_leader:
            self._resign_requested = True
            self._wake.set()

    async def run(self) -> None:
        self._resign_requested = False
        trust_until = 0.0
        while not self._stop.is_set():
            try:
                if self.is_leader:
                    if self._resign_requested:
                        await self._resign()
                    else:
                        leader = await self._executor.leader_attempt_reelect(self._params())
                        if leader is None or time.monotonic() > trust_until:
                            self._set_leader(False)
                        else:
                            trust_until = time.monotonic() + self._ttl.total_seconds() - 1
                else:
                    async with self._executor.transaction() as tx:
                        await tx.leader_delete_expired()
                        leader = await tx.leader_attempt_elect(self._params())
                    if leader is not None:
                        trust_until = time.monotonic() + self._ttl.total_seconds() - 1
                        self._set_leader(True)
            except Exception as exc:
                self._logger.warning("river: leader election failed: %s", exc)
                if self.is_leader and time.monotonic() > trust_until:
                    self._set_leader(False)
            jitter = 0.0 if self.is_leader else random.uniform(0, 1.0)
            await self._wake.wait_timeout(self._interval + jitter)
            self._wake.clear()
        if self.is_leader:
            try:
                await self._resign()
            except Exception as exc:
                self._logger.warning("river: resigning leadership failed: %s", exc)
                self._set_leader(False)

    async def _resign(self) -> None:
        self._resign_requested = False
        await self._executor.leader_resign(
            LeaderResignParams(leader_id=self._client_id, leadership_topic=self._topic)
        )
        self._set_leader(False)

    def _params(self) -> LeaderElectParams:
        return LeaderElectParams(leader_id=self._client_id, ttl=self._ttl)

    def _set_leader(self, leader: bool) -> None:
        if leader != self.is_leader:
            self.is_leader = leader
            self._logger.info("river: %s leadership", "gained" if leader else "lost")
            self._on_change(leader)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
