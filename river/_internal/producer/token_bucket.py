"""A small token bucket: how often something may happen without a fixed gap after each.

Both the producer's fetches and the client's insert notifications are limited by one:
``burst`` may happen at once, and one more each ``interval`` after that. Over any long
span the rate is at most one per ``interval`` (what a fixed cooldown after each event
allows), but an event that comes after a quiet spell never waits out a gap.

Pure: the caller passes the monotonic time in, so a test drives it with a fake clock.
"""

from __future__ import annotations

from typing import Final

#: Fetches (or notifications) a quiet producer (or client) may make at once.
BURST: Final = 4

# Float sums of refills may fall a hair short of a whole token.
_EPSILON: Final = 1e-9


class TokenBucket:
    """``burst`` tokens, one more each ``interval`` seconds up to ``burst``; starts full."""

    __slots__ = ("_burst", "_interval", "_last", "_tokens")

    def __init__(self, interval: float, now: float, burst: int = BURST) -> None:
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self._burst = float(burst)
        self._interval = interval
        self._tokens = float(burst)
        self._last = now

    def _refill(self, now: float) -> None:
        if now > self._last:
            if self._interval > 0:
                self._tokens = min(
                    self._burst, self._tokens + (now - self._last) / self._interval
                )
            else:
                self._tokens = self._burst
            self._last = now

    def tokens(self, now: float) -> float:
        self._refill(now)
        return self._tokens

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0.0: one is there now)."""
        self._refill(now)
        missing = 1.0 - self._tokens
        return 0.0 if missing <= _EPSILON else missing * self._interval

    def take(self, now: float) -> bool:
        """Take a token if there is one; False (nothing taken) if not."""
        self._refill(now)
        if self._tokens < 1.0 - _EPSILON:
            return False
        self._tokens = max(0.0, self._tokens - 1.0)
        return True

    def spend(self, now: float) -> None:
        """Take a token if there is one, and go ahead regardless (a fetch a backlog asks
        for is never held back; it only leaves fewer tokens for the quiet fetches after)."""
        self._refill(now)
        self._tokens = max(0.0, self._tokens - 1.0)

    def give_back(self) -> None:
        """Undo a ``take`` whose event did not happen after all."""
        self._tokens = min(self._burst, self._tokens + 1.0)
