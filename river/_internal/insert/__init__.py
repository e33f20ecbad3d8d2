"""Insert-side logic: insert params, unique keys and the insert-notice limiter (colour-free)."""
