"""What a ``river bench`` run has done so far: the line its work phase prints every two
seconds (jobs worked and jobs a second over those seconds, as River Go's bench prints),
and the figures an interrupted run (Ctrl-C) prints instead of its summary."""

from __future__ import annotations

from dataclasses import dataclass

EVERY_SECONDS = 2.0
#: Until nearly every job has started, the work phase asks the database whether jobs are
#: left only every this many of its 20 ms ticks: River Go's bench asks it nothing, and
#: 50 queries a second would count in the run's statements and CPU.
PENDING_CHECK_TICKS = 25


@dataclass
class Tally:
    jobs: int = 0  # the run's size (burn-down)
    inserted: int = 0
    insert_seconds: float = 0.0
    worked: int = 0  # counted by the benchmark's worker as each job runs
    work_started: float | None = None
    _last_at: float = 0.0
    _last_worked: int = 0

    def start_work(self, now: float) -> None:
        self.work_started = self._last_at = now
        self.worked = self._last_worked = 0

    def pending_check_due(self, ticks: int) -> bool:
        """Whether the work phase's ``ticks``-th tick asks the database whether jobs are
        left: every tick once all but 1% of the jobs have started (their completions may
        still be on their way; the sync colour's count, kept without a lock, may miss a
        few), else every ``PENDING_CHECK_TICKS``-th."""
        return self.worked >= self.jobs - self.jobs // 100 or ticks % PENDING_CHECK_TICKS == 0

    def tick(self, now: float) -> str | None:
        """The progress line when two seconds have passed since the last one."""
        if self.work_started is None or now - self._last_at < EVERY_SECONDS:
            return None
        rate = (self.worked - self._last_worked) / (now - self._last_at)
        self._last_at, self._last_worked = now, self.worked
        return (
            f"bench: jobs worked [ {self.worked:,} ], jobs/sec [ {rate:,.1f} ] "
            f"[{now - self.work_started:.0f}s]"
        )

    def partial(self, now: float) -> str:
        """The figures so far, for a run stopped before its end."""
        parts = []
        if self.inserted:
            rate = self.inserted / self.insert_seconds if self.insert_seconds > 0 else 0.0
            parts.append(f"inserted {self.inserted:,} jobs ({rate:,.1f} jobs/sec)")
        if self.work_started is not None:
            seconds = now - self.work_started
            rate = self.worked / seconds if seconds > 0 else 0.0
            parts.append(f"worked {self.worked:,} jobs in {seconds:.1f}s ({rate:,.1f} jobs/sec)")
        return "bench: interrupted: " + ("; ".join(parts) or "before any job was inserted")
