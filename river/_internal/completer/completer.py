# WARNING: this file is generated from 'completer_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Batch completer: many job state changes written by one statement (River's BatchCompleter).

Executors hand in a state change per job; a loop flushes every 50ms once 100 are waiting,
at least every 250ms, at once past 5,000, and blocks new ones past 10,000. A change that
frees a slot of a global concurrency limit is written at once (``flush_soon``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from river._acompat import Event, sleep
from river._internal.completer.pending_change import PendingChanges, PendingItem, expand, split
from river._internal.completer.rejected_change import (
    bare,
    is_rejection,
    looks_unstorable,
    replacement,
)
from river._internal.flow.release import release
from river.driver.errors import ConnectionLostError
from river.driver.executor import Executor
from river.driver.params import JobSetStateIfRunningParams
from river.types import JobRow
from river.workflow import Release

TICK = 0.05
FLUSH_MIN = 100
FLUSH_EVERY_TICKS = 5
BATCH_MAX = 5000
BACKLOG_MAX = 10000
# The least time between two writes hurried by flush_soon: the changes that come in
# meanwhile go in one statement rather than one each.
URGENT_GAP = 0.01
RETRIES = 3
CompletedCallback = Callable[[list[tuple[JobRow, Any]]], None]


class BatchCompleter:
    def __init__(
        self,
        executor: Executor,
        on_completed: CompletedCallback,
        logger: logging.Logger,
        wants_rows: Callable[[], bool] = lambda: True,
        insert_topic: str | None = None,
    ) -> None:
        self._executor = executor
        self._on_completed = on_completed
        self._wants_rows = wants_rows
        self._logger = logger
        # Each change with what its event needs, kept only while there are subscribers:
        # otherwise no object per job waits here for full garbage collections to scan.
        self._pending = PendingChanges()
        self._wake = Event()
        self._room = Event()
        self._room.set()
        self._stopping = False
        # What the waiting changes that finish a workflow task or a sequence's job free,
        # by job id: a batch with none of them is written as before, outside a transaction.
        self._releases: dict[int, Release] = {}
        self._insert_topic = insert_topic  # notifies the queues of promoted jobs
        self._urgent = False  # set by flush_soon: write what waits without the tick
        self._flushed_at = 0.0  # when the last write ended (monotonic)

    def full(self) -> bool:
        """Whether the backlog is full (``wait_for_room`` would wait)."""
        return len(self._pending) >= BACKLOG_MAX and (not self._stopping)

    def wait_for_room(self) -> None:
        """Back-pressure: wait while the backlog is full."""
        while len(self._pending) >= BACKLOG_MAX and (not self._stopping):
            self._room.clear()
            self._room.wait_timeout(TICK)

    def wants_info(self) -> bool:
        """Whether ``add`` keeps its ``info`` now (someone subscribes to the rows)."""
        return self._wants_rows()

    def add(
        self, params: JobSetStateIfRunningParams, info: Any, release: Release | None = None
    ) -> None:
        """Queue a state change; ``info`` comes back with the updated row.
        ``release`` marks a change finishing a workflow task or a sequence's job: its
        batch promotes what it frees in the same transaction."""
        if release is not None:
            self._releases[params.id] = release
        n = self._pending.add(params, info if self._wants_rows() else None)
        if n >= BATCH_MAX:  # a full batch goes at once; smaller ones wait for the tick
            self._wake.set()

    def flush_soon(self) -> None:
        """Write the waiting changes now rather than at the tick: a job of a queue with a
        global concurrency limit counts as running, for every client, until its change is
        written. Changes that come in meanwhile go in one write, at least ``URGENT_GAP``
        after the last one."""
        if not self._urgent:  # else a wake-up for an earlier change is still due
            self._urgent = True
            self._wake.set()

    def backlog(self) -> int:
        return len(self._pending)

    def run(self) -> None:
        """Flush until ``stop`` is called, then flush what is left."""
        # River's rule: on each tick, flush once FLUSH_MIN are waiting (and every
        # FLUSH_EVERY_TICKS-th tick whatever waits), then again while that many came in
        # during the flush. Waiting for the tick rather than flushing as soon as FLUSH_MIN
        # are in makes fewer, larger statements under load.
        ticks = 0
        next_tick = time.monotonic() + TICK
        while True:
            deadline = next_tick
            if self._urgent and len(self._pending) > 0:
                deadline = min(deadline, self._flushed_at + URGENT_GAP)
            self._wake.wait_timeout(max(deadline - time.monotonic(), 0.0))
            self._wake.clear()
            if self._stopping:
                break
            urgent = (
                self._urgent
                and len(self._pending) > 0
                and (time.monotonic() >= self._flushed_at + URGENT_GAP)
            )
            if time.monotonic() >= next_tick:
                ticks += 1
                next_tick = time.monotonic() + TICK
                # A change that frees a workflow task's dependents or a sequence's next
                # job goes on the next tick: they wait for it.
                due = (
                    len(self._pending) >= FLUSH_MIN
                    or ticks % FLUSH_EVERY_TICKS == 0
                    or (bool(self._releases) and len(self._pending) > 0)
                    or urgent
                )
            else:  # woken early: a full batch, or changes that free limited slots
                due = len(self._pending) >= BATCH_MAX or urgent
            while due:
                self.flush()
                due = len(self._pending) >= FLUSH_MIN and (not self._stopping)
        for _ in range(RETRIES * 2):  # bounded: a dead database must not hang a stop
            if not self._pending:
                break
            self.flush()
        if self._pending:
            self._logger.error(
                "river: %d job completions could not be written; the rescuer will retry them",
                len(self._pending),
            )

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._room.set()

    def flush(self) -> None:
        self._urgent = False  # before the take: a later flush_soon is for a later change
        batch, infos = self._pending.take()
        self._room.set()
        for start in range(0, len(batch), BATCH_MAX):
            self._flush_batch(batch[start : start + BATCH_MAX], infos)
        self._flushed_at = time.monotonic()

    def _flush_batch(self, batch: list[PendingItem], infos: dict[int, Any]) -> None:
        delay = 0.05
        for attempt in range(1, RETRIES + 1):
            try:
                self._write(batch, infos)
                return
            except Exception as exc:
                if not isinstance(exc, ConnectionLostError) and self._isolate(batch, infos, exc):
                    return
                if attempt == RETRIES:
                    self._logger.error(
                        "river: completing %d jobs failed %d times, will retry: %s",
                        len(batch),
                        attempt,
                        exc,
                        exc_info=exc,
                        extra={"job_ids": [job_id for job_id, _ in batch]},
                    )
                    self._requeue(batch, infos)
                    sleep(delay)
                    return
                self._logger.warning("river: completing %d jobs failed: %s", len(batch), exc)
                sleep(delay)
                delay *= 4

    def _isolate(self, batch: list[PendingItem], infos: dict[int, Any], exc: Exception) -> bool:
        """After a failure that is not a lost connection, find the state changes the
        database rejects (metadata holding NaN, an error text holding a NUL, ...) so that
        they do not hold back the rest of the batch: halves are written apart, and a
        change rejected alone is finalized on its own (``_finalize_rejected``).
        Returns False when the database still fails for another reason (retry as usual)."""
        if len(batch) > 1:
            # The changes holding JSON the database cannot store go apart at once; the
            # batch is halved only when none does (or the rest still fails).
            rest: list[PendingItem] = []
            suspects: list[PendingItem] = []
            for item in batch:
                (suspects if looks_unstorable(item[1]) else rest).append(item)
            if suspects and rest:
                parts = [rest, *([item] for item in suspects)]
            else:
                half = len(batch) // 2
                parts = [batch[:half], batch[half:]]
            for part in parts:
                try:
                    self._write(part, infos)
                except ConnectionLostError:
                    return False
                except Exception as part_exc:
                    if not self._isolate(part, infos, part_exc):
                        return False
            return True
        job_id, change = batch[0]
        return self._finalize_rejected(expand(job_id, change), infos, exc)

    def _finalize_rejected(
        self, params: JobSetStateIfRunningParams, infos: dict[int, Any], exc: Exception
    ) -> bool:
        """Write the state change of one job the database rejected, without the data it
        refused and with the reason in the job's errors: retrying it as it is would fail
        forever and leave the job running until rescued (and worked again)."""
        if not is_rejection(exc):
            return False
        try:  # the attempt the reason is recorded for
            rows = self._executor.job_get_by_id_many([params.id])
        except Exception:
            return False
        attempt = rows[0].attempt if rows else 0
        self._logger.error(
            "river: the database rejected the state change of job %d (%s); writing it without the data it refused, the reason in the job's errors",
            params.id,
            exc,
            exc_info=exc,
            extra={"job_id": params.id},
        )
        replaced = replacement(params, attempt, exc)
        try:
            self._write([(params.id, replaced)], infos)
            return True
        except Exception as again:
            if not is_rejection(again):
                return False
            exc = again
        try:
            self._write([(params.id, bare(params, attempt, exc))], infos)
        except Exception:
            return False
        return True

    def _write(self, batch: list[PendingItem], infos: dict[int, Any]) -> None:
        returning = self._wants_rows()
        finished = self._releases
        freed = [finished[job_id] for job_id, _ in batch if job_id in finished] if finished else []
        if freed:
            # What a job frees is promoted in the transaction that finishes it.
            with self._executor.transaction() as tx:
                rows = self._write_on(tx, batch, returning)
                release(tx, freed, insert_topic=self._insert_topic)
            for job_id, _ in batch:
                finished.pop(job_id, None)
        else:
            rows = self._write_on(self._executor, batch, returning)
        if not rows:  # nobody asked for them (no subscribers): nothing to hand on
            return
        done_at = time.monotonic()
        self._on_completed([(row, (infos.get(row.id), done_at)) for row in rows])

    @staticmethod
    def _write_on(executor: Executor, batch: list[PendingItem], returning: bool) -> list[JobRow]:
        # Plain completions (the common case) go through the lighter statement; anything
        # else through River's general one.
        ids, finalized_at, attempts, other = split(batch)
        rows: list[JobRow] = []
        if ids:
            rows += executor.job_complete_many_at(
                ids, finalized_at, returning=returning, running_attempts=attempts
            )
        if other:
            rows += executor.job_set_state_if_running_many(other, returning=returning)
        return rows

    def _requeue(self, batch: list[PendingItem], infos: dict[int, Any]) -> None:
        self._pending.put_back(batch, infos)  # a newer change for a job, come in since, wins
