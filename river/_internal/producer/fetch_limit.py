"""How many jobs one fetch locks (River's producer locks every free slot at once).

While jobs wait, a fetch locks at most half of ``max_workers`` and the producer fetches
again at once if slots are still free: the next fetch then runs in the database while the
jobs of this one run in the client, instead of the two taking turns. A queue that is not
backed up still gets every free slot in one fetch.
"""

from __future__ import annotations


def fetch_limit(free_slots: int, max_workers: int, *, backlog: bool) -> int:
    """Jobs to lock in the next fetch, given the free slots and whether the last fetch
    came back full (jobs are probably waiting)."""
    if not backlog:
        return free_slots
    return min(free_slots, max(1, (max_workers + 1) // 2))
