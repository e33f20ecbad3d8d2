"""Which queues an insert notifies now, and which later (trailing edge), never none.

A client sends at most a token bucket's worth of ``river_insert`` notifications per queue
(``token_bucket.BURST`` at once, then one per ``fetch_cooldown``). An insert whose
notification the bucket holds back leaves its queue pending: the notification is sent as
soon as the queue's next token comes, so a job inserted just after another is still
announced, a cooldown later at most, rather than waiting for the producers' poll.

Pure and thread-safe (the sync client inserts from many threads while a flusher thread
sends the held-back notifications); the caller passes the monotonic time in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from river._internal.producer.token_bucket import BURST, TokenBucket


class InsertNoticeLimiter:
    def __init__(self, cooldown: float, burst: int = BURST) -> None:
        self._cooldown = cooldown
        self._burst = burst
        self._buckets: dict[str, TokenBucket] = {}
        self._pending: set[str] = set()
        self._flushing = False
        self._lock = threading.Lock()

    def _bucket(self, queue: str, now: float) -> TokenBucket:
        bucket = self._buckets.get(queue)
        if bucket is None:
            bucket = self._buckets[queue] = TokenBucket(self._cooldown, now, self._burst)
        return bucket

    def admit(self, queues: Iterable[str], now: float) -> tuple[list[str], bool]:
        """The queues to notify with this insert (sorted), and whether the caller must
        start a flusher for the queues held back (none is running)."""
        send: list[str] = []
        with self._lock:
            for q in queues:
                if q in self._pending:
                    continue  # the flusher will announce this insert too
                if self._bucket(q, now).take(now):
                    send.append(q)
                else:
                    self._pending.add(q)
            start = bool(self._pending) and not self._flushing
            if start:
                self._flushing = True
        return sorted(send), start

    def give_back(self, queues: Iterable[str]) -> None:
        """The insert that would have notified ``queues`` failed: the next one may."""
        with self._lock:
            for q in queues:
                bucket = self._buckets.get(q)
                if bucket is not None:
                    bucket.give_back()

    def next_due(self, now: float) -> float | None:
        """Seconds until a held-back notification may be sent; None: none is held back
        (the flusher then stops, and the next held-back one starts another)."""
        with self._lock:
            if not self._pending:
                self._flushing = False
                return None
            return min(self._bucket(q, now).wait(now) for q in self._pending)

    def take_due(self, now: float) -> list[str]:
        """The held-back queues whose token has come (sorted), no longer pending."""
        with self._lock:
            due = sorted(q for q in self._pending if self._bucket(q, now).take(now))
            self._pending.difference_update(due)
            return due

    def stop(self) -> list[str]:
        """The flusher is gone for good (it failed or was cancelled): the queues it
        held back, no longer pending, so that the next insert may start another."""
        with self._lock:
            left = sorted(self._pending)
            self._pending.clear()
            self._flushing = False
            return left
