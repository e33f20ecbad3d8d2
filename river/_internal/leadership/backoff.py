"""How long a service waits after consecutive failures."""

from __future__ import annotations

import random

ERROR_BACKOFF_MAX = 5.0


def error_backoff(errors: int, cap: float = ERROR_BACKOFF_MAX) -> float:
    """Seconds to wait after ``errors`` consecutive failures: 1, 2, 4, … capped, jittered."""
    base = min(cap, 2.0 ** (errors - 1))
    return base * random.uniform(0.9, 1.1)
