# WARNING: this file is generated from 'elector_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Leader election over the ``river_leader`` row (River's elector): one leader per schema.

Every client runs an elector. A follower tries to insert the row (after deleting an expired
one) every ``interval`` seconds plus up to ``jitter``, or 0-50ms after another leader's
``resigned`` notification. The leader extends its ``ttl``-second lease every ``interval``
and steps down when that fails, or when it could not extend it before its local trust
deadline (``ttl`` minus 1s) passed. When it stops, or on a ``request_resign`` notification, it
deletes the row and notifies ``resigned``. Without notifications (poll-only) followers
notice a departed leader once its lease expires.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from river._acompat import Event, gather, sleep, spawn
from river._internal.leadership.elector_base import (
    ELECT_INTERVAL,
    ELECT_JITTER,
    TTL,
    ElectorBase,
    error_backoff,
)
from river._internal.notifier.notification import TOPIC_LEADERSHIP
from river._internal.notifier.notifier import Notifier
from river.driver.executor import Executor
from river.driver.params import LeaderResignParams

RESIGNED_WAKE_MAX = 0.05
RESIGN_ATTEMPTS = 3


class Elector(ElectorBase):
    """Elects one leader among the clients of a schema and reports changes.

    ``on_change(is_leader)`` is called on every transition (from the elector's task or
    thread). ``handle_notification`` takes the parsed payloads of the
    ``<schema_name>.river_leadership`` channel. ``run()`` returns after ``stop()``, having
    resigned if it led. An elector runs once; make a new one to run again.
    """

    def __init__(
        self,
        executor: Executor,
        client_id: str,
        *,
        schema_name: str,
        on_change: Callable[[bool], None],
        logger: logging.Logger | None = None,
        interval: float = ELECT_INTERVAL,
        ttl: float = TTL,
        jitter: float = ELECT_JITTER,
    ) -> None:
        super().__init__(
            client_id,
            schema_name=schema_name,
            on_change=on_change,
            logger=logger,
            interval=interval,
            ttl=ttl,
            jitter=jitter,
        )
        self._executor = executor
        # One event wakes the loop for every reason; the flags say which.
        self._wake = Event()

    def subscribe(self, notifier: Notifier) -> None:
        """Hear resignations and resign requests (without it, lease expiry is noticed)."""
        notifier.subscribe(TOPIC_LEADERSHIP, self.handle_notification)

    def handle_notification(self, payload: Mapping[str, Any] | str) -> None:
        """React to a ``river_leadership`` payload (a dict, or its JSON text)."""
        if self._heard(payload):
            self._wake.set()

    def stop(self) -> None:
        """Make ``run()`` resign (if leading) and return."""
        self._stopping = True
        self._wake.set()

    def run(self) -> None:
        step_aside = False
        while not self._stopping:
            if not self._follow(step_aside):
                return
            # Cleared before leadership shows: a request heard from then on is kept.
            self._resign_requested = False
            self._set_leader(True)
            # A renewal can hang (a host cut off from the database): the lease still
            # ends on time, and with it this client's belief that it leads.
            led_out = Event()
            watch = spawn(self._watch_trust, led_out, name="river-elector-trust")
            try:
                resign = self._lead()
            finally:
                led_out.set()
                gather(watch)
                self._set_leader(False)
            if resign:
                self._resign()
            # Having resigned (asked to, or unsure of the lease), let the others go first.
            step_aside = resign and (not self._stopping)

    # -- follower ------------------------------------------------------------------------

    def _follow(self, wait_first: bool = False) -> bool:
        """Try to become leader until elected (True) or stopped (False)."""
        errors = 0
        if wait_first:
            # Longer than any follower's polling period, so one of them wins even without
            # notifications.
            self._wake.wait_timeout(2 * self._interval + self._jitter)
            self._wake.clear()
        while not self._stopping:
            started = time.monotonic()
            try:
                with self._executor.transaction() as tx:
                    tx.leader_delete_expired()
                    leader = tx.leader_attempt_elect(self._params())
            except Exception as exc:
                errors += 1
                self._logger.warning("river: elector: election attempt failed: %s", exc)
                self._wake.wait_timeout(error_backoff(errors))
                self._wake.clear()
                continue
            errors = 0
            if leader is not None:
                self._trust_until = started + self._trust
                return True
            self._leader_resigned = False
            self._wake.wait_timeout(self._interval + random.uniform(0, self._jitter))
            self._wake.clear()
            if self._leader_resigned and (not self._stopping):
                # Spread the rush of followers a little, as River does.
                sleep(random.uniform(0, RESIGNED_WAKE_MAX))
        return False

    # -- leader --------------------------------------------------------------------------

    def _lead(self) -> bool:
        """Keep the lease until stopped or asked to resign (True: resign) or until it is
        lost (False)."""
        errors = 0
        wait = self._interval
        while True:
            remaining = self._trust_until - time.monotonic()
            self._wake.wait_timeout(max(0.0, min(wait, remaining)))
            self._wake.clear()
            if self._stopping or self._resign_requested:
                return True
            if time.monotonic() >= self._trust_until:
                if self._is_leader:  # else ``_watch_trust`` has said so
                    self._logger.warning("river: elector: lease not renewed in time; stepping down")
                return True  # the row may still be ours: delete it so another can lead
            started = time.monotonic()
            try:
                leader = self._executor.leader_attempt_reelect(self._params())
            except Exception as exc:
                errors += 1
                self._logger.warning("river: elector: lease renewal failed: %s", exc)
                wait = error_backoff(errors)
                continue
            if leader is None:
                self._logger.warning("river: elector: leadership lost to another client")
                return False
            if not self._is_leader:
                # Renewed too late: leadership was already given up (``_watch_trust``);
                # resign the row and stand for election again.
                return True
            errors = 0
            wait = self._interval
            self._trust_until = started + self._trust

    def _watch_trust(self, led_out: Event) -> None:
        """Give up leadership once the lease is no longer trusted, even while ``_lead``
        waits on the database."""
        while not led_out.is_set():
            remaining = self._trust_until - time.monotonic()
            if remaining <= 0:
                if self._is_leader:
                    self._logger.warning("river: elector: lease not renewed in time; stepping down")
                    self._set_leader(False)
                return
            led_out.wait_timeout(remaining)

    def _resign(self) -> None:
        params = LeaderResignParams(leader_id=self._client_id, leadership_topic=self._topic)
        for attempt in range(1, RESIGN_ATTEMPTS + 1):
            try:
                self._executor.leader_resign(params)
                return
            except Exception as exc:
                self._logger.warning("river: elector: resigning failed: %s", exc)
                if attempt < RESIGN_ATTEMPTS:
                    sleep(error_backoff(attempt))
